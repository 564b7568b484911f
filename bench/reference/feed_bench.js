'use strict'
// Reference side of the benchmarks: times ddatabase@10.0.4 (installed in
// tests/interop/node_modules) on the same workloads as `ddatabase bench`.
//
// Usage: node bench/reference/feed_bench.js WORKLOAD [--dir DIR] [--count N] [--size B]
//                                           [--batch B] [--keep] [--json]
// Workloads (defaults in brackets):
//   append-batched  N [1000000] blocks of B [100] bytes via feed.append(array), batches of [1000]
//   append-single   N [10000] blocks of B [100] bytes, one awaited append(block, cb) at a time
//   read-seq        N [100000] blocks of B [1024] bytes read in order, once with awaited
//                   feed.get(i) and once with createReadStream(), each on a freshly opened
//                   feed; opsPerSec is the faster of the two
//   open-1m         open a feed of N [1000000] blocks of B [100] bytes and wait for ready,
//                   in a fresh child process; reports the time and the RSS growth
// --dir DIR: for append-*, where to write (must be missing or empty); for read-seq and
// open-1m, a feed to reuse if it exists (created there with the block rule otherwise).
// Without --dir a temp dir is used and removed unless --keep.
// Prints one JSON line: {"workload","ops","seconds","opsPerSec","rssMB", ...extras}.
// Blocks follow the rule of tests/interop/README.md (sized: byte j = (i*7 + j) % 251).

const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')
const { createRequire } = require('module')

// The reference lives beside the interop scripts; reuse their helpers too.
const interop = process.env.DDB_INTEROP_DIR || path.join(__dirname, '..', '..', 'tests', 'interop')
const c = createRequire(path.join(interop, 'package.json'))('./common.js')
const ddatabase = c.ddatabase

const DEFAULTS = {
  'append-batched': { count: 1000000, size: 100 },
  'append-single': { count: 10000, size: 100 },
  'read-seq': { count: 100000, size: 1024 },
  'open-1m': { count: 1000000, size: 100 },
  'open-only': { count: 0, size: 0 }
}

const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10
const now = () => process.hrtime.bigint()
const secondsSince = (t0) => Number(now() - t0) / 1e9

function result (workload, ops, seconds, extra) {
  return Object.assign({
    workload,
    ops,
    seconds: Math.round(seconds * 1e6) / 1e6,
    opsPerSec: Math.round(ops / seconds),
    rssMB: mb(process.memoryUsage().rss)
  }, extra)
}

// Opens (creating if needed) a feed directory, resolving once ready.
function open (dir) {
  return c.openWritable(dir)
}

// Appends blocks [from, to) by the block rule in batches; returns the feed length.
async function fill (feed, from, to, size, batch) {
  for (let i = from; i < to; i += batch) {
    const blocks = []
    for (let j = i; j < Math.min(to, i + batch); j++) blocks.push(c.makeBlock(j, size, ''))
    await c.call(feed, 'append', blocks)
  }
  return feed.length
}

// Makes sure dir holds a feed of at least count blocks (untimed setup).
async function ensureFeed (dir, count, size) {
  const feed = await open(dir)
  if (feed.length < count) await fill(feed, feed.length, count, size, 1000)
  await c.call(feed, 'close')
}

async function appendBatched (dir, o) {
  const feed = await open(dir)
  const t0 = now()
  await fill(feed, 0, o.count, o.size, o.batch)
  const seconds = secondsSince(t0)
  await c.call(feed, 'close')
  return result('append-batched', o.count, seconds, { size: o.size, batch: o.batch })
}

async function appendSingle (dir, o) {
  const feed = await open(dir)
  const t0 = now()
  for (let i = 0; i < o.count; i++) await c.call(feed, 'append', c.makeBlock(i, o.size, ''))
  const seconds = secondsSince(t0)
  await c.call(feed, 'close')
  return result('append-single', o.count, seconds, { size: o.size })
}

async function readSeq (dir, o) {
  await ensureFeed(dir, o.count, o.size)

  let feed = await open(dir)
  let t0 = now()
  for (let i = 0; i < o.count; i++) await c.call(feed, 'get', i)
  const getSeconds = secondsSince(t0)
  await c.call(feed, 'close')

  feed = await open(dir)
  t0 = now()
  await new Promise((resolve, reject) => {
    const s = feed.createReadStream({ start: 0, end: o.count })
    s.on('data', () => {})
    s.on('end', resolve)
    s.on('error', reject)
  })
  const streamSeconds = secondsSince(t0)
  await c.call(feed, 'close')

  const best = Math.min(getSeconds, streamSeconds)
  return result('read-seq', o.count, best, {
    size: o.size,
    best: best === getSeconds ? 'get' : 'stream',
    getOpsPerSec: Math.round(o.count / getSeconds),
    streamOpsPerSec: Math.round(o.count / streamSeconds)
  })
}

// Runs in a fresh process so the RSS figures are not inflated by the setup.
async function openOnly (dir) {
  if (global.gc) global.gc()
  const before = process.memoryUsage().rss
  const t0 = now()
  const feed = await c.openExisting(dir)
  const seconds = secondsSince(t0)
  const after = process.memoryUsage().rss
  const out = result('open-1m', 1, seconds, {
    length: feed.length,
    rssBeforeMB: mb(before),
    rssGrowthMB: mb(after - before)
  })
  await c.call(feed, 'close')
  return out
}

async function open1m (dir, o) {
  await ensureFeed(dir, o.count, o.size)
  const line = execFileSync(process.execPath, [__filename, 'open-only', '--dir', dir])
  return JSON.parse(line.toString())
}

const WORKLOADS = {
  'append-batched': appendBatched,
  'append-single': appendSingle,
  'read-seq': readSeq,
  'open-1m': open1m,
  'open-only': openOnly
}

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const workload = args._[0]
  if (!WORKLOADS[workload]) c.fail(`usage: feed_bench.js ${Object.keys(WORKLOADS).slice(0, 4).join('|')} [options]`)
  const o = {
    count: c.intArg(args, 'count', DEFAULTS[workload].count),
    size: c.intArg(args, 'size', DEFAULTS[workload].size),
    batch: Math.max(1, c.intArg(args, 'batch', 1000))
  }
  let dir = typeof args.dir === 'string' ? path.resolve(args.dir) : null
  const temp = dir ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'ddb-bench-ref-'))
  if (!dir) dir = path.join(temp, 'feed')
  if (workload.startsWith('append') && fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    c.fail(`${dir} is not empty`)
  }
  const out = await WORKLOADS[workload](dir, o)
  if (temp && !args.keep) fs.rmSync(temp, { recursive: true, force: true })
  c.done(out)
})
