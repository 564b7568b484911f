#include "swarm/net_host.hpp"

#include "core/crypto.hpp"

namespace ddb {

net_host::net_host(caf::actor_system& sys, transport& net, std::shared_ptr<feed_registry> registry,
                   net_host_options opts)
    : sys_(sys), net_(net), registry_(std::move(registry)), opts_(std::move(opts)) {}

wire::noise::dh_key_pair net_host::random_keys() {
  wire::noise::key32 seed;
  crypto::random_bytes(seed.data(), seed.size());
  return wire::noise::dh_key_pair_from_seed(seed);
}

caf::actor net_host::start_peer(connection_ptr conn, std::vector<hash_t> feeds) {
  peer_actor_options o;
  o.session.initiator = conn->initiator();
  o.session.encrypted = opts_.encrypted;
  o.session.noise = opts_.encrypted;
  o.session.static_keys = opts_.noise_keys;
  crypto::random_bytes(o.session.nonce.data(), o.session.nonce.size());
  o.session.ns = opts_.ns;
  o.registry = registry_;
  o.feeds_to_open = std::move(feeds);
  o.live = opts_.live;
  o.ack = opts_.ack;
  o.download = opts_.download;
  o.upload = opts_.upload;
  o.authenticate = opts_.authenticate;
  o.observer = opts_.observer;
  return spawn_peer_actor(sys_, std::move(conn), std::move(o));
}

result<std::string> net_host::listen(const std::string& address) {
  return net_.listen(address, [this](connection_ptr conn) { start_peer(std::move(conn), {}); });
}

void net_host::dial(const std::string& address, std::vector<hash_t> feeds,
                    std::function<void(result<caf::actor>)> done) {
  net_.dial(address, [this, feeds = std::move(feeds), done = std::move(done)](
                         result<connection_ptr> conn) mutable {
    if (!conn) {
      if (done) done(conn.error());
      return;
    }
    caf::actor peer = start_peer(std::move(*conn), std::move(feeds));
    if (done) done(peer);
  });
}

}  // namespace ddb
