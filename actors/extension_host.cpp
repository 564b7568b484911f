// The extension actor around a plugin: C ABI calls in, host callbacks out.
#include "actors/extension_host.hpp"

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

#include <caf/all.hpp>

#include "actors/extension_payload.hpp"

namespace ddb {

namespace {

// What the host callbacks reach through ddb_host_v1::ctx. Heap-allocated: its address is
// stable from init to destroy.
struct host_context {
  std::string name;
  int encoding = DDB_ENCODING_BINARY;
  caf::actor observer;
  std::map<public_key, feed_actor> feeds;  // every feed that has talked to the extension
  // The extension actor, once spawned: get and append ask the feed actor from it, and their
  // completions run in it. Null during init.
  extension_actor::pointer self = nullptr;
  // Runs a completion as a call into the plugin (set with `self`).
  std::function<void(const char* what, std::function<void()>)> complete;
};

void log_line(host_context& c, int level, std::string text) {
  if (c.observer) {
    caf::anon_send(c.observer, ddb_extlog_atom_v, extension_log{c.name, level, std::move(text)});
  } else if (level >= DDB_LOG_WARNING) {
    std::fprintf(stderr, "extension %s: %s\n", c.name.c_str(), text.c_str());
  }
}

const feed_actor* find_feed(host_context& c, const uint8_t* key) {
  public_key k{};
  std::memcpy(k.data(), key, k.size());
  auto it = c.feeds.find(k);
  return it == c.feeds.end() ? nullptr : &it->second;
}

int host_send(void* ctx, const uint8_t* key, uint64_t peer, const uint8_t* data, size_t len) {
  auto& c = *static_cast<host_context*>(ctx);
  const feed_actor* f = find_feed(c, key);
  if (!f || !valid_payload(c.encoding, data, len)) return DDB_ERR_INVALID;
  caf::anon_send(*f, ddb_extsnd_atom_v, c.name, peer, byte_buffer(data, data + len));
  return DDB_OK;
}

int host_broadcast(void* ctx, const uint8_t* key, const uint8_t* data, size_t len) {
  auto& c = *static_cast<host_context*>(ctx);
  const feed_actor* f = find_feed(c, key);
  if (!f || !valid_payload(c.encoding, data, len)) return DDB_ERR_INVALID;
  caf::anon_send(*f, ddb_extbc_atom_v, c.name, byte_buffer(data, data + len));
  return DDB_OK;
}

int host_update(void* ctx, const uint8_t* key, uint64_t min_length) {
  auto& c = *static_cast<host_context*>(ctx);
  const feed_actor* f = find_feed(c, key);
  if (!f) return DDB_ERR_INVALID;
  update_request r;
  r.min_length = min_length;
  r.timeout_ms = 60000;  // a lie would otherwise park an update forever
  caf::anon_send(*f, ddb_update_atom_v, r);
  return DDB_OK;
}

int host_get(void* ctx, const uint8_t* key, uint64_t index, ddb_get_done done, void* user) {
  auto& c = *static_cast<host_context*>(ctx);
  const feed_actor* f = find_feed(c, key);
  if (!f || !done || !c.self) return DDB_ERR_INVALID;
  auto complete = c.complete;
  c.self->request(*f, caf::infinite, ddb_get_atom_v, index, get_options{false, 0})
      .then(
          [=](const byte_buffer& b) {
            complete("get", [&] { done(user, DDB_OK, index, b.data(), b.size()); });
          },
          [=](caf::error&) {
            complete("get", [&] { done(user, DDB_ERR_FAILED, index, nullptr, 0); });
          });
  return DDB_OK;
}

int host_append(void* ctx, const uint8_t* key, const uint8_t* data, size_t len,
                ddb_append_done done, void* user) {
  auto& c = *static_cast<host_context*>(ctx);
  const feed_actor* f = find_feed(c, key);
  if (!f || !c.self || (len > 0 && !data)) return DDB_ERR_INVALID;
  auto complete = c.complete;
  c.self->request(*f, caf::infinite, ddb_append_atom_v, block_list{byte_buffer(data, data + len)})
      .then(
          [=](uint64_t first) {
            if (done) complete("append", [&] { done(user, DDB_OK, first); });
          },
          [=](caf::error&) {
            if (done) complete("append", [&] { done(user, DDB_ERR_FAILED, 0); });
          });
  return DDB_OK;
}

void host_log(void* ctx, int level, const char* text) {
  log_line(*static_cast<host_context*>(ctx), level, text ? text : "");
}

// One plugin instance. Destroys the instance before the library can be closed.
struct plugin_instance {
  std::shared_ptr<plugin_library> lib;
  std::unique_ptr<host_context> ctx;
  ddb_host_v1 host{};
  void* instance = nullptr;

  const ddb_plugin_v1& api() const { return lib->api(); }
  ~plugin_instance() {
    if (!instance) return;
    try {
      api().destroy(instance);
    } catch (...) {
      log_line(*ctx, DDB_LOG_ERROR, "destroy threw");
    }
  }
};

// Calls into the plugin. False when an exception escaped it: the extension must stop.
template <class Fn>
bool guarded(plugin_instance& p, const char* what, Fn fn) {
  int rc = DDB_OK;
  try {
    rc = fn();
  } catch (const std::exception& e) {
    log_line(*p.ctx, DDB_LOG_ERROR, std::string(what) + " threw: " + e.what() + "; shutting down");
    return false;
  } catch (...) {
    log_line(*p.ctx, DDB_LOG_ERROR, std::string(what) + " threw; shutting down");
    return false;
  }
  if (rc != DDB_OK) {
    log_line(*p.ctx, DDB_LOG_WARNING, std::string(what) + " failed (" + std::to_string(rc) + ")");
  }
  return true;
}

ddb_feed_info to_info(const extension_feed& f) {
  ddb_feed_info out{};
  std::memcpy(out.key, f.key.data(), sizeof out.key);
  out.length = f.length;
  out.byte_length = f.byte_length;
  out.writable = f.writable ? 1 : 0;
  return out;
}

ddb_peer_info to_info(const extension_peer& p) {
  ddb_peer_info out{};
  out.id = p.peer;
  std::memcpy(out.remote_public_key, p.remote_public_key.data(), sizeof out.remote_public_key);
  out.remote_address = p.remote_address.c_str();
  return out;
}

struct extension_state {
  std::shared_ptr<plugin_instance> plugin;
  static inline const char* name = "ddb.extension";
};

using ext_self = extension_actor::stateful_pointer<extension_state>;

// Remembers the feed for the host callbacks; returns the plugin.
plugin_instance& note_feed(ext_self self, const extension_feed& f) {
  plugin_instance& p = *self->state.plugin;
  p.ctx->feeds[f.key] = caf::actor_cast<feed_actor>(f.feed);
  return p;
}

void stop(ext_self self) {
  self->quit(caf::exit_reason::user_shutdown);  // the feeds' monitors drop our names
}

extension_actor::behavior_type extension_behavior(ext_self self,
                                                  std::shared_ptr<plugin_instance> plugin) {
  self->state.plugin = std::move(plugin);
  host_context& ctx = *self->state.plugin->ctx;
  ctx.self = self;
  ctx.complete = [self](const char* what, std::function<void()> fn) {
    plugin_instance& p = *self->state.plugin;
    if (!guarded(p, what, [&] {
          fn();
          return DDB_OK;
        })) {
      stop(self);
    }
  };
  return {
      [=](ddb_extmsg_atom, const extension_in& m) {
        plugin_instance& p = note_feed(self, m.feed);
        ddb_feed_info f = to_info(m.feed);
        ddb_peer_info peer{};
        peer.id = m.peer;
        std::memcpy(peer.remote_public_key, m.remote_public_key.data(), 32);
        peer.remote_address = m.remote_address.c_str();
        if (!valid_payload(p.ctx->encoding, m.payload.data(), m.payload.size())) {
          const std::string reason = std::string("not valid ") + encoding_name(p.ctx->encoding);
          log_line(*p.ctx, DDB_LOG_WARNING,
                   "dropped a message from peer " + std::to_string(m.peer) + ": " + reason);
          const ddb_plugin_v1& api = p.api();
          if (DDB_V1_HAS(&api, ddb_plugin_v1, on_error) && api.on_error) {
            if (!guarded(p, "on_error",
                         [&] { return api.on_error(p.instance, &f, &peer, reason.c_str()); })) {
              stop(self);
            }
          }
          return;
        }
        bool ok = guarded(p, "on_message", [&] {
          return p.api().on_message(p.instance, &f, &peer, m.payload.data(), m.payload.size());
        });
        if (!ok) stop(self);
      },
      [=](ddb_extpr_atom, const extension_peer& e) {
        plugin_instance& p = note_feed(self, e.feed);
        auto fn = e.joined ? p.api().on_peer_add : p.api().on_peer_remove;
        if (!fn) return;
        ddb_feed_info f = to_info(e.feed);
        ddb_peer_info peer = to_info(e);
        if (!guarded(p, e.joined ? "on_peer_add" : "on_peer_remove",
                     [&] { return fn(p.instance, &f, &peer); })) {
          stop(self);
        }
      },
      [=](ddb_extfd_atom, const extension_feed& e) {
        plugin_instance& p = note_feed(self, e);
        if (!p.api().on_feed_update) return;
        ddb_feed_info f = to_info(e);
        if (!guarded(p, "on_feed_update", [&] { return p.api().on_feed_update(p.instance, &f); })) {
          stop(self);
        }
      },
  };
}

}  // namespace

result<loaded_extension> spawn_plugin_extension(caf::actor_system& sys,
                                                std::shared_ptr<plugin_library> lib,
                                                std::string name, const std::string& config_json,
                                                caf::actor observer) {
  auto p = std::make_shared<plugin_instance>();
  p->lib = std::move(lib);
  p->ctx = std::make_unique<host_context>();
  p->ctx->name = name.empty() ? std::string(p->api().name) : std::move(name);
  p->ctx->encoding = p->api().encoding;
  p->ctx->observer = std::move(observer);
  p->host = ddb_host_v1{
      DDB_PLUGIN_ABI_VERSION, sizeof(ddb_host_v1), p->ctx.get(), &host_send,  &host_broadcast,
      &host_update,           &host_log,           &host_get,    &host_append};
  int rc = DDB_ERR_FAILED;
  bool ok = guarded(*p, "init", [&] {
    rc = p->api().init(&p->host, config_json.c_str(), &p->instance);
    return rc;
  });
  const std::string where = p->ctx->name + " (" + p->lib->where() + ")";
  if (!ok || rc != DDB_OK) {
    p->instance = nullptr;  // a failed init owns nothing
    return make_error(errc::unavailable, "extension " + where + ": init failed");
  }
  std::string registered = p->ctx->name;
  extension_actor actor = sys.spawn(extension_behavior, std::move(p));
  return loaded_extension{std::move(actor), std::move(registered)};
}

result<loaded_extension> load_extension(caf::actor_system& sys, const extension_spec& spec,
                                        const std::vector<feed_actor>& feeds, caf::actor observer) {
  if (spec.path.empty() == spec.builtin.empty()) {
    return make_error(errc::invalid_argument,
                      "extension " + spec.name + ": set exactly one of path and builtin");
  }
  auto lib =
      spec.path.empty() ? plugin_library::builtin(spec.builtin) : plugin_library::open(spec.path);
  if (!lib) return lib.error();
  auto ext = spawn_plugin_extension(sys, std::move(*lib), spec.name, spec.config_json,
                                    std::move(observer));
  if (!ext) return ext.error();
  for (const auto& f : feeds) register_extension(f, ext->name, ext->actor);
  return ext;
}

void register_extension(const feed_actor& feed, const std::string& name,
                        const extension_actor& ext) {
  caf::anon_send(feed, ddb_extreg_atom_v, name, ext);
}

}  // namespace ddb
