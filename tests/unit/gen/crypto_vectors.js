// Regenerates the pinned vectors of tests/unit/test_crypto.cpp from the reference package.
// Run: NODE_PATH=/work/main/tests/interop/node_modules node tests/unit/gen/crypto_vectors.js
const crypto = require('@ddatabase/crypto')
const hcrypto = require('hypercore-crypto')
const MerkleGenerator = require('merkle-tree-stream/generator')

const hex = (b) => Buffer.from(b).toString('hex')

const gen = new MerkleGenerator({ leaf: crypto.leaf, parent: crypto.parent })
const nodes = []
for (const s of ['a', 'b', 'c', 'd', 'e', 'f']) gen.next(Buffer.from(s), nodes)
const roots = gen.roots

const seed = Buffer.alloc(32)
for (let i = 0; i < 32; i++) seed[i] = i
const kp = crypto.keyPair(seed)
const message = Buffer.from('hello ddatabase')

const out = {
  leaf_a: hex(crypto.data(Buffer.from('a'))),
  leaf_empty: hex(crypto.data(Buffer.alloc(0))),
  parent_ab: hex(crypto.parent(nodes[0], nodes[1])),
  roots: roots.map((r) => ({ index: r.index, size: r.size, hash: hex(r.hash) })),
  tree_af: hex(crypto.tree(roots)),
  signable_af: hex(crypto.signable(roots, 6)),
  public_key: hex(kp.publicKey),
  secret_key: hex(kp.secretKey),
  discovery_ddatabase: hex(crypto.discoveryKey(kp.publicKey)),
  discovery_hypercore: hex(hcrypto.discoveryKey(kp.publicKey)),
  sign_message: hex(crypto.sign(message, kp.secretKey)),
  sign_signable_af: hex(crypto.sign(crypto.signable(roots, 6), kp.secretKey))
}
console.log(JSON.stringify(out, null, 2))
