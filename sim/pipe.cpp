#include "sim/pipe.hpp"

#include <algorithm>
#include <cmath>

#include <caf/send.hpp>

#include "messages/atoms.hpp"
#include "sim/trace_event.hpp"

namespace ddb::sim {

namespace {

class sim_connection final : public connection {
 public:
  sim_connection(std::shared_ptr<pipe> p, int side) : p_(std::move(p)), side_(side) {}
  void attach(caf::actor owner) override { p_->attach(side_, std::move(owner)); }
  void write(byte_buffer bytes) override { p_->write(side_, std::move(bytes)); }
  void close() override { p_->close(side_); }
  uint64_t pending_bytes() const override { return p_->pending(side_); }
  void set_reading(bool on) override { p_->set_reading(side_, on); }
  std::string remote_address() const override {
    return "sim:" + std::to_string(p_->node(1 - side_));
  }
  bool initiator() const override { return side_ == 0; }

 private:
  std::shared_ptr<pipe> p_;
  int side_;
};

}  // namespace

pipe::pipe(network& net, uint64_t id, int a, int b, std::function<void()> on_end)
    : net_(net), id_(id), node_{a, b}, rng_(net.link_rng(a, b)), on_end_(std::move(on_end)) {
  dir_[0].next_free = dir_[0].last_due = net.sim().now();
  dir_[1].next_free = dir_[1].last_due = net.sim().now();
}

std::pair<connection_ptr, connection_ptr> pipe::make_ends() {
  auto self = shared_from_this();
  return {std::make_shared<sim_connection>(self, 0), std::make_shared<sim_connection>(self, 1)};
}

void pipe::attach(int side, caf::actor owner) {
  end_[side].owner = std::move(owner);
  flush_end(side);
}

// Simplification: a paused end stops handing bytes to its owner at once, while the link keeps
// delivering into its inbox (the kernel receive buffer of a real socket).
void pipe::set_reading(int side, bool on) {
  end_[side].paused = !on;
  flush_end(side);
}

// Hands the inbox, then the end (once), to an owner that reads.
void pipe::flush_end(int side) {
  end_state& e = end_[side];
  if (!e.owner || e.paused) return;
  for (auto& b : e.inbox) caf::anon_send(e.owner, ddb_recv_atom_v, std::move(b));
  e.inbox.clear();
  if (e.down && !e.down_delivered) {
    e.down_delivered = true;
    caf::anon_send(e.owner, ddb_down_atom_v, e.down_reason);
  }
}

duration pipe::sample_latency(int side) {
  return net_.sample_latency(node_[side], node_[1 - side], rng_);
}

void pipe::schedule(int side, time_point due) {
  std::weak_ptr<pipe> w = shared_from_this();
  net_.sim().at(due, [w, side] {
    if (auto p = w.lock()) p->deliver_front(side);
  });
}

void pipe::write(int side, byte_buffer bytes) {
  if (ended_ || closing_[side] || bytes.empty()) return;
  direction& d = dir_[side];
  const size_t n = bytes.size();
  const link_model& ma = net_.model(node_[0]);
  const link_model& mb = net_.model(node_[1]);
  d.queued += n;
  net_.stat_queued(d.queued);
  if (d.queued > std::min(ma.queue_limit, mb.queue_limit)) {
    net_.mutable_stats().overflows++;
    reset("reset: send queue overflow");
    return;
  }
  uint64_t bw = ma.bandwidth == 0
                    ? mb.bandwidth
                    : (mb.bandwidth == 0 ? ma.bandwidth : std::min(ma.bandwidth, mb.bandwidth));
  if (const auto* rl = net_.region_link_of(node_[0], node_[1]); rl && rl->bandwidth > 0) {
    bw = bw == 0 ? rl->bandwidth : std::min(bw, rl->bandwidth);
  }
  time_point now = net_.sim().now();
  time_point start = std::max(now, d.next_free);
  duration tx{0};
  if (bw > 0) tx = duration(static_cast<int64_t>(n * 1000000000ull / bw));
  d.next_free = start + tx;
  time_point due = std::max(start + tx + sample_latency(side), d.last_due);
  d.last_due = due;
  rng& r = rng_;
  const link_model& m = net_.model(node_[side]);
  if (!d.pending.empty() && !d.pending.back().fin && d.stalled == 0 &&
      d.pending.back().due == due && r.chance(m.coalesce_chance)) {
    auto& back = d.pending.back().bytes;
    back.insert(back.end(), bytes.begin(), bytes.end());
    return;
  }
  if (n > 1 && r.chance(m.split_chance)) {
    size_t cut = 1 + r.below(n - 1);
    d.pending.push_back(chunk{byte_buffer(bytes.begin(), bytes.begin() + cut), false, due});
    bytes.erase(bytes.begin(), bytes.begin() + cut);
    schedule(side, due);
  }
  d.pending.push_back(chunk{std::move(bytes), false, due});
  schedule(side, due);
}

void pipe::deliver_front(int side) {
  direction& d = dir_[side];
  if (ended_ || d.pending.empty()) return;
  if (net_.blocked(node_[side], node_[1 - side])) {
    d.stalled++;
    return;
  }
  chunk c = std::move(d.pending.front());
  d.pending.pop_front();
  if (c.fin) {
    send_down(1 - side, "remote closed");
    return;
  }
  d.queued -= c.bytes.size();
  net_.sim().event(trace_kind::delivery, node_[side], node_[1 - side],
                   id_ * 2 + static_cast<uint64_t>(side), c.bytes.size(),
                   static_cast<uint64_t>(net_.sim().elapsed().count()));
  net_.stat_delivered(c.bytes.size());
  to_owner(1 - side, std::move(c.bytes));
}

void pipe::resume() {
  for (int side = 0; side < 2; ++side) {
    direction& d = dir_[side];
    if (d.stalled == 0) continue;
    time_point due = net_.sim().now() + net_.base_latency(node_[side], node_[1 - side]);
    d.last_due = std::max(d.last_due, due);
    for (uint64_t i = 0; i < d.stalled; ++i) schedule(side, due);
    d.stalled = 0;
  }
}

void pipe::to_owner(int side, byte_buffer bytes) {
  end_state& e = end_[side];
  if (e.down) return;
  if (e.owner && !e.paused)
    caf::anon_send(e.owner, ddb_recv_atom_v, std::move(bytes));
  else
    e.inbox.push_back(std::move(bytes));
}

void pipe::close(int side) {
  if (ended_ || closing_[side]) return;
  closing_[side] = true;
  direction& d = dir_[side];
  time_point due = std::max(net_.sim().now() + sample_latency(side), d.last_due);
  d.pending.push_back(chunk{{}, true, due});
  d.last_due = due;
  schedule(side, due);
  send_down(side, "closed");
}

void pipe::reset(const std::string& reason) {
  if (ended_) return;
  net_.mutable_stats().resets++;
  for (auto& d : dir_) d.pending.clear();
  send_down(0, reason);
  send_down(1, reason);
}

void pipe::send_down(int side, const std::string& reason) {
  end_state& e = end_[side];
  if (e.down) return;
  e.down = true;
  e.down_reason = reason;
  net_.sim().note(
      "conn " + std::to_string(id_) + " end " + std::to_string(node_[side]) + " down: " + reason,
      trace_kind::connection, node_[side]);
  flush_end(side);  // a paused end gets it after the bytes it received before
  finish_if_done();
}

void pipe::finish_if_done() {
  if (ended_ || !end_[0].down || !end_[1].down) return;
  ended_ = true;
  auto keep = shared_from_this();
  auto fn = std::move(on_end_);
  net_.ended(id_);
  if (fn) fn();
}

}  // namespace ddb::sim
