'use strict'
// Usage: node ref_serve_ctl.js DIR [--gen N] [--size BYTES] [--step K] [--impl ddatabase|hypercore]
//
// Like ref_peer_serve.js (the reference as a live replication server on 127.0.0.1, a free port)
// with two additions:
// - --impl hypercore serves with hypercore@9.12.0 (the "hypercore" namespace) instead of
//   ddatabase@10.0.4;
// - a control channel for live tests: on SIGUSR2 it appends K more blocks (--step, default 100)
//   by the block-content rule in one batch (indices continue from the current length) and then
//   prints {"appended":K,"length":L} on stdout. (SIGUSR1 is Node's debugger signal.)
// The first stdout line, once listening, is {"port","key","discoveryKey","length"}. Runs until
// killed. Per-connection events are logged on stderr.

const net = require('net')
const path = require('path')
const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dir = args._[0]
  if (!dir) c.fail('usage: ref_serve_ctl.js DIR [--gen N] [--size BYTES] [--step K] [--impl ddatabase|hypercore]')
  const n = c.intArg(args, 'gen', 0)
  const size = c.intArg(args, 'size', 0)
  const step = c.intArg(args, 'step', 100)
  const impl = args.impl === undefined ? 'ddatabase' : args.impl
  if (impl !== 'ddatabase' && impl !== 'hypercore') c.fail('--impl must be ddatabase or hypercore')
  const create = impl === 'hypercore' ? require('hypercore') : c.ddatabase

  const feed = create(path.resolve(dir))
  await new Promise((resolve, reject) => {
    feed.on('error', reject)
    feed.ready((err) => (err ? reject(err) : resolve()))
  })
  const gen = (from, to) => {
    const blocks = []
    for (let i = from; i < to; i++) blocks.push(c.makeBlock(i, size, 'block-'))
    return blocks
  }
  for (let i = feed.length; i < n; i += 10000) {
    await c.call(feed, 'append', gen(i, Math.min(n, i + 10000)))
  }

  // Appends are serialised: a signal that arrives during an append is queued.
  let pending = 0
  let busy = false
  const appendMore = async () => {
    if (busy) return
    busy = true
    while (pending > 0) {
      pending--
      await c.call(feed, 'append', gen(feed.length, feed.length + step))
      process.stdout.write(JSON.stringify({ appended: step, length: feed.length }) + '\n')
    }
    busy = false
  }
  process.on('SIGUSR2', () => {
    pending++
    appendMore().catch(c.fail)
  })

  const server = net.createServer((socket) => {
    const stream = feed.replicate(false, { live: true })
    const log = (what) => process.stderr.write(`${socket.remotePort} ${what}\n`)
    stream.on('handshake', () => log('handshake'))
    stream.on('discovery-key', (dk) => log('unknown discovery key ' + dk.toString('hex')))
    stream.on('remote-open', (dk) => log('remote-open ' + dk.toString('hex')))
    stream.on('error', (err) => log('stream error: ' + err.message))
    stream.on('close', () => log('stream closed'))
    socket.on('error', (err) => log('socket error: ' + err.message))
    socket.pipe(stream).pipe(socket)
  })
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({
      port: server.address().port,
      key: feed.key.toString('hex'),
      discoveryKey: feed.discoveryKey.toString('hex'),
      length: feed.length
    }) + '\n')
  })
})
