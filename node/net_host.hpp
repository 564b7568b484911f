#pragma once
// Accepts and dials replication connections for the feeds of a registry: every connection gets
// a peer actor with a fresh stream nonce (from options.rng) and the node's Noise key pair. Used by
// the CLI's serve, clone and cat --peer. Borrows the actor system and the transport, which must
// outlive it.
//
// Limits (net/connection_limits.hpp; the transport enforces max_connections and max_per_address,
// evicting an address's unfinished handshakes first):
// every peer actor gets the handshake deadline; at most limits.max_handshakes accepted
// connections may be in their handshake at once: a new one evicts the oldest (kicked with
// "handshake slots full"), so connections that never finish a handshake cannot keep an honest
// peer out. counters() reports what was refused.
//
// Bans (node/ban_keeper.hpp, the swarm's policy): a peer that ends for misbehaving (a protocol
// error, a kick from a feed) gets its Noise key and its host (IP) banned for opts.ban; the
// transport refuses the host's connections at accept when it shares opts.bans (the host refuses
// them when it starts their peer otherwise), and a banned key that connects is dropped after its
// handshake. Connections the host dials are never refused (the caller named that peer).
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "actors/feed_registry.hpp"
#include "actors/peer_actor.hpp"
#include "core/random.hpp"
#include "net/connection_limits.hpp"
#include "net/transport.hpp"

namespace ddb {

struct net_host_options {
  wire::noise::dh_key_pair noise_keys;  // the node's static key pair
  std::string ns = "ddatabase";
  bool encrypted = true;
  bool live = false;  // peers keep replicating after the sync
  bool ack = false;
  bool download = true;
  bool upload = true;
  caf::actor observer;  // optional: peer notices
  std::function<bool(const public_key& remote_static)> authenticate;
  connection_limits limits;
  std::shared_ptr<connection_counters> counters;  // null: the host makes its own
  random_source rng;  // stream nonces and Noise ephemeral keys (default: libsodium's RNG)
  // How long a misbehaving remote stays banned; 0: no bans.
  caf::timespan ban = std::chrono::seconds(60);
  std::shared_ptr<address_bans> bans;  // the transport's; null: the host makes its own
};

class net_host {
 public:
  net_host(caf::actor_system& sys, transport& net, std::shared_ptr<feed_registry> registry,
           net_host_options opts);
  // Stops the peer actors still running (see stop_peers).
  ~net_host();
  net_host(const net_host&) = delete;
  net_host& operator=(const net_host&) = delete;

  // Listens; every accepted connection serves the registry's feeds. Returns "HOST:PORT".
  result<std::string> listen(const std::string& address);
  // Dials and opens our channels for `feeds` at once; `done` gets the peer actor or the error
  // (on a transport thread).
  void dial(const std::string& address, std::vector<hash_t> feeds,
            std::function<void(result<caf::actor>)> done);

  // Asks every peer actor this host started that is still running to exit (user_shutdown):
  // live peers never finish by themselves, and the actor system waits for them at shutdown.
  void stop_peers();

  // What the limits refused (shared with the transport when the caller passed the same counters).
  const std::shared_ptr<connection_counters>& counters() const { return opts_.counters; }
  // Live peer actors, and how many of those accepted are still in their handshake.
  std::pair<uint64_t, uint64_t> peer_counts();

  // A random Noise key pair: crypto_kx_seed_keypair over a seed from `rng`.
  static wire::noise::dh_key_pair random_keys(const random_source& rng = {});

 private:
  struct peer_slot {
    caf::weak_actor_ptr actor;
    std::shared_ptr<std::atomic<bool>> handshaken;
    bool inbound = false;
    bool evicted = false;
  };

  caf::actor start_peer(connection_ptr conn, std::vector<hash_t> feeds);
  // Under peers_mutex_: forgets finished peers; evicts the oldest handshake when all slots are
  // taken by accepted connections.
  void prune();
  void make_handshake_room();

  caf::actor_system& sys_;
  transport& net_;
  std::shared_ptr<feed_registry> registry_;
  net_host_options opts_;
  caf::actor keeper_;             // the peers' observer: bans (node/ban_keeper.hpp)
  std::mutex peers_mutex_;        // peers_ is appended to from transport threads
  std::vector<peer_slot> peers_;  // the peer actors started so far, oldest first
};

}  // namespace ddb
