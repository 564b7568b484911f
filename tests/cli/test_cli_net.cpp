// serve, clone and cat --peer as real processes on 127.0.0.1: they stop on SIGINT/SIGTERM; a clone
// whose peers cannot supply what it needs ends within seconds, non-zero, keeping what it
// verified; a remote whose data or signature does not verify is an error, never "0/0, exit 0".
#define BOOST_TEST_MODULE cli_net
#include <csignal>

#include "tests/cli/cli_support.hpp"

using namespace ddb::test;

namespace {

struct origin {
  temp_dir tmp{"ddb-cli-net"};
  std::string dir = tmp.str() + "/origin";
  std::string key;
  explicit origin(size_t blocks) { key = make_feed(dir, blocks); }
  std::string path(const std::string& name) const { return tmp.str() + "/" + name; }
};

std::chrono::milliseconds since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(serve_stops_on_sigterm_and_sigint_with_exit_0) {
  origin o(10);
  for (int sig : {SIGTERM, SIGINT}) {
    server s(o.dir, o.path("serve" + std::to_string(sig)));
    auto took = stop_with(*s.proc, sig);
    BOOST_CHECK_EQUAL(s.proc->exit_code(), 0);
    BOOST_CHECK_MESSAGE(took < 2500ms, "stopping took " << took.count() << " ms");
  }
  auto a = cli({"append", o.dir, "after"});  // the feed was closed: the writer lock is free
  BOOST_CHECK_MESSAGE(a.ok(), a.describe());
}

BOOST_AUTO_TEST_CASE(clone_waiting_for_a_silent_peer_stops_on_sigterm) {
  origin o(1);
  mute_listener mute;
  background_process clone({ddb_bin(), "clone", o.key, o.path("c"), "--peer", mute.address},
                           o.path("clone"));
  std::this_thread::sleep_for(500ms);  // dialed, waiting for the handshake
  BOOST_REQUIRE(clone.running());
  auto took = stop_with(clone, SIGTERM);
  BOOST_CHECK_EQUAL(clone.exit_code(), 143);
  BOOST_CHECK_MESSAGE(took < 2500ms, "stopping took " << took.count() << " ms");
}

BOOST_AUTO_TEST_CASE(live_clone_stops_on_sigint_with_130) {
  origin o(50);
  server s(o.dir, o.path("serve"));
  background_process clone(
      {ddb_bin(), "clone", o.key, o.path("c"), "--peer", s.address, "--live", "--json"},
      o.path("clone"));
  BOOST_REQUIRE(eventually_exists(o.path("c") + "/key"));
  std::this_thread::sleep_for(500ms);
  auto took = stop_with(clone, SIGINT);
  BOOST_CHECK_EQUAL(clone.exit_code(), 130);
  BOOST_CHECK_MESSAGE(took < 2500ms, "stopping took " << took.count() << " ms");
  BOOST_CHECK_EQUAL(info_json(o.path("c"))["length"], 50);  // closed cleanly: reopens
}

BOOST_AUTO_TEST_CASE(clone_of_a_key_the_peer_does_not_serve_ends_unavailable) {
  origin o(5);
  server s(o.dir, o.path("serve"));
  auto t0 = clock_type::now();
  auto r = cli({"clone", std::string(64, 'b'), o.path("c"), "--peer", s.address});
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_MESSAGE(r.err.find("ddatabase: unavailable: ") != std::string::npos, r.err);
  BOOST_CHECK_MESSAGE(since(t0) < 15s, since(t0).count() << " ms");
}

BOOST_AUTO_TEST_CASE(clone_from_a_corrupt_peer_ends_non_zero_keeping_verified_blocks) {
  origin o(100);
  copy_feed(o.dir, o.path("corrupt"));
  flip_byte(o.path("corrupt") + "/data", 10 * 75 + 3);  // block 75
  server s(o.path("corrupt"), o.path("serve"));
  auto t0 = clock_type::now();
  auto r = cli({"clone", o.key, o.path("c"), "--peer", s.address});
  auto took = since(t0);
  BOOST_TEST_MESSAGE("corrupt-peer clone ended in " << took.count() << " ms: " << r.describe());
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_MESSAGE(took < 15s, took.count() << " ms");
  BOOST_CHECK_MESSAGE(
      r.err.find("ddatabase: peer " + s.address + " dropped: ") != std::string::npos, r.err);
  BOOST_CHECK_MESSAGE(r.err.find("block 75") != std::string::npos, r.err);
  BOOST_CHECK_MESSAGE(r.err.find("ddatabase: unavailable: ") != std::string::npos, r.err);
  auto info = info_json(o.path("c"));
  BOOST_CHECK_GE(info["downloaded"].get<uint64_t>(), 75u);  // 0..74 arrive first (linear)
  BOOST_CHECK_LT(info["downloaded"].get<uint64_t>(), 100u);
  auto audit = cli({"audit", o.path("c"), "--json"});
  BOOST_REQUIRE_MESSAGE(audit.ok(), audit.describe());
  auto a = nlohmann::json::parse(audit.out);
  BOOST_CHECK_EQUAL(a["invalid"], 0);  // nothing that failed verification was written
  BOOST_CHECK_EQUAL(a["valid"], info["downloaded"]);
  auto block = cli({"cat", o.path("c"), "--start", "75", "--end", "76"});
  BOOST_CHECK_EQUAL(block.exit_code, 1);  // not stored
}

BOOST_AUTO_TEST_CASE(clone_from_a_corrupt_and_an_honest_peer_completes) {
  origin o(100);
  copy_feed(o.dir, o.path("corrupt"));
  flip_byte(o.path("corrupt") + "/data", 10 * 40 + 1);
  server bad(o.path("corrupt"), o.path("bad"));
  server good(o.dir, o.path("good"));
  auto r = cli({"clone", o.key, o.path("c"), "--peer", bad.address, "--peer", good.address});
  BOOST_CHECK_MESSAGE(r.ok(), r.describe());
  auto info = info_json(o.path("c"));
  BOOST_CHECK_EQUAL(info["downloaded"], 100);
  auto cat = cli({"cat", o.path("c"), "--start", "40", "--end", "41"});
  BOOST_CHECK_EQUAL(cat.out, block_line(40) + "\n");
}

BOOST_AUTO_TEST_CASE(clone_from_a_feed_with_a_flipped_signature_is_an_error) {
  origin o(100);
  copy_feed(o.dir, o.path("badsig"));
  auto sigs = o.path("badsig") + "/signatures";
  flip_byte(sigs, fs::file_size(sigs) - 10);  // the newest signature
  server s(o.path("badsig"), o.path("serve"));
  auto t0 = clock_type::now();
  auto r = cli({"clone", o.key, o.path("c"), "--peer", s.address});
  BOOST_TEST_MESSAGE("bad-signature clone: " << r.describe() << " stdout: " << r.out);
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK(r.err.find("ddatabase: ") != std::string::npos);
  BOOST_CHECK(r.out.find("0/0") == std::string::npos);
  BOOST_CHECK_MESSAGE(since(t0) < 15s, since(t0).count() << " ms");
}

BOOST_AUTO_TEST_CASE(clone_from_a_feed_whose_bitfield_claims_too_much_is_an_error) {
  origin o(100);
  copy_feed(o.dir, o.path("liar"));
  // Data bits of blocks 96..127 (MSB first, after the 32-byte header): claims 100..127 too.
  write_bytes(o.path("liar") + "/bitfield", 32 + 12, std::string(4, '\xff'));
  server s(o.path("liar"), o.path("serve"));
  auto t0 = clock_type::now();
  auto r = cli({"clone", o.key, o.path("c"), "--peer", s.address});
  BOOST_TEST_MESSAGE("lying-bitfield clone: " << r.describe() << " stdout: " << r.out);
  BOOST_CHECK(r.out.find("cloned 0/0") == std::string::npos);
  if (r.exit_code == 0) {  // then every block it claims to have cloned must be there
    auto info = info_json(o.path("c"));
    BOOST_CHECK_EQUAL(info["downloaded"], info["length"]);
    BOOST_CHECK_GE(info["length"].get<uint64_t>(), 100u);
  } else {
    BOOST_CHECK_EQUAL(r.exit_code, 1);
  }
  BOOST_CHECK_MESSAGE(since(t0) < 15s, since(t0).count() << " ms");
}

BOOST_AUTO_TEST_CASE(clone_end_past_the_remote_length_is_an_error) {
  origin o(100);
  server s(o.dir, o.path("serve"));
  auto t0 = clock_type::now();
  auto r = cli({"clone", o.key, o.path("c"), "--peer", s.address, "--end", "150"});
  BOOST_CHECK_EQUAL(r.exit_code, 1);
  BOOST_CHECK_MESSAGE(r.err.find("ddatabase: bad_index: --end 150 is past the remote length 100") !=
                          std::string::npos,
                      r.err);
  BOOST_CHECK_MESSAGE(since(t0) < 15s, since(t0).count() << " ms");
  auto ok = cli({"clone", o.key, o.path("c"), "--peer", s.address, "--end", "100"});
  BOOST_CHECK_MESSAGE(ok.ok(), ok.describe());
}

BOOST_AUTO_TEST_CASE(cat_peer_on_a_sparse_clone_downloads_only_what_it_prints) {
  origin o(300);
  server s(o.dir, o.path("serve"));
  auto c = cli({"clone", o.key, o.path("c"), "--peer", s.address, "--sparse", "--end", "1"});
  BOOST_REQUIRE_MESSAGE(c.ok(), c.describe());
  uint64_t before = info_json(o.path("c"))["downloaded"];
  auto r = cli({"cat", o.path("c"), "--peer", s.address, "--start", "200", "--end", "201"});
  BOOST_CHECK_MESSAGE(r.ok(), r.describe());
  BOOST_CHECK_EQUAL(r.out, block_line(200) + "\n");
  uint64_t after = info_json(o.path("c"))["downloaded"];
  BOOST_TEST_MESSAGE("cat --peer of one block: downloaded " << before << " -> " << after);
  BOOST_CHECK_LE(after - before, 2u);  // the printed block, and at most one more for the length
}

BOOST_AUTO_TEST_CASE(cat_peer_live_stops_on_sigterm) {
  origin o(20);
  server s(o.dir, o.path("serve"));
  auto c = cli({"clone", o.key, o.path("c"), "--peer", s.address, "--sparse", "--end", "1"});
  BOOST_REQUIRE_MESSAGE(c.ok(), c.describe());
  background_process cat({ddb_bin(), "cat", o.path("c"), "--peer", s.address, "--live"},
                         o.path("cat"));
  BOOST_REQUIRE_MESSAGE(
      cat.wait_for_output([](const std::string& out) { return count_lines(out) >= 20; }, 30s),
      cat.err());
  auto took = stop_with(cat, SIGTERM);  // it waits for block 20, which nobody appends
  BOOST_CHECK_EQUAL(cat.exit_code(), 143);
  BOOST_CHECK_MESSAGE(took < 2500ms, "stopping took " << took.count() << " ms");
}

BOOST_AUTO_TEST_CASE(sim_sweep_stops_on_sigint_with_its_seed_processes) {
  std::string scenario = std::string(std::getenv("DDB_SOURCE_DIR")) + "/sim/scenarios/smoke.yaml";
  temp_dir tmp("ddb-cli-sim");
  background_process sim({ddb_bin(), "sim", scenario, "--seeds", "1..100000"}, tmp.str() + "/sim");
  BOOST_REQUIRE_MESSAGE(
      sim.wait_for_output(
          [](const std::string& out) { return out.find("seed 2:") != std::string::npos; }, 60s),
      sim.err());
  pid_t group = sim.pid();
  auto took = stop_with(sim, SIGINT);
  BOOST_CHECK_EQUAL(sim.exit_code(), 130);
  BOOST_CHECK_MESSAGE(took < 2500ms, "stopping took " << took.count() << " ms");
  // The seed running in its own process ended with it (nothing is left in the process group).
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(-group, 0) != 0;
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  BOOST_CHECK(gone);
}

BOOST_AUTO_TEST_CASE(sparse_clone_of_a_range_completes) {
  // A sparse clone wants nothing until its download is registered: its non-live peer must not
  // end the channel meanwhile (the clone would then fail with no peer left).
  origin o(300);
  server s(o.dir, o.path("serve"));
  for (int i = 0; i < 5; ++i) {
    std::string dir = o.path("sparse" + std::to_string(i));
    auto r = cli({"clone", o.key, dir, "--peer", s.address, "--sparse", "--start", "100", "--end",
                  "200", "--json"});
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    BOOST_CHECK_EQUAL(info_json(dir)["downloaded"], 100);
  }
}
