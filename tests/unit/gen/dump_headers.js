// Creates a feed directory with the reference (ddatabase@10.0.4) and prints the first 32 bytes
// of tree, signatures and bitfield as hex, one "name hex" line each.
// Usage: NODE_PATH=tests/interop/node_modules node dump_headers.js [DIR]
const fs = require('fs')
const os = require('os')
const path = require('path')
const ddatabase = require('ddatabase')

const dir = process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'ddb-hdr-'))
const feed = ddatabase(dir)
feed.append(['a', 'b', 'c'], (err) => {
  if (err) throw err
  feed.close(() => {
    for (const name of ['tree', 'signatures', 'bitfield']) {
      const buf = fs.readFileSync(path.join(dir, name))
      console.log(name, buf.subarray(0, 32).toString('hex'), buf.length)
    }
  })
})
