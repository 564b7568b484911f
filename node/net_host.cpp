#include "node/net_host.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/peer_messages.hpp"
#include "node/ban_keeper.hpp"

namespace ddb {

net_host::net_host(caf::actor_system& sys, transport& net, std::shared_ptr<feed_registry> registry,
                   net_host_options opts)
    : sys_(sys), net_(net), registry_(std::move(registry)), opts_(std::move(opts)) {
  if (!opts_.counters) opts_.counters = std::make_shared<connection_counters>();
  if (!opts_.bans) opts_.bans = std::make_shared<address_bans>();
  ban_keeper_options ko;
  ko.ban = opts_.ban;
  ko.bans = opts_.bans;
  ko.counters = opts_.counters;
  ko.observer = opts_.observer;
  keeper_ = spawn_ban_keeper(sys_, std::move(ko));
}

net_host::~net_host() {
  stop_peers();
  caf::anon_send_exit(keeper_, caf::exit_reason::user_shutdown);
}

void net_host::stop_peers() {
  std::lock_guard<std::mutex> lock(peers_mutex_);
  for (auto& slot : peers_) {
    if (auto peer = caf::actor_cast<caf::actor>(slot.actor)) {
      caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
    }
  }
  peers_.clear();
}

wire::noise::dh_key_pair net_host::random_keys(const random_source& rng) {
  wire::noise::key32 seed = rng.bytes<32>();
  return wire::noise::dh_key_pair_from_seed(seed);
}

void net_host::prune() {
  peers_.erase(std::remove_if(peers_.begin(), peers_.end(),
                              [](const peer_slot& p) {
                                return caf::actor_cast<caf::strong_actor_ptr>(p.actor) == nullptr;
                              }),
               peers_.end());
}

void net_host::make_handshake_room() {
  uint64_t max = opts_.limits.max_handshakes;
  if (max == 0) return;
  uint64_t pending = 0;
  for (const auto& p : peers_) pending += p.inbound && !p.evicted && !*p.handshaken ? 1 : 0;
  for (auto& p : peers_) {  // oldest first
    if (pending < max) return;
    if (!p.inbound || p.evicted || *p.handshaken) continue;
    p.evicted = true;
    --pending;
    ++opts_.counters->handshakes_evicted;
    if (auto peer = caf::actor_cast<caf::actor>(p.actor))  // through the keeper: no ban
      caf::anon_send(keeper_, ddb_kick_atom_v, peer, std::string("handshake slots full"));
  }
}

std::pair<uint64_t, uint64_t> net_host::peer_counts() {
  std::lock_guard<std::mutex> lock(peers_mutex_);
  prune();
  uint64_t pending = 0;
  for (const auto& p : peers_) pending += p.inbound && !*p.handshaken ? 1 : 0;
  return {peers_.size(), pending};
}

caf::actor net_host::start_peer(connection_ptr conn, std::vector<hash_t> feeds) {
  auto handshaken = std::make_shared<std::atomic<bool>>(false);
  bool inbound = !conn->initiator();
  std::string host = address_host(conn->remote_address());
  if (inbound && opts_.bans->banned(host)) {  // when the transport does not share opts_.bans
    ++opts_.counters->refused_banned;
    conn->close();
    return caf::actor{};
  }
  peer_actor_options o;
  o.session.initiator = conn->initiator();
  o.session.encrypted = opts_.encrypted;
  o.session.noise = opts_.encrypted;
  o.session.static_keys = opts_.noise_keys;
  opts_.rng.fill(o.session.nonce.data(), o.session.nonce.size());
  o.session.rng = opts_.rng;
  o.session.ns = opts_.ns;
  o.registry = registry_;
  o.feeds_to_open = std::move(feeds);
  o.live = opts_.live;
  o.ack = opts_.ack;
  o.download = opts_.download;
  o.upload = opts_.upload;
  o.authenticate = [handshaken, user = opts_.authenticate](const public_key& remote) {
    handshaken->store(true);
    return !user || user(remote);
  };
  o.observer = keeper_;
  o.handshake_timeout = opts_.limits.handshake_timeout;
  o.counters = opts_.counters;
  std::lock_guard<std::mutex> lock(peers_mutex_);
  // Forget the peers that are gone, so a long-running host does not accumulate them.
  prune();
  if (inbound) make_handshake_room();
  caf::actor peer = spawn_peer_actor(sys_, std::move(conn), std::move(o));
  caf::anon_send(keeper_, ddb_peer_atom_v, peer, std::move(host), inbound);
  peers_.push_back({caf::actor_cast<caf::weak_actor_ptr>(peer), handshaken, inbound, false});
  return peer;
}

result<std::string> net_host::listen(const std::string& address) {
  return net_.listen(address, [this](connection_ptr conn) { start_peer(std::move(conn), {}); });
}

void net_host::dial(const std::string& address, std::vector<hash_t> feeds,
                    std::function<void(result<caf::actor>)> done) {
  net_.dial(address, [this, feeds = std::move(feeds),
                      done = std::move(done)](result<connection_ptr> conn) mutable {
    if (!conn) {
      if (done) done(conn.error());
      return;
    }
    caf::actor peer = start_peer(std::move(*conn), std::move(feeds));
    if (done) done(peer);
  });
}

}  // namespace ddb
