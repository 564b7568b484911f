#define BOOST_TEST_MODULE layers
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/arch/layer_check.hpp"
#include "tests/support/temp_dir.hpp"

// Folders as layers (docs/layers.txt, docs/architecture.md): every include of the repository
// goes to its own folder or a lower one, the folder graph has no cycle, and the I/O-free layers
// (protocol/ and below) include no CAF. The checker itself is shown to fail on small planted
// trees, so a green run means something.
namespace {

namespace fs = std::filesystem;
using ddb::arch::check_layers;
using ddb::arch::read_layers;
using ddb::test::temp_dir;

const char* const kNoCafThrough = "protocol";

fs::path source_dir() {
  const char* s = std::getenv("DDB_SOURCE_DIR");
  BOOST_REQUIRE_MESSAGE(s != nullptr, "DDB_SOURCE_DIR is not set (run through ctest)");
  return fs::path(s);
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::trunc) << text;
}

bool mentions(const std::vector<std::string>& msgs, const std::string& needle) {
  for (const auto& m : msgs) {
    if (m.find(needle) != std::string::npos) return true;
  }
  return false;
}

// A small tree: low < mid < high, every include downward.
void plant_clean_tree(const fs::path& root) {
  write(root / "layers.txt", "# test order\nlow\nmid\n\nhigh\n");
  write(root / "low/a.hpp", "#pragma once\n#include <string>\n#include \"low/b.hpp\"\n");
  write(root / "low/b.hpp", "#pragma once\n");
  write(root / "mid/m.cpp", "#include \"low/a.hpp\"\n#include <caf/all.hpp>\n");
  write(root / "high/h.cpp", "#include \"mid/m.hpp\"\n#include \"low/a.hpp\"\n");
}

}  // namespace

BOOST_AUTO_TEST_CASE(repository_includes_go_downward_only) {
  auto root = source_dir();
  auto layers = read_layers(root / "docs/layers.txt");
  BOOST_REQUIRE_GE(layers.size(), 10u);
  auto r = check_layers(root, layers, kNoCafThrough);
  BOOST_TEST_MESSAGE(r.files << " files, " << r.edges << " includes across folders");
  BOOST_TEST(r.files > 150u);  // the scan saw the tree (not an empty or wrong root)
  BOOST_TEST(r.edges > 100u);
  for (const auto& m : r.upward) BOOST_ERROR(m);
  BOOST_TEST(r.upward.empty());
}

BOOST_AUTO_TEST_CASE(repository_has_no_folder_cycle) {
  auto root = source_dir();
  auto r = check_layers(root, read_layers(root / "docs/layers.txt"), kNoCafThrough);
  for (const auto& m : r.cycles) BOOST_ERROR(m);
  BOOST_TEST(r.cycles.empty());
}

BOOST_AUTO_TEST_CASE(protocol_and_below_include_no_caf) {
  auto root = source_dir();
  auto r = check_layers(root, read_layers(root / "docs/layers.txt"), kNoCafThrough);
  for (const auto& m : r.caf) BOOST_ERROR(m);
  BOOST_TEST(r.caf.empty());
}

BOOST_AUTO_TEST_CASE(every_source_folder_is_a_layer) {
  auto root = source_dir();
  auto unplaced = ddb::arch::unplaced_folders(root, read_layers(root / "docs/layers.txt"));
  for (const auto& f : unplaced) BOOST_ERROR(f + "/ holds sources but is not in docs/layers.txt");
  BOOST_TEST(unplaced.empty());
}

BOOST_AUTO_TEST_CASE(layer_file_is_read_in_order) {
  auto layers = read_layers(source_dir() / "docs/layers.txt");
  BOOST_REQUIRE_GE(layers.size(), 2u);
  BOOST_TEST(layers.front().folder == "include/ddatabase");
  BOOST_TEST(layers.front().as == "ddatabase");
  BOOST_TEST(layers[1].folder == "core");
  BOOST_TEST(layers.back().folder == "cli");
}

BOOST_AUTO_TEST_CASE(checker_passes_a_clean_tree) {
  temp_dir dir("ddb-layers");
  plant_clean_tree(dir.path());
  auto r = check_layers(dir.path(), read_layers(dir.path() / "layers.txt"), "low");
  BOOST_TEST(r.files == 4u);
  BOOST_TEST(r.edges == 3u);
  BOOST_TEST(r.upward.empty());
  BOOST_TEST(r.cycles.empty());
  BOOST_TEST(r.caf.empty());  // CAF in mid/ is above the boundary
}

BOOST_AUTO_TEST_CASE(checker_fails_on_a_planted_upward_include) {
  temp_dir dir("ddb-layers");
  plant_clean_tree(dir.path());
  write(dir.path() / "low/b.hpp", "#pragma once\n// a comment\n  #include \"high/h.hpp\"\n");
  auto r = check_layers(dir.path(), read_layers(dir.path() / "layers.txt"), "low");
  BOOST_REQUIRE_EQUAL(r.upward.size(), 1u);
  BOOST_TEST(r.upward[0] == "low/b.hpp:3: layer low includes higher layer high (\"high/h.hpp\")");
  // high already includes low (directly and through mid): the planted include closes two cycles.
  BOOST_TEST(r.cycles.size() == 2u);
  BOOST_TEST(mentions(r.cycles, "folder cycle: low -> high -> low (low/b.hpp:3 includes"));
  BOOST_TEST(mentions(r.cycles, "folder cycle: low -> high -> mid -> low"));
}

BOOST_AUTO_TEST_CASE(checker_reports_a_three_folder_cycle) {
  temp_dir dir("ddb-layers");
  plant_clean_tree(dir.path());
  write(dir.path() / "low/c.cpp", "#include \"mid/x.hpp\"\n");
  write(dir.path() / "mid/x.hpp", "#pragma once\n#include <high/y.hpp>\n");
  write(dir.path() / "high/y.hpp", "#pragma once\n");
  auto r = check_layers(dir.path(), read_layers(dir.path() / "layers.txt"), "");
  BOOST_TEST(r.upward.size() == 2u);
  BOOST_TEST(mentions(r.upward, "mid/x.hpp:2: layer mid includes higher layer high"));
  BOOST_TEST(mentions(r.cycles, "folder cycle: low -> mid -> high -> low"));
}

BOOST_AUTO_TEST_CASE(checker_fails_on_caf_below_the_boundary) {
  temp_dir dir("ddb-layers");
  plant_clean_tree(dir.path());
  write(dir.path() / "low/d.hpp", "#pragma once\n#include <caf/atom.hpp>\n");
  auto r = check_layers(dir.path(), read_layers(dir.path() / "layers.txt"), "low");
  BOOST_REQUIRE_EQUAL(r.caf.size(), 1u);
  BOOST_TEST(r.caf[0].find("low/d.hpp:2: layer low includes CAF") == 0u, r.caf[0]);
}

BOOST_AUTO_TEST_CASE(checker_ignores_system_headers_that_share_a_layer_name) {
  temp_dir dir("ddb-layers");
  write(dir.path() / "layers.txt", "net\nhigh\n");
  write(dir.path() / "high/h.cpp", "#include \"net/t.hpp\"\n");
  write(dir.path() / "net/t.hpp", "#pragma once\n#include <net/if.h>\n#include <high/none.h>\n");
  auto r = check_layers(dir.path(), read_layers(dir.path() / "layers.txt"));
  BOOST_TEST(r.edges == 1u);
  BOOST_TEST(r.upward.empty());
}

BOOST_AUTO_TEST_CASE(unplaced_source_folder_is_reported) {
  temp_dir dir("ddb-layers");
  plant_clean_tree(dir.path());
  write(dir.path() / "stray/s.cpp", "int x;\n");
  write(dir.path() / "tests/t.cpp", "int y;\n");
  auto unplaced = ddb::arch::unplaced_folders(dir.path(), read_layers(dir.path() / "layers.txt"));
  BOOST_REQUIRE_EQUAL(unplaced.size(), 1u);
  BOOST_TEST(unplaced[0] == "stray");
}
