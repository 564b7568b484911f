'use strict'
// Usage: node ref_peer_serve.js DIR [--gen N] [--size BYTES]
//
// The reference as a live replication server: creates (or opens) a writable feed in DIR, appends
// blocks by the block-content rule until it holds N (default 0), listens on 127.0.0.1 on a free
// port and pipes every accepted socket to feed.replicate(false, { live: true }). Prints one JSON
// line {"port","key","discoveryKey","length"} once listening and keeps running until killed.
// Per-connection events (handshake, remote open, close, errors) are logged on stderr.

const net = require('net')
const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dir = args._[0]
  if (!dir) c.fail('usage: ref_peer_serve.js DIR [--gen N] [--size BYTES]')
  const n = c.intArg(args, 'gen', 0)
  const size = c.intArg(args, 'size', 0)

  const feed = await c.openWritable(dir)
  const blocks = []
  for (let i = feed.length; i < n; i++) blocks.push(c.makeBlock(i, size, 'block-'))
  if (blocks.length) await c.call(feed, 'append', blocks)

  const server = net.createServer((socket) => {
    const stream = feed.replicate(false, { live: true })
    const log = (what) => process.stderr.write(`${socket.remotePort} ${what}\n`)
    stream.on('handshake', () => log('handshake'))
    stream.on('remote-open', (dk) => log('remote-open ' + dk.toString('hex')))
    stream.on('error', (err) => log('stream error: ' + err.message))
    stream.on('close', () => log('stream closed'))
    socket.on('error', (err) => log('socket error: ' + err.message))
    socket.pipe(stream).pipe(socket)
  })
  server.listen(0, '127.0.0.1', () => {
    // One line, but not c.done(): the server keeps running.
    process.stdout.write(JSON.stringify({
      port: server.address().port,
      key: feed.key.toString('hex'),
      discoveryKey: feed.discoveryKey.toString('hex'),
      length: feed.length
    }) + '\n')
  })
})
