// A node's feeds: open (write or follow), register, relay events, run append workloads.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include <caf/all.hpp>

#include "config/config_loader.hpp"
#include "messages/atoms.hpp"
#include "messages/swarm_messages.hpp"
#include "node/node.hpp"

namespace ddb {

namespace {

caf::actor spawn_relay(caf::actor_system& sys, std::string name, caf::actor observer) {
  return sys.spawn([name, observer](caf::event_based_actor* self) -> caf::behavior {
    return {[=](ddb_event_atom, const feed_event& ev) {
      self->send(observer, ddb_event_atom_v, name, ev);
    }};
  });
}

// Deterministic demo content: "<feed> <index> " padded with '.' to the block size.
byte_buffer demo_block(const std::string& name, uint64_t index, uint64_t size) {
  std::string text = name + " " + std::to_string(index) + " ";
  text.resize(std::max<uint64_t>(size, 1), '.');
  return byte_buffer(text.begin(), text.end());
}

struct workload_state {
  feed_actor feed;
  std::string feed_name;
  append_plan plan;
  caf::actor observer;
  uint64_t next = 0;
  static inline const char* name = "ddb.workload";
};

using workload_ptr = caf::stateful_actor<workload_state>*;

void workload_step(workload_ptr self) {
  auto& st = self->state;
  if (st.next >= st.plan.blocks) {
    if (st.observer)
      self->send(st.observer, ddb_event_atom_v, st.feed_name,
                 "appended up to " + std::to_string(st.plan.blocks) + " blocks");
    self->quit();
    return;
  }
  uint64_t n = st.plan.interval_ms == 0 ? std::min<uint64_t>(1000, st.plan.blocks - st.next) : 1;
  block_list blocks;
  for (uint64_t i = 0; i < n; ++i)
    blocks.push_back(demo_block(st.feed_name, st.next + i, st.plan.block_size));
  self->request(st.feed, caf::infinite, ddb_append_atom_v, std::move(blocks))
      .then(
          [=](uint64_t) {
            self->state.next += n;
            if (self->state.plan.interval_ms == 0)
              workload_step(self);
            else
              self->delayed_send(self, std::chrono::milliseconds(self->state.plan.interval_ms),
                                 ddb_tmo_atom_v);
          },
          [=](caf::error& err) {
            if (self->state.observer)
              self->send(self->state.observer, ddb_event_atom_v, self->state.feed_name,
                         "append failed: " + self->system().render(err));
            self->quit();
          });
}

// Appends until the feed holds plan.blocks blocks (a restarted writer does not append again).
caf::behavior workload_impl(workload_ptr self, feed_actor feed, std::string name, append_plan plan,
                            caf::actor observer) {
  self->state.feed = feed;
  self->state.feed_name = std::move(name);
  self->state.plan = plan;
  self->state.observer = std::move(observer);
  self->request(feed, caf::infinite, ddb_info_atom_v)
      .then(
          [=](const feed_info& info) {
            self->state.next = info.length;
            workload_step(self);
          },
          [=](caf::error&) { self->quit(); });
  return {[=](ddb_tmo_atom) { workload_step(self); }};
}

result<node_feed> open_feed(caf::actor_system& sys, const node_config& cfg, const feed_config& f,
                            const random_source& rng) {
  node_feed out;
  out.name = f.name;
  out.mode = f.mode;
  feed_options fo;
  fo.ns = cfg.ns;
  fo.rng = rng;
  feed_actor_options ao;
  ao.replication.limits = cfg.limits;
  if (f.mode == feed_mode::follow) {
    auto key = read_follow_key(f);
    if (!key) return key.error();
    fo.key = *key;
    ao.replication.sparse = f.sparse;
  }
  auto client = feed_client::open(sys, f.storage_dir, fo, ao);
  if (!client) return make_error(client.error().code(), client.error().message());
  auto info = client->info();
  if (!info) return info.error();
  if (f.mode == feed_mode::write && !info->writable)
    return make_error(errc::invalid_argument, "the feed in " + f.storage_dir + " is not writable");
  out.key = info->key;
  out.dkey = info->discovery_key;
  out.client = std::make_unique<feed_client>(std::move(*client));
  if (f.mode == feed_mode::follow && f.download) {
    download_request r;
    r.start = f.download->start;
    r.end = f.download->end.value_or(UINT64_MAX);
    r.linear = true;
    if (auto id = out.client->download(r); !id) return id.error();
  }
  return out;
}

}  // namespace

status node::open_feeds() {
  for (const feed_config& f : config_.feeds) {
    if (status s = open_feed_entry(f); !s) return s;
  }
  return status::ok();
}

std::vector<node_feed_handle> node::feed_handles() const {
  std::lock_guard<std::mutex> lock(feeds_mutex_);
  std::vector<node_feed_handle> out;
  for (const node_feed& f : feeds_)
    out.push_back({f.name, f.mode, f.key, f.dkey, f.client->actor()});
  return out;
}

result<node_feed_handle> node::add_feed(feed_config f) {
  if (f.storage_dir.empty())
    f.storage_dir = (std::filesystem::path(config_.storage) / f.name).string();
  std::lock_guard<std::mutex> lock(feeds_mutex_);
  if (stopped_) return make_error(errc::closed, "the node is stopping");
  for (const node_feed& other : feeds_) {
    if (other.name == f.name)
      return make_error(errc::invalid_argument, "the node already hosts a feed named " + f.name);
    if (f.key && other.key == *f.key)
      return make_error(errc::invalid_argument, "the node already hosts this key as " + other.name);
  }
  DDB_TRY(start_feed(f));
  const node_feed& nf = feeds_.back();
  node_feed_handle h{nf.name, nf.mode, nf.key, nf.dkey, nf.client->actor()};
  config_.feeds.push_back(std::move(f));
  return h;
}

status node::remove_feed(const std::string& name, bool delete_data) {
  std::lock_guard<std::mutex> lock(feeds_mutex_);
  auto cfg = std::find_if(config_.feeds.begin(), config_.feeds.end(),
                          [&](const feed_config& f) { return f.name == name; });
  std::string dir = cfg != config_.feeds.end() ? cfg->storage_dir : "";
  status closed = stop_feed(name, delete_data);
  if (closed.code() == errc::not_found) return closed;
  if (cfg != config_.feeds.end()) config_.feeds.erase(cfg);
  if (delete_data && !dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec && closed) closed = make_error(errc::io_error, "remove " + dir + ": " + ec.message());
  }
  return closed;
}

status node::open_feed_entry(const feed_config& f) {
  auto nf = open_feed(sys_, config_, f, rng_);
  if (!nf) return make_error(nf.error().code(), "feed " + f.name + ": " + nf.error().message());
  if (observer_) {
    nf->relay = spawn_relay(sys_, f.name, observer_);
    nf->client->subscribe(nf->relay);
  }
  registry_->add(nf->dkey, nf->key, caf::actor_cast<caf::actor>(nf->client->actor()));
  feeds_.push_back(std::move(*nf));
  return status::ok();
}

void node::start_workload(node_feed& nf, const feed_config& f) {
  if (f.mode != feed_mode::write || !f.append || f.append->blocks == 0) return;
  nf.workload = sys_.spawn(workload_impl, nf.client->actor(), f.name, *f.append, observer_);
}

void node::start_workloads() {
  for (size_t i = 0; i < feeds_.size(); ++i) start_workload(feeds_[i], config_.feeds[i]);
}

}  // namespace ddb
