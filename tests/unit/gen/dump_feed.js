// Writes a feed with the reference (ddatabase@10.0.4) and dumps its files as hex, for fixtures in
// tests/unit/test_feed_files.cpp.
// Usage: NODE_PATH=tests/interop/node_modules node dump_feed.js DIR [BLOCK...]
// (blocks default to "a" .. "f"). Prints "name size hex" for tree, signatures, bitfield
// (bitfield: header and first 64 bytes of page 0, plus the tree bits' first 8 bytes).
const fs = require('fs')
const path = require('path')
const ddatabase = require('ddatabase')

const dir = process.argv[2]
const blocks = process.argv.length > 3 ? process.argv.slice(3) : ['a', 'b', 'c', 'd', 'e', 'f']
const feed = ddatabase(dir)
feed.append(blocks, (err) => {
  if (err) throw err
  feed.close(() => {
    for (const name of ['tree', 'signatures', 'bitfield', 'data']) {
      const buf = fs.readFileSync(path.join(dir, name))
      let hex = buf.toString('hex')
      if (name === 'bitfield') {
        hex = buf.subarray(0, 32 + 8).toString('hex') + ' tree:' +
          buf.subarray(32 + 1024, 32 + 1024 + 8).toString('hex') + ' index:' +
          buf.subarray(32 + 3072, 32 + 3072 + 8).toString('hex')
      }
      console.log(name, buf.length, hex)
    }
  })
})
