// The end of a run: probe every live feed through its actor, then check signed roots, stored
// bytes, forks and convergence. Also the periodic sampler and the bit-flip detector.
#include <caf/all.hpp>

#include "core/crypto.hpp"
#include "messages/atoms.hpp"
#include "messages/feed_actor.hpp"
#include "sim/mailbox_depth.hpp"
#include "sim/trace_event.hpp"
#include "sim/world.hpp"

namespace ddb::sim {

struct world::probe {
  int node = 0;
  int feed = 0;
  role r = role::follower;
  bool done = false;
  feed_info info;
  std::optional<signature_reply> sig;
  node_list roots;
  block_list blocks;
};

namespace {

using probe_ptr = std::shared_ptr<world::probe>;

void probe_blocks(caf::event_based_actor* self, caf::actor feed, probe_ptr p) {
  bool full = p->r != role::sparse && p->info.downloaded == p->info.length;
  if (!full) {
    p->done = true;
    return;
  }
  get_options o;
  o.wait = false;
  self->request(feed, caf::infinite, ddb_batch_atom_v, uint64_t{0}, p->info.length, o)
      .then([=](block_list& b) { p->blocks = std::move(b), p->done = true; },
            [=](caf::error&) { p->done = true; });
}

caf::behavior probe_actor(caf::event_based_actor* self, caf::actor feed, probe_ptr p) {
  self->request(feed, caf::infinite, ddb_info_atom_v)
      .then(
          [=](const feed_info& info) {
            p->info = info;
            if (info.length == 0) {
              p->done = true;
              return;
            }
            self->request(feed, caf::infinite, ddb_sig_atom_v, latest_index)
                .then(
                    [=](const signature_reply& s) {
                      p->sig = s;
                      self->request(feed, caf::infinite, ddb_roots_atom_v, s.index)
                          .then(
                              [=](node_list& roots) {
                                p->roots = std::move(roots);
                                probe_blocks(self, feed, p);
                              },
                              [=](caf::error&) { p->done = true; });
                    },
                    [=](caf::error&) { p->done = true; });
          },
          [=](caf::error&) { p->done = true; });
  return {[](caf::unit_t) {}};
}

}  // namespace

void world::start_probes() {
  for (auto& nd : nodes_) {
    if (!nd.up) continue;
    for (auto& nf : nd.feeds) {
      if (nf.r == role::adversary && nf.adversary != adversary_kind::fork) continue;
      auto p = std::make_shared<probe>();
      p->node = nd.id;
      p->feed = nf.feed;
      p->r = nf.r;
      probes_.push_back(p);
      auto a = sys_.spawn(probe_actor, nf.actor, p);
      nd.peers.push_back(a);  // killed with the node's actors at stop()
    }
  }
}

uint64_t world::writer_length(int feed) const {
  auto it = writer_lengths_.find(feed);
  return it == writer_lengths_.end() ? 0 : it->second;
}

void world::check_probe(const probe& p, uint64_t target, bool forker, duration deadline) {
  const std::string who = "node " + std::to_string(p.node) + " feed " + std::to_string(p.feed);
  if (!p.done) {
    checks_.violate(outcome::liveness, "probe", who + " did not answer the final probe");
    return;
  }
  bool forked = false;
  if (p.sig) {
    const feed_keys& k = keys_[static_cast<size_t>(p.feed)];
    uint64_t len = p.sig->index + 1;
    if (!crypto::verify_roots(p.roots, len, p.sig->signature, k.key)) {
      checks_.violate(outcome::correctness, "verified",
                      who + " holds roots for length " + std::to_string(len) +
                          " whose signature does not verify against the writer's key");
      return;
    }
    if (crypto::tree_hash(p.roots) != content(p.feed).tree_hash_at(len)) {
      forked = true;
      if (forker) {
        checks_.on_fork(p.feed, who + " holds a validly signed tree of length " +
                                    std::to_string(len) + " that is not the writer's");
      } else {
        checks_.violate(outcome::correctness, "forks",
                        who + " holds a validly signed tree that is not the writer's");
      }
    }
  }
  oracle& o = content(p.feed, forked);
  for (size_t i = 0; i < p.blocks.size(); ++i) {
    if (p.blocks[i] != o.block(i)) {
      checks_.violate(outcome::correctness, "verified",
                      who + " stores block " + std::to_string(i) +
                          " with bytes that differ from its signed log");
      break;
    }
  }
  if (p.r == role::sparse) {
    metrics_.push_back(follower_metric{p.node, p.feed, std::nullopt, p.info.length, true});
  }
  if (p.r != role::follower || forked || !sc_.invariants.convergence) return;
  metrics_.push_back(follower_metric{p.node, p.feed, std::nullopt, p.info.length});
  bool complete = p.info.length >= target && p.info.downloaded == p.info.length;
  std::optional<duration> when;
  for (const auto& [t, len] : sync_log_[{p.node, p.feed}]) {
    if (len >= target) {
      when = t;
      break;
    }
  }
  if (complete && !when) when = core_.elapsed();
  metrics_.back().converged = when;
  if (!complete || !when || *when > deadline) {
    checks_.violate(outcome::liveness, "convergence",
                    who + " has " + std::to_string(p.info.downloaded) + "/" +
                        std::to_string(p.info.length) + " blocks; the writer has " +
                        std::to_string(target) + " (bound " + format_time(deadline) + ")");
  }
}

void world::evaluate() {
  for (const auto& p : probes_) {
    if (p->r == role::writer && p->done) writer_lengths_[p->feed] = p->info.length;
  }
  duration end_of_load{};
  for (const auto& w : sc_.workload) end_of_load = std::max(end_of_load, w.until);
  duration deadline = std::max(sc_.heal_at, end_of_load) + sc_.converge_within;
  for (const auto& p : probes_) {
    bool forker = false;
    for (const auto& a : sc_.adversaries) {
      forker = forker || (a.kind == adversary_kind::fork && a.feed == p->feed);
    }
    if (p->r == role::adversary) {
      if (p->done && p->sig) check_probe(*p, 0, true, deadline);
      continue;
    }
    uint64_t target = writer_length(p->feed);
    if (p->r == role::writer) {
      if (p->done) checks_.on_reopen(p->node, p->feed, p->info.length);
      target = 0;
    }
    check_probe(*p, target, forker, deadline);
  }
  if (sc_.invariants.expect_fork && !checks_.fork_detected()) {
    checks_.violate(outcome::correctness, "forks", "a writer forked but no fork was detected");
  }
}

void world::heal_all() {
  healed_ = true;
  core_.note("liveness phase: faults healed");
  net_.heal();
  for (auto& nd : nodes_) {
    for (auto& nf : nd.feeds) {
      if (!nf.storage) continue;
      nf.storage->configure(storage_config(nd));
    }
    if (!nd.up) restart(nd.id, false);
  }
}

void world::sample() {
  if (stopped_) return;
  for (auto& nd : nodes_) {
    if (!nd.up) continue;
    for (auto& nf : nd.feeds) {
      checks_.on_mailbox(mailbox_depth(nf.actor), sc_.mailbox_limit,
                         "node " + std::to_string(nd.id) + " feed actor");
    }
  }
  core_.after(std::chrono::seconds(1), [this] { sample(); });
}

void world::bit_flip(node_state& nd, node_feed& nf) {
  auto pos = nf.storage->flip_random_stored_bit("data");
  if (!pos) return;
  core_.note("node " + std::to_string(nd.id) + " bit flip at data bit " + std::to_string(*pos),
             trace_kind::fault, nd.id);
  caf::actor feed = nf.actor;
  int n = nd.id;
  auto a = sys_.spawn([this, feed, n](caf::event_based_actor* self) -> caf::behavior {
    self->request(feed, caf::infinite, ddb_audit_atom_v)
        .then(
            [this, self, feed, n](const audit_reply& r) {
              if (r.invalid == 0) {
                checks_.violate(outcome::correctness, "detect",
                                "node " + std::to_string(n) + ": a flipped bit went unnoticed");
              }
              download_request all;
              self->request(feed, caf::infinite, ddb_dload_atom_v, all)
                  .then([](uint64_t) {}, [](caf::error&) {});
            },
            [](caf::error&) {});
    return {[](caf::unit_t) {}};
  });
  nd.peers.push_back(a);
}

}  // namespace ddb::sim
