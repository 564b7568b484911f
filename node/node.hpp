#pragma once
// A node wired from a node_config: the Noise key (from its key file, created if missing), the
// feeds (write: created or reopened, with an optional append workload; follow: opened by key,
// replicated live or sparse), a registry, an asio transport on an owned io thread, discovery
// backends (static peers, the Mainline DHT), the swarm actor, and the extensions hook.
//
// The observer (optional) receives:
//   (ddb_event_atom, swarm_event)                            swarm changes
//   (messages/swarm_messages.hpp) (ddb_event_atom, std::string feed, feed_event)           each
//   feed's events (ddb_event_atom, std::string feed, std::string what)     workload notes
//   ("appended N")
//
// Randomness (new feed key pairs, a missing Noise key seed, connection nonces, Noise ephemeral
// keys) comes from the random_source given to start(), libsodium's RNG by default; peer actors
// draw from it on CAF's worker threads, so a replacement must be thread-safe there.
//
// Borrows the actor system, which must outlive the node. Not thread-safe: one owner thread.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/extension_host.hpp"
#include "actors/feed_client.hpp"
#include "actors/feed_registry.hpp"
#include "config/config_diff.hpp"
#include "config/node_config.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "net/connection_limits.hpp"
#include "net/transport.hpp"
#include "node/access_policy.hpp"
#include "swarm/discovery.hpp"
#include "wire/noise.hpp"

namespace ddb {

class dht_discovery;
class io_thread;
class static_discovery;

struct node_feed {
  std::string name;
  feed_mode mode = feed_mode::write;
  public_key key{};
  hash_t dkey{};
  std::unique_ptr<feed_client> client;
  caf::actor relay;     // forwards the feed's events to the observer, tagged with the name
  caf::actor workload;  // the append workload (write feeds with `append`)
};

// A feed as other threads may hold it (the control API): plain values and the actor's handle.
struct node_feed_handle {
  std::string name;
  feed_mode mode = feed_mode::write;
  public_key key{};
  hash_t dkey{};
  feed_actor actor;
};

class node {
 public:
  // Opens everything and starts listening and discovery; errors name the failing part. A follow
  // feed's key_file must exist by now (`ddatabase node` waits for it before starting the node).
  static result<std::unique_ptr<node>> start(caf::actor_system& sys, node_config config,
                                             caf::actor observer = {}, random_source rng = {});
  // Stops (see stop()).
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // Drops every connection, stops discovery and the transport, closes the feeds. Idempotent.
  void stop();

  // Applies a changed config to the running node (node/node_reload.cpp): feeds, static peers,
  // allow lists and extensions; connections of unchanged feeds stay up. `next` must be valid
  // (load_config_file). Returns one line per failure (the rest is applied regardless).
  // Thread-safe like the three below.
  // `applied` (optional) gets the plan that was applied.
  std::vector<std::string> reload(node_config next, config_diff* applied = nullptr);

  const node_config& config() const { return config_; }
  const std::string& listen_address() const { return listen_address_; }
  const public_key& noise_public_key() const { return keys_.public_key; }
  // The owner thread's view; while other threads may add or remove feeds, use feed_handles().
  std::vector<node_feed>& feeds() { return feeds_; }
  // Runtime feeds (node_feeds.cpp). These three are thread-safe: the control API calls them.
  std::vector<node_feed_handle> feed_handles() const;
  // Opens `feed` (storage_dir defaults to <storage>/<name>), registers it and joins its
  // discovery key. A name or key the node already hosts is invalid_argument.
  result<node_feed_handle> add_feed(feed_config feed);
  // Leaves the feed's discovery key and closes it; with delete_data its folder is removed.
  // not_found for an unknown name.
  status remove_feed(const std::string& name, bool delete_data);
  caf::actor swarm() const { return swarm_; }
  // What the connection limits refused (shared by the transport, the swarm and the peers).
  const std::shared_ptr<connection_counters>& counters() const { return counters_; }
  // The DHT backend, or null when the DHT is off.
  dht_discovery* dht() const { return dht_; }
  // Who may replicate (swarm.allow and the feeds' allow lists), and what it refused.
  const std::shared_ptr<access_policy>& access() const { return access_; }

 private:
  node(caf::actor_system& sys, node_config config, caf::actor observer, random_source rng);
  status load_keys();
  status open_feeds();
  status start_discovery();
  status start_swarm();
  void start_workloads();
  status open_feed_entry(const feed_config& f);  // opens, relays and registers one feed
  // A feed joins or leaves the running node: open, workload, extensions and discovery key; or
  // leave, close (or destroy). Callers hold feeds_mutex_; neither touches config_.
  status start_feed(const feed_config& f);
  status stop_feed(const std::string& name, bool delete_data);
  void start_workload(node_feed& nf, const feed_config& f);
  connection_limits limits() const;
  void apply_access();  // config_ and feeds_ -> access_ (node/node_reload.cpp)

  caf::actor_system& sys_;
  node_config config_;
  caf::actor observer_;
  random_source rng_;
  wire::noise::dh_key_pair keys_;
  std::shared_ptr<feed_registry> registry_ = std::make_shared<feed_registry>();
  std::vector<node_feed> feeds_;
  mutable std::mutex feeds_mutex_;  // guards feeds_ and config_.feeds once the node runs
  std::shared_ptr<connection_counters> counters_ = std::make_shared<connection_counters>();
  std::shared_ptr<address_bans> bans_ = std::make_shared<address_bans>();
  std::shared_ptr<access_policy> access_ = std::make_shared<access_policy>();
  std::shared_ptr<static_discovery> static_;  // static_peers (always present, maybe empty)
  std::vector<loaded_extension> extensions_;  // running extensions, by config name
  std::unique_ptr<io_thread> io_;             // declared before the transport: destroyed after it
  std::unique_ptr<transport> net_;
  std::vector<std::shared_ptr<discovery>> discovery_;
  dht_discovery* dht_ = nullptr;  // owned through discovery_
  caf::actor swarm_;
  std::string listen_address_;
  bool stopped_ = false;
};

// Reads the 32-byte Noise seed in `path`, creating it (and its directory) from `rng` when missing.
result<wire::noise::dh_key_pair> load_noise_keys(const std::string& path,
                                                 const random_source& rng = {});

// Loads the node's configured extensions (config.extensions: built-ins and .so plugins) for its
// feeds (node/node_extensions.cpp). Called by node::start after the feeds are open and before the
// swarm starts, and by a reload for the extensions it adds. `loaded` (optional) gets the
// extensions that run, so that a reload can stop them.
status load_node_extensions(caf::actor_system& sys, const node_config& config,
                            std::vector<node_feed>& feeds, const caf::actor& observer,
                            std::vector<loaded_extension>* loaded = nullptr);

}  // namespace ddb
