// A running node's configuration changes (SIGHUP in `ddatabase node`): feeds opened and closed,
// static peers, allow lists and extensions, each applied on its own so that connections that
// carry unchanged feeds stay up. The plan is config/config_diff.hpp's.
//
// Connections whose remote is no longer allowed end as if the connection had gone down (the
// swarm redials with backoff, and the handshake refuses them), not as a kick: a kick bans the
// remote's address, which may host allowed peers too. A remote no longer allowed for a feed gets
// that feed's channel closed. A static peer the new file drops is forgotten by the swarm: the
// connection we dialled to it ends, the others stay up.
#include <algorithm>
#include <map>

#include <caf/all.hpp>

#include "config/config_diff.hpp"
#include "messages/atoms.hpp"
#include "messages/peer_messages.hpp"
#include "messages/swarm_messages.hpp"
#include "node/node.hpp"
#include "swarm/static_discovery.hpp"

namespace ddb {

namespace {

bool targets(const extension_config& e, const std::string& feed) {
  return e.all_feeds || std::find(e.feeds.begin(), e.feeds.end(), feed) != e.feeds.end();
}

}  // namespace

void node::apply_access() {
  std::map<hash_t, std::vector<public_key>> feeds;
  for (const node_feed& f : feeds_) {
    const feed_config* fc = find_feed(config_, f.name);
    if (fc != nullptr && fc->allow) feeds[f.dkey] = *fc->allow;
  }
  access_->set(config_.swarm.allow, feeds);
  for (const auto& r : access_->revoked()) {
    if (r.feeds.empty()) {
      caf::anon_send(r.peer, ddb_down_atom_v, std::string("no longer allowed"));
      continue;
    }
    for (const hash_t& dkey : r.feeds) caf::anon_send(r.peer, ddb_end_atom_v, dkey);
  }
}

status node::start_feed(const feed_config& f) {
  for (const node_feed& nf : feeds_)
    if (nf.name == f.name) return make_error(errc::invalid_argument, "feed " + f.name + " exists");
  if (status s = open_feed_entry(f); !s) return s;
  node_feed& nf = feeds_.back();
  start_workload(nf, f);
  for (const loaded_extension& ext : extensions_) {
    for (const extension_config& e : config_.extensions)
      if (e.name == ext.name && targets(e, f.name))
        register_extension(nf.client->actor(), ext.name, ext.actor);
  }
  if (swarm_) caf::anon_send(swarm_, ddb_join_atom_v, nf.dkey);
  return status::ok();
}

status node::stop_feed(const std::string& name, bool delete_data) {
  auto it = std::find_if(feeds_.begin(), feeds_.end(),
                         [&](const node_feed& f) { return f.name == name; });
  if (it == feeds_.end()) return make_error(errc::not_found, "no feed named " + name);
  node_feed f = std::move(*it);
  feeds_.erase(it);
  // The swarm ends the feed's channels (other feeds keep their connections); then it is closed.
  if (swarm_) {
    caf::scoped_actor self{sys_};
    self->send(swarm_, ddb_leave_atom_v, f.dkey);
    self->request(swarm_, std::chrono::seconds(5), ddb_sstat_atom_v)
        .receive([](const swarm_stats&) {}, [](caf::error&) {});  // the leave is done
  }
  registry_->remove(f.dkey);
  if (f.workload) caf::anon_send_exit(f.workload, caf::exit_reason::user_shutdown);
  status closed = status::ok();
  if (f.client) closed = delete_data ? f.client->destroy_storage() : f.client->close();
  if (f.relay) caf::anon_send_exit(f.relay, caf::exit_reason::user_shutdown);
  return closed;
}

std::vector<std::string> node::reload(node_config next, config_diff* applied) {
  std::lock_guard<std::mutex> lock(feeds_mutex_);
  std::vector<std::string> errors;
  config_diff d = diff_configs(config_, next);
  // Keys a running node keeps: the running values stay in config().
  next.name = config_.name;
  next.storage = config_.storage;
  next.listen = config_.listen;
  next.noise_key_file = config_.noise_key_file;
  next.ns = config_.ns;
  next.swarm.dht = config_.swarm.dht;
  for (const std::string& e : d.extensions_removed) {
    auto it = std::find_if(extensions_.begin(), extensions_.end(),
                           [&](const loaded_extension& x) { return x.name == e; });
    if (it == extensions_.end()) continue;
    caf::anon_send_exit(it->actor, caf::exit_reason::user_shutdown);  // feeds drop its name
    extensions_.erase(it);
  }
  for (const std::string& name : d.feeds_removed) {
    if (status s = stop_feed(name, false); !s) {
      errors.push_back("feed " + name + ": " + s.message());
    }
  }
  std::vector<std::string> unlisted;  // static peers the new file drops
  for (const std::string& a : config_.swarm.static_peers)
    if (std::find(next.swarm.static_peers.begin(), next.swarm.static_peers.end(), a) ==
        next.swarm.static_peers.end())
      unlisted.push_back(a);
  config_ = std::move(next);
  for (const feed_config& f : d.feeds_added) {
    if (status s = start_feed(f); !s) {
      errors.push_back(s.message());
      // Not running, so not in the running config: the next reload tries it again (a follow
      // feed whose key file its writer has not created yet, say).
      auto& feeds = config_.feeds;
      feeds.erase(std::remove_if(feeds.begin(), feeds.end(),
                                 [&](const feed_config& c) { return c.name == f.name; }),
                  feeds.end());
    }
  }
  if (!d.extensions_added.empty()) {
    node_config only = config_;
    only.extensions = d.extensions_added;
    (void)load_node_extensions(sys_, only, feeds_, observer_, &extensions_);
  }
  if (d.static_peers_changed && static_) static_->set_all_keys(config_.swarm.static_peers);
  // Found no more, and their connections end (the others stay up).
  if (!unlisted.empty() && swarm_) caf::anon_send(swarm_, ddb_forget_atom_v, unlisted);
  apply_access();
  if (applied != nullptr) *applied = std::move(d);
  return errors;
}

}  // namespace ddb
