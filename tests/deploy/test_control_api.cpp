// The control API and the CLI's online form (docs/api.md) on real `ddatabase node` processes: a
// writer and a follower start with no feeds; `create`, `follow`, `append --node` (text and a
// binary --file), `cat --node` (ranges, --raw, --live until SIGINT), `remove`, a follower
// restart, the token on the TCP listener, malformed requests and /metrics against `info`.
#define BOOST_TEST_MODULE deploy_control_api
#include <csignal>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <set>

#include "control/control_client.hpp"
#include "tests/deploy/deploy_support.hpp"

using namespace ddb::test;
namespace fs = std::filesystem;

namespace {

// A node with no feeds; its control API also on a loopback TCP port.
std::string empty_node_yaml(const std::string& name, const std::string& peers) {
  return "node:\n  name: " + name + "\n  storage: data/" + name +
         "\n  status_interval_ms: 200\n  control: {listen: \"127.0.0.1:0\"}\n"
         "swarm:\n  reconnect: {min_ms: 100, max_ms: 1000}\n" +
         peers;
}

json control_event(node_process& n) {
  json found;
  bool ok = eventually(
      [&] {
        auto es = n.events("control");
        if (!es.empty()) found = es.back();
        return !es.empty() || !n.running();
      },
      30s);
  BOOST_REQUIRE_MESSAGE(ok && found.is_object(), "no control event: " + n.describe());
  return found;
}

run_result cli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::vector<std::string> argv{ddb_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options o = within(30s);
  o.stdin_text = stdin_text;
  return run(argv, o);
}

json cli_json(const std::vector<std::string>& args) {
  run_result r = cli(args);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
  json j = json::parse(r.out, nullptr, false);
  BOOST_REQUIRE_MESSAGE(!j.is_discarded(), "not JSON: " + r.out);
  return j;
}

// Deterministic bytes with every value, newlines and zeros included.
std::string binary_content(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x & 0xff);
  }
  return s;
}

size_t lines_in(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Sends raw bytes on the Unix socket; returns what comes back before the server closes or 2 s.
std::string raw_exchange(const std::string& socket_path, const std::string& bytes) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::write(fd, bytes.data(), bytes.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

// Leaves a socket file nobody listens on at `path`.
bool stale_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok && fs::exists(path);
}

// The value of one sample in Prometheus text (-1 when absent).
long long metric(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    if (l.rfind(series + " ", 0) == 0) return std::stoll(l.substr(series.size() + 1));
  }
  return -1;
}

}  // namespace

BOOST_AUTO_TEST_CASE(feeds_at_runtime_reach_the_follower_byte_for_byte) {
  temp_dir dir("ddb-deploy-api");
  node_process writer("writer", dir.str());
  writer.configure(empty_node_yaml("writer", ""));
  writer.start();
  std::string w_addr = writer.address();
  BOOST_REQUIRE(!w_addr.empty());
  json w_control = control_event(writer);
  const std::string W = writer.storage();

  node_process follower("follower", dir.str());
  follower.configure(empty_node_yaml("follower", static_peers({w_addr})));
  follower.start();
  BOOST_REQUIRE(!follower.address().empty());
  control_event(follower);
  const std::string F = follower.storage();

  // Only the node's user may connect; the token file is private too.
  BOOST_CHECK_EQUAL(w_control.value("socket", ""), W + "/node.sock");
  BOOST_CHECK((fs::status(W + "/node.sock").permissions() &
               (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  BOOST_CHECK((fs::status(W + "/control.token").permissions() &
               (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

  // Empty nodes; create on the writer, follow on the follower.
  BOOST_CHECK_EQUAL(cli_json({"feeds", "--node", W, "--json"}), json::array());
  run_result created = cli({"create", "main", "--node", W});
  BOOST_REQUIRE_MESSAGE(created.ok(), created.describe());
  std::string key = created.out.substr(0, created.out.find('\n'));
  BOOST_REQUIRE_EQUAL(key.size(), 64u);
  run_result followed = cli({"follow", "main", key, "--node", F});
  BOOST_REQUIRE_MESSAGE(followed.ok(), followed.describe());

  // Text lines from stdin, then a binary file in 1000-byte blocks.
  run_result text = cli({"append", "main", "--node", W}, "one\ntwo\nthree\n");
  BOOST_REQUIRE_MESSAGE(text.ok(), text.describe());
  BOOST_CHECK_EQUAL(text.out, "3\n");
  const std::string bin = binary_content(200500);
  std::string bin_path = dir.str() + "/blob.bin";
  std::ofstream(bin_path, std::ios::binary) << bin;
  run_result file =
      cli({"append", "main", "--node", W, "--file", bin_path, "--block-size", "1000"});
  BOOST_REQUIRE_MESSAGE(file.ok(), file.describe());
  const uint64_t length = 3 + 201;
  BOOST_CHECK_EQUAL(file.out, std::to_string(length) + "\n");

  // The follower gets every block; both print the same bytes.
  BOOST_REQUIRE_MESSAGE(eventually(
                            [&] {
                              json i = cli_json({"info", "main", "--node", F, "--json"});
                              return i.value("downloaded", uint64_t{0}) == length;
                            },
                            30s),
                        follower.describe());
  json w_info = cli_json({"info", "main", "--node", W, "--json"});
  json f_info = cli_json({"info", "main", "--node", F, "--json"});
  BOOST_CHECK_EQUAL(f_info.value("key", ""), key);
  BOOST_CHECK_EQUAL(f_info.value("length", uint64_t{0}), length);
  BOOST_CHECK_EQUAL(f_info.value("byteLength", uint64_t{0}),
                    w_info.value("byteLength", uint64_t{1}));
  BOOST_CHECK(f_info.value("signatureValid", false));
  BOOST_CHECK(!f_info.value("writable", true));
  run_result raw = cli({"cat", "main", "--node", F, "--start", "3", "--raw"});
  BOOST_REQUIRE_MESSAGE(raw.ok(), raw.err);
  BOOST_CHECK_EQUAL(raw.out.size(), bin.size());
  BOOST_CHECK_MESSAGE(raw.out == bin, "cat --raw --node differs from the file");
  BOOST_CHECK_EQUAL(cli({"cat", "main", "--node", F, "--end", "3"}).out, "one\ntwo\nthree\n");
  // $DDATABASE_NODE stands for --node when the argument is a bare name that is not a path.
  run_options env = within(30s);
  env.env = {"DDATABASE_NODE=" + F};
  env.cwd = dir.str();  // no file named main here
  run_result by_env = run({ddb_bin(), "info", "main", "--json"}, env);
  BOOST_CHECK_MESSAGE(
      by_env.ok() && json::parse(by_env.out, nullptr, false).value("length", uint64_t{0}) == length,
      by_env.describe());
  BOOST_CHECK(run({ddb_bin(), "status", "--json"}, env).ok());
  json feeds = cli_json({"feeds", "--node", F, "--json"});
  BOOST_REQUIRE_EQUAL(feeds.size(), 1u);
  BOOST_CHECK_EQUAL(feeds[0].value("mode", ""), "follow");
  BOOST_CHECK_EQUAL(feeds[0].value("length", uint64_t{0}), length);

  // Past the end: what exists is printed, then the offline error.
  run_result past = cli({"cat", "main", "--node", W, "--start", "1", "--end", "9999"});
  BOOST_CHECK_NE(past.exit_code, 0);
  BOOST_CHECK_EQUAL(lines_in(past.out) > 2, true);
  BOOST_CHECK(past.err.find("bad_index") != std::string::npos);

  // A live tail on the follower prints new blocks as they come, until SIGINT.
  background_process tail(
      {ddb_bin(), "cat", "main", "--node", F, "--live", "--start", std::to_string(length)},
      dir.str() + "/tail");
  std::this_thread::sleep_for(300ms);
  BOOST_REQUIRE(cli({"append", "main", "--node", W, "four", "five"}).ok());
  BOOST_CHECK_MESSAGE(
      tail.wait_for_output([](const std::string& o) { return o == "four\nfive\n"; }, 20s),
      "live tail printed: " + tail.out() + " / " + tail.err());
  BOOST_REQUIRE(cli({"append", "main", "--node", W, "six"}).ok());
  BOOST_CHECK(
      tail.wait_for_output([](const std::string& o) { return o == "four\nfive\nsix\n"; }, 20s));
  tail.kill(SIGINT);
  BOOST_CHECK(eventually([&] { return !tail.running(); }, 10s));
  BOOST_CHECK_EQUAL(tail.exit_code(), 130);
  const uint64_t grown = length + 3;

  // Refusals: one line on stderr, a non-zero exit, nothing written.
  run_result to_follow = cli({"append", "main", "--node", F, "nope"});
  BOOST_CHECK_NE(to_follow.exit_code, 0);
  BOOST_CHECK_EQUAL(lines_in(to_follow.err), 1u);
  BOOST_CHECK(to_follow.err.find("follow feed") != std::string::npos);
  run_result unknown = cli({"append", "nothere", "--node", W, "x"});
  BOOST_CHECK_NE(unknown.exit_code, 0);
  BOOST_CHECK_EQUAL(lines_in(unknown.err), 1u);
  BOOST_CHECK(unknown.err.find("not_found") != std::string::npos);
  BOOST_CHECK_EQUAL(cli_json({"info", "main", "--node", W, "--json"}).value("length", uint64_t{0}),
                    grown);

  // The TCP listener: 401 without the token, the API with it (CLI and raw).
  std::string tcp = control_event(writer).value("listen", "");
  BOOST_REQUIRE(!tcp.empty());
  std::string url = "http://" + tcp;
  auto no_token = ddb::control::resolve_node(url, W + "/control.token");
  BOOST_REQUIRE(no_token);
  no_token->token.clear();
  ddb::control::control_client anonymous(*no_token);
  for (const char* path : {"/v1/status", "/metrics", "/v1/feeds"}) {
    auto r = anonymous.get(path);
    BOOST_REQUIRE(r);
    BOOST_CHECK_EQUAL(r->status, 401);
  }
  no_token->token = std::string(64, '0');
  ddb::control::control_client wrong(*no_token);
  BOOST_CHECK_EQUAL(wrong.get("/v1/status")->status, 401);
  json st = cli_json({"status", "--node", url, "--token-file", W + "/control.token", "--json"});
  BOOST_CHECK_EQUAL(st.value("name", ""), "writer");
  BOOST_CHECK_EQUAL(st.value("listen", ""), w_addr);
  BOOST_CHECK_EQUAL(st["totals"].value("feeds", uint64_t{0}), 1u);

  // /metrics (with the token) agrees with info.
  auto with_token = ddb::control::resolve_node(url, W + "/control.token");
  ddb::control::control_client authed(*with_token);
  auto m = authed.get("/metrics");
  BOOST_REQUIRE(m);
  BOOST_CHECK_EQUAL(m->status, 200);
  std::string labels = "{feed=\"main\",key=\"" + key + "\"}";
  BOOST_CHECK_EQUAL(metric(m->body, "ddatabase_feed_length" + labels),
                    static_cast<long long>(grown));
  BOOST_CHECK_EQUAL(metric(m->body, "ddatabase_feed_downloaded_blocks" + labels),
                    static_cast<long long>(grown));
  json info_now = cli_json({"info", "main", "--node", W, "--json"});
  BOOST_CHECK_EQUAL(metric(m->body, "ddatabase_feed_byte_length" + labels),
                    info_now.value("byteLength", -2LL));
  BOOST_CHECK(m->body.find("# TYPE ddatabase_peers gauge") != std::string::npos);
  BOOST_CHECK_GE(metric(m->body, "ddatabase_peers"), 1);
  BOOST_CHECK_GE(metric(m->body, "ddatabase_connections"), 1);
  BOOST_CHECK_GT(metric(m->body, "ddatabase_uploaded_bytes_total"), 200000);
  BOOST_CHECK_EQUAL(metric(m->body, "ddatabase_downloaded_bytes_total"), 0);

  // Malformed requests: 400 with a JSON error, and the node carries on.
  auto local = ddb::control::resolve_node(W, "");
  BOOST_REQUIRE(local);
  ddb::control::control_client c(*local);
  for (auto [path, body] : {std::pair<std::string, std::string>{"/v1/feeds", "{not json"},
                            {"/v1/feeds", R"({"name":"Bad Name","mode":"write"})"},
                            {"/v1/feeds", R"({"name":"x","mode":"follow","key":"abc"})"},
                            {"/v1/feeds/main/blocks?split=frames", std::string("\0\0\0\x09"
                                                                               "abc",
                                                                               7)},
                            {"/v1/feeds/main/blocks?split=bogus", "x"}}) {
    auto r = c.post(path, body, "application/octet-stream");
    BOOST_REQUIRE(r);
    BOOST_TEST_CONTEXT(path << " " << body) {
      BOOST_CHECK_EQUAL(r->status, 400);
      json e = json::parse(r->body, nullptr, false);
      BOOST_CHECK(!e.is_discarded() && e.contains("error") && e["error"].contains("code") &&
                  e["error"].contains("message"));
    }
  }
  BOOST_CHECK_EQUAL(c.get("/v1/feeds/main/blocks?start=-1")->status, 400);
  BOOST_CHECK_EQUAL(c.get("/v1/feeds/nothere")->status, 404);
  BOOST_CHECK_EQUAL(raw_exchange(W + "/node.sock", "GARBAGE\r\n\r\n").substr(0, 12),
                    "HTTP/1.1 400");
  BOOST_CHECK(writer.running());
  BOOST_CHECK_EQUAL(cli_json({"info", "main", "--node", W, "--json"}).value("length", uint64_t{0}),
                    grown);

  // The followed feed is back after a restart, still replicating.
  BOOST_CHECK_EQUAL(follower.stop(), 0);
  BOOST_CHECK(!fs::exists(F + "/node.sock"));
  // A socket file left behind (as after SIGKILL) is removed at start.
  BOOST_REQUIRE(stale_socket(F + "/node.sock"));
  follower.start();
  control_event(follower);
  json again = cli_json({"feeds", "--node", F, "--json"});
  BOOST_REQUIRE_EQUAL(again.size(), 1u);
  BOOST_CHECK_EQUAL(again[0].value("name", ""), "main");
  BOOST_CHECK_EQUAL(again[0].value("key", ""), key);
  BOOST_CHECK_EQUAL(again[0].value("mode", ""), "follow");
  BOOST_REQUIRE(cli({"append", "main", "--node", W, "seven"}).ok());
  BOOST_CHECK_MESSAGE(
      eventually(
          [&] {
            return cli({"cat", "main", "--node", F, "--start", std::to_string(grown)}).out ==
                   "seven\n";
          },
          20s),
      follower.describe());
  json peers = cli_json({"peers", "--node", F, "--json"});
  BOOST_REQUIRE_EQUAL(peers.size(), 1u);
  BOOST_CHECK_EQUAL(peers[0].value("remotePublicKey", ""), writer.noise_key());
  BOOST_CHECK_GE(peers[0].value("downloadedBlocks", uint64_t{0}), 1u);
  BOOST_CHECK(peers[0].contains("uploadRate") && peers[0]["downloadRate"].is_number());

  // remove: the follower stops hosting it (data kept); the writer's with its data.
  BOOST_CHECK(cli({"remove", "main", "--node", F}).ok());
  BOOST_CHECK_EQUAL(cli_json({"feeds", "--node", F, "--json"}), json::array());
  BOOST_CHECK(fs::exists(F + "/main/key"));
  json offline = cli_json({"info", F + "/main", "--json"});  // the same keys as online
  std::set<std::string> offline_keys, online_keys;
  for (auto& [k, v] : offline.items()) offline_keys.insert(k);
  for (auto& [k, v] : f_info.items()) online_keys.insert(k);
  BOOST_CHECK(offline_keys == online_keys);
  BOOST_CHECK_EQUAL(offline.value("key", ""), key);
  BOOST_CHECK(cli({"remove", "main", "--node", W, "--delete-data"}).ok());
  BOOST_CHECK(!fs::exists(W + "/main"));
  run_result gone = cli({"info", "main", "--node", W});
  BOOST_CHECK_NE(gone.exit_code, 0);
  BOOST_CHECK(gone.err.find("not_found") != std::string::npos);

  BOOST_CHECK_EQUAL(follower.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
  BOOST_CHECK(!fs::exists(W + "/node.sock"));
}

// SIGHUP keeps the feeds added through the API (the reload's plan includes the runtime-feeds
// file), and a feed a reload brought from the YAML, once removed through the API, stays removed
// after a restart (the API learns the reloaded YAML's feed names).
BOOST_AUTO_TEST_CASE(a_reload_keeps_runtime_feeds_and_learns_the_yaml_feeds) {
  temp_dir dir("ddb-deploy-api-reload");
  node_process writer("writer", dir.str());
  writer.configure(empty_node_yaml("writer", ""));
  writer.start();
  control_event(writer);
  const std::string W = writer.storage();
  run_result created = cli({"create", "notes", "--node", W});
  BOOST_REQUIRE_MESSAGE(created.ok(), created.describe());

  auto names = [&] {
    std::set<std::string> out;
    for (const json& f : cli_json({"feeds", "--node", W, "--json"}))
      out.insert(f.value("name", ""));
    return out;
  };
  const std::string with_yaml_feed = "  - name: fromyaml\n    mode: write\n";
  writer.configure(empty_node_yaml("writer", "") + "feeds:\n" + with_yaml_feed);
  writer.signal(SIGHUP);
  BOOST_REQUIRE_MESSAGE(eventually([&] { return writer.saw("reloaded"); }, 10s), writer.describe());
  BOOST_CHECK_EQUAL(writer.events("reloaded").front().value("changes", ""), "feeds +fromyaml");
  BOOST_CHECK((names() == std::set<std::string>{"fromyaml", "notes"}));

  run_result removed = cli({"remove", "fromyaml", "--node", W});
  BOOST_REQUIRE_MESSAGE(removed.ok(), removed.describe());
  BOOST_CHECK_EQUAL(writer.stop(), 0);
  writer.start();
  control_event(writer);
  BOOST_CHECK((names() == std::set<std::string>{"notes"}));
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}
