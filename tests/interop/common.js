'use strict'
// Shared helpers for the interop scripts: argument parsing, the deterministic
// block-content rule, opening a feed directory with the reference, and the
// "one JSON line on stdout" output convention.
//
// The reference (ddatabase@10.0.4) is resolved from node_modules beside this
// file, so the scripts work from any working directory.

const fs = require('fs')
const path = require('path')
const ddatabase = require('ddatabase')

// Parses argv into { _: [positional...], name: value | true }.
// "--name value" takes the next argument unless it starts with "--";
// a bare "--name" is a boolean flag.
function parseArgs (argv) {
  const out = { _: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a.startsWith('--')) {
      const name = a.slice(2)
      const next = argv[i + 1]
      if (next !== undefined && !next.startsWith('--')) {
        out[name] = next
        i++
      } else {
        out[name] = true
      }
    } else {
      out._.push(a)
    }
  }
  return out
}

// Integer option with a default; fails on garbage.
function intArg (args, name, dflt) {
  if (args[name] === undefined) return dflt
  const n = Number(args[name])
  if (!Number.isSafeInteger(n) || n < 0) fail(`--${name} must be a non-negative integer`)
  return n
}

// The block-content rule (documented in README.md; C++ tests recompute it):
// - without size: block i = prefix + decimal(i) left-padded with '0' to 8 digits
//   (ASCII), e.g. prefix "block-" and i = 42 -> "block-00000042";
// - with size S > 0: block i = S bytes, byte j = (i * 7 + j) % 251.
function makeBlock (i, size, prefix) {
  if (size) {
    const b = Buffer.allocUnsafe(size)
    let v = (i * 7) % 251
    for (let j = 0; j < size; j++) {
      b[j] = v
      v = v === 250 ? 0 : v + 1
    }
    return b
  }
  return Buffer.from(prefix + String(i).padStart(8, '0'))
}

// Opens an existing feed directory (never creates one). Resolves with the
// ready feed. The reference reports a missing feed with createIfMissing:false
// as an 'error' event rather than through ready(cb), so both are listened to.
// A missing DIR is refused up front: the reference would create it.
function openExisting (dir, opts) {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(dir)) return reject(new Error(`${dir}: no such directory`))
    const feed = ddatabase(path.resolve(dir), Object.assign({ createIfMissing: false }, opts))
    let settled = false
    feed.on('error', (err) => {
      if (!settled) { settled = true; reject(err) }
    })
    feed.ready((err) => {
      if (settled) return
      settled = true
      if (err) reject(err)
      else resolve(feed)
    })
  })
}

// Creates (or opens) a feed directory for writing.
function openWritable (dir, key, opts) {
  return new Promise((resolve, reject) => {
    const feed = key ? ddatabase(path.resolve(dir), key, opts) : ddatabase(path.resolve(dir), opts)
    feed.on('error', reject)
    feed.ready((err) => (err ? reject(err) : resolve(feed)))
  })
}

// Small promise wrappers over the callback API.
function call (feed, method, ...args) {
  return new Promise((resolve, reject) => {
    feed[method](...args, (err, value) => (err ? reject(err) : resolve(value)))
  })
}

// Checks the newest signature of a feed against its current roots:
// true if it verifies, false if it is missing or wrong.
async function signatureValid (feed) {
  if (feed.length === 0) return false
  try {
    const sig = await call(feed, 'signature')
    return (await call(feed, 'verify', sig.index, sig.signature)) === true
  } catch (_) {
    return false
  }
}

// Prints the single JSON result line and exits 0.
function done (obj) {
  fs.writeSync(1, JSON.stringify(obj) + '\n')
  process.exit(0)
}

// Prints {"error": msg} on stdout, the message on stderr, and exits 1.
function fail (msg) {
  const text = msg instanceof Error ? msg.message : String(msg)
  fs.writeSync(2, text + '\n')
  fs.writeSync(1, JSON.stringify({ error: text }) + '\n')
  process.exit(1)
}

// Runs an async main and routes any exception to fail().
function main (fn) {
  fn().catch(fail)
}

module.exports = {
  ddatabase,
  parseArgs,
  intArg,
  makeBlock,
  openExisting,
  openWritable,
  call,
  signatureValid,
  done,
  fail,
  main
}
