'use strict'
// Usage: node ref_extension_peer.js DIR [--gen N]
//
// The reference with replication extensions, as a live server: creates (or opens) a writable
// feed in DIR with N blocks (default 3), registers two extensions with feed.registerExtension
// and listens on 127.0.0.1 (free port), replicating every socket live. Prints one JSON line per
// event on stdout:
//   {"port","key","discoveryKey","length"}             once listening
//   {"event":"peer-open"}                               a peer opened the channel
//   {"event":"message","ext":"echo","text":T}           "echo" (utf-8) message received
//   {"event":"message","ext":"ddb/length","json":J}     "ddb/length" (json) message received
//   {"event":"error","ext":NAME,"error":E}              a payload that did not decode
// Behaviour (the C++ side checks it):
//   "echo": on peer-open sends "hello from ref"; answers a message M with "ref-echo: " + M
//   unless M starts with "echo: " or "ref-echo: " (so two echoes never loop).
//   "ddb/length": on peer-open sends {"length", "byteLength"} of the feed, like our
//   length_announce plugin.
// Runs until killed.

const net = require('net')
const c = require('./common')

function emit (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const dir = args._[0]
  if (!dir) c.fail('usage: ref_extension_peer.js DIR [--gen N]')
  const n = c.intArg(args, 'gen', 3)

  const feed = await c.openWritable(dir)
  const blocks = []
  for (let i = feed.length; i < n; i++) blocks.push(c.makeBlock(i, 0, 'block-'))
  if (blocks.length) await c.call(feed, 'append', blocks)

  const echo = feed.registerExtension('echo', {
    encoding: 'utf-8',
    onmessage (text, peer) {
      emit({ event: 'message', ext: 'echo', text })
      if (text.startsWith('echo: ') || text.startsWith('ref-echo: ')) return
      echo.send('ref-echo: ' + text, peer)
    },
    onerror (err) {
      emit({ event: 'error', ext: 'echo', error: err.message })
    }
  })
  const length = feed.registerExtension('ddb/length', {
    encoding: 'json',
    onmessage (json) {
      emit({ event: 'message', ext: 'ddb/length', json })
    },
    onerror (err) {
      emit({ event: 'error', ext: 'ddb/length', error: err.message })
    }
  })

  feed.on('peer-open', (peer) => {
    emit({ event: 'peer-open' })
    echo.send('hello from ref', peer)
    length.send({ length: feed.length, byteLength: feed.byteLength }, peer)
  })

  const server = net.createServer((socket) => {
    const stream = feed.replicate(false, { live: true })
    socket.on('error', () => {})
    stream.on('error', (err) => process.stderr.write('stream error: ' + err.message + '\n'))
    socket.pipe(stream).pipe(socket)
  })
  server.listen(0, '127.0.0.1', () => {
    emit({
      port: server.address().port,
      key: feed.key.toString('hex'),
      discoveryKey: feed.discoveryKey.toString('hex'),
      length: feed.length
    })
  })
})
