#pragma once
// The control API of a running node (docs/api.md): HTTP/1.1 + JSON on a Unix socket (default
// <node.storage>/node.sock, mode 0600) and, when node.control.listen is set, on a TCP listener
// whose every request must carry `Authorization: Bearer TOKEN`, the token being the 64 hex
// characters the server writes to <node.storage>/control.token (mode 0600) at each start.
//
// A layer above the node: handlers run on the server's own threads and reach the node only
// through its thread-safe feed methods and the feed and swarm actors through requests with
// timeouts. Borrows the actor system and the node, which must outlive it: stop() (or the
// destructor) before node::stop().
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <caf/actor_system.hpp>

#include "core/result.hpp"
#include "node/node.hpp"

namespace ddb::control {

struct control_options {
  std::string version;               // reported by GET /v1/status
  std::set<std::string> yaml_feeds;  // the YAML file's feed names (removals are recorded)
};

class control_server {
 public:
  // Binds the socket (and the TCP listener) and starts serving. Refuses a socket path another
  // process serves on; removes a stale one.
  static result<std::unique_ptr<control_server>> start(caf::actor_system& sys, node& n,
                                                       control_options options);
  ~control_server();
  control_server(const control_server&) = delete;
  control_server& operator=(const control_server&) = delete;

  // Ends live streams, stops both listeners, removes the socket file. Idempotent.
  void stop();

  const std::string& socket_path() const;
  // The bound "HOST:PORT" of the TCP listener, "" without one.
  const std::string& tcp_address() const;
  const std::string& token_path() const;

  // A reload of the YAML (SIGHUP) must not interleave with feeds added or removed through the
  // API: hold this lock while reading the runtime-feeds file and applying the new config, then
  // pass the YAML's feed names (a later removal of one of them is recorded) under the same lock.
  std::unique_lock<std::mutex> lock_runtime_feeds();
  void set_yaml_feeds(std::set<std::string> names);  // REQUIRES: lock_runtime_feeds() held

  struct impl;

 private:
  explicit control_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// <storage>/control.token: where the token is written.
std::string token_file_path(const std::string& storage);
// <storage>/node.sock, or config.control.socket.
std::string socket_path_of(const node_config& config);

}  // namespace ddb::control
