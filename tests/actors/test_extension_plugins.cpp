#define BOOST_TEST_MODULE extension_plugins
#include <boost/test/unit_test.hpp>

#include <dlfcn.h>
#include <sodium.h>

#include <fstream>

#include "tests/actors/extension_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

// Plugins as shared libraries: loading the examples by path, refusing broken ones (missing
// file, not a library, no entry point, wrong ABI version, failing init), containing a handler
// that throws, and a third-party plugin built against the installed SDK.

using namespace ddb;
using namespace ddb::test;
using namespace std::chrono_literals;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

template <class T>
errc code_of(const result<T>& r) {
  return r ? errc::ok : r.error().code();
}

std::string build_dir() {
  return std::filesystem::path(ddb_bin()).parent_path().string();
}

}  // namespace

BOOST_AUTO_TEST_CASE(broken_plugins_are_refused) {
  temp_dir tmp("ddb-plugins");
  BOOST_TEST(code_of(plugin_library::open(tmp / "missing.so")) == errc::not_found);
  std::ofstream(tmp / "text.so") << "not a shared library";
  auto text = plugin_library::open(tmp / "text.so");
  BOOST_TEST(code_of(text) == errc::io_error);
  auto no_entry = plugin_library::open(plugin_path("ddb_test_plugin_no_entry"));
  BOOST_TEST(code_of(no_entry) == errc::invalid_argument);
  BOOST_TEST(no_entry.error().message().find("ddb_plugin_entry_v1") != std::string::npos);
  // Any other library, e.g. libsodium (found through one of its symbols).
  Dl_info info{};
  BOOST_REQUIRE(dladdr(reinterpret_cast<void*>(&sodium_init), &info) && info.dli_fname);
  BOOST_TEST(code_of(plugin_library::open(info.dli_fname)) == errc::invalid_argument);
  auto bad_abi = plugin_library::open(plugin_path("ddb_test_plugin_bad_abi"));
  BOOST_TEST(code_of(bad_abi) == errc::invalid_argument);
  BOOST_TEST(bad_abi.error().message().find("ABI version 2") != std::string::npos);
  BOOST_TEST(code_of(plugin_library::from_entry([]() -> const ddb_plugin_v1* { return nullptr; },
                                                "null")) == errc::invalid_argument);
  BOOST_TEST(code_of(plugin_library::builtin("nope")) == errc::not_found);
  BOOST_TEST(plugin_library::builtin("echo").has_value());
}

BOOST_FIXTURE_TEST_CASE(failing_init_and_bad_specs, sim_fixture) {
  caf::actor s;
  auto logs = sink(s);
  auto bad_config = load_extension(*sys, {"", plugin_path("ddb_echo"), "", "not json"}, {}, s);
  BOOST_TEST(code_of(bad_config) == errc::unavailable);
  run();
  BOOST_TEST_INFO(logs->dump());
  BOOST_TEST(logs->has("init threw"));
  BOOST_TEST(code_of(load_extension(*sys, {"x", "a.so", "echo", "{}"})) == errc::invalid_argument);
  BOOST_TEST(code_of(load_extension(*sys, {"x", "", "", "{}"})) == errc::invalid_argument);
}

BOOST_FIXTURE_TEST_CASE(loaded_echo_talks_to_builtin_echo, sim_fixture) {
  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  caf::actor sw, sc;
  auto logs_w = sink(sw);
  auto logs_c = sink(sc);
  auto ew =
      load_extension(*sys, {"chat", plugin_path("ddb_echo"), "", R"({"greet":"hi"})"}, {w}, sw);
  auto ec = load_extension(*sys, {"chat", "", "echo", "{}"}, {c}, sc);
  BOOST_REQUIRE_MESSAGE(ew, ew.error().to_string());
  BOOST_REQUIRE(ec);
  keep(ew->actor);
  keep(ec->actor);
  BOOST_TEST(ew->name == "chat");  // the config's name overrides the plugin's
  run();
  connect(w, c);
  BOOST_TEST_INFO(logs_w->dump() + logs_c->dump());
  BOOST_TEST(logs_c->has("says: hi"));
  BOOST_TEST(logs_w->has("says: echo: hi"));
}

BOOST_FIXTURE_TEST_CASE(throwing_handler_is_contained, sim_fixture) {
  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  caf::actor sc;
  auto logs = sink(sc);
  auto bad = load_extension(*sys, {"", plugin_path("ddb_test_plugin_throwing"), "", "{}"}, {c}, sc);
  BOOST_REQUIRE_MESSAGE(bad, bad.error().to_string());
  extension_actor ew;
  auto rw = record(ew);
  BOOST_REQUIRE(ask_void(w, ddb_extreg_atom_v, "test/throwing", ew));
  run();
  uint64_t peer = connect(w, c);
  caf::anon_send(w, ddb_extsnd_atom_v, std::string("test/throwing"), peer, bytes("hi"));
  run();
  BOOST_REQUIRE(rw->msgs.size() == 1u);
  BOOST_TEST(text(rw->msgs[0].payload) == "ok");
  // Not UTF-8: dropped by the host before the plugin sees it.
  caf::anon_send(w, ddb_extsnd_atom_v, std::string("test/throwing"), peer, byte_buffer{0xff, 0xfe});
  caf::anon_send(w, ddb_extsnd_atom_v, std::string("test/throwing"), peer, bytes("throw"));
  run();
  BOOST_TEST_INFO(logs->dump());
  BOOST_TEST(logs->has("not valid utf-8"));
  BOOST_TEST(logs->has("on_message threw: boom; shutting down"));
  // The feed is fine and the extension is gone from it.
  BOOST_TEST(length(c) == 0u);
  caf::anon_send(w, ddb_extsnd_atom_v, std::string("test/throwing"), peer, bytes("hi"));
  run();
  BOOST_TEST(rw->msgs.size() == 1u);
  BOOST_TEST(ask_void(c, ddb_extreg_atom_v, "test/throwing", ew).is_ok());  // the name is free
}

BOOST_FIXTURE_TEST_CASE(third_party_plugin_builds_against_installed_sdk, sim_fixture) {
  temp_dir tmp("ddb-sdk");
  run_options o;
  o.timeout = 300s;
  auto install = test::run(
      {"cmake", "--install", build_dir(), "--component", "sdk", "--prefix", tmp / "prefix"}, o);
  BOOST_REQUIRE_MESSAGE(install.ok(), install.describe() + install.out);
  BOOST_TEST(std::filesystem::exists(tmp / "prefix/include/ddatabase/extension.h"));
  auto configure =
      test::run({"cmake", "-S", source_dir() + "/tests/plugin_sdk_sample", "-B", tmp / "build",
                 "-DCMAKE_PREFIX_PATH=" + (tmp / "prefix"), "-DCMAKE_BUILD_TYPE=Release"},
                o);
  BOOST_REQUIRE_MESSAGE(configure.ok(), configure.describe() + configure.out);
  auto build = test::run({"cmake", "--build", tmp / "build"}, o);
  BOOST_REQUIRE_MESSAGE(build.ok(), build.describe() + build.out);
  // pkg-config finds the same headers.
  o.env = {"PKG_CONFIG_PATH=" + (tmp / "prefix/lib/pkgconfig")};
  auto pc = test::run({"pkg-config", "--cflags", "ddatabase-plugin"}, o);
  if (pc.ok()) {  // -I<dir>: where the installed headers are
    std::string dir = pc.out.substr(0, pc.out.find_first_of(" \n"));
    BOOST_REQUIRE(dir.rfind("-I", 0) == 0);
    BOOST_TEST(std::filesystem::exists(dir.substr(2) + "/ddatabase/extension.h"));
  }

  feed_actor w = open_feed();
  auto info = ask<feed_info>(w, ddb_info_atom_v);
  BOOST_REQUIRE(info);
  feed_actor c = open_feed(info->key);
  auto up = load_extension(*sys, {"", tmp / "build/libsample_upper.so", "", "{}"}, {c});
  BOOST_REQUIRE_MESSAGE(up, up.error().to_string());
  keep(up->actor);
  BOOST_TEST(up->name == "sample/upper");
  extension_actor ew;
  auto rw = record(ew);
  BOOST_REQUIRE(ask_void(w, ddb_extreg_atom_v, "sample/upper", ew));
  uint64_t peer = connect(w, c);
  caf::anon_send(w, ddb_extsnd_atom_v, std::string("sample/upper"), peer, bytes("shout"));
  run();
  BOOST_REQUIRE(rw->msgs.size() == 1u);
  BOOST_TEST(text(rw->msgs[0].payload) == "SHOUT");
}
