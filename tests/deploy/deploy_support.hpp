#pragma once
// Deployment tests: real `ddatabase node --config FILE.yaml --json` processes, configured by YAML
// written into a temp dir and observed through their JSON event lines (docs/nodes.md).
// Header-only, for tests/deploy/test_*.cpp; include it after <boost/test/unit_test.hpp>.
//
// Every node listens on 127.0.0.1 port 0; the tests read the bound address from the node's
// "listening" event and hand it to the nodes started later (static peers, DHT bootstrap), so
// there are no fixed ports to collide with. Nothing contacts anything but loopback (the netns
// test uses private namespaces of its own).
//
// Ownership: a node_process owns its child process (killed with SIGKILL when destroyed); the
// temp_dir that holds configs, storage and logs must outlive it.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace ddb::test {

using namespace std::chrono_literals;
using json = nlohmann::json;

inline std::string ddb_bin() {
  const char* b = std::getenv("DDB_BIN");
  return b != nullptr && *b != '\0' ? b : "build/ddatabase";
}

// Polls pred every 50 ms until it holds or `limit` passes; true if it held.
// The source tree ($DDB_SOURCE_DIR, set by CTest; else the current directory).
inline std::string source_tree() {
  const char* s = std::getenv("DDB_SOURCE_DIR");
  return s != nullptr && *s != '\0' ? s : ".";
}

// A loopback port that was free a moment ago (`type`: SOCK_STREAM or SOCK_DGRAM).
inline uint16_t free_port(int type = SOCK_STREAM) {
  int fd = ::socket(AF_INET, type, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// One feed in one status line.
struct feed_progress {
  uint64_t length = 0;      // the length the node knows of
  uint64_t downloaded = 0;  // blocks it holds
  uint64_t peers = 0;       // connections carrying the feed
};

// One node process: its YAML, its storage (<dir>/data/<name>) and its --json output, one log
// file pair per run (<dir>/<name>.<run>.out/.err).
class node_process {
 public:
  node_process(std::string name, std::string dir) : name_(std::move(name)), dir_(std::move(dir)) {}
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  const std::string& name() const { return name_; }
  std::string config_path() const { return dir_ + "/" + name_ + ".yaml"; }
  std::string storage() const { return dir_ + "/data/" + name_; }
  std::string feed_dir(const std::string& feed) const { return storage() + "/" + feed; }

  // Writes (or rewrites) the config; takes effect at the next start().
  void configure(const std::string& yaml) { std::ofstream(config_path()) << yaml; }

  // Starts `[prefix...] ddatabase node --config FILE --json` (prefix: e.g. ip netns exec NS).
  void start(const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> argv = prefix;
    for (const std::string& a : {ddb_bin(), std::string("node"), std::string("--config"),
                                 config_path(), std::string("--json")})
      argv.push_back(a);
    ++runs_;
    proc_ = std::make_unique<background_process>(argv,
                                                 dir_ + "/" + name_ + "." + std::to_string(runs_));
  }
  bool running() { return proc_ && proc_->running(); }
  int runs() const { return runs_; }

  // Sends `sig` (e.g. SIGHUP: reload the config) and returns at once.
  void signal(int sig) {
    if (proc_) proc_->kill(sig);
  }
  // SIGKILL: no clean shutdown at all.
  void kill() {
    if (!proc_) return;
    proc_->kill(SIGKILL);
    proc_->wait();
  }
  // SIGTERM, then the exit code (-1 if it did not exit within `limit` and had to be killed).
  int stop(std::chrono::milliseconds limit = 15s) {
    if (!proc_) return -1;
    proc_->kill(SIGTERM);
    if (!eventually([&] { return !proc_->running(); }, limit)) {
      kill();
      return -1;
    }
    return proc_->exit_code();
  }
  std::string out() const { return proc_ ? proc_->out() : ""; }
  std::string err() const { return proc_ ? proc_->err() : ""; }

  // The parsed JSON lines of the current run (a torn last line is skipped).
  std::vector<json> events() const {
    std::vector<json> all;
    std::istringstream lines(out());
    std::string l;
    while (std::getline(lines, l)) {
      json j = json::parse(l, nullptr, false);
      if (!j.is_discarded() && j.is_object()) all.push_back(std::move(j));
    }
    return all;
  }
  std::vector<json> events(const std::string& type) const {
    std::vector<json> some;
    for (json& e : events())
      if (e.value("event", "") == type) some.push_back(std::move(e));
    return some;
  }
  bool saw(const std::string& type) const { return !events(type).empty(); }

  // The feed in every status line so far, oldest first.
  std::vector<feed_progress> history(const std::string& feed) const {
    std::vector<feed_progress> all;
    for (const json& e : events("status")) {
      for (const json& f : e["feeds"]) {
        if (f.value("name", "") != feed) continue;
        all.push_back({f.value("length", uint64_t{0}), f.value("downloaded", uint64_t{0}),
                       f.value("peers", uint64_t{0})});
      }
    }
    return all;
  }
  // The feed as the latest status line reports it (zeros before the first one).
  feed_progress progress(const std::string& feed) const {
    auto all = history(feed);
    return all.empty() ? feed_progress{} : all.back();
  }
  // True once the node holds every block of a feed of exactly `length` blocks.
  bool complete(const std::string& feed, uint64_t length) const {
    feed_progress p = progress(feed);
    return p.length == length && p.downloaded == length;
  }

  // Waits for this run's "listening" event; "" (and a failed check) if it never comes.
  json wait_listening(std::chrono::milliseconds limit = 30s) {
    json found;
    eventually(
        [&] {
          auto ls = events("listening");
          if (!ls.empty()) found = ls.front();
          return !ls.empty() || !running();
        },
        limit);
    BOOST_CHECK_MESSAGE(found.is_object(), name_ + " never listened: " + describe());
    return found;
  }
  std::string address(std::chrono::milliseconds limit = 30s) {
    return wait_listening(limit).value("address", "");
  }
  std::string noise_key() const {
    auto ls = events("listening");
    return ls.empty() ? "" : ls.front().value("noiseKey", "");
  }

  // The Noise keys of the peers this run joined with.
  std::vector<std::string> joined_remotes() const {
    std::vector<std::string> keys;
    for (const json& e : events("peer_joined")) keys.push_back(e.value("remote", ""));
    return keys;
  }

  // The last lines of this run's output and its stderr, for failure messages.
  std::string describe() const {
    std::string o = out();
    if (o.size() > 1500) o = "..." + o.substr(o.size() - 1500);
    return "[" + name_ + " run " + std::to_string(runs_) + "] stdout:\n" + o + "\nstderr:\n" +
           err();
  }

 private:
  std::string name_, dir_;
  std::unique_ptr<background_process> proc_;
  int runs_ = 0;
};

// YAML for a node. `feeds` is the body of `feeds:` and `swarm` the body of `swarm:` (both
// indented by 2 spaces). Status lines every 200 ms, quick redials.
inline std::string node_yaml(const std::string& name, const std::string& feeds,
                             const std::string& swarm, const std::string& listen = "127.0.0.1:0") {
  std::ostringstream y;
  y << "node:\n  name: " << name << "\n  storage: data/" << name << "\n  listen: " << listen
    << "\n  status_interval_ms: 200\n"
    << "feeds:\n"
    << feeds << "swarm:\n"
    << "  reconnect: {min_ms: 100, max_ms: 1000}\n"
    << swarm;
  return y.str();
}

// The feed "main", written: `blocks` blocks of `block_size` bytes, one every `interval_ms`.
inline std::string writer_feed(uint64_t blocks, uint64_t interval_ms, uint64_t block_size = 128) {
  return "  - name: main\n    mode: write\n    append: {blocks: " + std::to_string(blocks) +
         ", block_size: " + std::to_string(block_size) +
         ", interval_ms: " + std::to_string(interval_ms) + "}\n";
}

// The feed "main" followed (full, live) by key file: the writer node's own key file.
inline std::string follower_feed(const std::string& writer) {
  return "  - name: main\n    mode: follow\n    key_file: data/" + writer + "/main/key\n";
}

// `static_peers: [A, B, ...]` as a swarm body line.
inline std::string static_peers(const std::vector<std::string>& addresses) {
  std::string s = "  static_peers: [";
  for (size_t i = 0; i < addresses.size(); ++i) s += (i > 0 ? ", " : "") + addresses[i];
  return s + "]\n";
}

// What the node's append workload writes (node/node_feeds.cpp), as `ddatabase cat` prints it:
// block i is "<feed> <i> " padded with '.' to block_size, each followed by a newline.
inline std::string workload_content(const std::string& feed, uint64_t blocks,
                                    uint64_t block_size = 128) {
  std::string all;
  for (uint64_t i = 0; i < blocks; ++i) {
    std::string b = feed + " " + std::to_string(i) + " ";
    b.resize(block_size, '.');
    all += b + "\n";
  }
  return all;
}

// `ddatabase info DIR --json`, `ddatabase audit DIR --json` and (with_content) `ddatabase cat
// DIR` of a stopped replica; cat needs every block, so leave it out for a partial one.
struct replica {
  json info;
  json audit;
  std::string content;
  std::string error;  // empty when all three commands succeeded
};

inline run_options within(std::chrono::milliseconds limit) {
  run_options o;
  o.timeout = limit;
  return o;
}

inline replica read_replica(const std::string& dir, bool with_content = true) {
  replica r;
  auto info = run({ddb_bin(), "info", dir, "--json"}, within(30s));
  auto cat = with_content ? run({ddb_bin(), "cat", dir}, within(60s)) : run({"true"});
  auto audit = run({ddb_bin(), "audit", dir, "--json"}, within(60s));
  if (!info.ok() || !cat.ok() || !audit.ok()) {
    r.error =
        "info: " + info.describe() + " / cat: " + cat.describe() + " / audit: " + audit.describe();
    return r;
  }
  r.info = json::parse(info.out, nullptr, false);
  r.audit = json::parse(audit.out, nullptr, false);
  r.content = std::move(cat.out);
  if (r.info.is_discarded() || r.audit.is_discarded()) r.error = "unparsable JSON: " + info.out;
  return r;
}

// Checks that a stopped follower's replica equals the writer's: same key, length, bytes and
// content, every block held and valid, a valid signature.
inline void check_same_replica(const replica& writer, const std::string& follower_dir,
                               uint64_t length) {
  BOOST_TEST_CONTEXT("replica " << follower_dir) {
    replica f = read_replica(follower_dir);
    BOOST_REQUIRE_MESSAGE(f.error.empty(), f.error);
    BOOST_CHECK_EQUAL(f.info.value("key", ""), writer.info.value("key", ""));
    BOOST_CHECK_EQUAL(f.info.value("length", uint64_t{0}), length);
    BOOST_CHECK_EQUAL(f.info.value("downloaded", uint64_t{0}), length);
    BOOST_CHECK_EQUAL(f.info.value("byteLength", uint64_t{0}),
                      writer.info.value("byteLength", uint64_t{1}));
    BOOST_CHECK(f.info.value("signatureValid", false));
    BOOST_CHECK(!f.info.value("writable", true));
    BOOST_CHECK_EQUAL(f.audit.value("valid", uint64_t{0}), length);
    BOOST_CHECK_EQUAL(f.audit.value("invalid", uint64_t{1}), 0u);
    BOOST_CHECK_EQUAL(f.content.size(), writer.content.size());
    BOOST_CHECK_MESSAGE(f.content == writer.content, "the blocks differ from the writer's");
  }
}

// Reads the stopped writer's replica and checks it holds exactly the workload's blocks.
inline replica check_writer(const std::string& dir, uint64_t blocks, uint64_t block_size = 128) {
  replica w = read_replica(dir);
  BOOST_REQUIRE_MESSAGE(w.error.empty(), w.error);
  BOOST_CHECK_EQUAL(w.info.value("length", uint64_t{0}), blocks);
  BOOST_CHECK(w.info.value("writable", false));
  BOOST_CHECK(w.info.value("signatureValid", false));
  BOOST_CHECK_EQUAL(w.audit.value("invalid", uint64_t{1}), 0u);
  BOOST_CHECK_MESSAGE(w.content == workload_content("main", blocks, block_size),
                      "the writer's blocks are not the workload's");
  return w;
}

}  // namespace ddb::test
