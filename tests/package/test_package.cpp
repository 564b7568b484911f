// The installed library, as a user meets it (README "Using ddatabase as a C++ library",
// docs/library.md): `cmake --install` of this build into a fresh prefix, then the README's
// program built against it with find_package(ddatabase) and with pkg-config, and run; every
// installed header compiled alone; the source tree taken in by add_subdirectory().
#define BOOST_TEST_MODULE package
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using ddb::test::run;
using ddb::test::run_options;
using ddb::test::temp_dir;

namespace {

const std::chrono::milliseconds long_step{std::chrono::minutes(5)};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string build_dir() {
  return ddb::test::detail::env_or("DDB_BUILD_DIR", "");
}

// One install for every case: <tmp>/prefix.
struct installed {
  temp_dir tmp;
  fs::path prefix = tmp.path() / "prefix";
  installed() {
    auto r = run({"cmake", "--install", build_dir(), "--prefix", prefix.string()},
                 run_options{long_step, {}, {}, {}});
    BOOST_TEST_REQUIRE(r.ok(), "cmake --install: " << r.describe() << r.out);
  }
};

installed& prefix() {
  static installed p;
  return p;
}

// Every whole program (a ```cpp block with a main) in a markdown file of the tree, with the
// output shown under it (the next ```text block).
struct doc_program {
  std::string source;
  std::string output;
};
std::vector<doc_program> programs_in(const std::string& doc) {
  std::string text = read_file(fs::path(ddb::test::source_dir()) / doc);
  auto block_after = [&](const std::string& fence, size_t from, size_t& end) {
    size_t at = text.find(fence, from);
    if (at == std::string::npos) return std::string::npos;
    at += fence.size();
    end = text.find("```\n", at);
    BOOST_TEST_REQUIRE(end != std::string::npos, doc << ": an unclosed code block");
    return at;
  };
  std::vector<doc_program> out;
  size_t end = 0;
  for (size_t at = block_after("```cpp\n", 0, end); at != std::string::npos;
       at = block_after("```cpp\n", end, end)) {
    std::string source = text.substr(at, end - at);
    if (source.find("int main(") == std::string::npos) continue;
    size_t out_end = 0;
    size_t out_at = block_after("```text\n", end, out_end);
    size_t next_program = text.find("```cpp\n", end);
    BOOST_TEST_REQUIRE((out_at != std::string::npos && out_at < next_program),
                       doc << ": a program without its output (a ```text block) under it");
    out.push_back({source, text.substr(out_at, out_end - out_at)});
  }
  return out;
}

// The README's library program: the first ```cpp block after its heading.
std::string readme_program() {
  std::string readme = read_file(fs::path(ddb::test::source_dir()) / "README.md");
  auto at = readme.find("## Using ddatabase as a C++ library");
  BOOST_TEST_REQUIRE(at != std::string::npos, "README: no library heading");
  auto open = readme.find("```cpp\n", at);
  BOOST_TEST_REQUIRE(open != std::string::npos);
  open += 7;
  auto close = readme.find("```\n", open);
  BOOST_TEST_REQUIRE(close != std::string::npos);
  std::string program = readme.substr(open, close - open);
  BOOST_TEST_REQUIRE(program.find("int main(") != std::string::npos, "not a whole program");
  return program;
}

// A consumer's CMakeLists.txt: `how` brings in ddatabase, then one executable per program name.
std::string consumer_cmake(const std::string& how, const std::vector<std::string>& programs) {
  std::string text = "cmake_minimum_required(VERSION 3.18)\nproject(consumer CXX)\n" + how + "\n";
  for (const std::string& p : programs) {
    text += "add_executable(" + p + " " + p + ".cpp)\n" + "target_link_libraries(" + p +
            " PRIVATE ddatabase::ddatabase)\n";
  }
  return text;
}

// Configures the consumer project in `src` against the install; builds it unless configure_only.
fs::path configure_consumer(const fs::path& src, bool configure_only = false) {
  const fs::path build = src / "build";
  auto conf = run({"cmake", "-S", src.string(), "-B", build.string(),
                   "-DCMAKE_PREFIX_PATH=" + prefix().prefix.string()},
                  run_options{long_step, {}, {}, {}});
  BOOST_TEST_REQUIRE(conf.ok(), conf.describe() << conf.out);
  if (configure_only) return build;
  auto made =
      run({"cmake", "--build", build.string(), "-j", "2"}, run_options{long_step, {}, {}, {}});
  BOOST_TEST_REQUIRE(made.ok(), made.describe() << made.out);
  return build;
}

// Runs the built example twice in a fresh directory: a new feed, then the same one reopened.
void check_example_runs(const fs::path& exe, const std::vector<std::string>& env = {}) {
  temp_dir work;
  std::string feed = (work.path() / "feed").string();
  auto first = run({exe.string(), feed}, run_options{std::chrono::seconds(60), {}, env, {}});
  BOOST_TEST_REQUIRE(first.ok(), first.describe());
  BOOST_TEST(first.out == "length 2, last block \"world\", signature valid\n");
  auto again = run({exe.string(), feed}, run_options{std::chrono::seconds(60), {}, env, {}});
  BOOST_TEST_REQUIRE(again.ok(), again.describe());
  BOOST_TEST(again.out == "length 4, last block \"world\", signature valid\n");
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_install_holds_the_cli_both_libraries_headers_and_packages) {
  const fs::path& p = prefix().prefix;
  for (const char* f :
       {"bin/ddatabase", "lib/libddatabase.a", "include/ddatabase/ddatabase.hpp",
        "include/ddatabase/actors/feed_client.hpp", "lib/cmake/ddatabase/ddatabaseConfig.cmake",
        "lib/cmake/ddatabase/ddatabaseConfigVersion.cmake", "lib/pkgconfig/ddatabase.pc"}) {
    BOOST_TEST(fs::exists(p / f), f);
  }
  // The shared library, when this build made one (-DDDB_SHARED=ON), is versioned:
  // libddatabase.so -> .so.MAJOR.MINOR -> .so.VERSION.
  fs::path so = p / "lib" / "libddatabase.so";
  if (fs::exists(build_dir() + "/lib/libddatabase.so")) {
    BOOST_TEST_REQUIRE(fs::is_symlink(so));
    auto elf = run({"readelf", "-d", fs::canonical(so).string()});
    BOOST_TEST_REQUIRE(elf.ok(), elf.describe());
    std::smatch m;
    BOOST_TEST_REQUIRE(
        std::regex_search(elf.out, m, std::regex(R"(\(SONAME\).*\[(libddatabase\.so\.[0-9.]+)\])")),
        elf.out);
    BOOST_TEST(fs::exists(p / "lib" / m[1].str()), m[1].str());
  } else {
    BOOST_TEST(!fs::exists(so), "a shared library the build did not make");
  }
  // Internal headers stay private: nothing under the generic folder names at the top.
  BOOST_TEST(!fs::exists(p / "include" / "core"));
  BOOST_TEST(!fs::exists(p / "include" / "ddatabase" / "control"));
}

BOOST_AUTO_TEST_CASE(no_public_header_includes_asio_libtorrent_yaml_cpp_or_httplib) {
  const std::regex banned(R"(#include\s*<(asio|boost/asio|libtorrent|yaml-cpp|httplib))");
  size_t headers = 0;
  for (const auto& e : fs::recursive_directory_iterator(prefix().prefix / "include")) {
    if (!e.is_regular_file()) continue;
    ++headers;
    std::string text = read_file(e.path());
    BOOST_TEST(!std::regex_search(text, banned), e.path().string());
  }
  BOOST_TEST(headers > 20u);
}

BOOST_AUTO_TEST_CASE(every_public_header_compiles_on_its_own) {
  const fs::path inc = prefix().prefix / "include";
  size_t compiled = 0;
  for (const auto& e : fs::recursive_directory_iterator(inc / "ddatabase")) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".hpp" && ext != ".h") continue;
    auto r = run({"c++", "-std=c++17", "-fsyntax-only", "-I" + inc.string(),
                  "-I" + (inc / "ddatabase").string(), "-x", "c++", e.path().string()},
                 run_options{long_step, {}, {}, {}});
    BOOST_TEST(r.ok(), e.path().string() << ": " << r.err);
    ++compiled;
  }
  BOOST_TEST(compiled > 20u);
}

BOOST_AUTO_TEST_CASE(the_readme_program_builds_with_find_package_and_runs) {
  temp_dir proj;
  write_file(proj.path() / "example.cpp", readme_program());
  write_file(proj.path() / "CMakeLists.txt",
             consumer_cmake("find_package(ddatabase 0.1 REQUIRED)", {"example"}));
  check_example_runs(configure_consumer(proj.path()) / "example");
}

BOOST_AUTO_TEST_CASE(pkg_config_builds_the_same_program) {
  temp_dir proj;
  write_file(proj.path() / "main.cpp", readme_program());
  const std::string pc_path = "PKG_CONFIG_PATH=" + (prefix().prefix / "lib/pkgconfig").string();
  auto flags = run({"pkg-config", "--cflags", "--libs", "ddatabase"},
                   run_options{std::chrono::seconds(30), {}, {pc_path}, {}});
  BOOST_TEST_REQUIRE(flags.ok(), flags.describe());
  std::vector<std::string> argv{"c++", (proj.path() / "main.cpp").string(), "-o",
                                (proj.path() / "example").string()};
  std::istringstream words(flags.out);
  for (std::string w; words >> w;) argv.push_back(w);
  BOOST_TEST(flags.out.find("-lddatabase") != std::string::npos, flags.out);
  auto made = run(argv, run_options{long_step, {}, {}, {}});
  BOOST_TEST_REQUIRE(made.ok(), made.describe());
  check_example_runs(proj.path() / "example",
                     {"LD_LIBRARY_PATH=" + (prefix().prefix / "lib").string()});
}

BOOST_AUTO_TEST_CASE(add_subdirectory_of_the_source_tree_configures) {
  // Configure and generate only: building would compile the whole library a second time.
  temp_dir proj;
  write_file(proj.path() / "example.cpp", readme_program());
  write_file(proj.path() / "CMakeLists.txt",
             consumer_cmake("add_subdirectory(\"" + ddb::test::source_dir() + "\" ddatabase)",
                            {"example"}));
  configure_consumer(proj.path(), true);
  // The embedder gets the library and the CLI, not our tests.
  auto targets = run({"cmake", "--build", (proj.path() / "build").string(), "--target", "help"});
  BOOST_TEST_REQUIRE(targets.ok(), targets.describe());
  BOOST_TEST(targets.out.find("example") != std::string::npos);
  BOOST_TEST(targets.out.find("ddatabase_static") != std::string::npos);
  BOOST_TEST(targets.out.find("unit_test_") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_program_in_docs_library_md_builds_and_runs) {
  std::vector<doc_program> programs = programs_in("docs/library.md");
  BOOST_TEST_REQUIRE(programs.size() >= 3u);
  temp_dir proj;
  std::vector<std::string> names;
  for (size_t i = 0; i < programs.size(); ++i) {
    names.push_back("program" + std::to_string(i));
    write_file(proj.path() / (names.back() + ".cpp"), programs[i].source);
  }
  write_file(proj.path() / "CMakeLists.txt",
             consumer_cmake("find_package(ddatabase 0.1 REQUIRED)", names));
  const std::string build = configure_consumer(proj.path()).string();
  for (size_t i = 0; i < programs.size(); ++i) {
    temp_dir work;
    auto r = run({build + "/program" + std::to_string(i)},
                 run_options{std::chrono::minutes(2), {}, {}, work.str()});
    BOOST_TEST(r.ok(), "docs/library.md program " << i << ": " << r.describe());
    BOOST_TEST(r.out == programs[i].output, "docs/library.md program " << i);
  }
}
