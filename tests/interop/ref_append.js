'use strict'
// Usage: node ref_append.js DIR BLOCK...
//        node ref_append.js DIR --gen N [--size BYTES] [--prefix STR]
//
// Opens an existing, writable feed directory (it must hold the secret key)
// and appends one block per BLOCK argument (UTF-8), all in one batch. With
// --gen N it instead appends N blocks made by the block-content rule, with
// indices continuing from the current length (so a feed written by
// ref_write.js and extended here still follows the rule).
// Prints {"length","byteLength"}.

const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dir = args._[0]
  if (!dir) c.fail('usage: ref_append.js DIR BLOCK... | DIR --gen N [--size BYTES] [--prefix STR]')

  const feed = await c.openExisting(dir)
  if (!feed.writable) c.fail(`${dir}: feed is not writable (no secret key)`)

  let blocks = args._.slice(1).map((s) => Buffer.from(s))
  if (args.gen !== undefined) {
    const n = c.intArg(args, 'gen', 0)
    const size = c.intArg(args, 'size', 0)
    const prefix = typeof args.prefix === 'string' ? args.prefix : 'block-'
    blocks = []
    for (let i = 0; i < n; i++) blocks.push(c.makeBlock(feed.length + i, size, prefix))
  }
  for (let i = 0; i < blocks.length; i += 1000) {
    await c.call(feed, 'append', blocks.slice(i, i + 1000))
  }

  const out = { length: feed.length, byteLength: feed.byteLength }
  await c.call(feed, 'close')
  c.done(out)
})
