'use strict'
// Usage: node gen_fixtures.js OUTDIR        (normally OUTDIR = tests/fixtures)
//
// Writes reference-made test vectors:
//   OUTDIR/abcdef/{key,secret_key,tree,signatures,bitfield,data}
//       a feed with the fixed key pair below holding blocks "a".."f",
//       appended one block at a time so every signature slot is filled;
//   OUTDIR/abcdef.json
//       the key pair, discovery key, blocks and, for every length 1..6,
//       the root nodes, tree hash, signable bytes and signature; plus
//       "batch": the same six blocks appended in ONE batch (only the last
//       signature slot is written then) with hex of its signatures file;
//       "compat": the key pair used by the reference's own test/compat.js,
//       blocks "a","b","c" in one batch, and the signature we got for length 3
//       (that test expects 42e057f2...678b06).
// Key pair: crypto_sign_seed_keypair(seed), seed = bytes 0x01, 0x02, ..., 0x20.
// Ed25519 is deterministic, so re-running produces identical files.
// Prints {"outdir","files","publicKey"}.

const fs = require('fs')
const os = require('os')
const path = require('path')
const sodium = require('sodium-universal')
const dcrypto = require('@ddatabase/crypto')
const c = require('./common')

const BLOCKS = ['a', 'b', 'c', 'd', 'e', 'f']
// Key pair of the reference's test/compat.js "deterministic signatures".
const COMPAT_KEY = '9718a1ff1c4ca79feac551c0c7212a65e4091278ec886b88be01ee4039682238'
const COMPAT_SECRET = '53729c0311846cca9cc0eded07aaf9e6689705b6a0b1bb8c3a2a839b72fda383' + COMPAT_KEY
const FILES = ['key', 'secret_key', 'tree', 'signatures', 'bitfield', 'data']

function fixedKeyPair () {
  const seed = Buffer.alloc(32)
  for (let i = 0; i < 32; i++) seed[i] = i + 1
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES)
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES)
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
  return { seed, publicKey, secretKey }
}

function nodeJson (n) {
  return { index: n.index, size: n.size, hash: n.hash.toString('hex') }
}

c.main(async () => {
  const args = c.parseArgs(process.argv.slice(2))
  const outdir = args._[0]
  if (!outdir) c.fail('usage: gen_fixtures.js OUTDIR')
  const kp = fixedKeyPair()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddb-fixtures-'))

  // One block per append: signatures for every length.
  const feed = await c.openWritable(path.join(tmp, 'single'), kp.publicKey, { secretKey: kp.secretKey })
  const lengths = []
  for (const b of BLOCKS) {
    await c.call(feed, 'append', Buffer.from(b))
    const index = feed.length - 1
    const roots = await c.call(feed, 'rootHashes', index)
    const sig = await c.call(feed, 'signature', index)
    if (sig.index !== index) throw new Error('signature slot mismatch')
    lengths.push({
      length: feed.length,
      byteLength: feed.byteLength,
      roots: roots.map(nodeJson),
      treeHash: dcrypto.tree(roots).toString('hex'),
      signable: dcrypto.signable(roots, feed.length).toString('hex'),
      signature: sig.signature.toString('hex')
    })
  }
  await c.call(feed, 'close')

  // All six in one batch: same tree, only the last signature slot.
  const batch = await c.openWritable(path.join(tmp, 'batch'), kp.publicKey, { secretKey: kp.secretKey })
  await c.call(batch, 'append', BLOCKS.map((b) => Buffer.from(b)))
  await c.call(batch, 'close')
  // The compat test's key pair, blocks a, b, c in one batch.
  const compat = await c.openWritable(path.join(tmp, 'compat'), Buffer.from(COMPAT_KEY, 'hex'),
    { secretKey: Buffer.from(COMPAT_SECRET, 'hex') })
  await c.call(compat, 'append', BLOCKS.slice(0, 3).map((b) => Buffer.from(b)))
  const compatSig = await c.call(compat, 'signature', 2)
  const compatRoots = await c.call(compat, 'rootHashes', 2)
  await c.call(compat, 'close')

  const read = (d, f) => fs.readFileSync(path.join(tmp, d, f))
  if (!read('single', 'tree').equals(read('batch', 'tree'))) throw new Error('tree differs by batching')

  const dest = path.join(outdir, 'abcdef')
  fs.mkdirSync(dest, { recursive: true })
  for (const f of FILES) fs.copyFileSync(path.join(tmp, 'single', f), path.join(dest, f))

  const json = {
    description: 'ddatabase@10.0.4 feed with blocks a..f; see tests/fixtures/README.md',
    seed: kp.seed.toString('hex'),
    publicKey: kp.publicKey.toString('hex'),
    secretKey: kp.secretKey.toString('hex'),
    discoveryKey: dcrypto.discoveryKey(kp.publicKey).toString('hex'),
    blocks: BLOCKS,
    lengths,
    batch: {
      signatures: read('batch', 'signatures').toString('hex'),
      bitfieldEqualsSingle: read('batch', 'bitfield').equals(read('single', 'bitfield'))
    },
    compat: {
      publicKey: COMPAT_KEY,
      secretKey: COMPAT_SECRET,
      blocks: BLOCKS.slice(0, 3),
      signable: dcrypto.signable(compatRoots, 3).toString('hex'),
      signature: compatSig.signature.toString('hex')
    }
  }
  fs.writeFileSync(path.join(outdir, 'abcdef.json'), JSON.stringify(json, null, 2) + '\n')
  fs.rmSync(tmp, { recursive: true, force: true })
  c.done({ outdir, files: FILES.map((f) => 'abcdef/' + f).concat(['abcdef.json']), publicKey: json.publicKey })
})
