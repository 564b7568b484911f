// Regenerates the reference proofs pinned in tests/unit/test_proof_verify.cpp: a feed with a
// fixed key pair and 11 blocks "block-0".."block-10" (appended one by one, so every length is
// signed), then feed.proof() for a few blocks as a peer with nothing would receive it.
// Run: NODE_PATH=/work/main/tests/interop/node_modules node tests/unit/gen/proof_vectors.js
const fs = require('fs')
const os = require('os')
const path = require('path')
const ddatabase = require('ddatabase')
const crypto = require('@ddatabase/crypto')

const seed = Buffer.alloc(32)
for (let i = 0; i < 32; i++) seed[i] = i
const kp = crypto.keyPair(seed)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddb-proof-'))
const feed = ddatabase(dir, kp.publicKey, { secretKey: kp.secretKey })

function appendAll (i, cb) {
  if (i === 11) return cb()
  feed.append('block-' + i, (err) => (err ? cb(err) : appendAll(i + 1, cb)))
}

const cases = [[0, false], [3, false], [7, false], [10, false], [10, true], [4, true]]
const out = []

function next (k) {
  if (k === cases.length) {
    console.log(JSON.stringify({ key: kp.publicKey.toString('hex'), proofs: out }, null, 2))
    return feed.close(() => fs.rmSync(dir, { recursive: true, force: true }))
  }
  const [index, hash] = cases[k]
  feed.proof(index, { hash }, (err, proof) => {
    if (err) throw err
    out.push({
      index,
      value: hash ? null : 'block-' + index,
      nodes: proof.nodes.map((n) => ({ index: n.index, size: n.size, hash: n.hash.toString('hex') })),
      signature: proof.signature ? proof.signature.toString('hex') : null
    })
    next(k + 1)
  })
}

appendAll(0, (err) => {
  if (err) throw err
  next(0)
})
