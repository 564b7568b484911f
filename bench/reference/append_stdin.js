'use strict'
// The reference's side of the whole-process append benchmark (bench/whole.sh): what a user of
// ddatabase@10.0.4 writes to do `ddatabase create DIR && ddatabase append DIR < lines`.
//
// Usage: node append_stdin.js DIR < lines
// Creates a feed in DIR and appends one block per stdin line (without its '\n'; a last line
// without '\n' is a block too), one batched feed.append(array) per stdin chunk, each awaited
// before the next chunk is read. Prints the feed's length.
const path = require('path')
const ddatabase = require(path.join(__dirname, '../../tests/interop/node_modules/ddatabase'))

const dir = process.argv[2]
if (!dir) {
  process.stderr.write('usage: append_stdin.js DIR < lines\n')
  process.exit(2)
}

const feed = ddatabase(dir)
const append = (blocks) => new Promise((resolve, reject) => {
  feed.append(blocks, (err) => (err ? reject(err) : resolve()))
})

feed.ready(async (err) => {
  if (err) throw err
  let rest = Buffer.alloc(0)
  for await (const chunk of process.stdin) {
    const data = rest.length ? Buffer.concat([rest, chunk]) : chunk
    const blocks = []
    let start = 0
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      blocks.push(data.subarray(start, nl))
      start = nl + 1
    }
    rest = data.subarray(start)
    if (blocks.length) await append(blocks)
  }
  if (rest.length) await append([rest])
  process.stdout.write(feed.length + '\n')
  feed.close(() => process.exit(0))
})
