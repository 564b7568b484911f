#pragma once
// Internal to control/: what the route handlers share, and their reply helpers. Handlers run on
// the HTTP server's threads: they reach the node only through its thread-safe methods
// (feed_handles, add_feed, remove_feed) and the feed and swarm actors through requests with
// timeouts (feed_calls.hpp).
#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <httplib.h>
#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <nlohmann/json.hpp>

#include "control/runtime_feeds.hpp"
#include "core/result.hpp"
#include "messages/swarm_messages.hpp"
#include "node/node.hpp"

namespace ddb::control {

using json = nlohmann::json;

class peer_rates;

struct api_context {
  api_context(caf::actor_system& s, node& nd) : sys(s), n(nd) {}
  caf::actor_system& sys;
  node& n;
  std::string version;
  std::set<std::string> yaml_feeds;  // names the YAML file lists (a removal is recorded)
  caf::actor_clock::time_point started;
  std::atomic<bool> stopping{false};  // ends live streams
  std::mutex runtime_mutex;           // adds and removes, and the runtime-feeds file
  peer_rates* rates = nullptr;        // per-peer transfer rates (node_sample.hpp)
};

// {"error":{"code":CODE,"message":MESSAGE}} with the HTTP status.
void send_error(httplib::Response& res, int http_status, std::string_view code,
                const std::string& message);
// The status's errc as the code, with the HTTP status that fits it (404 not_found, 409
// not_writable, 400 invalid_argument and bad_index, 504 timeout, 503 closed, else 500).
void send_error(httplib::Response& res, const status& s);
void send_json(httplib::Response& res, const json& body, int http_status = 200);

// The feed named `name`, or nothing (and a 404 reply sent).
std::optional<node_feed_handle> find_feed_or_404(api_context& ctx, const std::string& name,
                                                 httplib::Response& res);
// A query parameter as a non-negative integer; false (and a 400 reply sent) when malformed.
bool query_uint(const httplib::Request& req, httplib::Response& res, const char* name,
                std::optional<uint64_t>& out);

// The swarm's counters (zeros when it does not answer in time).
swarm_stats swarm_stats_of(api_context& ctx);
// Peers carrying the feed, from those counters.
uint64_t peers_of(const swarm_stats& st, const hash_t& dkey);

// The feed object of GET /v1/feeds (name, key, mode, length, downloaded, byteLength, peers).
json feed_object(api_context& ctx, const node_feed_handle& f, uint64_t peers);

void add_feed_routes(httplib::Server& server, api_context& ctx);
void add_block_routes(httplib::Server& server, api_context& ctx);
void add_node_routes(httplib::Server& server, api_context& ctx);

}  // namespace ddb::control
