'use strict'
// Usage: node ref_read.js DIR [--start S] [--end E] [--expect-count N] [--no-audit] [--blocks]
//
// Opens an existing feed directory (written by us or by the reference; never
// creates one), reads blocks [S, E) (default: all), runs feed.audit() (which
// may rewrite the bitfield, as the reference does; --no-audit skips it) and
// verifies the newest signature. Prints one JSON line:
//   {"key","discoveryKey","length","byteLength","count","valid","invalid",
//    "signatureValid","sha256","writable"[,"blocks"]}
// sha256 is over the blocks read, concatenated; count is how many were read;
// --blocks adds "blocks": [hex of each block read] (small feeds only).
// With --expect-count N the script exits 1 if count != N (JSON still printed
// with "error").

const crypto = require('crypto')
const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dir = args._[0]
  if (!dir) c.fail('usage: ref_read.js DIR [--start S] [--end E] [--expect-count N] [--no-audit] [--blocks]')

  const feed = await c.openExisting(dir)
  const start = c.intArg(args, 'start', 0)
  const end = Math.min(c.intArg(args, 'end', feed.length), feed.length)

  const hash = crypto.createHash('sha256')
  const blocks = args.blocks ? [] : null
  let count = 0
  for (let i = start; i < end; i++) {
    const block = await c.call(feed, 'get', i, { wait: false })
    hash.update(block)
    if (blocks) blocks.push(block.toString('hex'))
    count++
  }

  const report = args['no-audit'] ? { valid: null, invalid: null } : await c.call(feed, 'audit')
  const out = {
    key: feed.key.toString('hex'),
    discoveryKey: feed.discoveryKey.toString('hex'),
    length: feed.length,
    byteLength: feed.byteLength,
    count,
    valid: report.valid,
    invalid: report.invalid,
    signatureValid: await c.signatureValid(feed),
    sha256: hash.digest('hex'),
    writable: feed.writable
  }
  if (blocks) out.blocks = blocks
  await c.call(feed, 'close')

  if (args['expect-count'] !== undefined) {
    const want = c.intArg(args, 'expect-count', 0)
    if (count !== want) {
      out.error = `expected ${want} blocks, read ${count}`
      require('fs').writeSync(1, JSON.stringify(out) + '\n')
      process.exit(1)
    }
  }
  c.done(out)
})
