#pragma once
// A thin C++17 wrapper over the plugin C ABI (extension.h) for plugin authors. Header-only; a
// plugin needs nothing else from ddatabase.
//
//   class my_ext : public ddb::plugin::extension {
//    public:
//     my_ext(ddb::plugin::host_handle h, const std::string& config_json) : extension(h) {}
//     void on_message(const ddb::plugin::feed_ref& f, const ddb::plugin::peer_ref& p,
//                     std::string_view payload) override {
//       host().send(f, p.id, payload);
//     }
//   };
//   DDB_PLUGIN(my_ext, "my-ext", DDB_ENCODING_UTF8)
//
// The constructor may throw: init then fails and the node reports it. Exceptions from the
// handlers are caught here, logged through the host and turned into DDB_ERR_EXCEPTION; they
// never cross the C boundary.
#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddatabase/codec.hpp"
#include "ddatabase/extension.h"

namespace ddb::plugin {

using key_bytes = std::array<uint8_t, 32>;

struct feed_ref {
  key_bytes key{};
  uint64_t length = 0;
  uint64_t byte_length = 0;
  bool writable = false;

  static feed_ref from(const ddb_feed_info& f) {
    feed_ref r;
    std::memcpy(r.key.data(), f.key, 32);
    r.length = f.length;
    r.byte_length = f.byte_length;
    r.writable = f.writable != 0;
    return r;
  }
  std::string key_hex() const {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (uint8_t b : key) {
      s += digits[b >> 4];
      s += digits[b & 15];
    }
    return s;
  }
};

struct peer_ref {
  uint64_t id = 0;
  key_bytes remote_public_key{};
  std::string remote_address;

  static peer_ref from(const ddb_peer_info& p) {
    peer_ref r;
    r.id = p.id;
    std::memcpy(r.remote_public_key.data(), p.remote_public_key, 32);
    r.remote_address = p.remote_address ? p.remote_address : "";
    return r;
  }
};

// The host's callbacks. Copyable; borrows the host's table (valid until the instance is
// destroyed). Use only from inside a handler, a completion or the constructor.
class host_handle {
 public:
  // A block read by get(): ok is false when this node does not have it.
  using get_done = std::function<void(bool ok, uint64_t index, std::string_view data)>;
  // An append's outcome: ok and the new block's index.
  using append_done = std::function<void(bool ok, uint64_t index)>;

  explicit host_handle(const ddb_host_v1* h) : h_(h) {}

  // Reads block `index` of the feed if this node has it; `done` runs later, as a call into
  // the plugin of its own. False (and no call of `done`) when the host cannot (an unknown
  // feed, or a host older than this SDK).
  bool get(const feed_ref& f, uint64_t index, get_done done) const {
    if (!DDB_V1_HAS(h_, ddb_host_v1, get) || !h_->get) return false;
    auto* user = new get_done(std::move(done));
    if (h_->get(h_->ctx, f.key.data(), index, &get_trampoline, user) == DDB_OK) return true;
    delete user;
    return false;
  }
  // Appends one block to the feed (this node must be its writer); `done` may be empty.
  bool append(const feed_ref& f, std::string_view data, append_done done = {}) const {
    if (!DDB_V1_HAS(h_, ddb_host_v1, append) || !h_->append) return false;
    auto* user = new append_done(std::move(done));
    if (h_->append(h_->ctx, f.key.data(), bytes(data), data.size(), &append_trampoline, user) ==
        DDB_OK) {
      return true;
    }
    delete user;
    return false;
  }

  bool send(const feed_ref& f, uint64_t peer, std::string_view payload) const {
    return h_->send(h_->ctx, f.key.data(), peer, bytes(payload), payload.size()) == DDB_OK;
  }
  bool broadcast(const feed_ref& f, std::string_view payload) const {
    return h_->broadcast(h_->ctx, f.key.data(), bytes(payload), payload.size()) == DDB_OK;
  }
  bool update(const feed_ref& f, uint64_t min_length) const {
    return h_->update(h_->ctx, f.key.data(), min_length) == DDB_OK;
  }
  void log(ddb_log_level level, const std::string& text) const {
    h_->log(h_->ctx, level, text.c_str());
  }
  void info(const std::string& text) const { log(DDB_LOG_INFO, text); }
  void warn(const std::string& text) const { log(DDB_LOG_WARNING, text); }
  void error(const std::string& text) const { log(DDB_LOG_ERROR, text); }

 private:
  static const uint8_t* bytes(std::string_view s) {
    return reinterpret_cast<const uint8_t*>(s.data());
  }
  static void get_trampoline(void* user, int status, uint64_t index, const uint8_t* data,
                             size_t len) {
    std::unique_ptr<get_done> fn(static_cast<get_done*>(user));
    (*fn)(status == DDB_OK, index,
          std::string_view(reinterpret_cast<const char*>(data), data ? len : 0));
  }
  static void append_trampoline(void* user, int status, uint64_t index) {
    std::unique_ptr<append_done> fn(static_cast<append_done*>(user));
    if (*fn) (*fn)(status == DDB_OK, index);
  }
  const ddb_host_v1* h_;
};

// Derive, override what you need; one instance per configured extension.
class extension {
 public:
  explicit extension(host_handle h) : host_(h) {}
  virtual ~extension() = default;
  extension(const extension&) = delete;
  extension& operator=(const extension&) = delete;

  virtual void on_message(const feed_ref& feed, const peer_ref& peer, std::string_view payload) = 0;
  virtual void on_peer_add(const feed_ref& feed, const peer_ref& peer) {}
  virtual void on_peer_remove(const feed_ref& feed, const peer_ref& peer) {}
  virtual void on_feed_update(const feed_ref& feed) {}
  // A message from `peer` that did not decode with the plugin's encoding (it was dropped).
  virtual void on_error(const feed_ref& feed, const peer_ref& peer, std::string_view reason) {}

  const host_handle& host() const { return host_; }

 private:
  host_handle host_;
};

// An extension whose messages are values of a codec (ddatabase/codec.hpp): the seed API's
// custom extension encodings. Declare it DDB_ENCODING_BINARY (the codec decides what is
// valid); a payload that does not decode goes to on_error instead of on_value.
template <class Codec>
class typed_extension : public extension {
  static_assert(codec::is_codec_v<Codec>,
                "typed_extension<Codec>: Codec is not a codec (see ddatabase/codec.hpp)");

 public:
  using value_type = typename Codec::value_type;
  using extension::extension;

  virtual void on_value(const feed_ref& feed, const peer_ref& peer, const value_type& v) = 0;

  void on_message(const feed_ref& feed, const peer_ref& peer, std::string_view payload) final {
    auto v = Codec::decode(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
    if (!v) return on_error(feed, peer, "does not decode with the extension's codec");
    on_value(feed, peer, *v);
  }
  bool send_value(const feed_ref& f, uint64_t peer, const value_type& v) const {
    const std::vector<uint8_t> bytes = Codec::encode(v);
    return host().send(f, peer, as_text(bytes));
  }
  bool broadcast_value(const feed_ref& f, const value_type& v) const {
    const std::vector<uint8_t> bytes = Codec::encode(v);
    return host().broadcast(f, as_text(bytes));
  }

 private:
  static std::string_view as_text(const std::vector<uint8_t>& b) {
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  }
};

namespace detail {

// Runs `fn`, turning any exception into DDB_ERR_EXCEPTION after logging it.
template <class Fn>
int guarded(const ddb_host_v1* h, const char* what, Fn&& fn) noexcept {
  try {
    fn();
    return DDB_OK;
  } catch (const std::exception& e) {
    if (h) h->log(h->ctx, DDB_LOG_ERROR, (std::string(what) + " threw: " + e.what()).c_str());
  } catch (...) {
    if (h) h->log(h->ctx, DDB_LOG_ERROR, (std::string(what) + " threw").c_str());
  }
  return DDB_ERR_EXCEPTION;
}

struct instance {
  const ddb_host_v1* host;
  extension* ext;
};

template <class T>
struct trampolines {
  static int init(const ddb_host_v1* h, const char* config, void** out) noexcept {
    *out = nullptr;
    instance* inst = nullptr;
    int rc = guarded(h, "init", [&] {
      inst = new instance{h, nullptr};
      inst->ext = new T(host_handle(h), std::string(config ? config : "{}"));
    });
    if (rc != DDB_OK) {
      delete inst;
      return rc;
    }
    *out = inst;
    return DDB_OK;
  }
  static void destroy(void* p) noexcept {
    auto* inst = static_cast<instance*>(p);
    if (!inst) return;
    guarded(inst->host, "destroy", [&] { delete inst->ext; });
    delete inst;
  }
  static int on_message(void* p, const ddb_feed_info* f, const ddb_peer_info* peer,
                        const uint8_t* data, size_t len) noexcept {
    auto* inst = static_cast<instance*>(p);
    return guarded(inst->host, "on_message", [&] {
      std::string_view payload(reinterpret_cast<const char*>(data), len);
      inst->ext->on_message(feed_ref::from(*f), peer_ref::from(*peer), payload);
    });
  }
  static int on_peer_add(void* p, const ddb_feed_info* f, const ddb_peer_info* peer) noexcept {
    auto* inst = static_cast<instance*>(p);
    return guarded(inst->host, "on_peer_add",
                   [&] { inst->ext->on_peer_add(feed_ref::from(*f), peer_ref::from(*peer)); });
  }
  static int on_peer_remove(void* p, const ddb_feed_info* f, const ddb_peer_info* peer) noexcept {
    auto* inst = static_cast<instance*>(p);
    return guarded(inst->host, "on_peer_remove",
                   [&] { inst->ext->on_peer_remove(feed_ref::from(*f), peer_ref::from(*peer)); });
  }
  static int on_feed_update(void* p, const ddb_feed_info* f) noexcept {
    auto* inst = static_cast<instance*>(p);
    return guarded(inst->host, "on_feed_update",
                   [&] { inst->ext->on_feed_update(feed_ref::from(*f)); });
  }
  static int on_error(void* p, const ddb_feed_info* f, const ddb_peer_info* peer,
                      const char* reason) noexcept {
    auto* inst = static_cast<instance*>(p);
    return guarded(inst->host, "on_error", [&] {
      inst->ext->on_error(feed_ref::from(*f), peer_ref::from(*peer), reason ? reason : "");
    });
  }
};

}  // namespace detail

// The table for extension class T (constructible from (host_handle, const std::string&
// config_json)).
template <class T>
const ddb_plugin_v1* make_plugin(const char* name, ddb_encoding encoding) {
  using t = detail::trampolines<T>;
  static const ddb_plugin_v1 table = {DDB_PLUGIN_ABI_VERSION,
                                      sizeof(ddb_plugin_v1),
                                      name,
                                      encoding,
                                      &t::init,
                                      &t::destroy,
                                      &t::on_message,
                                      &t::on_peer_add,
                                      &t::on_peer_remove,
                                      &t::on_feed_update,
                                      &t::on_error};
  return &table;
}

}  // namespace ddb::plugin

// The entry point's name: ddb_plugin_entry_v1 for a shared library. Define it to something
// unique to link several plugins into one program (ddatabase's built-in extensions do).
#ifndef DDB_PLUGIN_ENTRY_SYMBOL
#define DDB_PLUGIN_ENTRY_SYMBOL ddb_plugin_entry_v1
#endif

// Exports the plugin's entry point for extension class CLASS.
#define DDB_PLUGIN(CLASS, NAME, ENCODING)                                           \
  extern "C" DDB_PLUGIN_EXPORT const ddb_plugin_v1* DDB_PLUGIN_ENTRY_SYMBOL(void) { \
    return ::ddb::plugin::make_plugin<CLASS>(NAME, ENCODING);                       \
  }
