'use strict'
// Usage: NODE_PATH=/work/main/tests/interop/node_modules node bitfield_vectors.js
// Builds reference feeds (ddatabase@10.0.4, files in a temp dir) and prints, per scenario, the
// page count of its `bitfield` file and the sha256 of every 3584-byte page after the 32-byte
// header. test_bitfield.cpp replays the same bit operations and pins these values.
// The reference's append sets, per block i: data bit i, then tree node 2i (tree-index set).
// Scenarios:
//   abcdef   6 blocks "a".."f", one append each
//   n20000   20000 blocks, appended in batches of 500
//   sparse   n20000, then clear(100, 5000), clear(8190, 8200), clear(12000, 20000)
//   n40000   40000 blocks in batches of 1000 (five pages)
//   reopen   n20000, close, reopen, 30000 more blocks in batches of 1000
//   ops      lib/bitfield driven directly with OPS below (no feed), all pages of its pager
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const ddatabase = require('ddatabase')
const Bitfield = require('ddatabase/lib/bitfield')

// [kind, index, value]: 'd' = data bit (bitfield.set), 't' = tree bit (bitfield.tree.set).
const OPS = [
  ['d', 45000, 1], ['d', 3, 1], ['t', 7, 1], ['d', 8191, 1], ['d', 8192, 1],
  ['d', 200000, 1], ['d', 45000, 0], ['t', 500000, 1]
]
for (let i = 16000; i < 16600; i++) OPS.push(['d', i, 1])
for (let i = 100; i < 140; i++) OPS.push(['d', i, i % 3 ? 1 : 0])

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex')

function pagesOf (buf) {
  const out = []
  for (let o = 32; o < buf.length; o += 3584) out.push(sha(buf.slice(o, o + 3584)))
  return out
}

function block (i) { return Buffer.from('b' + i) }

function appendN (feed, from, n, batch, cb) {
  if (n <= 0) return cb()
  const k = Math.min(batch, n)
  const blocks = []
  for (let i = 0; i < k; i++) blocks.push(block(from + i))
  feed.append(blocks, (err) => {
    if (err) throw err
    appendN(feed, from + k, n - k, batch, cb)
  })
}

function clearAll (feed, ranges, cb) {
  if (!ranges.length) return cb()
  const [s, e] = ranges[0]
  feed.clear(s, e, (err) => {
    if (err) throw err
    clearAll(feed, ranges.slice(1), cb)
  })
}

function scenario (name, steps, cb) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddb-bf-'))
  let feed = ddatabase(dir)
  let i = 0
  const next = () => {
    if (i === steps.length) {
      return feed.close(() => {
        const buf = fs.readFileSync(path.join(dir, 'bitfield'))
        fs.rmSync(dir, { recursive: true, force: true })
        cb({ name, pages: pagesOf(buf) })
      })
    }
    const s = steps[i++]
    if (s.append) return feed.ready(() => appendN(feed, feed.length, s.append, s.batch, next))
    if (s.clear) return clearAll(feed, s.clear, next)
    if (s.reopen) return feed.close(() => { feed = ddatabase(dir); feed.ready(next) })
  }
  feed.ready(next)
}

function opsScenario () {
  const b = new Bitfield()
  for (const [kind, i, v] of OPS) {
    if (kind === 'd') b.set(i, !!v)
    else b.tree.set(i, !!v)
  }
  const pages = []
  for (let p = 0; p < b.pages.length; p++) {
    const page = b.pages.get(p, true)
    pages.push(sha(page ? page.buffer : Buffer.alloc(3584)))
  }
  return { name: 'ops', pages }
}

const list = [
  ['abcdef', [1, 1, 1, 1, 1, 1].map(() => ({ append: 1, batch: 1 }))],
  ['n20000', [{ append: 20000, batch: 500 }]],
  ['sparse', [{ append: 20000, batch: 500 }, { clear: [[100, 5000], [8190, 8200], [12000, 20000]] }]],
  ['n40000', [{ append: 40000, batch: 1000 }]],
  ['reopen', [{ append: 20000, batch: 500 }, { reopen: true }, { append: 30000, batch: 1000 }]]
]
const results = []
const run = (k) => {
  if (k === list.length) {
    results.push(opsScenario())
    for (const r of results) {
      console.log(`{"${r.name}", {` + r.pages.map((h) => `"${h}"`).join(',\n  ') + '}},')
    }
    return
  }
  scenario(list[k][0], list[k][1], (r) => { results.push(r); run(k + 1) })
}
run(0)
