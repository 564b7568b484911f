// A reference replication stream over stdin/stdout, for tests/unit/test_wire_handshake.cpp.
// Usage: NODE_PATH=tests/interop/node_modules node wire_ref_peer.js INITIATOR(0|1) FEED_KEY_HEX [ddatabase|hypercore]
// The reference opens a channel for FEED_KEY (its Open carries its capability). When the remote's
// Open arrives and its capability verifies, it sends Have{start: 4242, length: 7} on that channel
// and prints "verified" on stderr. A bad capability ends the stream: "error: <message>", exit 2.
// It exits 0 when stdin ends, 3 after 20 s.
const initiator = process.argv[2] === '1'
const key = Buffer.from(process.argv[3], 'hex')
const ns = process.argv[4] || 'ddatabase'
const Protocol = require(ns === 'hypercore' ? 'hypercore-protocol' : '@ddatabase/protocol')

const log = (s) => process.stderr.write(s + '\n')
const stream = new Protocol(initiator)

stream.on('handshake', () => {
  log('handshake remote=' + stream.remotePublicKey.toString('hex') +
      ' local=' + stream.publicKey.toString('hex') +
      ' hash=' + Buffer.from(stream.state.handshakeHash).toString('hex'))
})
stream.on('error', (err) => {
  log('error: ' + err.message)
  process.exit(2)
})
stream.on('data', (data) => process.stdout.write(data))
process.stdin.on('data', (data) => stream.write(data))
process.stdin.on('end', () => process.exit(0))
setTimeout(() => { log('timeout'); process.exit(3) }, 20000).unref()

const ch = stream.open(key, {
  onopen () {
    log('verified')
    ch.have({ start: 4242, length: 7 })
  }
})
