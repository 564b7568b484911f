// The world's reactions: feed events, acknowledgements, reads, and the timed faults.
#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "sim/trace_event.hpp"
#include "sim/world.hpp"

namespace ddb::sim {

void world::on_feed_event(int n, int f, uint64_t inc, const feed_event& ev) {
  node_feed* nf = find(n, f, inc);
  if (nf == nullptr) return;
  core_.event(trace_kind::feed, n, -1, static_cast<uint64_t>(n) << 32 | static_cast<uint32_t>(f),
              static_cast<uint64_t>(ev.type), ev.length);
  if (ev.type == feed_event_type::append || ev.type == feed_event_type::sync ||
      ev.type == feed_event_type::download) {
    checks_.on_length(n, f, inc, ev.length);
    if (ev.length > nf->length) nf->length = ev.length;
  }
  if (ev.type == feed_event_type::append && nf->r == role::writer) {
    delays_.appended(f, ev.length, core_.elapsed());
  } else if (ev.type == feed_event_type::download && nf->r == role::follower) {
    delays_.verified(n, f, ev.index, core_.elapsed());
  }
  if (ev.type == feed_event_type::sync && nf->r == role::follower) {
    sync_log_[{n, f}].push_back({core_.elapsed(), ev.length});
  }
}

void world::on_appended(int n, int f, uint64_t inc, uint64_t first, uint64_t count) {
  node_feed* nf = find(n, f, inc);
  if (nf == nullptr) return;
  nf->append_in_flight = false;
  if (first != nf->next_index) {
    checks_.violate(outcome::correctness, "append",
                    "node " + std::to_string(n) + ": batch landed at " + std::to_string(first) +
                        ", expected " + std::to_string(nf->next_index));
  }
  nf->next_index = first + count;
  if (nf->r == role::writer) checks_.on_ack(n, f, first + count);
  core_.event(trace_kind::ack, n, -1, 0xacc, static_cast<uint64_t>(n), first + count);
}

void world::on_append_failed(int n, int f, uint64_t inc, const std::string& why) {
  node_feed* nf = find(n, f, inc);
  if (nf == nullptr) return;
  nf->append_in_flight = false;
  core_.note("node " + std::to_string(n) + " append failed: " + why, trace_kind::note, n);
}

void world::on_read(int n, int f, uint64_t index, const byte_buffer& data) {
  core_.event(trace_kind::read, n, -1, 0x4ead, static_cast<uint64_t>(n), index);
  if (data != content(f).block(index)) {
    checks_.violate(outcome::correctness, "verified",
                    "node " + std::to_string(n) + " read block " + std::to_string(index) +
                        " with bytes that differ from the writer's");
  }
}

void world::schedule_faults() {
  for (const auto& f : sc_.faults) {
    if (f.kind == fault_kind::churn) {
      schedule_churn(f, core_.now() + f.at);
      continue;
    }
    fault_spec copy = f;
    core_.at(core_.now() + f.at, [this, copy] {
      if (!healed_ || copy.kind == fault_kind::heal) apply_fault(copy);
    });
  }
  duration heal = sc_.heal_at;
  core_.at(core_.now() + heal, [this] { heal_all(); });
  core_.at(core_.now() + std::chrono::seconds(1), [this] { sample(); });
}

void world::apply_fault(const fault_spec& f) {
  core_.note(std::string("fault ") + to_string(f.kind), trace_kind::fault, f.node);
  switch (f.kind) {
    case fault_kind::partition:
      for (int a : f.a) {
        for (int b : f.b) {
          net_.block(a, b);
          net_.block(b, a);
        }
      }
      break;
    case fault_kind::oneway:
      for (int a : f.a) {
        for (int b : f.b) net_.block(a, b);
      }
      break;
    case fault_kind::isolate:
      net_.isolate(f.node);
      break;
    case fault_kind::heal:
      net_.heal();
      break;
    case fault_kind::reset:
      net_.reset_random("reset: injected");
      break;
    case fault_kind::clog:
      net_.clog(f.node, from_ms(f.extra_ms), f.until);
      break;
    case fault_kind::crash:
      crash(f.node, "injected");
      break;
    case fault_kind::restart:
      restart(f.node, f.wipe);
      break;
    case fault_kind::storage:
      apply_storage_fault(f);
      break;
    case fault_kind::churn:
      break;
  }
}

void world::schedule_churn(const fault_spec& f, time_point t) {
  core_.at(t, [this, f] {
    if (healed_ || core_.elapsed() > f.until) return;
    std::vector<int> candidates;
    for (const auto& nd : nodes_) {
      bool follower_only = !nd.feeds.empty() && !nd.adversary;
      for (const auto& nf : nd.feeds) follower_only = follower_only && nf.r != role::writer;
      if (follower_only && nd.up) candidates.push_back(nd.id);
    }
    if (!candidates.empty()) {
      int n = candidates[churn_rng_.below(candidates.size())];
      bool wipe = churn_rng_.chance(0.3);
      crash(n, "churn");
      core_.after(f.down, [this, n, wipe] { restart(n, wipe); });
    }
    schedule_churn(f, core_.now() + f.every);
  });
}

void world::apply_storage_fault(const fault_spec& f) {
  node_state& nd = nodes_[static_cast<size_t>(f.node)];
  if (!nd.up || nd.feeds.empty() || !nd.feeds[0].storage) return;
  node_feed& nf = nd.feeds[0];
  fault_config fc = storage_config(nd);
  fc.fail_at_write = f.after_writes;
  int n = nd.id;
  auto crash_soon = [this, n] {
    core_.after(std::chrono::milliseconds(300), [this, n] { crash(n, "storage fault"); });
    core_.after(std::chrono::milliseconds(1300), [this, n] { restart(n, false); });
  };
  switch (f.storage) {
    case storage_fault::crash_at_write:
    case storage_fault::torn_write:
      fc.fail_all_after = true;  // the machine stops writing at write N, then dies
      fc.torn = f.storage == storage_fault::torn_write;
      nf.storage->configure(fc);
      crash_soon();
      break;
    case storage_fault::drop_unsynced:
      fc.fail_at_write = 0;
      fc.on_crash = crash_mode::keep_prefix_global;
      fc.crash_tears = true;
      nf.storage->configure(fc);
      crash(n, "power loss");
      core_.after(std::chrono::seconds(1), [this, n] { restart(n, false); });
      break;
    case storage_fault::eio:
    case storage_fault::enospc: {
      fc.fail_with = f.storage == storage_fault::eio ? errc::io_error : errc::no_space;
      fc.fail_all_after = f.storage == storage_fault::enospc;
      nf.storage->configure(fc);
      auto inj = nf.storage;
      uint64_t s2 = nd.r.next();
      core_.after(std::chrono::seconds(2), [inj, s2] {
        fault_config clean;
        clean.seed = s2;
        inj->configure(clean);
      });
      break;
    }
    case storage_fault::bitflip:
      bit_flip(nd, nf);
      break;
  }
}

}  // namespace ddb::sim
