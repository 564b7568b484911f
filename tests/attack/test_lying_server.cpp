#define BOOST_TEST_MODULE lying_server
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "tests/attack/attack_support.hpp"

// `ddatabase clone` against a server that lies: the hostile peer's want bomb (Have{2^50} from a
// server), and a real `ddatabase serve` of a feed whose files were tampered with (a corrupt
// block, a bit-flipped signature, a bitfield claiming blocks past the length). The clone must
// end by itself within seconds, non-zero, with its RSS bounded, keeping only verified blocks.
// In the report lines, a victim clone's "idle" figures are an unattacked clone's peaks.
namespace {

using namespace ddb::test;
namespace fs = std::filesystem;

constexpr auto fail_fast_limit = 20s;  // a lying server's clone must have ended by then

const source_feed& shared_feed() {
  static temp_dir dir("ddb-lying-feed");
  static source_feed feed = make_feed(dir / "src");
  return feed;
}

// Overwrites `bytes` at `offset` of a file.
void patch(const std::string& path, uint64_t offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  BOOST_REQUIRE_MESSAGE(f.good(), "cannot open " << path);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(f.good());
}

// The peak RSS and fds of an unattacked clone of the shared feed from a real serve (measured
// once): the baseline a lying server's victim is compared with.
const proc_usage_t& honest_clone_usage() {
  static proc_usage_t usage = [] {
    temp_dir dir("ddb-lying-baseline");
    victim server = start_serve(shared_feed(), dir / "serve");
    background_process clone(
        {ddb_bin(), "clone", shared_feed().key, dir / "clone", "--peer", server.address},
        dir / "clone");
    proc_sampler sampler(clone.pid(), 20ms, kill_above_kb);
    bool ended = wait_exit(clone, 30s);
    sampler.stop();
    BOOST_REQUIRE_MESSAGE(ended && clone.exit_code() == 0, "unattacked clone: " << clone.err());
    server.serve->kill(SIGTERM);
    wait_exit(*server.serve, 5s);
    return sampler.peak();
  }();
  return usage;
}

// Runs `ddatabase clone` of the feed from `address` as the victim: sampled, bounded, measured;
// its "idle" figures are those of an unattacked clone.
// Returns its exit code (-1: killed, by the RSS cap or at the time limit).
int victim_clone(measurement& m, const std::string& key, const std::string& address,
                 const temp_dir& dir) {
  m.clone_what = "clone fails fast";
  m.idle = honest_clone_usage();
  auto t0 = std::chrono::steady_clock::now();
  background_process clone({ddb_bin(), "clone", key, dir / "clone", "--peer", address},
                           dir / "clone");
  proc_sampler sampler(clone.pid(), 20ms, kill_above_kb);
  bool ended = wait_exit(clone, 30s);
  m.clone.seconds = seconds_since(t0);
  sampler.stop();
  m.peak = sampler.peak();
  m.killed = sampler.killed();
  m.clone.ok = ended && clone.exit_code() != 0 && m.clone.seconds < fail_fast_limit.count();
  m.after = ended
                ? "clone exit " + std::to_string(clone.exit_code()) +
                      (clone.term_signal() ? " signal " + std::to_string(clone.term_signal()) : "")
                : "clone still running after 30 s (killed)";
  m.clone.detail = m.after + ", stderr: " + clone.err();
  BOOST_TEST_MESSAGE("clone stdout: " << clone.out());
  return ended ? clone.exit_code() : -1;
}

// The checks every lying-server case shares: the clone failed fast, non-zero, RSS bounded.
void check_failed_fast(const measurement& m) {
  m.report();
  BOOST_CHECK_MESSAGE(!m.killed, m.name << ": RSS passed 3 GB, the clone was killed");
  BOOST_CHECK_MESSAGE(m.peak.rss_kb <= m.idle.rss_kb + rss_growth_bound_kb,
                      m.name << ": peak RSS " << m.peak.rss_kb / 1024
                             << " MB over an honest clone's " << m.idle.rss_kb / 1024
                             << " MB + 150 MB");
  BOOST_CHECK_MESSAGE(m.clone.ok,
                      m.name << ": the clone did not end non-zero within 20 s: " << m.clone.detail);
}

// Whatever the clone kept must verify: no block that failed verification was written.
void check_kept_only_valid(const std::string& dir) {
  if (!fs::exists(dir)) return;
  auto audit = run({ddb_bin(), "audit", dir, "--json"}, within(30s));
  json j = json::parse(audit.out, nullptr, false);
  BOOST_CHECK_MESSAGE(!j.is_discarded() && j.value("invalid", uint64_t{1}) == 0,
                      "the clone kept invalid blocks: " << audit.describe() << audit.out);
}

// Serves a copy of the shared feed, tampered with by `tamper(copy_dir)`, and clones it.
void tampered(const std::string& name, const std::function<void(const std::string&)>& tamper) {
  temp_dir dir("ddb-lying");
  std::string copy = dir / "served";
  fs::copy(shared_feed().dir, copy, fs::copy_options::recursive);
  tamper(copy);
  victim server = start_serve({copy, shared_feed().key}, dir / "serve");
  measurement m;
  m.name = name;
  victim_clone(m, server.key, server.address, dir);
  check_failed_fast(m);
  check_kept_only_valid(dir / "clone");
  server.serve->kill(SIGTERM);
  wait_exit(*server.serve, 5s);
}

// A hostile server (ddb_hostile_peer serve-ATTACK) and a clone from it.
void from_hostile_server(const std::string& name, const std::string& attack) {
  temp_dir dir("ddb-lying");
  background_process server({hostile_bin(), attack, "--key", shared_feed().key, "--seconds", "25"},
                            dir / "hostile");
  std::string line = server.wait_for_line("listening ", 10s);
  BOOST_REQUIRE_MESSAGE(!line.empty(), "the hostile server never listened: " << server.err());
  measurement m;
  m.name = name;
  victim_clone(m, shared_feed().key, line.substr(line.find("listening ") + 10), dir);
  check_failed_fast(m);
  check_kept_only_valid(dir / "clone");
  BOOST_TEST_MESSAGE("hostile server: " << server.out());
}

}  // namespace

// A server answering Open with Status{uploading} + Have{start: 2^50}.
BOOST_AUTO_TEST_CASE(want_bomb_from_server) {
  from_hostile_server("clone from a want-bomb server", "serve-want-bomb");
}

// A server whose Have bitfield claims 2,048 blocks it never sends (no Data, no signature).
BOOST_AUTO_TEST_CASE(bitfield_past_length) {
  from_hostile_server("clone from a bitfield past the length", "serve-have-past");
}

// Block 750's bytes flipped in the served data file.
BOOST_AUTO_TEST_CASE(corrupt_block) {
  tampered("clone from a corrupt block",
           [](const std::string& d) { patch(d + "/data", 750 * 32, "XXXXXXXX"); });
}

// The last signature (slot 999) bit-flipped.
BOOST_AUTO_TEST_CASE(bad_signature) {
  tampered("clone of a bad signature", [](const std::string& d) {
    std::ifstream f(d + "/signatures", std::ios::binary);
    f.seekg(32 + 64 * 999);
    char b = 0;
    f.get(b);
    patch(d + "/signatures", 32 + 64 * 999, std::string(1, static_cast<char>(b ^ 0x01)));
  });
}

// A follower node with two static peers, a server of a corrupt block and an honest one: it must
// complete from the honest one, keeping nothing that fails verification.
BOOST_AUTO_TEST_CASE(node_completes_from_the_honest_peer) {
  temp_dir dir("ddb-lying-node");
  std::string copy = dir / "served";
  fs::copy(shared_feed().dir, copy, fs::copy_options::recursive);
  patch(copy + "/data", 750 * 32, "XXXXXXXX");
  victim liar = start_serve({copy, shared_feed().key}, dir / "liar");
  victim honest = start_serve(shared_feed(), dir / "honest");
  node_process follower("follower", dir.str());
  follower.configure(node_yaml(
      "follower", "  - name: main\n    mode: follow\n    key: " + shared_feed().key + "\n",
      static_peers({liar.address, honest.address})));
  auto t0 = std::chrono::steady_clock::now();
  follower.start();
  bool complete = eventually([&] { return follower.complete("main", feed_blocks); }, 20s);
  double took = seconds_since(t0);
  int code = follower.stop(5s);
  std::cout << "ATTACK follower with a corrupt-block peer and an honest one: "
            << (complete ? "complete" : "INCOMPLETE") << " in " << took << " s, SIGTERM exit "
            << code << std::endl;
  BOOST_CHECK_MESSAGE(complete, "the follower never completed: " << follower.describe());
  BOOST_CHECK_EQUAL(code, 0);
  check_kept_only_valid(follower.feed_dir("main"));
  liar.serve->kill(SIGTERM);
  honest.serve->kill(SIGTERM);
  wait_exit(*liar.serve, 5s);
  wait_exit(*honest.serve, 5s);
}
