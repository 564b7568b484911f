// The world: nodes, their feeds and peers, the sim connection manager.
#include "sim/world.hpp"

#include <caf/all.hpp>

#include "actors/extension_host.hpp"
#include "actors/feed_actor.hpp"
#include "actors/peer_actor.hpp"
#include "core/crypto.hpp"
#include "feed/feed.hpp"
#include "messages/atoms.hpp"
#include "messages/extension_messages.hpp"
#include "messages/swarm_messages.hpp"
#include "sim/latency.hpp"
#include "sim/lying_env.hpp"
#include "sim/sim_actors.hpp"
#include "sim/topology.hpp"
#include "sim/trace_event.hpp"
#include "storage/env.hpp"
#include "swarm/static_discovery.hpp"
#include "swarm/swarm_actor.hpp"

namespace ddb::sim {

namespace {
// The key of world::verified_: message, signature and public key, concatenated.
std::string signature_key(byte_view msg, const signature_t& sig, const public_key& pk) {
  std::string key(reinterpret_cast<const char*>(msg.data), msg.size);
  key.append(reinterpret_cast<const char*>(sig.data()), sig.size());
  key.append(reinterpret_cast<const char*>(pk.data()), pk.size());
  return key;
}

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::array<uint8_t, 32> seed32(rng& r) {
  std::array<uint8_t, 32> s{};
  r.fill(s.data(), s.size());
  return s;
}

}  // namespace

world::world(caf::actor_system& sys, const scenario& sc, uint64_t seed)
    : sys_(sys),
      sc_(sc),
      seed_(seed),
      core_(sys),
      net_(core_, seed),
      checks_(core_),
      delays_(sc.feeds.size()),
      churn_rng_(rng::substream(seed, "churn")) {
  for (size_t f = 0; f < sc_.feeds.size(); ++f) {
    rng r = rng::substream(seed, "feed-key", f);
    auto kp = crypto::key_pair_from_seed(seed32(r));
    keys_.push_back(feed_keys{kp.public_key, kp.secret_key, crypto::discovery_key(kp.public_key)});
  }
  build_nodes();
  build_topology();
}

world::~world() {
  stop();
}

oracle& world::content(int feed, bool fork) {
  auto& o = oracles_[{feed, fork}];
  if (!o) {
    uint32_t lo = 64, hi = 1024;
    for (const auto& w : sc_.workload) {
      if (w.feed == feed) lo = w.block_min, hi = w.block_max;
    }
    o = std::make_unique<oracle>(seed_, feed, lo, hi, fork);
  }
  return *o;
}

void world::build_nodes() {
  nodes_.resize(static_cast<size_t>(sc_.nodes));
  for (int i = 0; i < sc_.nodes; ++i) {
    node_state& nd = nodes_[static_cast<size_t>(i)];
    nd.id = i;
    nd.r = rng::substream(seed_, "node", static_cast<uint64_t>(i));
    nd.noise = wire::noise::dh_key_pair_from_seed(seed32(nd.r));
    nd.skip_verify = contains(sc_.planted.skip_verify, i);
    nd.lying_sync = contains(sc_.planted.lying_sync, i);
  }
  for (size_t f = 0; f < sc_.feeds.size(); ++f) {
    const feed_spec& fs = sc_.feeds[f];
    auto add = [&](int n, role r) {
      node_feed nf;
      nf.feed = static_cast<int>(f);
      nf.r = r;
      nodes_[static_cast<size_t>(n)].feeds.push_back(std::move(nf));
    };
    add(fs.writer, role::writer);
    for (int n : fs.followers) add(n, role::follower);
    for (int n : fs.sparse) add(n, role::sparse);
  }
  for (const auto& a : sc_.adversaries) {
    node_state& nd = nodes_[static_cast<size_t>(a.node)];
    nd.adversary = a.kind;
    node_feed nf;
    nf.feed = a.feed;
    nf.r = role::adversary;
    nf.adversary = a.kind;
    nd.feeds.push_back(std::move(nf));
    if (a.kind == adversary_kind::slow_drip) {
      link_model m;
      m.bandwidth = 200;
      m.queue_limit = 1ull << 40;
      net_.set_model(a.node, m);
    }
  }
  for (const auto& l : sc_.links) {
    link_model m;
    m.latency_min = from_ms(l.latency_ms);
    m.latency_tail = from_ms(l.tail_ms);
    m.tail_chance = l.tail_chance;
    if (!l.latency.empty()) m.latency = parse_latency(l.latency, nullptr);  // validated
    m.jitter = from_ms(l.jitter_ms);
    m.bandwidth = l.bandwidth;
    m.queue_limit = l.queue_limit;
    if (l.nodes.empty()) {
      for (int i = 0; i < sc_.nodes; ++i) net_.set_model(i, m);
    } else {
      for (int n : l.nodes) net_.set_model(n, m);
    }
  }
  std::map<std::string, int> region_ids;
  for (const auto& g : sc_.regions) {
    int id = static_cast<int>(region_ids.size());
    region_ids[g.name] = id;
    for (int n : g.nodes) net_.set_region(n, id);
  }
  for (const auto& l : sc_.region_links) {
    net_.set_region_link(region_ids.at(l.a), region_ids.at(l.b), *parse_latency(l.latency, nullptr),
                         l.bandwidth);
  }
}

void world::build_topology() {
  auto nb = sim::build_topology(sc_.topology, sc_.nodes, seed_, sc_.edges);
  for (size_t i = 0; i < nb.size(); ++i) nodes_[i].neighbours = std::move(nb[i]);
  // Adversaries reach every holder of their feed.
  for (const auto& a : sc_.adversaries) {
    for (auto& nd : nodes_) {
      if (nd.id == a.node) continue;
      for (auto& nf : nd.feeds) {
        if (nf.feed == a.feed) nodes_[static_cast<size_t>(a.node)].neighbours.insert(nd.id);
      }
    }
  }
}

void world::start() {
  for (auto& nd : nodes_) start_node(nd);
  schedule_faults();
}

node_feed* world::find(int n, int f, uint64_t inc) {
  node_state& nd = nodes_[static_cast<size_t>(n)];
  if (!nd.up || nd.incarnation != inc) return nullptr;
  for (auto& nf : nd.feeds) {
    if (nf.feed == f) return &nf;
  }
  return nullptr;
}

status world::open_feed(node_state& nd, node_feed& nf) {
  const feed_keys& k = keys_[static_cast<size_t>(nf.feed)];
  if (!nf.storage) {
    nf.storage = make_fault_injector(make_memory_env(), storage_config(nd));
  }
  std::unique_ptr<env> e = make_fault_env(nf.storage);
  if (nd.lying_sync) e = make_lying_env(std::move(e));
  feed_options o;
  o.key = k.key;
  bool writes = nf.r == role::writer || nf.adversary == adversary_kind::fork;
  if (writes) o.secret_key = k.secret;
  o.sync_writes = nf.r == role::writer;
  o.parallel_hashing = false;  // one thread: no hash pool helpers (feed/hash_pool.hpp)
  if (nd.skip_verify) {
    o.crypto.verify = [](byte_view, const signature_t&, const public_key&) { return true; };
  } else {
    o.crypto.verify = [this](byte_view msg, const signature_t& sig, const public_key& pk) {
      std::string key = signature_key(msg, sig, pk);
      auto it = verified_.find(key);
      if (it == verified_.end()) it = verified_.emplace(key, crypto::verify(msg, sig, pk)).first;
      return it->second;
    };
  }
  if (writes) {
    // A signature libsodium just made with the secret key verifies under its public key: record
    // it, so no node (the writer included) runs Ed25519 verification on it again. A corrupted
    // signature, another key's, or another message is a different entry and is still checked.
    o.crypto.sign = [this](byte_view msg, const secret_key& sk) -> result<signature_t> {
      signature_t sig = crypto::sign(msg, sk);
      verified_.emplace(signature_key(msg, sig, crypto::public_key_of(sk)), true);
      return sig;
    };
  }
  auto f = feed::open(std::move(e), o);
  if (!f) return f.error();
  nf.length = (*f)->length();
  nf.next_index = nf.length;
  nf.append_in_flight = false;
  if (nf.r == role::writer) checks_.on_reopen(nd.id, nf.feed, nf.length);
  spawn_feed_actors(nd, nf, std::move(*f));
  return status::ok();
}

void world::spawn_feed_actors(node_state& nd, node_feed& nf, std::unique_ptr<feed> engine) {
  const feed_keys& k = keys_[static_cast<size_t>(nf.feed)];
  feed_actor_options fo;
  fo.detached = false;
  fo.replication.sparse = nf.r == role::sparse;
  fo.replication.seed = nd.r.next();
  nf.actor = caf::actor_cast<caf::actor>(spawn_feed_actor(sys_, std::move(engine), fo));
  nf.front = nf.actor;
  if (nf.adversary &&
      (*nf.adversary == adversary_kind::bad_signature ||
       *nf.adversary == adversary_kind::wrong_nodes || *nf.adversary == adversary_kind::bad_data)) {
    nf.front = spawn_tamper_proxy(sys_, nf.actor, *nf.adversary, nd.r.next());
  }
  nd.registry->add(k.discovery_key, k.key, nf.front);
  nf.observer = spawn_observer(sys_, this, nd.id, nf.feed, nd.incarnation, nf.actor);
  workload_spec load;
  for (const auto& w : sc_.workload) {
    if (w.feed == nf.feed) load = w;
  }
  load_extensions(nd, nf);
  bool fork = nf.adversary == adversary_kind::fork;
  if (nf.r == role::writer || fork) {
    nf.driver = spawn_writer(sys_, this, nd.id, nf.feed, nd.incarnation, nf.actor, load, fork);
  } else if (nf.r == role::sparse) {
    nf.driver = spawn_reader(sys_, this, nd.id, nf.feed, nd.incarnation, nf.actor, load);
  }
  for (const caf::actor* a : {&nf.actor, &nf.front, &nf.observer, &nf.driver}) {
    if (*a) core_.own(a->id(), nd.id);
  }
}

void world::load_extensions(node_state& nd, node_feed& nf) {
  if (sc_.extensions.empty() || nf.r == role::adversary) return;
  int n = nd.id;
  caf::actor logs = sys_.spawn([this, n](caf::event_based_actor*) -> caf::behavior {
    return {[this, n](ddb_extlog_atom, const extension_log& l) {
      ++extension_logs_;
      core_.note("node " + std::to_string(n) + " extension " + l.extension + ": " + l.text,
                 trace_kind::note, n);
    }};
  });
  nd.peers.push_back(logs);  // killed with the node
  core_.own(logs.id(), n);
  std::vector<feed_actor> feeds{caf::actor_cast<feed_actor>(nf.actor)};
  for (const auto& name : sc_.extensions) {
    auto ext = load_extension(sys_, extension_spec{"", "", name, "{}"}, feeds, logs);
    if (!ext) {
      checks_.violate(outcome::crash, "extension",
                      "node " + std::to_string(n) + ": " + name + ": " + ext.error().to_string());
      continue;
    }
    nd.peers.push_back(caf::actor_cast<caf::actor>(ext->actor));
    core_.own(nd.peers.back().id(), n);
  }
}

fault_config world::storage_config(node_state& nd) const {
  fault_config fc;
  fc.seed = nd.r.next();
  bool may_crash = false;
  for (const auto& f : sc_.faults) {
    bool hits = f.node == nd.id && (f.kind == fault_kind::crash || f.kind == fault_kind::restart ||
                                    f.kind == fault_kind::storage);
    bool churned = f.kind == fault_kind::churn;  // any follower-only node
    may_crash = may_crash || hits || churned;
  }
  fc.track_unsynced = may_crash;
  return fc;
}

void world::start_node(node_state& nd) {
  nd.up = true;
  nd.incarnation++;
  nd.registry = std::make_shared<feed_registry>();
  core_.note(
      "node " + std::to_string(nd.id) + " up (incarnation " + std::to_string(nd.incarnation) + ")",
      trace_kind::node, nd.id);
  for (auto& nf : nd.feeds) {
    status s = open_feed(nd, nf);
    if (!s) {
      core_.note("node " + std::to_string(nd.id) + " cannot open feed: " + s.to_string(),
                 trace_kind::node, nd.id);
      // A writer whose acknowledged appends cannot be reopened lost them: report it now, with
      // the events that led here (once per node).
      if (nf.r == role::writer && checks_.acked(nd.id, nf.feed) > 0 &&
          unopenable_.insert(nd.id).second) {
        checks_.violate(outcome::correctness, "durable",
                        "node " + std::to_string(nd.id) + " feed " + std::to_string(nf.feed) +
                            " cannot be reopened (" + s.to_string() + ") but " +
                            std::to_string(checks_.acked(nd.id, nf.feed)) +
                            " blocks were acknowledged");
      }
      int id = nd.id;
      core_.after(std::chrono::seconds(1), [this, id] {
        crash(id, "open failed");
        restart(id, false);
      });
      return;
    }
  }
  start_swarm(nd);
}

void world::start_swarm(node_state& nd) {
  if (!nd.transport) nd.transport = std::make_shared<sim_transport>(net_, nd.id);
  static_peers found;
  for (int to : nd.neighbours) found.all_keys.push_back("sim:" + std::to_string(to));
  swarm_options o;
  o.self_key = nd.noise.public_key;
  o.net = nd.transport.get();
  o.backends = {std::make_shared<static_discovery>(std::move(found))};
  int id = nd.id;
  o.spawn_peer = [this, id](connection_ptr conn, std::vector<hash_t> feeds, caf::actor observer) {
    return start_peer(nodes_[static_cast<size_t>(id)], std::move(conn), std::move(feeds),
                      std::move(observer));
  };
  o.max_peers_per_feed = static_cast<uint64_t>(sc_.nodes);
  o.max_peers = static_cast<uint64_t>(sc_.nodes);
  o.reconnect_min = std::chrono::milliseconds(200);
  o.reconnect_max = std::chrono::seconds(2);
  o.ban = std::chrono::seconds(5);
  nd.swarm = spawn_swarm_actor(sys_, std::move(o));
  core_.own(nd.swarm.id(), id);
  caf::anon_send(nd.swarm, ddb_listen_atom_v, "sim:" + std::to_string(id));
  for (const auto& nf : nd.feeds) {
    caf::anon_send(nd.swarm, ddb_join_atom_v, keys_[static_cast<size_t>(nf.feed)].discovery_key);
  }
}

caf::actor world::start_peer(node_state& nd, connection_ptr conn, std::vector<hash_t> feeds,
                             caf::actor observer) {
  if (nd.adversary == adversary_kind::oversized) {
    byte_buffer junk = {0x80, 0x80, 0x80, 0x20};  // varint 64 MiB: a frame over the limit
    junk.resize(1024, 0xab);
    conn->write(std::move(junk));
  }
  auto r = std::make_shared<rng>(nd.r.next());
  peer_actor_options o;
  o.session.initiator = conn->initiator();
  o.session.static_keys = nd.noise;
  r->fill(o.session.nonce.data(), o.session.nonce.size());
  o.session.rng = random_source([r](uint8_t* out, size_t n) { r->fill(out, n); });
  o.registry = nd.registry;
  o.feeds_to_open = std::move(feeds);
  o.live = true;
  o.keep_alive = sc_.keep_alive;
  o.observer = std::move(observer);
  o.id = ++peer_ids_;
  caf::actor peer = spawn_peer_actor(sys_, std::move(conn), std::move(o));
  nd.peers.push_back(peer);
  core_.own(peer.id(), nd.id);
  return peer;
}

void world::kill_actors(node_state& nd) {
  auto kill = [](caf::actor& a) {
    if (a) caf::anon_send_exit(a, caf::exit_reason::kill);
    a = caf::actor{};
  };
  for (auto& nf : nd.feeds) {
    kill(nf.driver);
    kill(nf.observer);
    if (nf.front != nf.actor) kill(nf.front);
    nf.front = caf::actor{};
    kill(nf.actor);
  }
  for (auto& p : nd.peers) kill(p);
  nd.peers.clear();
  kill(nd.swarm);
}

void world::crash(int n, const std::string& why) {
  node_state& nd = nodes_[static_cast<size_t>(n)];
  if (!nd.up) return;
  nd.up = false;
  core_.note("node " + std::to_string(n) + " crash: " + why, trace_kind::node, n);
  for (auto& nf : nd.feeds) {
    if (nf.storage) nf.storage->simulate_crash();
  }
  net_.unlisten(n);
  net_.reset_node(n, "reset: node crashed");
  kill_actors(nd);
}

void world::restart(int n, bool wipe) {
  node_state& nd = nodes_[static_cast<size_t>(n)];
  if (nd.up || stopped_) return;
  for (auto& nf : nd.feeds) {
    if (wipe) nf.storage.reset();
    if (nf.storage) {
      nf.storage->configure(storage_config(nd));
    }
  }
  core_.note("node " + std::to_string(n) + (wipe ? " restart (wiped)" : " restart"),
             trace_kind::node, n);
  start_node(nd);
}

void world::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& nd : nodes_) {
    if (nd.up) kill_actors(nd);
    nd.up = false;
  }
}

}  // namespace ddb::sim
