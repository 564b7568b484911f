// The simulator's HTML report in a real browser: `ddatabase sim ... --report` in a real process,
// then Debian's headless chromium (real processes, file:// URLs only, network off) renders it.
// The rendered DOM must hold each chart with its data, the page must log nothing to the console,
// and a screenshot must have the asked size and carry far more than a blank page does.
// chromium is a test dependency (`make deps`); without it these tests fail, they never skip.
#define BOOST_TEST_MODULE sim_report_browser
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sim/sim_support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using ddb::sim::test::scenario_dir;

constexpr auto browser_timeout = std::chrono::seconds(60);

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// chromium from PATH; a missing browser is a failure with the fix in the message.
std::string chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path p = fs::path(dir) / "chromium";
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  BOOST_FAIL("chromium not found in PATH: install Debian's `chromium` (`make deps` does)");
  return {};
}

// One headless chromium run on a file:// page, with everything that reaches the network off and
// its own profile directory; a hang is killed after browser_timeout and fails the test.
ddb::test::run_result browse(const ddb::test::temp_dir& tmp, const std::string& profile,
                             const std::string& page, std::vector<std::string> flags) {
  std::vector<std::string> argv = {chromium(),
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--user-data-dir=" + (tmp / profile),
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-default-apps",
                                   "--disable-extensions",
                                   "--disable-breakpad",
                                   "--metrics-recording-only",
                                   "--host-resolver-rules=MAP * ~NOTFOUND",
                                   "--hide-scrollbars"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("file://" + page);
  ddb::test::run_options opts;
  opts.timeout = browser_timeout;
  // Keep the profile, caches and crash dumps inside the test's directory.
  opts.env = {"HOME=" + tmp.str(), "XDG_CONFIG_HOME=" + (tmp / "xdg-config"),
              "XDG_CACHE_HOME=" + (tmp / "xdg-cache")};
  ddb::test::run_result r = ddb::test::run(argv, opts);
  BOOST_TEST_MESSAGE("chromium " << page << ": " << r.describe().substr(0, 200));
  BOOST_REQUIRE_MESSAGE(r.ok(), "chromium on " << page << ": " << r.describe());
  return r;
}

// The report of smoke.yaml seed 1, written by the real `ddatabase sim` into tmp.
std::string write_report(const ddb::test::temp_dir& tmp) {
  const char* bin = std::getenv("DDB_BIN");
  BOOST_REQUIRE_MESSAGE(bin != nullptr, "DDB_BIN is not set (run under ctest)");
  std::string report = tmp / "report.html";
  ddb::test::run_options opts;
  opts.timeout = std::chrono::seconds(120);
  auto r = ddb::test::run(
      {bin, "sim", (scenario_dir() / "smoke.yaml").string(), "--seed", "1", "--report", report},
      opts);
  BOOST_REQUIRE_MESSAGE(r.ok(), "ddatabase sim smoke.yaml --seed 1: " << r.describe());
  BOOST_REQUIRE(fs::file_size(report) > 0u);
  return report;
}

// The text of <svg id="ID" ...>...</svg> in a serialized DOM, empty if absent.
std::string svg_of(const std::string& dom, const std::string& id) {
  auto at = dom.find("<svg id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  auto end = dom.find("</svg>", at);
  return end == std::string::npos ? std::string() : dom.substr(at, end - at);
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Polylines whose points attribute holds at least two points.
size_t drawn_polylines(const std::string& svg) {
  size_t n = 0;
  for (auto at = svg.find("<polyline"); at != std::string::npos;
       at = svg.find("<polyline", at + 1)) {
    auto p = svg.find("points=\"", at);
    if (p == std::string::npos) break;
    p += 8;
    std::string pts = svg.substr(p, svg.find('"', p) - p);
    if (count(pts, ",") >= 2) ++n;
  }
  return n;
}

// Lines of chromium's log that report something the page itself said or failed at.
std::vector<std::string> console_errors(const std::string& log) {
  std::vector<std::string> bad;
  std::stringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    for (const char* sign : {"CONSOLE", "Uncaught", "Failed to load", "net::ERR_"}) {
      if (line.find(sign) != std::string::npos) {
        bad.push_back(line);
        break;
      }
    }
  }
  return bad;
}

struct png_info {
  bool signature = false;
  uint32_t width = 0, height = 0;
};

uint32_t be32(const std::string& b, size_t at) {
  return (uint32_t{static_cast<unsigned char>(b[at])} << 24) |
         (uint32_t{static_cast<unsigned char>(b[at + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(b[at + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(b[at + 3])};
}

// The signature and the IHDR chunk's width and height (it must come first, at byte 8).
png_info read_png(const std::string& bytes) {
  png_info info;
  static const std::string sig("\x89PNG\r\n\x1a\n", 8);
  if (bytes.size() < 24 || bytes.compare(0, 8, sig) != 0) return info;
  info.signature = bytes.compare(12, 4, "IHDR") == 0;
  info.width = be32(bytes, 16);
  info.height = be32(bytes, 20);
  return info;
}

}  // namespace

// One chromium run renders the report: its DOM, its console log and its screenshot.
BOOST_AUTO_TEST_CASE(report_renders_its_charts_quietly) {
  ddb::test::temp_dir tmp("ddb-sim-browser");
  std::string report = write_report(tmp);
  const std::string size = "--window-size=1280,2400";
  std::string shot = tmp / "report.png";
  auto r = browse(tmp, "profile-report", report,
                  {"--dump-dom", "--enable-logging=stderr", "--v=0", "--screenshot=" + shot, size});

  // The rendered DOM holds each chart with its data; smoke.yaml has one feed, two followers.
  const std::string& dom = r.out;
  BOOST_TEST_REQUIRE(dom.find("</html>") != std::string::npos, "no DOM dumped");
  BOOST_TEST(dom.find("smoke, seed 1") != std::string::npos);
  BOOST_TEST(drawn_polylines(svg_of(dom, "lengths")) == 2u);
  BOOST_TEST(drawn_polylines(svg_of(dom, "delay-cdf")) == 1u);
  BOOST_TEST(drawn_polylines(svg_of(dom, "bytes")) == 1u);
  // The timeline's axis, and one mark per row of the table under it.
  std::string timeline = svg_of(dom, "timeline");
  BOOST_TEST(count(timeline, "<line") == 1u);
  auto table = dom.find("<table>", dom.find("<svg id=\"timeline\""));
  BOOST_TEST_REQUIRE(table != std::string::npos);
  std::string rows = dom.substr(table, dom.find("</table>", table) - table);
  BOOST_TEST(count(timeline, "<circle") == count(rows, "<tr>") - 1);

  // Nothing on the console: no error, no uncaught exception, no failed load.
  auto errors = console_errors(r.err);
  for (const auto& e : errors) BOOST_TEST_MESSAGE("console: " << e);
  BOOST_TEST(errors.empty(), errors.size() << " console lines on the report");

  // The screenshot has the window's size and far more in it than a blank page's.
  std::string blank = tmp / "blank.html", empty = tmp / "blank.png";
  std::ofstream(blank) << "<!DOCTYPE html><html><body></body></html>\n";
  browse(tmp, "profile-blank", blank, {"--screenshot=" + empty, size});
  BOOST_TEST_REQUIRE(fs::exists(shot));
  BOOST_TEST_REQUIRE(fs::exists(empty));
  std::string png = read_file(shot), blank_png = read_file(empty);
  png_info info = read_png(png);
  BOOST_TEST(info.signature);
  BOOST_TEST(info.width == 1280u);
  BOOST_TEST(info.height == 2400u);
  BOOST_TEST(read_png(blank_png).signature);
  BOOST_TEST_MESSAGE("report screenshot " << png.size() << " bytes, blank page " << blank_png.size()
                                          << " bytes");
  // A blank 1280x2400 page compresses to about 14 KB; the report's charts, tables and text make
  // it about 130 KB.
  BOOST_TEST(png.size() > 4 * blank_png.size(),
             png.size() << " bytes against a blank page's " << blank_png.size());
}

// The console check catches a page that logs an error and throws, so its silence on the report
// means something.
BOOST_AUTO_TEST_CASE(the_console_check_sees_errors) {
  ddb::test::temp_dir tmp("ddb-sim-browser");
  std::string page = tmp / "broken.html";
  std::ofstream(page) << "<!DOCTYPE html><html><body>"
                         "<script>console.error('planted'); undefined_function();</script>"
                         "</body></html>\n";
  auto r = browse(tmp, "profile-broken", page, {"--dump-dom", "--enable-logging=stderr", "--v=0"});
  auto errors = console_errors(r.err);
  for (const auto& e : errors) BOOST_TEST_MESSAGE("console: " << e);
  BOOST_TEST(r.err.find("planted") != std::string::npos, "the planted error is not in the log");
  BOOST_TEST(r.err.find("Uncaught") != std::string::npos, "the exception is not in the log");
  BOOST_TEST(errors.size() >= 2u);
}
