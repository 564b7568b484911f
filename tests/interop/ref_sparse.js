'use strict'
// Usage: node ref_sparse.js DIR [--clear S E]
//
// Opens an existing feed directory; with --clear S E first clears blocks
// [S, E) with feed.clear() (the data bits are dropped and the data bytes freed).
// Then reports what the reference sees as stored:
//   {"length","byteLength","downloaded","has":"0101…"}
// where downloaded = feed.downloaded(0, length) and has[i] = feed.has(i) for
// every i < length (small feeds only).

const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dir = args._[0]
  if (!dir) c.fail('usage: ref_sparse.js DIR [--clear S E]')

  const feed = await c.openExisting(dir)
  if (args.clear !== undefined) {
    const start = c.intArg(args, 'clear', 0)
    const end = Number(args._[1])
    if (!Number.isSafeInteger(end) || end < start) c.fail('--clear S E: bad E')
    await c.call(feed, 'clear', start, end)
  }

  let has = ''
  for (let i = 0; i < feed.length; i++) has += feed.has(i) ? '1' : '0'
  const out = {
    length: feed.length,
    byteLength: feed.byteLength,
    downloaded: feed.downloaded(0, feed.length),
    has
  }
  await c.call(feed, 'close')
  c.done(out)
})
