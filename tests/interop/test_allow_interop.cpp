// `swarm.allow` against the reference peer (ddatabase@10.0.4): a peer not on the list is refused
// at the handshake exactly as the reference refuses one from its `onauthenticate` hook.
//  - the reference dials us: the same probe (ref_forged_open.js) sees the same thing from our
//    node and from a reference server that refuses everyone (ref_refuse_serve.js);
//  - we dial the reference: our node refuses it after the reference's handshake message, before
//    sending its own last one, so the reference never sees a completed handshake.
#define BOOST_TEST_MODULE interop_allow
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/node.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ddb::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string stranger_key(64, 'a');  // on the list; nobody has it

// `ddatabase node --json` with one feed; its JSON lines.
struct node_run {
  std::unique_ptr<background_process> proc;
  std::string address, dkey;

  node_run(const temp_dir& dir, const std::string& name, const std::string& feeds,
           const std::string& swarm) {
    const std::string config = dir / (name + ".yaml");
    std::ofstream(config) << "node:\n  name: " << name << "\n  storage: data/" << name
                          << "\n  status_interval_ms: 200\nfeeds:\n"
                          << feeds << "swarm:\n  reconnect: {min_ms: 100, max_ms: 500}\n"
                          << swarm;
    proc = std::make_unique<background_process>(
        std::vector<std::string>{ddb_bin(), "node", "--config", config, "--json"}, dir / name);
    json l = json::parse(proc->wait_for_line("\"listening\"", 30s), nullptr, false);
    BOOST_REQUIRE_MESSAGE(l.is_object(), "no listening line: " + proc->out() + proc->err());
    address = l.value("address", "");
    json f = json::parse(proc->wait_for_line("\"discoveryKey\"", 10s), nullptr, false);
    BOOST_REQUIRE(f.is_object());
    dkey = f.value("discoveryKey", "");
  }
  std::string port() const { return address.substr(address.rfind(':') + 1); }
  // The latest status line's limits (null before the first).
  json limits() const {
    json last;
    std::istringstream lines(proc->out());
    std::string l;
    while (std::getline(lines, l)) {
      json j = json::parse(l, nullptr, false);
      if (j.is_object() && j.value("event", "") == "status") last = j;
    }
    return last.is_object() ? last["limits"] : json();
  }
  uint64_t limit(const std::string& key) const {
    json l = limits();
    return l.is_object() ? l.value(key, uint64_t{0}) : 0;
  }
};

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

json probe(const std::string& dkey, const std::string& port) {
  return ref_json("ref_forged_open.js", {dkey, "--port", port, "--wait", "3000"}, 30s);
}

}  // namespace

BOOST_AUTO_TEST_CASE(reference_client_not_on_the_list_is_refused_as_the_reference_would) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir dir("ddb-interop-allow");
  const std::string feed = "  - {name: main, mode: write, append: {blocks: 10}}\n";

  // The control: an open node keeps the connection (it only refuses the forged channel).
  node_run open(dir, "open", feed, "");
  json seen_open = probe(open.dkey, open.port());
  BOOST_CHECK(seen_open.value("handshake", false));
  BOOST_CHECK(!seen_open.value("closed", true));

  node_run closed(dir, "closed", feed, "  allow: [" + stranger_key + "]\n");
  json ours = probe(closed.dkey, closed.port());
  BOOST_CHECK(ours.value("closed", false));
  BOOST_CHECK(!ours.value("remoteOpened", true));
  BOOST_CHECK_EQUAL(ours.value("data", -1), 0);
  BOOST_CHECK_EQUAL(ours.value("have", -1), 0);
  BOOST_CHECK_MESSAGE(eventually([&] { return closed.limit("refusedNotAllowed") >= 1; }, 10s),
                      closed.proc->out());

  background_process ref({node_binary(), interop_dir() + "/ref_refuse_serve.js"}, dir / "ref");
  json listening = json::parse(ref.wait_for_line("port", 30s), nullptr, false);
  BOOST_REQUIRE(listening.is_object());
  json theirs = probe(closed.dkey, std::to_string(listening.value("port", 0)));
  BOOST_TEST_MESSAGE("ours: " << ours.dump() << " reference: " << theirs.dump());
  BOOST_CHECK(ref.err().find("refusing ") != std::string::npos);
  for (const char* k : {"handshake", "remoteOpened", "closed", "data", "have"})
    BOOST_CHECK_MESSAGE(ours[k] == theirs[k],
                        std::string(k) + ": ours " + ours.dump() + ", reference " + theirs.dump());
}

BOOST_AUTO_TEST_CASE(reference_server_not_on_the_list_is_refused_before_our_last_message) {
  SKIP_WITHOUT_REFERENCE();
  temp_dir dir("ddb-interop-allow-dial");
  background_process ref(
      {node_binary(), interop_dir() + "/ref_serve_ctl.js", dir / "ref-feed", "--gen", "20"},
      dir / "ref");
  json info = json::parse(ref.wait_for_line("discoveryKey", 30s), nullptr, false);
  BOOST_REQUIRE(info.is_object());
  const std::string address = "127.0.0.1:" + std::to_string(info.value("port", 0));
  const std::string feed = "  - {name: main, mode: follow, key: " + info.value("key", "") + "}\n";
  node_run n(dir, "follower", feed,
             "  static_peers: [" + address + "]\n  allow: [" + stranger_key + "]\n");
  BOOST_CHECK_MESSAGE(eventually([&] { return n.limit("refusedNotAllowed") >= 2; }, 15s),
                      n.proc->out());
  BOOST_CHECK(eventually([&] { return ref.err().find("stream closed") != std::string::npos; }, 5s));
  // The reference never completed a handshake with us: our third message was not sent.
  BOOST_CHECK_MESSAGE(ref.err().find("handshake") == std::string::npos, ref.err());
  BOOST_CHECK(n.proc->out().find("peer_joined") == std::string::npos);
  BOOST_CHECK(n.proc->out().find("\"downloaded\":0") != std::string::npos);
  BOOST_CHECK(n.proc->out().find("\"downloaded\":20") == std::string::npos);
}
