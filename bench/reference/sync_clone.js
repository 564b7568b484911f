'use strict'
// The reference's side of the replication benchmarks: clone a feed from a peer over TCP.
//
// Usage: node sync_clone.js KEY DIR --port P --length N [--sparse-gets G] [--seed S]
//   without --sparse-gets: a full (non-sparse) clone, timed from connect until all N blocks are
//   stored; with it: a sparse follower doing G awaited random gets.
// Prints one JSON line {"workload","ops","seconds","opsPerSec","maxRssMB"}.
const net = require('net')
const path = require('path')
const ddatabase = require(path.join(__dirname, '../../tests/interop/node_modules/ddatabase'))

function arg (name, dflt) {
  const i = process.argv.indexOf('--' + name)
  return i === -1 ? dflt : process.argv[i + 1]
}

const [key, dir] = process.argv.slice(2)
const port = Number(arg('port'))
const length = Number(arg('length'))
const gets = Number(arg('sparse-gets', 0))
let seed = Number(arg('seed', 1)) >>> 0 || 1

function rand () { // xorshift32: deterministic indexes
  seed ^= seed << 13; seed >>>= 0
  seed ^= seed >>> 17
  seed ^= seed << 5; seed >>>= 0
  return seed
}

function done (workload, ops, seconds) {
  const maxRssMB = process.resourceUsage().maxRSS / 1024
  process.stdout.write(JSON.stringify({ workload, impl: 'ddatabase@10.0.4', ops, seconds, opsPerSec: ops / seconds, maxRssMB }) + '\n')
  process.exit(0)
}

const feed = ddatabase(dir, Buffer.from(key, 'hex'), { sparse: gets > 0 })
feed.ready((err) => {
  if (err) throw err
  const t0 = process.hrtime.bigint()
  const secs = () => Number(process.hrtime.bigint() - t0) / 1e9
  const socket = net.connect(port, '127.0.0.1')
  const stream = feed.replicate(true, { live: true })
  socket.pipe(stream).pipe(socket)
  if (!gets) {
    const check = () => { if (feed.length === length && feed.downloaded(0, length) === length) done('sync', length, secs()) }
    feed.on('download', check)
    return
  }
  feed.update(1, async (err) => {
    if (err) throw err
    const g0 = process.hrtime.bigint()
    for (let i = 0; i < gets; i++) {
      await new Promise((resolve, reject) => feed.get(rand() % feed.length, (e) => e ? reject(e) : resolve()))
    }
    done('sparse-get', gets, Number(process.hrtime.bigint() - g0) / 1e9)
  })
})
