'use strict'
// Usage: NODE_PATH=/work/main/tests/interop/node_modules node tree_index_vectors.js
// Prints, per scenario, the sha256 of the reference tree-index results as compact text lines
// (pinned in test_tree_index.cpp, which rebuilds the same text); --text prints the lines.
// Scenario spec (both sides replay it): "full N" sets nodes 2i for i < N in order;
// "blocks a b c" sets nodes 2a, 2b, ... in order; "nodes x y z" sets raw nodes in order.
// Lines:
//   S <spec>                      start a local scenario
//   B <blocks> R <roots...>       blocks() and roots()
//   D <k0> <digest(k0)> ...       digest of nodes k0 .. k0+n-1 (one line)
//   V <k0> <verifiedBy(k)>/<nodes joined by ,> ...
//   P <node> <digest> <hash> <remoteSpec|-> = <verifiedBy> <nodes...> | null
//   T <len> = <blocks> <set nodes...>   after truncate(len) on a fresh copy
const TreeIndex = require('ddatabase/lib/tree-index')
const bitfield = require('sparse-bitfield')

function build (spec) {
  const t = new TreeIndex(bitfield())
  const [kind, ...args] = spec.split(' ')
  const nums = args.map(Number)
  if (kind === 'full') for (let i = 0; i < nums[0]; i++) t.set(2 * i)
  if (kind === 'blocks') for (const b of nums) t.set(2 * b)
  if (kind === 'nodes') for (const n of nums) t.set(n)
  return t
}

function setNodes (t) {
  const out = []
  for (let i = 0; i < t.bitfield.length; i++) if (t.get(i)) out.push(i)
  return out
}

const out = []
const locals = [
  'full 1', 'full 2', 'full 3', 'full 5', 'full 6', 'full 8', 'full 13', 'full 16', 'full 21',
  'blocks 0 2 3 7', 'blocks 5', 'blocks 9 8 4 12', 'nodes 3 4 9', 'nodes 7 13 24',
  'nodes 1 5 11 200', 'full 100'
]
const remotes = ['full 1', 'full 4', 'blocks 2', 'blocks 0 5 6', 'full 9', 'nodes 3 8', 'full 64']

for (const spec of locals) {
  const t = build(spec)
  out.push('S ' + spec)
  out.push('B ' + t.blocks() + ' R ' + t.roots().join(' '))
  const span = Math.min(2 * t.blocks() + 8, 60)
  const d = []
  const v = []
  for (let k = 0; k < span; k++) {
    d.push(t.digest(k))
    const nodes = []
    v.push(t.verifiedBy(k, nodes) + '/' + nodes.join(','))
  }
  out.push('D 0 ' + d.join(' '))
  out.push('V 0 ' + v.join(' '))
  for (let k = 0; k < span; k += 2) {
    for (const hash of [false, true]) {
      const p = t.proof(k, { hash })
      out.push(`P ${k} 0 ${hash ? 1 : 0} - = ` + (p ? p.verifiedBy + ' ' + p.nodes.join(' ') : 'null'))
    }
    for (const rs of remotes) {
      const r = build(rs)
      const dg = r.digest(k)
      const p = t.proof(k, { digest: dg })
      out.push(`P ${k} ${dg} 0 - = ` + (p ? p.verifiedBy + ' ' + p.nodes.join(' ') : 'null'))
      const p2 = t.proof(k, { digest: dg, tree: build(rs) })
      out.push(`P ${k} ${dg} 0 ${rs.replace(/ /g, '_')} = ` +
        (p2 ? p2.verifiedBy + ' ' + p2.nodes.join(' ') : 'null'))
    }
  }
  for (let len = 0; len <= 2 * t.blocks(); len += 2) {
    const c = build(spec)
    c.truncate(len)
    out.push(`T ${len} = ${c.blocks()} ` + setNodes(c).join(' '))
  }
}

// Deep trees: digests with many levels (values above 2^32, below 2^53).
const deep = ['nodes 8589934591 8589934594', 'nodes 8589934591 8589934592 8589934594',
  'nodes 0 4 8 17179869182', 'full 70000']
const deepKeys = [8589934592, 8589934594, 8589934596, 2, 6, 10, 140000, 140002, 17179869180]
for (const spec of deep) {
  const t = build(spec)
  out.push('S ' + spec)
  out.push('B ' + t.blocks() + ' R ' + t.roots().join(' '))
  for (const k of deepKeys) {
    out.push(`D ${k} ${t.digest(k)}`)
    for (const rs of deep) {
      const dg = build(rs).digest(k)
      const p = t.proof(k, { digest: dg })
      out.push(`P ${k} ${dg} 0 - = ` + (p ? p.verifiedBy + ' ' + p.nodes.join(' ') : 'null'))
    }
  }
}

// Default: one "<sha256 of the scenario's lines joined by \n> <spec>" line per scenario.
// With --text: the lines themselves.
if (process.argv.includes('--text')) {
  console.log(out.join('\n'))
} else {
  const crypto = require('crypto')
  let cur = null
  const flush = () => {
    if (!cur) return
    const h = crypto.createHash('sha256').update(cur.lines.join('\n')).digest('hex')
    console.log(`{"${cur.spec}", "${h}"},`)
  }
  for (const line of out) {
    if (line.startsWith('S ')) { flush(); cur = { spec: line.slice(2), lines: [] } }
    cur.lines.push(line)
  }
  flush()
}
