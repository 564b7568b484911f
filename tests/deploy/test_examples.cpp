#define BOOST_TEST_MODULE deploy_examples
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "tests/deploy/deploy_support.hpp"

// Every config/examples/*.yaml starts as shipped: `ddatabase node --config FILE` listens, opens
// every feed, loads every extension, and stops cleanly (exit 0) on SIGTERM. writer.yaml runs
// throughout (the followers read its key file and dial it).
//
// The files are copied into a temp dir (relative paths then resolve there; `build/` beside it is
// the build directory, for the plugin path) with only their addresses changed: each fixed port
// becomes a free loopback port (the same one in every file), 0.0.0.0 becomes 127.0.0.1 and the
// DHT bootstrap hosts become a closed loopback port, so nothing but loopback is ever contacted.
namespace {

namespace fs = std::filesystem;
using namespace ddb::test;

// Rewrites every HOST:PORT to 127.0.0.1 and a free port, the same one for the same original.
class address_map {
 public:
  std::string rewrite(const std::string& yaml) {
    static const std::regex address(R"(([A-Za-z0-9.-]+):([0-9]{2,5})\b)");
    std::string out;
    auto last = yaml.cbegin();
    for (std::sregex_iterator it(yaml.begin(), yaml.end(), address), end; it != end; ++it) {
      const std::smatch& m = *it;
      out.append(last, m[0].first);
      out += "127.0.0.1:" + std::to_string(port_for(m[1].str() + ":" + m[2].str()));
      last = m[0].second;
    }
    out.append(last, yaml.cend());
    return out;
  }

 private:
  uint16_t port_for(const std::string& original) {
    auto [it, fresh] = ports_.try_emplace(original, 0);
    if (fresh) it->second = free_port(SOCK_STREAM);
    return it->second;
  }
  std::map<std::string, uint16_t> ports_;
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Started cleanly: it listened, announced each of its feeds, reported no extension that failed
// to load, kept running, and stopped with exit 0 on SIGTERM.
void check_clean_start(node_process& n, size_t feeds) {
  json listening = n.wait_listening(60s);
  BOOST_REQUIRE_MESSAGE(listening.is_object() && n.running(), n.describe());
  BOOST_CHECK_MESSAGE(eventually([&] { return n.events("feed").size() == feeds; }, 10s),
                      n.describe());
  for (const json& note : n.events("note")) {
    std::string text = note.value("note", "");
    BOOST_CHECK_MESSAGE(text.find("not loaded") == std::string::npos, n.describe());
  }
  BOOST_CHECK_MESSAGE(n.running(), n.describe());
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_example_starts_as_shipped) {
  temp_dir tmp("ddb-examples");
  const fs::path examples = tmp.path() / "config" / "examples";
  fs::create_directories(examples);
  fs::create_symlink(fs::path(ddb_bin()).parent_path(), tmp.path() / "build");

  address_map addresses;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(source_tree()) / "config/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    std::string name = entry.path().stem().string();
    std::ofstream(examples / (name + ".yaml")) << addresses.rewrite(read_text(entry.path()));
    if (name != "writer") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  BOOST_REQUIRE_GE(names.size(), 5u);

  node_process writer("writer", examples.string());
  writer.start();
  check_clean_start(writer, 1);
  for (const std::string& name : names) {
    BOOST_TEST_CONTEXT(name + ".yaml") {
      std::string yaml = read_text(examples / (name + ".yaml"));
      size_t feeds = 0;
      for (size_t at = yaml.find("mode: "); at != std::string::npos;
           at = yaml.find("mode: ", at + 1))
        ++feeds;
      node_process n(name, examples.string());
      n.start();
      check_clean_start(n, feeds);
      BOOST_CHECK_MESSAGE(n.stop() == 0, n.describe());
      BOOST_CHECK_MESSAGE(n.saw("stopped"), n.describe());
    }
  }
  BOOST_CHECK_MESSAGE(writer.stop() == 0, writer.describe());
}
