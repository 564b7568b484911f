// libFuzzer target: a replicator (over a memory-env feed) driven by an arbitrary sequence of
// peer messages and local calls decoded from the input, with a resource budget per input: the
// remote bitfield's pages, the Wants tracked, the queued Requests, the output not yet reported
// sent and the range work must stay within the bounds peer_limits promises, else abort().
//
// Input: byte 0 picks the side (bit 0: an empty clone of the writer, else the writer itself;
// bit 1: sparse; bit 2: live peers); then operations, each an op byte and its operands
// (little-endian integers, missing bytes read as zero):
//   raw frame (type, u16 length, body)  Have/Unhave/Want/Request/Status with chosen fields,
//   a bitfield Have (RLE of the body), on_sent, a second peer joining/leaving, local
//   download/prioritize/want_length/append/clear.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "feed/feed.hpp"
#include "protocol/replicator.hpp"
#include "storage/env.hpp"
#include "wire/bitfield_rle.hpp"

namespace {

using namespace ddb;
using namespace ddb::replication;

constexpr uint64_t writer_blocks = 3000;

struct reader {
  const uint8_t* p;
  size_t n;
  bool empty() const { return n == 0; }
  uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  uint64_t uint(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{u8()} << (8 * i);
    return v;
  }
  // A 64-bit value biased towards interesting magnitudes: small, near powers of two, huge.
  uint64_t any() {
    const uint8_t shape = u8();
    const uint64_t raw = uint(4);
    switch (shape % 4) {
      case 0:
        return raw % 8192;
      case 1:
        return raw % (4 * writer_blocks);
      case 2:
        return uint64_t{1} << (raw % 64);
      default:
        return (raw << 32) | uint(4);
    }
  }
  byte_buffer bytes(size_t max) {
    size_t len = std::min<size_t>(uint(2), max);
    len = std::min(len, n);
    byte_buffer out(p, p + len);
    p += len;
    n -= len;
    return out;
  }
};

feed& shared_writer() {
  static std::unique_ptr<feed> w = [] {
    auto f = feed::open(make_memory_env(), feed_options{});
    if (!f) std::abort();
    std::vector<byte_buffer> blocks;
    for (uint64_t i = 0; i < writer_blocks; ++i) {
      blocks.emplace_back(1 + i % 97, static_cast<uint8_t>(i));
    }
    if (!(*f)->append(blocks)) std::abort();
    return std::move(*f);
  }();
  return *w;
}

template <class M>
wire_frame frame(wire::message_type type, const M& m) {
  wire_frame f;
  f.type = static_cast<uint8_t>(type);
  wire::encode(m, f.body);
  return f;
}

void check(bool ok) {
  if (!ok) std::abort();
}

// The budget: what peer_limits promises for any message sequence.
void check_budget(const replicator& r, const replicator_options& o, uint64_t peer,
                  uint64_t step_bytes) {
  const peer_state* p = r.peer(peer);
  if (!p) return;
  const peer_limits& l = o.limits;
  const uint64_t bound_pages = r.remote_bound() / bitfield::blocks_per_page + 2;
  check(p->remote.page_count() <= bound_pages);
  check(p->remote_length <= r.remote_bound() || p->remote_length == 0 ||
        p->remote_length <= shared_writer().length());
  check(p->wants.size() <= l.max_wants);
  check(p->inflight_wants <= l.max_inflight_wants + p->wants.size());
  check(p->asks.size() <= l.max_queued_requests + l.max_queued_wants);
  check(p->queued_requests <= l.max_queued_requests && p->queued_wants <= l.max_queued_wants);
  check(p->work_pages <= l.work_pages_per_page * bound_pages + l.work_pages_slack);
  // Bytes emitted by one step: at most the send window of answers, plus one answer (a block and
  // its proof), plus the small messages that need no credit (Wants, Status, our Requests...).
  check(step_bytes <= l.max_unsent_bytes + 256 * 1024);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  reader in{data, size};
  const uint8_t mode = in.u8();
  feed& writer = shared_writer();
  std::unique_ptr<feed> clone;
  if (mode & 1) {
    feed_options fo;
    fo.key = writer.key();
    auto f = feed::open(make_memory_env(), fo);
    if (!f) std::abort();
    clone = std::move(*f);
  }
  replicator_options o;
  o.sparse = (mode & 2) != 0;
  o.limits.max_unsent_bytes = 64 * 1024;  // small, so the window is reached
  o.limits.max_remote_ahead = 1 << 16;    // small, so inputs run fast and cross the bound
  // The writer is shared between inputs: local appends and clears only on the clone.
  feed& f = clone ? *clone : writer;
  replicator r(f, o);
  peer_info info;
  info.live = (mode & 4) != 0;
  const uint64_t peer = 1;
  r.add_peer(peer, info);
  r.remote_open(peer);
  bool second = false;
  uint64_t unreported = 0;
  std::vector<outgoing> out;
  std::vector<replicator_event> events;

  for (int steps = 0; !in.empty() && steps < 1024; ++steps) {
    const uint8_t op = in.u8();
    std::vector<wire_frame> frames;
    switch (op % 16) {
      case 0: {  // any frame: the replicator's decoders see arbitrary bodies
        wire_frame fr;
        fr.type = in.u8() % 11;
        fr.body = in.bytes(4096);
        frames.push_back(std::move(fr));
        break;
      }
      case 1: {
        wire::have_message h;
        h.start = in.any();
        if (in.u8() & 1) h.length = in.any();
        if (in.u8() & 1) h.ack = true;
        frames.push_back(frame(wire::message_type::have, h));
        break;
      }
      case 2: {  // a bitfield Have: a run or literal RLE built from the input
        wire::have_message h;
        h.start = (in.any() / want_chunk) * want_chunk;
        h.length = want_chunk;
        const uint8_t kind = in.u8();
        if (kind & 1) {
          byte_buffer run(static_cast<size_t>(in.uint(3)) + 1, (kind & 2) ? 0xff : 0x55);
          h.bitfield = wire::rle::encode(byte_view(run));
        } else {
          h.bitfield = in.bytes(1024);  // raw, possibly malformed
        }
        frames.push_back(frame(wire::message_type::have, h));
        break;
      }
      case 3: {
        wire::unhave_message u;
        u.start = in.any();
        if (in.u8() & 1) u.length = in.any();
        frames.push_back(frame(wire::message_type::unhave, u));
        break;
      }
      case 4: {
        wire::want_message w;
        w.start = in.any();
        if (in.u8() & 1) w.length = in.any();
        frames.push_back(frame(wire::message_type::want, w));
        break;
      }
      case 5: {  // a burst of Requests
        const int n = 1 + in.u8() % 64;
        const uint64_t base = in.any();
        const uint8_t flags = in.u8();
        for (int i = 0; i < n; ++i) {
          wire::request_message q;
          q.index = (flags & 4) ? base : base + static_cast<uint64_t>(i);
          if (flags & 1) q.hash = true;
          if (flags & 2) q.bytes = base * 7 + static_cast<uint64_t>(i);
          if (flags & 8) q.nodes = in.any();
          frames.push_back(frame(wire::message_type::request, q));
        }
        break;
      }
      case 6: {
        wire::status_message s;
        const uint8_t b = in.u8();
        if (b & 1) s.uploading = (b & 2) != 0;
        if (b & 4) s.downloading = (b & 8) != 0;
        frames.push_back(frame(wire::message_type::status, s));
        break;
      }
      case 7: {  // the network took some bytes
        const uint64_t n = in.uint(3);
        r.on_sent(peer, n);
        unreported -= std::min(unreported, n);
        break;
      }
      case 8: {  // everything was sent
        r.on_sent(peer, unreported);
        unreported = 0;
        break;
      }
      case 9: {  // local calls are trusted input: their ranges stay near the feed
        range_request q;
        q.start = in.any() % (8 * writer_blocks);
        if (in.u8() & 1) q.end = q.start + in.uint(2);
        q.linear = (in.u8() & 1) != 0;
        if (in.u8() & 1)
          q.blocks = {in.any() % (8 * writer_blocks), in.any() % (8 * writer_blocks)};
        r.download(std::move(q));
        break;
      }
      case 10:
        r.prioritize(in.any() % (8 * writer_blocks));
        break;
      case 11:
        r.want_length(in.any() % (8 * writer_blocks));
        break;
      case 12:
        if (clone) r.on_local_clear(in.uint(2), in.uint(2));
        break;
      case 13:
        if (!second) {
          r.add_peer(peer + 1, info);
          r.remote_open(peer + 1);
        } else {
          r.remove_peer(peer + 1, "gone");
        }
        second = !second;
        break;
      case 14:
        r.set_uploading((in.u8() & 1) != 0);
        break;
      default:
        r.set_downloading((in.u8() & 1) != 0);
        break;
    }
    if (!frames.empty()) r.on_frames(peer, frames);
    r.take(out, events);
    if (clone && !clone->flush_puts()) std::abort();
    uint64_t step_bytes = 0;
    for (const auto& o2 : out) {
      if (o2.peer != peer) continue;
      for (const auto& fr : o2.frames) step_bytes += fr.body.size();
    }
    unreported += step_bytes;
    bool dropped = false;
    for (const auto& e : events) dropped |= e.kind == event_kind::drop_peer && e.peer == peer;
    if (dropped) {
      check(r.peer(peer) == nullptr);
      break;  // the connection would end here
    }
    check_budget(r, o, peer, step_bytes);
  }
  return 0;
}
