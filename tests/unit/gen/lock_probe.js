// Lock interop probe for tests/unit/test_storage_env.cpp, using the reference (ddatabase@10.0.4).
//   node lock_probe.js probe DIR  -> opens the feed at DIR; prints "locked" (ELOCKED) or "opened"
//   node lock_probe.js hold DIR   -> opens the feed, prints "ready", keeps it open until the file
//                                    DIR.release exists (or 30 s pass), then closes it and exits
const fs = require('fs')
const ddatabase = require('ddatabase')

const [mode, dir] = process.argv.slice(2)
const feed = ddatabase(dir)
let done = false

function report (err) {
  if (done) return
  done = true
  if (err) {
    console.log(err.code === 'ELOCKED' ? 'locked' : 'error ' + err.message)
    process.exit(0)
  }
  if (mode === 'probe') {
    console.log('opened')
    feed.close(() => process.exit(0))
    return
  }
  console.log('ready')
  const started = Date.now()
  const timer = setInterval(() => {
    if (!fs.existsSync(dir + '.release') && Date.now() - started < 30000) return
    clearInterval(timer)
    feed.close(() => process.exit(0))
  }, 20)
}

feed.on('error', report)
feed.ready(report)
