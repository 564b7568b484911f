#define BOOST_TEST_MODULE extension_interop
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <future>

#include <caf/all.hpp>

#include "actors/extension_host.hpp"
#include "actors/feed_client.hpp"
#include "core/crypto.hpp"
#include "net/asio_transport.hpp"
#include "node/net_host.hpp"
#include "storage/env.hpp"
#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

// Our extensions against the reference's registerExtension handlers over TCP (Noise, live):
// the reference (tests/interop/ref_extension_peer.js) serves a feed with "echo" (utf-8) and
// "ddb/length" (json); our sparse clone runs the echo plugin under the name "echo" and the
// length_announce plugin ("ddb/length"). Messages go both ways in both encodings.

using namespace ddb;
using namespace std::chrono_literals;

namespace {

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(sodium_init() >= 0); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

boost::test_tools::assertion_result reference_present(boost::unit_test::test_unit_id) {
  return test::reference_available();
}

struct log_book {
  std::vector<extension_log> lines;
  bool has(const std::string& text) const {
    for (const auto& l : lines) {
      if (l.text.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string dump() const {
    std::string out;
    for (const auto& l : lines) out += l.extension + ": " + l.text + "\n";
    return out;
  }
};

// Receives extension log lines on `self` until `pred` holds or the time is up.
template <class Pred>
bool pump_logs(caf::scoped_actor& self, log_book& book, Pred pred, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    self->receive([&](ddb_extlog_atom, extension_log& l) { book.lines.push_back(std::move(l)); },
                  caf::after(50ms) >> [] {});
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reference_extensions_both_ways,
                     *boost::unit_test::label("interop") *
                         boost::unit_test::precondition(reference_present)) {
  test::temp_dir tmp("ddb-ext-interop");
  test::background_process ref(
      {test::node_binary(), test::interop_dir() + "/ref_extension_peer.js", tmp / "feed"},
      tmp / "ref");
  std::string line = ref.wait_for_line("\"port\"", 30s);
  BOOST_REQUIRE_MESSAGE(!line.empty(), "ref_extension_peer.js did not start: " + ref.err());
  auto info = nlohmann::json::parse(line);
  byte_buffer raw;
  BOOST_REQUIRE(from_hex(info["key"].get<std::string>(), raw) && raw.size() == 32);
  public_key key{};
  std::copy(raw.begin(), raw.end(), key.begin());

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor obs{sys};
  auto observer = caf::actor_cast<caf::actor>(obs.ptr());
  feed_options fo;
  fo.key = key;
  feed_actor_options ao;
  ao.replication.sparse = true;  // only length_announce's update() makes it fetch the length
  auto feed = feed_client::open(sys, make_memory_env(), fo, ao);
  BOOST_REQUIRE(feed);
  auto echo = load_extension(sys, {"echo", "", "echo", R"({"greet":"hello from ours"})"},
                             {feed->actor()}, observer);
  auto length = load_extension(sys, {"", "", "length_announce", "{}"}, {feed->actor()}, observer);
  BOOST_REQUIRE_MESSAGE(echo && length, "extensions did not load");
  BOOST_TEST(length->name == "ddb/length");

  log_book book;
  io_thread io;
  auto net = make_asio_transport(io.context());
  auto registry = std::make_shared<feed_registry>();
  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.live = true;
  net_host host(sys, *net, registry, ho);
  hash_t dkey = registry->add(key, caf::actor_cast<caf::actor>(feed->actor()));
  BOOST_TEST(to_hex(dkey) == info["discoveryKey"].get<std::string>());
  std::promise<result<caf::actor>> dialed;
  host.dial("127.0.0.1:" + std::to_string(info["port"].get<int>()), {dkey},
            [&](result<caf::actor> peer) { dialed.set_value(std::move(peer)); });
  auto peer = dialed.get_future().get();
  BOOST_REQUIRE_MESSAGE(peer, peer.error().to_string());

  // reference -> ours (utf-8): its greeting reaches our echo, which answers.
  bool heard = pump_logs(
      obs, book, [&] { return book.has("says: hello from ref"); }, 20s);
  BOOST_REQUIRE_MESSAGE(heard, "no greeting from the reference: " + book.dump() + ref.err());
  BOOST_TEST(!ref.wait_for_line("\"text\":\"echo: hello from ref\"", 20s).empty());
  // ours -> reference (utf-8): our greeting, its answer, our echo of that (not answered again).
  BOOST_TEST(!ref.wait_for_line("\"text\":\"hello from ours\"", 20s).empty());
  bool answered = pump_logs(
      obs, book, [&] { return book.has("says: ref-echo: hello from ours"); }, 20s);
  BOOST_TEST(answered, book.dump());
  BOOST_TEST(!ref.wait_for_line("\"text\":\"echo: ref-echo: hello from ours\"", 20s).empty());

  // reference -> ours (json): the announced length makes our sparse clone update to it.
  bool announced = pump_logs(
      obs, book, [&] { return book.has("announced length 3"); }, 20s);
  BOOST_TEST(announced, book.dump());
  update_request u;
  u.min_length = 3;
  u.timeout_ms = 20000;
  auto updated = feed->update(u);
  BOOST_TEST((updated && *updated == 3u));

  // ours -> reference (json), straight through the feed actor.
  std::string j = R"({"length":0,"from":"ours"})";
  caf::anon_send(feed->actor(), ddb_extbc_atom_v, std::string("ddb/length"),
                 byte_buffer(j.begin(), j.end()));
  BOOST_TEST(!ref.wait_for_line("\"from\":\"ours\"", 20s).empty());
  BOOST_TEST(ref.wait_for_line("\"event\":\"error\"", 1s).empty(), ref.err());

  // The reference goes away: the peer actor sees the connection end and our extensions hear
  // the peer leave; then everything shuts down.
  obs->monitor(*peer);
  ref.kill();
  ref.wait();
  bool left = false;
  obs->receive_while([&] { return !left; })([&](caf::down_msg&) { left = true; },
                                            [&](ddb_extlog_atom, extension_log&) {},
                                            caf::after(10s) >> [&] { left = true; });
  caf::anon_send_exit(echo->actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(length->actor, caf::exit_reason::user_shutdown);
  BOOST_TEST(feed->close().is_ok());
  net->shutdown();
  io.stop();
}
