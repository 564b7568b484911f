// A node: keys, transport, discovery, swarm, and shutdown. Feeds are opened in node_feeds.cpp.
#include "node/node.hpp"

#include <filesystem>

#include <caf/all.hpp>

#include "actors/peer_actor.hpp"
#include "core/key_file.hpp"
#include "messages/errors.hpp"
#include "messages/swarm_messages.hpp"
#include "net/asio_transport.hpp"
#include "swarm/dht_discovery.hpp"
#include "swarm/static_discovery.hpp"
#include "swarm/swarm_actor.hpp"

namespace ddb {

namespace fs = std::filesystem;

// The seed is read with the one key-file reader (core/key_file.hpp); a missing one is created
// (0600, in a 0700 directory). If another process creates it first, that one is read.
result<wire::noise::dh_key_pair> load_noise_keys(const std::string& path,
                                                 const random_source& rng) {
  auto seed = read_key_file(path);
  if (!seed && seed.error().code() == errc::not_found) {
    key_bytes fresh = rng.bytes<32>();
    status written = write_key_file(path, fresh);
    seed = written ? result<key_bytes>(fresh) : read_key_file(path);
    if (!seed && seed.error().code() == errc::not_found) return written;
  }
  if (!seed) return seed.error();
  return wire::noise::dh_key_pair_from_seed(*seed);
}

node::node(caf::actor_system& sys, node_config config, caf::actor observer, random_source rng)
    : sys_(sys),
      config_(std::move(config)),
      observer_(std::move(observer)),
      rng_(std::move(rng)),
      io_(std::make_unique<io_thread>()) {}

node::~node() {
  stop();
}

result<std::unique_ptr<node>> node::start(caf::actor_system& sys, node_config config,
                                          caf::actor observer, random_source rng) {
  std::unique_ptr<node> n(new node(sys, std::move(config), std::move(observer), std::move(rng)));
  if (status s = n->load_keys(); !s) return s;
  if (status s = n->open_feeds(); !s) return s;
  n->apply_access();
  if (status s = load_node_extensions(sys, n->config_, n->feeds_, n->observer_, &n->extensions_);
      !s)
    return s;
  asio_transport_options to;
  to.limits = n->limits();
  to.counters = n->counters_;
  to.bans = n->bans_;
  n->net_ = make_asio_transport(n->io_->shared_context(), std::move(to));
  if (status s = n->start_discovery(); !s) return s;
  if (status s = n->start_swarm(); !s) return s;
  n->start_workloads();
  return n;
}

status node::load_keys() {
  std::string path = config_.noise_key_file;
  if (path.empty()) path = (fs::path(config_.storage) / "noise.key").string();
  auto keys = load_noise_keys(path, rng_);
  if (!keys) return keys.error();
  keys_ = *keys;
  return status::ok();
}

status node::start_discovery() {
  const swarm_config& sc = config_.swarm;
  static_peers peers;  // also when empty: a reload may add some
  peers.all_keys = sc.static_peers;
  static_ = std::make_shared<static_discovery>(std::move(peers));
  discovery_.push_back(static_);
  if (sc.dht.enabled) {
    dht_options o;
    o.listen = sc.dht.listen;
    o.bootstrap = sc.dht.bootstrap;
    o.announce_interval_ms = 5000;
    auto d = make_dht_discovery(o);
    if (!d) return make_error(d.error().code(), "dht: " + d.error().message());
    dht_ = d->get();
    discovery_.push_back(std::shared_ptr<discovery>(std::move(*d)));
  }
  return status::ok();
}

namespace {

peer_spawner make_spawner(caf::actor_system& sys, const node_config& cfg,
                          const wire::noise::dh_key_pair& keys, const random_source& rng,
                          std::shared_ptr<feed_registry> registry,
                          std::shared_ptr<connection_counters> counters,
                          std::shared_ptr<access_policy> access) {
  return [&sys, keys, rng, registry, counters, access, ns = cfg.ns,
          handshake_ms = cfg.swarm.handshake_timeout_ms](
             connection_ptr conn, std::vector<hash_t> feeds, caf::actor observer) {
    peer_actor_options o;
    o.session.initiator = conn->initiator();
    o.session.static_keys = keys;
    rng.fill(o.session.nonce.data(), o.session.nonce.size());
    o.session.rng = rng;
    o.session.ns = ns;
    o.registry = registry;
    o.feeds_to_open = std::move(feeds);
    o.live = true;
    o.observer = std::move(observer);
    o.handshake_timeout = std::chrono::milliseconds(handshake_ms);
    o.counters = counters;
    auto slot = access->new_slot();
    o.authenticate = [access, slot](const public_key& remote) {
      return access->admits(remote, *slot);
    };
    o.may_replicate = [access](const hash_t& dkey, const public_key& remote) {
      return access->admits(dkey, remote);
    };
    caf::actor peer = spawn_peer_actor(sys, std::move(conn), std::move(o));
    access->track(slot, peer);
    return peer;
  };
}

caf::timespan ms(uint64_t n) {
  return std::chrono::milliseconds(n);
}

}  // namespace

status node::start_swarm() {
  const swarm_config& sc = config_.swarm;
  swarm_options o;
  o.self_key = keys_.public_key;
  o.net = net_.get();
  o.backends = discovery_;
  o.spawn_peer = make_spawner(sys_, config_, keys_, rng_, registry_, counters_, access_);
  o.observer = observer_;
  o.max_peers_per_feed = sc.max_peers_per_feed;
  o.max_peers = sc.max_peers;
  o.reconnect_min = ms(sc.reconnect.min_ms);
  o.reconnect_max = ms(sc.reconnect.max_ms);
  o.ban = ms(sc.ban_ms);
  o.limits = limits();
  o.counters = counters_;
  o.bans = bans_;
  swarm_ = spawn_swarm_actor(sys_, std::move(o));
  caf::scoped_actor self{sys_};
  status out = status::ok();
  self->request(swarm_, std::chrono::seconds(10), ddb_listen_atom_v, config_.listen)
      .receive([&](std::string& bound) { listen_address_ = std::move(bound); },
               [&](caf::error& err) { out = from_caf_error(err); });
  if (!out) return make_error(out.code(), "listen " + config_.listen + ": " + out.message());
  for (const node_feed& f : feeds_) self->send(swarm_, ddb_join_atom_v, f.dkey);
  return status::ok();
}

connection_limits node::limits() const {
  const swarm_config& sc = config_.swarm;
  connection_limits l;
  l.max_connections = sc.max_connections;
  l.max_per_address = sc.max_per_address;
  l.max_handshakes = sc.max_handshakes;
  l.handshake_timeout = std::chrono::milliseconds(sc.handshake_timeout_ms);
  l.accept_backoff_min = std::chrono::milliseconds(sc.accept_backoff.min_ms);
  l.accept_backoff_max = std::chrono::milliseconds(sc.accept_backoff.max_ms);
  return l;
}

void node::stop() {
  {
    std::lock_guard<std::mutex> lock(feeds_mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (swarm_) {
    caf::scoped_actor self{sys_};
    self->request(swarm_, std::chrono::seconds(10), ddb_stop_atom_v)
        .receive([] {}, [](caf::error&) {});
    self->send_exit(swarm_, caf::exit_reason::user_shutdown);
  }
  for (auto& d : discovery_) d->shutdown();
  if (net_) net_->shutdown();
  std::lock_guard<std::mutex> lock(feeds_mutex_);
  for (node_feed& f : feeds_) {
    if (f.workload) caf::anon_send_exit(f.workload, caf::exit_reason::user_shutdown);
    if (f.client) f.client->close();
    if (f.relay) caf::anon_send_exit(f.relay, caf::exit_reason::user_shutdown);
  }
  io_->stop();
}

}  // namespace ddb
