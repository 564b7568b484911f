'use strict'
// Usage: node ref_hold.js DIR
//
// Opens an existing feed directory with the reference (which takes its
// exclusive lock on `bitfield`), prints {"length","writable"} once it is
// ready, and then keeps the feed open until it is killed (tests SIGKILL it,
// which also releases the lock). Used to test the single-writer lock.

const c = require('./common')

c.main(async () => {
  const dir = c.parseArgs(process.argv.slice(2))._[0]
  if (!dir) c.fail('usage: ref_hold.js DIR')
  const feed = await c.openExisting(dir)
  require('fs').writeSync(1, JSON.stringify({ length: feed.length, writable: feed.writable }) + '\n')
  setInterval(() => {}, 1 << 30)
})
