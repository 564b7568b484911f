'use strict'
// Usage: node ref_clone.js KEY DIR --port P [--host H] [--sparse] [--start S] [--end E]
//        [--live-wait N] [--impl ddatabase|hypercore] [--timeout MS]
//
// The reference as a replication client: creates a feed with public key KEY in DIR (must be
// missing or empty), connects to HOST:P (default 127.0.0.1) and pipes the socket to
// feed.replicate(true, { live }) (live only with --live-wait). It downloads [S, E) with
// feed.download() (without --end: up to the remote's length, learnt with feed.update()); with
// --live-wait N it then waits until the feed has N blocks and downloads up to N. Then it closes
// the connection, runs feed.audit(), verifies the newest signature and hashes the blocks
// [S, E) (or [S, length)). --impl hypercore uses hypercore@9.12.0 (the "hypercore" namespace)
// instead of ddatabase@10.0.4. Gives up after --timeout MS (default 60000) with an error.
// Prints {"key","length","byteLength","downloaded","count","valid","invalid","signatureValid",
// "sha256","seconds"}: downloaded = blocks present in [0, length); count = blocks hashed.

const crypto = require('crypto')
const net = require('net')
const path = require('path')
const c = require('./common')

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const [keyHex, dir] = args._
  if (!keyHex || !dir || !args.port) {
    c.fail('usage: ref_clone.js KEY DIR --port P [--host H] [--sparse] [--start S] [--end E] ' +
      '[--live-wait N] [--impl ddatabase|hypercore] [--timeout MS]')
  }
  if (!/^[0-9a-f]{64}$/i.test(keyHex)) c.fail('KEY must be 64 hex characters')
  const port = c.intArg(args, 'port', 0)
  const host = typeof args.host === 'string' ? args.host : '127.0.0.1'
  const start = c.intArg(args, 'start', 0)
  const end = args.end === undefined ? null : c.intArg(args, 'end', 0)
  const liveWait = c.intArg(args, 'live-wait', 0)
  const timeoutMs = c.intArg(args, 'timeout', 60000)
  const impl = args.impl === undefined ? 'ddatabase' : args.impl
  if (impl !== 'ddatabase' && impl !== 'hypercore') c.fail('--impl must be ddatabase or hypercore')
  const create = impl === 'hypercore' ? require('hypercore') : c.ddatabase

  const feed = create(path.resolve(dir), Buffer.from(keyHex, 'hex'), { sparse: !!args.sparse })
  await new Promise((resolve, reject) => {
    feed.on('error', reject)
    feed.ready((err) => (err ? reject(err) : resolve()))
  })

  const t0 = Date.now()
  const timer = setTimeout(() => {
    c.fail(`timed out after ${timeoutMs} ms (length ${feed.length}, downloaded ` +
      `${feed.length ? feed.downloaded(0, feed.length) : 0})`)
  }, timeoutMs)

  const socket = net.connect(port, host)
  const stream = feed.replicate(true, { live: liveWait > 0 })
  let streamError = null
  stream.on('error', (err) => { streamError = err })
  socket.on('error', (err) => { streamError = streamError || err })
  socket.pipe(stream).pipe(socket)
  const closed = new Promise((resolve) => stream.on('close', resolve))

  const download = (s, e) => new Promise((resolve, reject) => {
    feed.download({ start: s, end: e }, (err) => (err ? reject(err) : resolve()))
  })

  let target = end
  if (target === null) {
    // The remote's length: the first update beyond what we have (empty: any length >= 1).
    await new Promise((resolve, reject) => {
      feed.update({ minLength: 1 }, (err) => (err ? reject(err) : resolve()))
    })
    target = feed.length
  }
  if (target > start) await download(start, target)
  if (liveWait > 0) {
    if (feed.length < liveWait) {
      await new Promise((resolve, reject) => {
        feed.update({ minLength: liveWait }, (err) => (err ? reject(err) : resolve()))
      })
    }
    if (end === null) target = liveWait
    await download(start, target)
  }
  const seconds = (Date.now() - t0) / 1000
  stream.destroy()
  socket.destroy()
  await closed
  clearTimeout(timer)

  const hash = crypto.createHash('sha256')
  let count = 0
  for (let i = start; i < target; i++) {
    hash.update(await c.call(feed, 'get', i, { wait: false }))
    count++
  }
  const audit = await c.call(feed, 'audit')
  c.done({
    key: feed.key.toString('hex'),
    length: feed.length,
    byteLength: feed.byteLength,
    downloaded: feed.length ? feed.downloaded(0, feed.length) : 0,
    count,
    valid: audit.valid,
    invalid: audit.invalid,
    signatureValid: await c.signatureValid(feed),
    sha256: hash.digest('hex'),
    seconds,
    streamError: streamError ? streamError.message : null
  })
})
