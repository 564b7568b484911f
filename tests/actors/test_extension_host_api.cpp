#define BOOST_TEST_MODULE extension_host_api
#include <boost/test/unit_test.hpp>

// The extension ABI 1.1 on the deterministic test coordinator: the host's get and append (the
// appender example appends what a peer sends, reads it back and tells the peer where it landed;
// the block then replicates like any other), on_error for payloads that are not valid for the
// plugin's encoding, and typed_extension with a user codec.
#define DDB_PLUGIN_ENTRY_SYMBOL ddb_test_points_entry
#include "ddatabase/extension.hpp"
#include "tests/actors/extension_fixture.hpp"

using namespace ddb;
using namespace ddb::test;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

// A codec for "x,y" pairs of small integers as two bytes.
struct pair_codec {
  using value_type = std::pair<uint8_t, uint8_t>;
  static std::vector<uint8_t> encode(const value_type& v) { return {v.first, v.second}; }
  static std::optional<value_type> decode(const uint8_t* d, size_t n) {
    if (n != 2) return std::nullopt;
    return value_type{d[0], d[1]};
  }
};

// Answers each pair with its swap, logs what does not decode.
class points_extension final : public plugin::typed_extension<pair_codec> {
 public:
  points_extension(plugin::host_handle h, const std::string&) : typed_extension(h) {}
  void on_value(const plugin::feed_ref& f, const plugin::peer_ref& p,
                const value_type& v) override {
    host().info("pair " + std::to_string(v.first) + "," + std::to_string(v.second));
    send_value(f, p.id, value_type{v.second, v.first});
  }
  void on_error(const plugin::feed_ref&, const plugin::peer_ref& p,
                std::string_view reason) override {
    host().warn("peer " + std::to_string(p.id) + ": " + std::string(reason));
  }
};

}  // namespace

DDB_PLUGIN(points_extension, "test/points", DDB_ENCODING_BINARY)

BOOST_FIXTURE_TEST_CASE(appender_appends_what_a_peer_sends, sim_fixture) {
  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  caf::actor sw, sc;
  auto logs_w = sink(sw);
  auto logs_c = sink(sc);
  auto aw = load_extension(*sys, {"chat", "", "appender", "{}"}, {w}, sw);
  auto ec = load_extension(*sys, {"chat", "", "echo", R"({"greet":"append me","enabled":false})"},
                           {c}, sc);
  BOOST_REQUIRE_MESSAGE(aw, aw.error().to_string());
  BOOST_REQUIRE(ec);
  keep(aw->actor);
  keep(ec->actor);
  run();
  BOOST_TEST(length(w) == 0u);
  connect(w, c);  // the echo on c greets w: "append me"
  run();
  BOOST_TEST_INFO(logs_w->dump() + logs_c->dump());
  BOOST_TEST(logs_w->has("appended 0: append me"));        // stored, then read back by host get
  BOOST_TEST(logs_c->has("says: appended 0: append me"));  // the reply reached the sender
  BOOST_TEST(length(w) == 1u);
  auto replicated = ask<byte_buffer>(c, ddb_get_atom_v, uint64_t{0}, get_options{true, 0});
  BOOST_REQUIRE(replicated);
  BOOST_TEST(text(*replicated) == "append me");

  // Not UTF-8: dropped by the host, reported to the plugin's on_error, nothing appended.
  // (c's peer id for w is 2: see connect.)
  caf::anon_send(c, ddb_extsnd_atom_v, std::string("chat"), uint64_t{2}, byte_buffer{0xff, 0xfe});
  run();
  BOOST_TEST_INFO(logs_w->dump());
  BOOST_TEST(logs_w->has("sent a message that is not valid utf-8"));
  BOOST_TEST(length(w) == 1u);
}

BOOST_FIXTURE_TEST_CASE(appender_on_a_feed_it_cannot_write_only_logs, sim_fixture) {
  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  caf::actor sw, sc;
  auto logs_w = sink(sw);
  auto logs_c = sink(sc);
  auto ew =
      load_extension(*sys, {"chat", "", "echo", R"({"greet":"hello","enabled":false})"}, {w}, sw);
  auto ac = load_extension(*sys, {"chat", "", "appender", "{}"}, {c}, sc);
  BOOST_REQUIRE(ew);
  BOOST_REQUIRE(ac);
  keep(ew->actor);
  keep(ac->actor);
  run();
  connect(w, c);
  run();
  BOOST_TEST_INFO(logs_c->dump());
  BOOST_TEST(logs_c->has("says: hello"));
  BOOST_TEST(!logs_c->has("appended"));
  BOOST_TEST(length(w) == 0u);
  BOOST_TEST(length(c) == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_typed_extension_decodes_with_its_codec, sim_fixture) {
  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  caf::actor sw;
  auto logs_w = sink(sw);
  auto lib = plugin_library::from_entry(&ddb_test_points_entry, "test");
  BOOST_REQUIRE_MESSAGE(lib, lib.error().to_string());
  auto pw = spawn_plugin_extension(*sys, *lib, "", "{}", sw);
  BOOST_REQUIRE_MESSAGE(pw, pw.error().to_string());
  keep(pw->actor);
  BOOST_TEST(pw->name == "test/points");
  register_extension(w, pw->name, pw->actor);
  extension_actor rc;
  auto recorded = record(rc);
  BOOST_REQUIRE(ask_void(c, ddb_extreg_atom_v, "test/points", rc));
  run();
  connect(w, c);
  caf::anon_send(c, ddb_extsnd_atom_v, std::string("test/points"), uint64_t{2}, byte_buffer{3, 9});
  caf::anon_send(c, ddb_extsnd_atom_v, std::string("test/points"), uint64_t{2},
                 byte_buffer{1, 2, 3});
  run();
  BOOST_TEST_INFO(logs_w->dump());
  BOOST_TEST(logs_w->has("pair 3,9"));
  BOOST_TEST(logs_w->has("does not decode with the extension's codec"));
  BOOST_REQUIRE(recorded->msgs.size() == 1u);  // only the valid pair was answered
  BOOST_TEST((recorded->msgs[0].payload == byte_buffer{9, 3}));
}
