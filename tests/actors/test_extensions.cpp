#define BOOST_TEST_MODULE extensions
#include <boost/test/unit_test.hpp>

#include "tests/actors/extension_fixture.hpp"

// Two of our feed actors exchange extension messages, on the deterministic test coordinator:
// extension actors written directly against messages/extension_messages.hpp, and the built-in
// example plugins (echo, length_announce) hosted by the extension host.

using namespace ddb;
using namespace ddb::test;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

BOOST_FIXTURE_TEST_CASE(extension_actors_talk_both_ways, sim_fixture) {
  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  extension_actor ew, ec, ec_only;
  auto rw = record(ew);
  auto rc = record(ec);
  auto rc_only = record(ec_only);
  BOOST_REQUIRE(ask_void(w, ddb_extreg_atom_v, "raw", ew));
  BOOST_REQUIRE(ask_void(c, ddb_extreg_atom_v, "raw", ec));
  BOOST_REQUIRE(ask_void(c, ddb_extreg_atom_v, "only-c", ec_only));
  // One name, one actor per feed (as the reference); the same actor again is fine.
  BOOST_TEST((ask_void(w, ddb_extreg_atom_v, "raw", ec).code() == errc::invalid_argument));
  BOOST_TEST(ask_void(w, ddb_extreg_atom_v, "raw", ew).is_ok());
  BOOST_REQUIRE(rw->feeds.size() == 1u);
  BOOST_TEST(rw->feeds[0].key == info->key);
  BOOST_TEST(rw->feeds[0].writable);

  connect(w, c);
  BOOST_REQUIRE(rw->peers.size() == 1u);
  BOOST_TEST(rw->peers[0].joined);
  BOOST_TEST(rw->peers[0].peer == 1u);
  BOOST_REQUIRE(rc->peers.size() == 1u);
  BOOST_TEST(rc->peers[0].peer == 2u);
  BOOST_TEST(rc->peers[0].remote_address == "relay-a");

  caf::anon_send(w, ddb_extsnd_atom_v, std::string("raw"), uint64_t{1}, bytes("to c"));
  caf::anon_send(w, ddb_extbc_atom_v, std::string("raw"), bytes("to all"));
  caf::anon_send(c, ddb_extsnd_atom_v, std::string("raw"), uint64_t{2}, bytes("to w"));
  caf::anon_send(c, ddb_extbc_atom_v, std::string("only-c"), bytes("w lacks it"));
  caf::anon_send(w, ddb_extsnd_atom_v, std::string("unknown"), uint64_t{1}, bytes("dropped"));
  run();
  BOOST_REQUIRE(rc->msgs.size() == 2u);
  BOOST_TEST(text(rc->msgs[0].payload) == "to c");
  BOOST_TEST(text(rc->msgs[1].payload) == "to all");
  BOOST_TEST(rc->msgs[0].peer == 2u);
  BOOST_TEST(rc->msgs[0].name == "raw");
  BOOST_REQUIRE(rw->msgs.size() == 1u);
  BOOST_TEST(text(rw->msgs[0].payload) == "to w");
  BOOST_TEST(rc_only->msgs.empty());

  // Appends reach the extension as feed updates.
  caf::anon_send(w, ddb_append_atom_v, block_list{bytes("a"), bytes("b")});
  run();
  BOOST_REQUIRE(rw->feeds.size() >= 2u);
  BOOST_TEST(rw->feeds.back().length == 2u);

  // A dead extension actor loses its names; unregistering stops delivery.
  caf::anon_send_exit(ec_only, caf::exit_reason::user_shutdown);
  BOOST_TEST(ask_void(c, ddb_extreg_atom_v, "raw", ec).is_ok());
  caf::anon_send(c, ddb_extunr_atom_v, std::string("raw"));
  run();
  caf::anon_send(w, ddb_extsnd_atom_v, std::string("raw"), uint64_t{1}, bytes("gone"));
  run();
  BOOST_TEST(rc->msgs.size() == 2u);

  // A peer leaving is heard once.
  caf::anon_send(w, ddb_detach_atom_v, uint64_t{1}, std::string("bye"));
  run();
  BOOST_REQUIRE(rw->peers.size() == 2u);
  BOOST_TEST(!rw->peers[1].joined);
}

BOOST_FIXTURE_TEST_CASE(builtin_echo_between_two_feeds, sim_fixture) {
  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  caf::actor sw, sc;
  auto logs_w = sink(sw);
  auto logs_c = sink(sc);
  auto ew = load_extension(*sys, {"", "", "echo", R"({"greet": "hello from w"})"}, {w}, sw);
  BOOST_REQUIRE_MESSAGE(ew, ew.error().to_string());
  auto ec = load_extension(*sys, {"", "", "echo", "{}"}, {c}, sc);
  BOOST_REQUIRE(ec);
  keep(ew->actor);
  keep(ec->actor);
  BOOST_TEST(ew->name == "example/echo");
  run();
  connect(w, c);
  BOOST_TEST_INFO(logs_w->dump() + logs_c->dump());
  BOOST_TEST(logs_c->has("peer 2 says: hello from w"));
  BOOST_TEST(logs_w->has("peer 1 says: echo: hello from w"));
  // The echo is not echoed again.
  BOOST_TEST(!logs_c->has("echo: echo:"));
}

BOOST_FIXTURE_TEST_CASE(length_announce_updates_a_sparse_follower, sim_fixture) {
  feed_actor w = open_feed();
  caf::anon_send(w, ddb_append_atom_v, block_list{bytes("0"), bytes("1"), bytes("2")});
  run();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  // Control: a sparse follower without the extension does not learn the new length.
  feed_actor plain = open_feed(info->key, true);
  connect(w, plain);
  BOOST_TEST(length(plain) == 0u);

  feed_actor c = open_feed(info->key, true);
  caf::actor sc;
  auto logs = sink(sc);
  auto lw = load_extension(*sys, {"", "", "length_announce", "{}"}, {w});
  auto lc = load_extension(*sys, {"", "", "length_announce", "{}"}, {c}, sc);
  BOOST_REQUIRE(lw && lc);
  keep(lw->actor);
  keep(lc->actor);
  run();
  connect(w, c);
  BOOST_TEST_INFO(logs->dump());
  BOOST_TEST(logs->has("announced length 3"));
  BOOST_TEST(length(c) == 3u);
  caf::anon_send(w, ddb_append_atom_v, block_list{bytes("3"), bytes("4")});
  run();
  BOOST_TEST(length(c) == 5u);
  BOOST_TEST(length(plain) == 0u);
}
