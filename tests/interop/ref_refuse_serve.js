'use strict'
// Usage: node ref_refuse_serve.js
//
// The reference protocol stream as a server on 127.0.0.1 (a free port) whose onauthenticate
// refuses every peer: what `ddatabase node` with a `swarm.allow` list must look like on the wire
// to a peer not on it. The first stdout line, once listening, is {"port"}. Runs until killed;
// per-connection events on stderr.

const net = require('net')
const c = require('./common')

c.main(async () => {
  const Protocol = require('@ddatabase/protocol')
  const server = net.createServer((socket) => {
    const log = (what) => process.stderr.write(`${socket.remotePort} ${what}\n`)
    const stream = new Protocol(false, {
      onauthenticate (remotePublicKey, done) {
        log('refusing ' + remotePublicKey.toString('hex'))
        done(new Error('not allowed'))
      }
    })
    stream.on('handshake', () => log('handshake'))
    stream.on('error', (err) => log('stream error: ' + err.message))
    stream.on('close', () => log('stream closed'))
    socket.on('error', (err) => log('socket error: ' + err.message))
    socket.pipe(stream).pipe(socket)
  })
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
  })
})
