#pragma once
// The attack suite's pieces: a victim (`ddatabase serve`, `ddatabase node` or `ddatabase clone`
// as a real process), the hostile peer (ddb_hostile_peer, a real process too), an honest clone
// run meanwhile, and the measurements of one attack (peak RSS and fds of the victim, the honest
// clone's time), printed as one line per attack. Include after <boost/test/unit_test.hpp>.
#include <dirent.h>

#include <fstream>
#include <iomanip>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/deploy/deploy_support.hpp"
#include "tests/support/proc_sampler.hpp"

namespace ddb::test {

// A victim whose RSS passes this is killed at once (and the case fails): the suite must never
// threaten the machine, whatever the code under test does.
constexpr uint64_t kill_above_kb = 3ull * 1024 * 1024;
// The bounds every attack is held to.
constexpr uint64_t rss_growth_bound_kb = 150 * 1024;  // over the victim's idle RSS
constexpr auto honest_clone_limit = 15s;              // ~0.3 s unattacked
constexpr uint64_t feed_blocks = 1000;

inline std::string hostile_bin() {
  const char* b = std::getenv("DDB_HOSTILE_PEER");
  return b != nullptr && *b != '\0' ? b : "build/tests/attack/ddb_hostile_peer";
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A written feed of `feed_blocks` blocks of 32 bytes ("block 000123 ..."), block i at byte 32 i
// of its data file.
struct source_feed {
  std::string dir;
  std::string key;
};

inline source_feed make_feed(const std::string& dir) {
  auto c = run({ddb_bin(), "create", dir}, within(30s));
  BOOST_REQUIRE_MESSAGE(c.ok(), "create: " << c.describe());
  std::string key = c.out.substr(0, 64);
  std::ostringstream lines;
  for (uint64_t i = 0; i < feed_blocks; ++i) {
    std::ostringstream b;
    b << "block " << std::setw(6) << std::setfill('0') << i << " ";
    std::string s = b.str();
    s.resize(32, '.');
    lines << s << "\n";
  }
  run_options o = within(60s);
  o.stdin_text = lines.str();
  auto a = run({ddb_bin(), "append", dir}, o);
  BOOST_REQUIRE_MESSAGE(a.ok(), "append: " << a.describe());
  return {dir, key};
}

// A running victim server: its process, address and the key of the feed it serves.
struct victim {
  std::unique_ptr<background_process> serve;  // `ddatabase serve` (or null)
  std::unique_ptr<node_process> node;         // `ddatabase node` (or null)
  std::string address;
  std::string key;

  pid_t node_pid = -1;
  pid_t pid() const { return serve ? serve->pid() : node_pid; }
  bool running() { return serve ? serve->running() : node->running(); }
  std::string describe() {
    if (serve) return "serve stderr: " + serve->err();
    return node->describe();
  }
};

// `[prefix...] ddatabase serve DIR --listen 127.0.0.1:0 [args...]`, waited for until it listens.
inline victim start_serve(const source_feed& feed, const std::string& logs,
                          const std::vector<std::string>& prefix = {},
                          const std::vector<std::string>& args = {}) {
  victim v;
  std::vector<std::string> argv = prefix;
  for (const std::string& a : {ddb_bin(), std::string("serve"), feed.dir, std::string("--listen"),
                               std::string("127.0.0.1:0")})
    argv.push_back(a);
  argv.insert(argv.end(), args.begin(), args.end());
  v.serve = std::make_unique<background_process>(argv, logs);
  std::string line = v.serve->wait_for_line("listening ", 30s);
  BOOST_REQUIRE_MESSAGE(!line.empty(), "serve never listened: " << v.serve->err());
  v.address = line.substr(line.find("listening ") + 10);
  v.key = feed.key;
  return v;
}

// The process whose command line has `arg` (node_process keeps its child's pid to itself).
inline pid_t pid_with_arg(const std::string& arg) {
  DIR* d = ::opendir("/proc");
  pid_t found = -1;
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (cmdline.find(std::string(1, '\0') + arg + std::string(1, '\0')) != std::string::npos) {
      found = static_cast<pid_t>(std::stol(e->d_name));
      break;
    }
  }
  if (d) ::closedir(d);
  return found;
}

// `ddatabase node` writing the feed "main" (`feed_blocks` blocks at once), waited for until it
// listens and holds them. `swarm` is extra swarm YAML (2-space indented lines).
inline victim start_node(const temp_dir& dir, const std::string& swarm = "") {
  victim v;
  v.node = std::make_unique<node_process>("victim", dir.str());
  v.node->configure(node_yaml("victim", writer_feed(feed_blocks, 0, 32), swarm));
  v.node->start();
  v.address = v.node->address();
  BOOST_REQUIRE_MESSAGE(!v.address.empty(), v.node->describe());
  BOOST_REQUIRE_MESSAGE(eventually([&] { return v.node->complete("main", feed_blocks); }, 30s),
                        "the node never wrote its feed: " << v.node->describe());
  auto feeds = v.node->events("feed");
  BOOST_REQUIRE(!feeds.empty());
  v.key = feeds.front().value("key", "");
  v.node_pid = pid_with_arg(v.node->config_path());
  BOOST_REQUIRE_MESSAGE(v.node_pid > 0, "no process runs " << v.node->config_path());
  return v;
}

// One honest clone of the victim's feed into a fresh folder, bounded in time.
struct clone_outcome {
  bool ok = false;
  double seconds = 0;
  std::string detail;
};

inline clone_outcome honest_clone(const std::string& key, const std::string& address,
                                  const std::string& dir,
                                  std::chrono::milliseconds limit = honest_clone_limit) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = run({ddb_bin(), "clone", key, dir, "--peer", address}, within(limit));
  clone_outcome c;
  c.seconds = seconds_since(t0);
  c.ok = r.ok();
  if (!c.ok) c.detail = r.describe();
  if (c.ok) {
    auto info = run({ddb_bin(), "info", dir, "--json"}, within(30s));
    json j = json::parse(info.out, nullptr, false);
    c.ok = !j.is_discarded() && j.value("downloaded", uint64_t{0}) == feed_blocks;
    if (!c.ok) c.detail = "incomplete clone: " + info.out;
  }
  return c;
}

// The hostile peer as a background process.
inline std::unique_ptr<background_process> start_attacker(const std::string& attack,
                                                          const std::string& address,
                                                          const std::string& key,
                                                          const std::vector<std::string>& extra,
                                                          const std::string& logs) {
  std::vector<std::string> argv = {hostile_bin(), attack, "--peer", address, "--key", key};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<background_process>(argv, logs);
}

// Waits for a background process to exit by itself, at most `limit`; then kills it.
inline bool wait_exit(background_process& p, std::chrono::milliseconds limit) {
  bool exited = eventually([&] { return !p.running(); }, limit);
  if (!exited) {
    p.kill(SIGKILL);
    p.wait();
  }
  return exited;
}

// One attack's measurements, printed as one line (and appended to $DDB_ATTACK_REPORT).
struct measurement {
  std::string name;
  proc_usage_t idle;
  proc_usage_t peak;
  uint64_t rss_after_kb = 0;  // once the attacker left (before SIGTERM)
  bool killed = false;        // the victim passed kill_above_kb and was killed
  clone_outcome clone;
  std::string clone_what = "honest clone";  // what clone.ok means
  std::string after;  // what happened after the attack (still answers, SIGTERM)

  std::string line() const {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << "ATTACK " << name << ": idle RSS "
      << idle.rss_kb / 1024.0 << " MB, peak RSS " << peak.rss_kb / 1024.0 << " MB"
      << (killed ? " (KILLED at the 3 GB cap)" : "");
    if (rss_after_kb > 0) s << " (" << rss_after_kb / 1024.0 << " MB after)";
    s << ", idle fds " << idle.fds << ", peak fds " << peak.fds << ", " << clone_what
      << (clone.ok ? " ok " : " FAILED ") << std::setprecision(2) << clone.seconds << " s"
      << (after.empty() ? "" : ", " + after);
    return s.str();
  }
  void report() const {
    std::string l = line();
    std::cout << l << std::endl;
    if (const char* path = std::getenv("DDB_ATTACK_REPORT"))
      std::ofstream(path, std::ios::app) << l << "\n";
  }
};

}  // namespace ddb::test
