// control/ without processes: `node.control` in the YAML, the runtime-feeds file, and the
// block splitter behind POST /v1/feeds/NAME/blocks.
#define BOOST_TEST_MODULE control
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "config/config_loader.hpp"
#include "control/block_split.hpp"
#include "control/runtime_feeds.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ddb;
using namespace ddb::control;

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::random_device rd;
    path =
        fs::temp_directory_path() / ("ddb_control_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string load_error(const std::string& yaml) {
  auto r = load_config_string(yaml, "config.yaml", "/base");
  BOOST_REQUIRE_MESSAGE(!r.has_value(), "expected an error for:\n" << yaml);
  return r.error().message();
}

std::vector<std::string> split_all(split_mode mode, size_t size, const std::string& body,
                                   size_t piece, status* end = nullptr) {
  block_splitter s(mode, size);
  block_list out;
  for (size_t i = 0; i < body.size(); i += piece) {
    status st = s.feed(body.data() + i, std::min(piece, body.size() - i), out);
    BOOST_REQUIRE_MESSAGE(st.is_ok(), st.to_string());
  }
  status fin = s.finish(out);
  if (end) *end = fin;
  std::vector<std::string> blocks;
  for (const auto& b : out) blocks.emplace_back(b.begin(), b.end());
  return blocks;
}

}  // namespace

BOOST_AUTO_TEST_CASE(node_control_reads_and_checks) {
  auto c = load_config_string(
      "node:\n  name: n\n  control:\n    socket: run/n.sock\n    listen: 127.0.0.1:0\n", "<s>",
      "/base");
  BOOST_REQUIRE(c);
  BOOST_CHECK_EQUAL(c->control.socket, "/base/run/n.sock");
  BOOST_CHECK_EQUAL(c->control.listen, "127.0.0.1:0");
  BOOST_CHECK(!c->control.off && !c->control.allow_remote);
  auto d = load_config_string("node:\n  name: n\n", "<s>", "/base");
  BOOST_REQUIRE(d);
  BOOST_CHECK(d->control.socket.empty() && d->control.listen.empty() && !d->control.off);

  std::string unknown = load_error("node:\n  name: n\n  control:\n    sockt: x\n");
  BOOST_CHECK_MESSAGE(unknown.find("config.yaml:4") != std::string::npos, unknown);
  BOOST_CHECK_MESSAGE(unknown.find("sockt") != std::string::npos, unknown);
  std::string remote = load_error("node:\n  name: n\n  control: {listen: \"0.0.0.0:9000\"}\n");
  BOOST_CHECK_MESSAGE(remote.find("node.control.listen") != std::string::npos &&
                          remote.find("allow_remote") != std::string::npos,
                      remote);
  auto allowed = load_config_string(
      "node:\n  name: n\n  control: {listen: \"0.0.0.0:9000\", allow_remote: true}\n", "<s>", "/");
  BOOST_CHECK(allowed.has_value());
  std::string off = load_error("node:\n  name: n\n  control: {off: maybe}\n");
  BOOST_CHECK_MESSAGE(off.find("node.control.off") != std::string::npos, off);
}

BOOST_AUTO_TEST_CASE(runtime_feeds_round_trip_and_apply) {
  temp_dir dir;
  std::string storage = dir.path.string();
  auto empty = load_runtime_feeds(storage);
  BOOST_REQUIRE(empty);
  BOOST_CHECK(empty->added.empty() && empty->removed.empty());

  runtime_feeds rf;
  public_key k{};
  k[0] = 7;
  record_added(rf, {"logs", feed_mode::write, std::nullopt, false, true});
  record_added(rf, {"mirror", feed_mode::follow, k, true, false});
  record_removed(rf, "old", true);
  record_removed(rf, "scratch", false);  // not in the YAML: nothing to remember
  BOOST_REQUIRE(save_runtime_feeds(storage, rf).is_ok());
  BOOST_CHECK(!fs::exists(runtime_feeds_path(storage) + ".tmp"));
  auto back = load_runtime_feeds(storage);
  BOOST_REQUIRE(back);
  BOOST_REQUIRE_EQUAL(back->added.size(), 2u);
  BOOST_CHECK_EQUAL(back->added[1].name, "mirror");
  BOOST_CHECK(back->added[1].key == k);
  BOOST_CHECK(back->added[1].sparse);
  BOOST_CHECK(!back->added[1].live);
  BOOST_REQUIRE_EQUAL(back->removed.size(), 1u);
  BOOST_CHECK_EQUAL(back->removed[0], "old");

  node_config cfg;
  cfg.storage = storage;
  feed_config old;
  old.name = "old";
  feed_config kept;
  kept.name = "kept";
  cfg.feeds = {old, kept};
  BOOST_REQUIRE(apply_runtime_feeds(cfg).is_ok());
  std::vector<std::string> names;
  for (const auto& f : cfg.feeds) names.push_back(f.name);
  BOOST_CHECK((names == std::vector<std::string>{"kept", "logs", "mirror"}));
  BOOST_CHECK_EQUAL(cfg.feeds[2].storage_dir, (dir.path / "mirror").string());

  // Adding a removed name again forgets the removal.
  record_added(*back, {"old", feed_mode::write, std::nullopt, false, true});
  BOOST_CHECK(back->removed.empty());

  std::ofstream(runtime_feeds_path(storage)) << "{\"added\": [{\"name\": \"Bad\"}]}";
  auto bad = load_runtime_feeds(storage);
  BOOST_REQUIRE(!bad);
  BOOST_CHECK(bad.error().message().find("runtime-feeds.json") != std::string::npos);
  // Values of the wrong type are errors too, never exceptions.
  for (const std::string& text :
       std::vector<std::string>{R"({"added": [{"name": "x", "mode": "follow", "key": 5}]})",
                                R"({"added": [{"name": "x", "mode": "follow", "key": ")" +
                                    std::string(64, 'a') + R"(", "sparse": "yes"}]})",
                                R"({"added": 7})", R"({"removed": [1]})", "[]", "{"}) {
    std::ofstream(runtime_feeds_path(storage)) << text;
    BOOST_CHECK_MESSAGE(!load_runtime_feeds(storage), text);
  }
}

BOOST_AUTO_TEST_CASE(bodies_split_into_blocks_whatever_the_pieces) {
  for (size_t piece : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}}) {
    BOOST_TEST_CONTEXT("pieces of " << piece) {
      BOOST_CHECK((split_all(split_mode::lines, 0, "a\n\nbc\nd", piece) ==
                   std::vector<std::string>{"a", "", "bc", "d"}));
      BOOST_CHECK(split_all(split_mode::lines, 0, "", piece).empty());
      BOOST_CHECK((split_all(split_mode::size, 3, "abcdefgh", piece) ==
                   std::vector<std::string>{"abc", "def", "gh"}));
      std::string frames = std::string("\0\0\0\2hi\0\0\0\0\0\0\0\1\n", 15);
      BOOST_CHECK((split_all(split_mode::frames, 0, frames, piece) ==
                   std::vector<std::string>{"hi", "", "\n"}));
      status end;
      split_all(split_mode::frames, 0, std::string("\0\0\0\5ab", 6), piece, &end);
      BOOST_CHECK(end.code() == errc::invalid_argument);
    }
  }
  block_splitter huge(split_mode::frames, 0);
  block_list out;
  BOOST_CHECK(huge.feed("\x7f\0\0\0", 4, out).code() == errc::block_too_large);
}
