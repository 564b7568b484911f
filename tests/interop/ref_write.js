'use strict'
// Usage: node ref_write.js DIR --count N [--size BYTES] [--prefix STR] [--batch B]
//
// Creates a new reference feed in DIR (fresh key pair) holding N blocks made
// by the block-content rule in common.js / README.md, appended in batches of
// B blocks (default 1000). Prints {"key","length","byteLength","discoveryKey"}.

const fs = require('fs')
const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dir = args._[0]
  if (!dir) c.fail('usage: ref_write.js DIR --count N [--size BYTES] [--prefix STR] [--batch B]')
  const count = c.intArg(args, 'count', 0)
  const size = c.intArg(args, 'size', 0)
  const batch = Math.max(1, c.intArg(args, 'batch', 1000))
  const prefix = typeof args.prefix === 'string' ? args.prefix : 'block-'

  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) c.fail(`${dir} is not empty`)
  const feed = await c.openWritable(dir)

  for (let i = 0; i < count; i += batch) {
    const blocks = []
    for (let j = i; j < Math.min(count, i + batch); j++) blocks.push(c.makeBlock(j, size, prefix))
    await c.call(feed, 'append', blocks)
  }

  const out = {
    key: feed.key.toString('hex'),
    discoveryKey: feed.discoveryKey.toString('hex'),
    length: feed.length,
    byteLength: feed.byteLength
  }
  await c.call(feed, 'close')
  c.done(out)
})
