'use strict'
// Usage: node ref_forged_open.js DISCOVERY_KEY --port P [--host H] [--wait MS]
//         [--impl ddatabase|hypercore]
//
// A hostile client that knows a feed's discovery key but not its public key: it connects to
// HOST:P (default 127.0.0.1), completes the Noise handshake with the reference's protocol stream
// (@ddatabase/protocol, or hypercore-protocol with --impl hypercore), then opens a channel for
// DISCOVERY_KEY with a random (forged) capability and immediately asks for blocks 0..9 (Status,
// Want, Request). It watches for --wait MS (default 3000) or until the server ends the stream.
// Prints {"handshake","remoteOpened","closed","data","have","seconds","streamError"}:
// remoteOpened = the server opened the channel back; closed = the server ended the connection;
// data/have = Data/Have messages received on that channel (a correct server sends no Data).

const crypto = require('crypto')
const net = require('net')
const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dkHex = args._[0]
  if (!dkHex || !/^[0-9a-f]{64}$/i.test(dkHex) || !args.port) {
    c.fail('usage: ref_forged_open.js DISCOVERY_KEY --port P [--host H] [--wait MS] [--impl ddatabase|hypercore]')
  }
  const port = c.intArg(args, 'port', 0)
  const host = typeof args.host === 'string' ? args.host : '127.0.0.1'
  const waitMs = c.intArg(args, 'wait', 3000)
  const impl = args.impl === undefined ? 'ddatabase' : args.impl
  if (impl !== 'ddatabase' && impl !== 'hypercore') c.fail('--impl must be ddatabase or hypercore')
  const Protocol = require(impl === 'hypercore' ? 'hypercore-protocol' : '@ddatabase/protocol')
  const dk = Buffer.from(dkHex, 'hex')

  const out = { handshake: false, remoteOpened: false, closed: false, data: 0, have: 0, seconds: 0, streamError: null }
  const t0 = Date.now()
  const stream = new Protocol(true, { live: true })
  // Count what the server sends, below the channel layer (our channel has no key, so the
  // regular channel handlers cannot be used).
  const ch = stream.channelizer
  ch.ondata = () => { out.data++ }
  ch.onhave = () => { out.have++ }
  const onopen = ch.onopen.bind(ch)
  ch.onopen = (id, message) => {
    if (Buffer.compare(message.discoveryKey, dk) === 0) out.remoteOpened = true
    try { onopen(id, message) } catch (_) {}
  }
  stream.on('handshake', () => {
    out.handshake = true
    const id = 1
    stream.state.open(id, { discoveryKey: dk, capability: crypto.randomBytes(32) })
    stream.state.status(id, { uploading: false, downloading: true })
    stream.state.want(id, { start: 0, length: 8192 })
    for (let i = 0; i < 10; i++) stream.state.request(id, { index: i })
  })
  stream.on('error', (err) => { out.streamError = err.message })
  const socket = net.connect(port, host)
  socket.on('error', (err) => { out.streamError = out.streamError || err.message })
  socket.pipe(stream).pipe(socket)

  await new Promise((resolve) => {
    const timer = setTimeout(resolve, waitMs)
    const closed = () => {
      out.closed = true
      clearTimeout(timer)
      resolve()
    }
    stream.on('close', closed)
    socket.on('close', closed)
  })
  out.seconds = (Date.now() - t0) / 1000
  c.done(out)
})
