// Regenerates the pinned tree-file vectors of tests/unit/test_merkle.cpp: writes a feed with the
// reference package (fixed key pair), appends "a".."f" and dumps its tree and signatures files.
// Run: NODE_PATH=/work/main/tests/interop/node_modules node tests/unit/gen/tree_vectors.js
const fs = require('fs')
const os = require('os')
const path = require('path')
const ddatabase = require('ddatabase')
const crypto = require('@ddatabase/crypto')

const seed = Buffer.alloc(32)
for (let i = 0; i < 32; i++) seed[i] = i
const kp = crypto.keyPair(seed)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddb-tree-'))
const feed = ddatabase(dir, kp.publicKey, { secretKey: kp.secretKey })

feed.append(['a', 'b', 'c', 'd', 'e', 'f'], function (err) {
  if (err) throw err
  feed.close(function () {
    const tree = fs.readFileSync(path.join(dir, 'tree'))
    const sigs = fs.readFileSync(path.join(dir, 'signatures'))
    const nodes = []
    for (let i = 0; 32 + 40 * (i + 1) <= tree.length; i++) {
      const off = 32 + 40 * i
      nodes.push({
        index: i,
        size: Number(tree.readBigUInt64BE(off + 32)),
        hash: tree.slice(off, off + 32).toString('hex')
      })
    }
    const signatures = []
    for (let i = 0; 32 + 64 * (i + 1) <= sigs.length; i++) {
      signatures.push(sigs.slice(32 + 64 * i, 32 + 64 * (i + 1)).toString('hex'))
    }
    console.log(JSON.stringify({ key: kp.publicKey.toString('hex'), nodes, signatures }, null, 2))
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
