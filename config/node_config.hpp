#pragma once
// A node's plan as plain values: what `ddatabase node --config FILE.yaml` runs. Filled by
// config/config_loader (YAML, validated) or built directly by tests and the simulator; every
// field has the default documented in docs/config.md. No YAML types appear here.
//
// Paths are absolute once the loader has resolved them against the config file's directory;
// values built by hand are used as given.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"
#include "protocol/limits.hpp"

namespace ddb {

enum class feed_mode : uint8_t { write, follow };
enum class log_level : uint8_t { trace, debug, info, warn, error, off };

std::string_view to_string(feed_mode mode) noexcept;
std::string_view to_string(log_level level) noexcept;
// false (and `out` untouched) for an unknown name.
bool parse_feed_mode(std::string_view name, feed_mode& out) noexcept;
bool parse_log_level(std::string_view name, log_level& out) noexcept;

// Blocks [start, end) to download; no end means "to the feed's end" (following it when live).
struct block_range {
  uint64_t start = 0;
  std::optional<uint64_t> end;
};

// Demo writers: after opening, append `blocks` blocks of `block_size` bytes, one every
// `interval_ms` (0: all at once).
struct append_plan {
  uint64_t blocks = 0;
  uint64_t block_size = 64;
  uint64_t interval_ms = 0;
};

struct feed_config {
  std::string name;  // unique within the node, [a-z0-9_-]{1,64}
  feed_mode mode = feed_mode::write;
  std::string storage_dir;  // <node.storage>/<name>
  // follow only, exactly one of the two: the writer's public key, or a file holding it (32 raw
  // bytes as in the feed's own `key` file, or 64 hex characters), read when the node starts.
  std::optional<public_key> key;
  std::string key_file;
  bool sparse = false;                  // follow: fetch only what `download` or readers ask for
  bool live = true;                     // follow: keep following appends after catching up
  std::optional<block_range> download;  // follow: an initial range to fetch
  std::optional<append_plan> append;    // write: demo appends
  // Who may replicate this feed (Noise static public keys), on top of swarm.allow; unset: every
  // peer the node lets in. From `allow:` and `allow_file:` together (config/config_allow.cpp).
  std::optional<std::vector<public_key>> allow;
  int line = 0;  // 1-based line of the entry in the config (0: unknown)
};

struct reconnect_config {
  uint64_t min_ms = 200;    // first retry delay, doubled per failure ...
  uint64_t max_ms = 10000;  // ... up to this
};

struct dht_config {
  bool enabled = false;
  std::string listen = "127.0.0.1:0";  // UDP "HOST:PORT" of our DHT node
  std::vector<std::string> bootstrap;  // "HOST:PORT" routers; empty: we are the first node
};

// Retrying a failing accept (out of fds or memory): after min_ms, doubling up to max_ms.
struct accept_backoff_config {
  uint64_t min_ms = 100;
  uint64_t max_ms = 1000;
};

struct swarm_config {
  std::vector<std::string> static_peers;  // "HOST:PORT" dialled for every feed
  dht_config dht;
  uint64_t max_peers_per_feed = 16;
  uint64_t max_peers = 64;  // connections in total whose handshake completed (and dials)
  reconnect_config reconnect;
  uint64_t ban_ms = 60000;  // how long a peer that broke the protocol (key and IP) stays banned
  uint64_t max_connections = 1024;        // live inbound TCP connections (fds), refused beyond
  uint64_t max_per_address = 8;           // live inbound TCP connections from one IP
  uint64_t max_handshakes = 64;           // accepted, unfinished handshakes; the oldest evicted
  uint64_t handshake_timeout_ms = 10000;  // an unfinished handshake is dropped after this
  accept_backoff_config accept_backoff;
  // Who may connect at all (Noise static public keys; `allow:` and `allow_file:` together);
  // unset: anyone (public feeds). Others are refused at the handshake.
  std::optional<std::vector<public_key>> allow;
};

struct extension_config {
  std::string name;                // the wire name announced to peers (unique within the node)
  std::string path;                // a shared library (absolute) ...
  std::string builtin;             // ... or a linked-in extension's name: exactly one is set
  bool all_feeds = true;           // registered on every feed, or only on ...
  std::vector<std::string> feeds;  // ... these (names of entries in node_config::feeds)
  std::string config_json = "{}";  // the `config:` mapping as a JSON object
  int line = 0;
};

// The control API (docs/api.md): a Unix socket, and optionally a loopback TCP listener whose
// requests carry the token in <storage>/control.token.
struct control_config {
  bool off = false;           // no API at all
  std::string socket;         // empty: <storage>/node.sock
  std::string listen;         // "HOST:PORT" (port 0: a free one); empty: no TCP listener
  bool allow_remote = false;  // accept a `listen` host other than loopback
};

struct node_config {
  std::string name;                    // required
  std::string storage;                 // feeds live in <storage>/<feed name>
  std::string listen = "127.0.0.1:0";  // TCP "HOST:PORT"; port 0 picks a free one
  std::string noise_key_file;          // 32-byte seed, created if missing
  std::string ns = "ddatabase";        // "ddatabase" or "hypercore" (hypercore 9 peers)
  log_level level = log_level::info;
  uint64_t status_interval_ms = 5000;  // 0: no periodic status lines
  std::vector<feed_config> feeds;
  swarm_config swarm;
  std::vector<extension_config> extensions;
  replication::peer_limits limits;  // what one remote peer can make a feed spend (`limits:`)
  control_config control;           // `node.control:`
  std::string source;               // where the config came from ("<string>" or the file path)
  std::string base_dir;             // the directory relative paths were resolved against
};

// Borrowed from `config`: valid while it lives and its feeds are not modified. Null if absent.
const feed_config* find_feed(const node_config& config, std::string_view name) noexcept;

}  // namespace ddb
