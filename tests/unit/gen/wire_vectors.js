// Prints exact encodings from the reference's encoders, pinned in tests/unit/test_wire_messages.cpp
// (messages, frames, bitfield-rle). One line per vector: "name hex".
// Usage: NODE_PATH=tests/interop/node_modules node tests/unit/gen/wire_vectors.js
const messages = require('@ddatabase/simple-protocol/messages')
const SMC = require('simple-message-channels')
const rle = require('bitfield-rle')
const varint = require('varint')

const b = (s) => Buffer.from(s)
const h = (n, fill) => Buffer.alloc(n, fill)
const out = (name, buf) => console.log(name + ' ' + Buffer.from(buf).toString('hex'))

const cases = [
  ['noise_payload', 'NoisePayload', { nonce: h(24, 7) }],
  ['open_min', 'Open', { discoveryKey: h(32, 1) }],
  ['open_cap', 'Open', { discoveryKey: h(32, 1), capability: h(32, 2) }],
  ['options_empty', 'Options', {}],
  ['options_full', 'Options', { extensions: ['a', 'ext-b', 'ünï'], ack: true }],
  ['status_empty', 'Status', {}],
  ['status_full', 'Status', { uploading: false, downloading: true }],
  ['have_min', 'Have', { start: 0 }],
  ['have_full', 'Have', { start: 300, length: 1 << 20, bitfield: b('\x01\x02'), ack: true }],
  ['have_big', 'Have', { start: Number.MAX_SAFE_INTEGER, length: 2 ** 40 }],
  ['unhave', 'Unhave', { start: 5, length: 2 }],
  ['want', 'Want', { start: 0, length: 1024 }],
  ['want_min', 'Want', { start: 128 }],
  ['unwant', 'Unwant', { start: 1, length: 1 }],
  ['request_min', 'Request', { index: 7 }],
  ['request_full', 'Request', { index: 70000, bytes: 12, hash: true, nodes: 3 }],
  ['cancel', 'Cancel', { index: 9, bytes: 0, hash: false }],
  ['data_min', 'Data', { index: 0 }],
  ['data_full', 'Data', {
    index: 5,
    value: b('hello world'),
    nodes: [{ index: 10, hash: h(32, 0xaa), size: 100 }, { index: 3, hash: h(32, 0xbb), size: 2 ** 33 }],
    signature: h(64, 0xcc)
  }],
  ['close_empty', 'Close', {}],
  ['close_key', 'Close', { discoveryKey: h(32, 9) }]
]
for (const [name, type, msg] of cases) out('msg_' + name, messages[type].encode(msg))

// Extension (type 15) body, as simple-hypercore-protocol builds it: varint(id) ‖ payload.
const ext = Buffer.concat([Buffer.from(varint.encode(300)), b('payload')])
out('msg_extension', ext)

// Frames.
const smc = new SMC({ types: [{ encoding: messages.Open }, { encoding: messages.Options }] })
out('frame_open_ch0', smc.send(0, 0, { discoveryKey: h(32, 1) }))
out('frame_options_ch5', smc.send(5, 1, { extensions: ['x'] }))
out('frame_raw_ch200_t15', smc.send(200, 15, ext))
out('frame_raw_ch1_t2_empty', smc.send(1, 2, Buffer.alloc(0)))

// bitfield-rle.
const bitfields = {
  rle_empty: Buffer.alloc(0),
  rle_zeros: Buffer.alloc(100),
  rle_ones: Buffer.alloc(100, 255),
  rle_mixed: Buffer.concat([h(20, 255), b('\x01\x02\x03'), h(40, 0), h(3, 255), b('\x80'), h(200, 255), h(5, 0)]),
  rle_literal: b('\x01\x02\x03\x04'),
  rle_short_runs: b('\xff\x00\xff\x00\x0f\xff\xff'),
  rle_long: Buffer.concat([h(70000, 255), b('\x10'), h(17, 0), b('\x01')])
}
for (const [name, buf] of Object.entries(bitfields)) {
  out(name + '_in', buf.length > 2000 ? Buffer.alloc(0) : buf)
  out(name, rle.encode(buf))
}
