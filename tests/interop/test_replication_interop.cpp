// Replication over TCP against the reference (ddatabase@10.0.4, and hypercore@9.12.0 for the
// "hypercore" namespace), through our CLI (`ddatabase serve` / `ddatabase clone`) and the Node
// scripts in tests/interop (ref_serve_ctl.js, ref_clone.js, ref_forged_open.js):
// - the reference serves, we clone: full, sparse range, live (the reference appends while our
//   clone follows), 64 KiB blocks;
// - we serve, the reference clones and verifies: full, sparse range, 64 KiB blocks;
// - the hypercore namespace both ways;
// - failures that must be bounded: wrong namespace on either side, an unknown key, a forged
//   channel capability (no block may be replicated, and nothing may hang).
#define BOOST_TEST_MODULE replication_interop
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ddb::test;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using clock_type = std::chrono::steady_clock;

namespace {

// Runs our CLI to completion.
run_result cli(const std::vector<std::string>& args, milliseconds timeout = seconds(120),
               const std::string& stdin_text = "") {
  std::vector<std::string> argv{ddb_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options o;
  o.timeout = timeout;
  o.stdin_text = stdin_text;
  return run(argv, o);
}

// The last non-empty line of `text` parsed as JSON (null if there is none or it is not JSON).
json last_json_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  json j = json::parse(last, nullptr, false);
  return j.is_discarded() ? json() : j;
}

// Runs our CLI with --json and returns the parsed object (fails the test on error).
json ddb_json(const std::vector<std::string>& args, milliseconds timeout = seconds(120)) {
  auto r = cli(args, timeout);
  BOOST_REQUIRE_MESSAGE(r.ok(), "ddatabase " << args.at(0) << " failed: " << r.describe());
  json j = last_json_line(r.out);
  BOOST_REQUIRE_MESSAGE(j.is_object(), "ddatabase " << args.at(0) << ": no JSON in " << r.out);
  return j;
}

json info(const std::string& dir) {
  return ddb_json({"info", dir, "--json"});
}
json audit(const std::string& dir) {
  return ddb_json({"audit", dir, "--json"});
}

// What `ddatabase cat DIR --start S --end E` prints for blocks made by the block rule.
std::string expected_cat(uint64_t start, uint64_t end, std::size_t size = 0) {
  std::string out;
  for (uint64_t i = start; i < end; ++i) out += ref_block(i, size) + "\n";
  return out;
}

// Every block in [start, end) of DIR equals ref_block(i, size).
void check_blocks(const std::string& dir, uint64_t start, uint64_t end, std::size_t size = 0) {
  auto r = cli({"cat", dir, "--start", std::to_string(start), "--end", std::to_string(end)});
  BOOST_REQUIRE_MESSAGE(r.ok(), "cat failed: " << r.describe());
  std::string want = expected_cat(start, end, size);
  BOOST_TEST(r.out.size() == want.size());
  if (r.out != want) {
    // Name the first differing block rather than dumping megabytes.
    std::size_t off = 0;
    for (uint64_t i = start; i < end; ++i) {
      std::string b = ref_block(i, size) + "\n";
      if (r.out.compare(off, b.size(), b) != 0) {
        BOOST_ERROR("block " << i << " of " << dir << " differs from ref_block");
        return;
      }
      off += b.size();
    }
    BOOST_ERROR("cat output of " << dir << " has trailing bytes");
  }
}

// The feed in DIR is complete, verified and holds the block rule's blocks [0, n).
void check_full_feed(const std::string& dir, const std::string& key, uint64_t n,
                     std::size_t size = 0) {
  json i = info(dir);
  BOOST_TEST(i["key"].get<std::string>() == key);
  BOOST_TEST(i["length"].get<uint64_t>() == n);
  BOOST_TEST(i["downloaded"].get<uint64_t>() == n);
  BOOST_TEST(i["signatureValid"].get<bool>());
  BOOST_TEST(!i["writable"].get<bool>());
  uint64_t bytes = 0;
  for (uint64_t b = 0; b < n; ++b) bytes += ref_block(b, size).size();
  BOOST_TEST(i["byteLength"].get<uint64_t>() == bytes);
  json a = audit(dir);
  BOOST_TEST(a["valid"].get<uint64_t>() == n);
  BOOST_TEST(a["invalid"].get<uint64_t>() == 0u);
  check_blocks(dir, 0, n, size);
}

// Waits for a background process to exit; false (and the process is killed) on timeout.
bool wait_exit(background_process& p, milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (p.running()) {
    if (clock_type::now() >= deadline) {
      p.kill();
      p.wait();
      return false;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// Polls `ddatabase info DIR --json` (read-only, no lock, so it works beside a running clone)
// until pred(info) holds; returns the last info seen (null if none) and whether pred held.
std::pair<json, bool> poll_info(const std::string& dir,
                                const std::function<bool(const json&)>& pred,
                                milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  json last;
  for (;;) {
    auto r = cli({"info", dir, "--json"}, seconds(20));
    if (r.ok()) {
      json j = last_json_line(r.out);
      if (j.is_object()) {
        last = j;
        if (pred(j)) return {last, true};
      }
    }
    if (clock_type::now() >= deadline) return {last, false};
    std::this_thread::sleep_for(milliseconds(50));
  }
}

// The reference as a live server (ref_serve_ctl.js): SIGUSR2 appends `step` blocks.
class ref_server {
 public:
  ref_server(const temp_dir& tmp, const std::string& name, uint64_t gen, std::size_t size = 0,
             uint64_t step = 100, const std::string& impl = "ddatabase")
      : proc_({node_binary(), interop_dir() + "/ref_serve_ctl.js", tmp / name, "--gen",
               std::to_string(gen), "--size", std::to_string(size), "--step", std::to_string(step),
               "--impl", impl},
              tmp / (name + "-server")) {
    std::string line = proc_.wait_for_line("\"port\"", seconds(120));
    BOOST_REQUIRE_MESSAGE(!line.empty(), "ref_serve_ctl.js did not start: " << proc_.err());
    json j = json::parse(line);
    port_ = std::to_string(j["port"].get<int>());
    key_ = j["key"].get<std::string>();
    discovery_key_ = j["discoveryKey"].get<std::string>();
    BOOST_REQUIRE_EQUAL(j["length"].get<uint64_t>(), gen);
  }

  std::string peer() const { return "127.0.0.1:" + port_; }
  const std::string& port() const { return port_; }
  const std::string& key() const { return key_; }
  const std::string& discovery_key() const { return discovery_key_; }
  std::string log() const { return proc_.err(); }

  // Appends one step of blocks; returns the new length once the server reports it.
  uint64_t append_step() {
    ++appends_;
    proc_.kill(SIGUSR2);
    bool ok = proc_.wait_for_output(
        [&](const std::string& out) {
          return static_cast<uint64_t>(std::count(out.begin(), out.end(), '\n')) >= appends_ + 1;
        },
        seconds(30));
    BOOST_REQUIRE_MESSAGE(ok, "ref_serve_ctl.js did not append: " << proc_.err());
    std::istringstream lines(proc_.out());
    std::string line;
    for (uint64_t i = 0; i <= appends_; ++i) std::getline(lines, line);
    return json::parse(line)["length"].get<uint64_t>();
  }

 private:
  background_process proc_;
  std::string port_, key_, discovery_key_;
  uint64_t appends_ = 0;
};

// `ddatabase serve DIR --listen 127.0.0.1:0 [--namespace NS]`.
class our_server {
 public:
  our_server(const temp_dir& tmp, const std::string& dir, const std::string& ns = "ddatabase")
      : proc_({ddb_bin(), "serve", dir, "--listen", "127.0.0.1:0", "--namespace", ns},
              tmp / ("serve-" + std::filesystem::path(dir).filename().string() + "-" + ns)) {
    std::string line = proc_.wait_for_line("listening ", seconds(30));
    BOOST_REQUIRE_MESSAGE(!line.empty(), "ddatabase serve did not start: " << proc_.err());
    port_ = line.substr(line.rfind(':') + 1);
  }
  const std::string& port() const { return port_; }
  std::string log() const { return proc_.err(); }
  bool running() { return proc_.running(); }

 private:
  background_process proc_;
  std::string port_;
};

// A feed written by our CLI: blocks [0, n) by the block rule; returns its key.
std::string write_our_feed(const temp_dir& tmp, const std::string& dir, uint64_t n,
                           std::size_t size = 0) {
  auto c = cli({"create", dir});
  BOOST_REQUIRE_MESSAGE(c.ok(), c.describe());
  std::string key = c.out.substr(0, c.out.find_first_of("\r\n"));
  run_result a;
  if (size == 0) {
    std::string lines;
    for (uint64_t i = 0; i < n; ++i) lines += ref_block(i) + "\n";
    a = cli({"append", dir}, seconds(120), lines);
  } else {
    std::string file = tmp / (std::filesystem::path(dir).filename().string() + ".blocks");
    std::ofstream f(file, std::ios::binary);
    for (uint64_t i = 0; i < n; ++i) f << ref_block(i, size);
    f.close();
    a = cli({"append", dir, "--file", file, "--block-size", std::to_string(size)});
  }
  BOOST_REQUIRE_MESSAGE(a.ok(), "append failed: " << a.describe());
  json i = info(dir);
  BOOST_REQUIRE_EQUAL(i["length"].get<uint64_t>(), n);
  BOOST_REQUIRE(i["signatureValid"].get<bool>());
  return key;
}

// ref_clone.js arguments: KEY DIR --port P + extra.
std::vector<std::string> ref_clone_args(const std::string& key, const std::string& dir,
                                        const std::string& port,
                                        const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{key, dir, "--port", port};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

const std::string random_key = std::string(64, 'a');  // no one serves this key

}  // namespace

// ---------------------------------------------------------------------------------------------
// The reference serves, we clone.

BOOST_AUTO_TEST_CASE(reference_serves_we_clone_full_and_sparse) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-repl-interop");
  ref_server server(tmp, "ref", 20000);

  // Full: 20k blocks, every block verified by content, signature and audit.
  auto t0 = clock_type::now();
  json c = ddb_json({"clone", server.key(), tmp / "full", "--peer", server.peer(), "--json"});
  BOOST_TEST_MESSAGE("full clone of 20000 blocks: "
                     << std::chrono::duration<double>(clock_type::now() - t0).count() << " s");
  BOOST_TEST(c["key"].get<std::string>() == server.key());
  BOOST_TEST(c["length"].get<uint64_t>() == 20000u);
  BOOST_TEST(c["downloaded"].get<uint64_t>() == 20000u);
  BOOST_TEST(c["downloadedBlocks"].get<uint64_t>() == 20000u);
  BOOST_TEST(c["byteLength"].get<uint64_t>() == 20000u * 14);
  check_full_feed(tmp / "full", server.key(), 20000);

  // Sparse range [100, 200): exactly those 100 blocks.
  c = ddb_json({"clone", server.key(), tmp / "sparse", "--peer", server.peer(), "--sparse",
                "--start", "100", "--end", "200", "--json"});
  BOOST_TEST(c["downloadedBlocks"].get<uint64_t>() == 100u);
  BOOST_TEST(c["downloaded"].get<uint64_t>() == 100u);
  json i = info(tmp / "sparse");
  BOOST_TEST(i["downloaded"].get<uint64_t>() == 100u);
  BOOST_TEST(i["length"].get<uint64_t>() == 20000u);
  BOOST_TEST(i["signatureValid"].get<bool>());
  json a = audit(tmp / "sparse");
  BOOST_TEST(a["valid"].get<uint64_t>() == 100u);
  BOOST_TEST(a["invalid"].get<uint64_t>() == 0u);
  check_blocks(tmp / "sparse", 100, 200);

  // The reference can read what we cloned (same on-disk format), the range only.
  json r = ref_json("ref_read.js", {tmp / "sparse", "--start", "100", "--end", "200",
                                    "--expect-count", "100", "--no-audit"});
  BOOST_TEST(r["sha256"].get<std::string>() == ref_blocks_sha256(100, 200));
  BOOST_TEST(r["signatureValid"].get<bool>());
}

BOOST_AUTO_TEST_CASE(reference_serves_live_appends_we_follow) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-repl-interop");
  ref_server server(tmp, "ref", 1000, 0, 250);
  const std::string dir = tmp / "live";

  background_process clone(
      {ddb_bin(), "clone", server.key(), dir, "--peer", server.peer(), "--live", "--json"},
      tmp / "clone-live");
  auto has_all = [](uint64_t n) {
    return [n](const json& j) {
      return j["length"].get<uint64_t>() == n && j["downloaded"].get<uint64_t>() == n;
    };
  };
  auto [first, ok] = poll_info(dir, has_all(1000), seconds(30));
  BOOST_REQUIRE_MESSAGE(ok, "the live clone did not get the first 1000 blocks: "
                                << first.dump() << " " << clone.err());

  // Three appends on the reference while our clone is connected; it must follow each one.
  uint64_t length = 1000;
  for (int round = 0; round < 3; ++round) {
    length = server.append_step();
    BOOST_REQUIRE_EQUAL(length, 1000u + 250u * static_cast<uint64_t>(round + 1));
    auto t0 = clock_type::now();
    auto [now, caught_up] = poll_info(dir, has_all(length), seconds(30));
    BOOST_REQUIRE_MESSAGE(caught_up, "the live clone did not follow to "
                                         << length << ": " << now.dump() << " " << clone.err());
    BOOST_TEST_MESSAGE("live: caught up to "
                       << length << " in "
                       << std::chrono::duration<double>(clock_type::now() - t0).count() << " s");
    BOOST_TEST(clone.running());
  }

  // SIGTERM ends a live clone cleanly: exit 143 (128 + SIGTERM, issue 10) and the JSON summary.
  clone.kill(SIGTERM);
  BOOST_REQUIRE_MESSAGE(wait_exit(clone, seconds(15)),
                        "clone --live did not exit within 15 s of SIGTERM");
  BOOST_TEST(clone.exit_code() == 143);
  json c = last_json_line(clone.out());
  BOOST_REQUIRE_MESSAGE(c.is_object(), "no JSON from clone --live: " << clone.out() << clone.err());
  BOOST_TEST(c["length"].get<uint64_t>() == length);
  BOOST_TEST(c["downloaded"].get<uint64_t>() == length);
  BOOST_TEST(c["downloadedBlocks"].get<uint64_t>() == length);
  check_full_feed(dir, server.key(), length);
}

BOOST_AUTO_TEST_CASE(reference_serves_64k_blocks_we_clone) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-repl-interop");
  ref_server server(tmp, "ref", 300, 65536);
  auto t0 = clock_type::now();
  json c = ddb_json({"clone", server.key(), tmp / "big", "--peer", server.peer(), "--json"});
  BOOST_TEST_MESSAGE("clone of 300 x 64 KiB: "
                     << std::chrono::duration<double>(clock_type::now() - t0).count() << " s");
  BOOST_TEST(c["downloadedBlocks"].get<uint64_t>() == 300u);
  BOOST_TEST(c["downloadedBytes"].get<uint64_t>() == 300u * 65536u);
  check_full_feed(tmp / "big", server.key(), 300, 65536);
}

// ---------------------------------------------------------------------------------------------
// We serve, the reference clones and verifies.

BOOST_AUTO_TEST_CASE(we_serve_reference_clones_full_and_sparse) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-repl-interop");
  const std::string dir = tmp / "ours";
  std::string key = write_our_feed(tmp, dir, 20000);
  our_server server(tmp, dir);

  json r = ref_json("ref_clone.js", ref_clone_args(key, tmp / "ref-full", server.port()));
  BOOST_TEST_MESSAGE("reference cloned 20000 blocks from us in " << r["seconds"] << " s");
  BOOST_TEST(r["key"].get<std::string>() == key);
  BOOST_TEST(r["length"].get<uint64_t>() == 20000u);
  BOOST_TEST(r["downloaded"].get<uint64_t>() == 20000u);
  BOOST_TEST(r["count"].get<uint64_t>() == 20000u);
  BOOST_TEST(r["valid"].get<uint64_t>() == 20000u);
  BOOST_TEST(r["invalid"].get<uint64_t>() == 0u);
  BOOST_TEST(r["signatureValid"].get<bool>());
  BOOST_TEST(r["sha256"].get<std::string>() == ref_blocks_sha256(0, 20000));

  r = ref_json("ref_clone.js", ref_clone_args(key, tmp / "ref-sparse", server.port(),
                                              {"--sparse", "--start", "100", "--end", "200"}));
  BOOST_TEST(r["length"].get<uint64_t>() == 20000u);
  BOOST_TEST(r["downloaded"].get<uint64_t>() == 100u);
  BOOST_TEST(r["count"].get<uint64_t>() == 100u);
  BOOST_TEST(r["valid"].get<uint64_t>() == 100u);
  BOOST_TEST(r["invalid"].get<uint64_t>() == 0u);
  BOOST_TEST(r["signatureValid"].get<bool>());
  BOOST_TEST(r["sha256"].get<std::string>() == ref_blocks_sha256(100, 200));

  // Live appends while we serve are not possible from outside: serve holds the feed's writer
  // lock, so another process's append is refused (and the served feed stays as it was).
  auto a = cli({"append", dir, "one-more"}, seconds(30));
  BOOST_TEST(!a.ok());
  BOOST_TEST(server.running());
  json again = ref_json("ref_clone.js", ref_clone_args(key, tmp / "ref-again", server.port(),
                                                       {"--sparse", "--start", "19999"}));
  BOOST_TEST(again["length"].get<uint64_t>() == 20000u);
  BOOST_TEST(again["sha256"].get<std::string>() == ref_blocks_sha256(19999, 20000));
}

BOOST_AUTO_TEST_CASE(we_serve_64k_blocks_reference_clones) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-repl-interop");
  const std::string dir = tmp / "big";
  std::string key = write_our_feed(tmp, dir, 300, 65536);
  our_server server(tmp, dir);
  json r = ref_json("ref_clone.js", ref_clone_args(key, tmp / "ref-big", server.port()));
  BOOST_TEST(r["length"].get<uint64_t>() == 300u);
  BOOST_TEST(r["byteLength"].get<uint64_t>() == 300u * 65536u);
  BOOST_TEST(r["valid"].get<uint64_t>() == 300u);
  BOOST_TEST(r["invalid"].get<uint64_t>() == 0u);
  BOOST_TEST(r["signatureValid"].get<bool>());
  BOOST_TEST(r["sha256"].get<std::string>() == ref_blocks_sha256(0, 300, 65536));
}

// ---------------------------------------------------------------------------------------------
// The hypercore namespace (hypercore@9.12.0 on the other side).

BOOST_AUTO_TEST_CASE(hypercore_namespace_both_ways) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-repl-interop");

  // hypercore@9.12.0 serves, our clone --namespace hypercore.
  ref_server hc(tmp, "hc", 2000, 0, 100, "hypercore");
  json c = ddb_json({"clone", hc.key(), tmp / "from-hc", "--peer", hc.peer(), "--namespace",
                     "hypercore", "--json"});
  BOOST_TEST(c["downloadedBlocks"].get<uint64_t>() == 2000u);
  check_full_feed(tmp / "from-hc", hc.key(), 2000);

  // We serve with --namespace hypercore, hypercore@9.12.0 clones and verifies.
  const std::string dir = tmp / "ours";
  std::string key = write_our_feed(tmp, dir, 2000);
  our_server server(tmp, dir, "hypercore");
  json r = ref_json("ref_clone.js",
                    ref_clone_args(key, tmp / "hc-clone", server.port(), {"--impl", "hypercore"}));
  BOOST_TEST(r["length"].get<uint64_t>() == 2000u);
  BOOST_TEST(r["valid"].get<uint64_t>() == 2000u);
  BOOST_TEST(r["invalid"].get<uint64_t>() == 0u);
  BOOST_TEST(r["signatureValid"].get<bool>());
  BOOST_TEST(r["sha256"].get<std::string>() == ref_blocks_sha256(0, 2000));
}

// ---------------------------------------------------------------------------------------------
// Failures: nothing replicated, and every side gives up (or refuses) within a bounded time.
// All cases run at once so the slow ones (our clone waits up to 30 s for the peer to open the
// feed's channel) overlap.

BOOST_AUTO_TEST_CASE(wrong_namespace_unknown_key_forged_capability_fail_bounded) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir tmp("ddb-repl-interop");
  ref_server ref(tmp, "ref", 500);
  ref_server hc(tmp, "hc", 500, 0, 100, "hypercore");
  std::string key_ddb = write_our_feed(tmp, tmp / "ours-ddb", 500);
  std::string key_hc = write_our_feed(tmp, tmp / "ours-hc", 500);
  our_server serve_ddb(tmp, tmp / "ours-ddb", "ddatabase");
  our_server serve_hc(tmp, tmp / "ours-hc", "hypercore");
  json ours_info = info(tmp / "ours-ddb");
  const std::string our_dk = ours_info["discoveryKey"].get<std::string>();

  struct attempt {
    std::string name;
    std::string dir;  // our clone's directory ("" for a Node client)
    std::unique_ptr<background_process> proc;
  };
  std::vector<attempt> attempts;
  auto our_clone = [&](const std::string& name, const std::string& key, const std::string& peer,
                       const std::string& ns) {
    std::string dir = tmp / name;
    attempts.push_back({name, dir,
                        std::make_unique<background_process>(
                            std::vector<std::string>{ddb_bin(), "clone", key, dir, "--peer", peer,
                                                     "--namespace", ns, "--json"},
                            tmp / name)});
  };
  auto node_client = [&](const std::string& name, const std::string& script,
                         std::vector<std::string> args) {
    std::vector<std::string> argv{node_binary(), interop_dir() + "/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    attempts.push_back({name, "", std::make_unique<background_process>(argv, tmp / name)});
  };

  // Our clone, ddatabase namespace, against hypercore@9.12.0 (and the reverse).
  our_clone("ours-ddb-vs-hypercore", hc.key(), hc.peer(), "ddatabase");
  our_clone("ours-hc-vs-ddatabase", ref.key(), ref.peer(), "hypercore");
  // Our clone of a key the reference does not serve.
  our_clone("ours-unknown-key", random_key, ref.peer(), "ddatabase");
  // The reference clients with the wrong namespace against our serve.
  node_client("hypercore-vs-our-ddatabase", "ref_clone.js",
              ref_clone_args(key_ddb, tmp / "hc-wrong", serve_ddb.port(),
                             {"--impl", "hypercore", "--timeout", "8000"}));
  node_client("ddatabase-vs-our-hypercore", "ref_clone.js",
              ref_clone_args(key_hc, tmp / "ddb-wrong", serve_hc.port(), {"--timeout", "8000"}));
  // A client that knows the discovery key but forges the capability, against us and (as the
  // control) against the reference.
  node_client("forged-vs-ours", "ref_forged_open.js",
              {our_dk, "--port", serve_ddb.port(), "--wait", "3000"});
  node_client("forged-vs-reference", "ref_forged_open.js",
              {ref.discovery_key(), "--port", ref.port(), "--wait", "3000"});

  auto t0 = clock_type::now();
  for (auto& at : attempts) {
    bool exited = wait_exit(*at.proc, seconds(60));
    double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    BOOST_TEST_MESSAGE(at.name << ": exit " << at.proc->exit_code() << " after ~" << secs << " s");
    BOOST_TEST_CONTEXT(at.name << " stdout: " << at.proc->out() << " stderr: " << at.proc->err()) {
      BOOST_TEST(exited, "did not finish within 60 s (hangs)");
      if (!at.dir.empty()) {
        // Our clone: a non-zero exit, one error line, and not one block stored.
        BOOST_TEST(at.proc->exit_code() != 0);
        BOOST_TEST(!at.proc->err().empty());
        json i = info(at.dir);
        BOOST_TEST(i["downloaded"].get<uint64_t>() == 0u);
      } else if (at.name.rfind("forged", 0) == 0) {
        json j = last_json_line(at.proc->out());
        BOOST_REQUIRE(j.is_object());
        BOOST_TEST(at.proc->exit_code() == 0);
        BOOST_TEST(j["handshake"].get<bool>());
        BOOST_TEST(j["data"].get<int>() == 0);  // no block for a forged capability
        BOOST_TEST(j["have"].get<int>() == 0);  // nor what we have
        if (at.name == "forged-vs-reference") BOOST_TEST(j["closed"].get<bool>());
        if (at.name == "forged-vs-ours") BOOST_TEST(!j["remoteOpened"].get<bool>());
      } else {
        // A reference client with the wrong namespace times out with an error, no blocks.
        json j = last_json_line(at.proc->out());
        BOOST_TEST(at.proc->exit_code() == 1);
        BOOST_TEST(j.is_object());
        BOOST_TEST(j.contains("error"));
      }
    }
  }
  // Our servers survived all of it.
  BOOST_TEST(serve_ddb.running());
  BOOST_TEST(serve_hc.running());
  BOOST_TEST_MESSAGE("failure cases took "
                     << std::chrono::duration<double>(clock_type::now() - t0).count() << " s");
}
