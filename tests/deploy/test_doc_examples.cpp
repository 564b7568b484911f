// The example commands of docs/api.md, docs/nodes.md and the README's node section run as
// written against real `ddatabase node` processes on loopback, each block as one bash script
// in a fresh folder, every command's exit status checked.
//
// Which commands: the lines of the unlabelled fenced blocks (```, not ```json or ```yaml) that
// use `curl` or `--node data/`; transcripts (`$ ` prompts followed by output) and usage
// synopses are not run. What the test does for them, and nothing more:
//  - `ddatabase node --config F &` lines are skipped: the test starts those nodes itself, from
//    the doc's YAML (api.md) or as the doc's comments describe them (storage data/writer with
//    no feeds; data/follower with the writer as its static peer);
//  - optional parts in brackets (`[--json]`) are left out; the placeholder KEY is the key the
//    block's `ddatabase create` printed; the fixed control port 7000 becomes a free one;
//  - a command that follows a feed live (`--live` without curl's `--max-time`) runs under
//    `timeout -s INT 3`, and its timeout counts as success (it stops on SIGINT);
//  - curl gets `--fail` through a .curlrc (so an HTTP error is a failed command); files the
//    commands name (blob.bin, photo.jpg) are made first when the block does not make them.
#define BOOST_TEST_MODULE deploy_doc_examples
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/deploy/deploy_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ddb::test;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct block {
  std::string label;  // "json", "yaml", "" ...
  std::vector<std::string> lines;
  std::string text() const {
    std::string t;
    for (const auto& l : lines) t += l + "\n";
    return t;
  }
};

// The fenced blocks of `md` between the headings `from` and `to` ("" = the end).
std::vector<block> blocks(const std::string& md, const std::string& from, const std::string& to) {
  size_t start = md.find(from);
  BOOST_REQUIRE_MESSAGE(start != std::string::npos, "no heading " + from);
  size_t end = to.empty() ? md.size() : md.find(to, start);
  std::istringstream in(md.substr(start, end - start));
  std::vector<block> out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      if (!inside) out.push_back(block{line.substr(3), {}});
      inside = !inside;
    } else if (inside) {
      out.back().lines.push_back(line);
    }
  }
  return out;
}

// The blocks whose commands are run (see the top of the file).
std::vector<std::string> commands(const std::vector<block>& bs) {
  std::vector<std::string> out;
  for (const block& b : bs) {
    const std::string t = b.text();
    if (!b.label.empty() || t.find("$ ") == 0) continue;
    if (t.find("curl ") == std::string::npos && t.find("--node data/") == std::string::npos)
      continue;
    std::string joined;  // a command continued with a trailing backslash
    for (const std::string& l : b.lines) {
      if (!l.empty() && l.back() == '\\') {
        joined += l.substr(0, l.size() - 1);
        continue;
      }
      const std::string command = joined + l;
      joined.clear();
      if (!command.empty() && command.rfind("ddatabase node --config", 0) != 0)
        out.push_back(command);
    }
  }
  return out;
}

std::string as_run(std::string line, const std::string& port) {
  static const std::regex optional(R"(\s*\[[^\]]*\])");
  static const std::regex key(R"((^|[^$A-Za-z_])KEY(?![=A-Za-z_]))");
  static const std::regex comment(R"(\s+#.*$)");
  line = std::regex_replace(line, optional, "");
  line = std::regex_replace(line, key, "$1$$KEY");
  for (size_t at; (at = line.find("127.0.0.1:7000")) != std::string::npos;)
    line.replace(at, 14, "127.0.0.1:" + port);
  if (line.rfind("ddatabase create ", 0) == 0)
    return "KEY=$(" + std::regex_replace(line, comment, "") + ") && echo \"$KEY\"";
  if (line.find("--live") != std::string::npos && line.find("--max-time") == std::string::npos)
    return "timeout -s INT 3 " + std::regex_replace(line, comment, "") +
           "; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 124 ]";
  return line;
}

// Runs `lines` as one bash script in `dir`; every failure is reported with its line.
void run_examples(const std::string& dir, const std::vector<std::string>& lines,
                  const std::string& port) {
  BOOST_REQUIRE(!lines.empty());
  std::ofstream(dir + "/.curlrc") << "fail\n";
  for (const char* f : {"blob.bin", "photo.jpg"}) {
    std::ofstream out(dir + "/" + f, std::ios::binary);
    for (int i = 0; i < 100000; ++i) out.put(static_cast<char>((i * 131 + 7) & 0xff));
  }
  std::string script = "export PATH=\"" + fs::path(ddb_bin()).parent_path().string() +
                       ":$PATH\" CURL_HOME=\"" + dir + "\"\n";
  for (size_t i = 0; i < lines.size(); ++i) {
    script += "{ " + as_run(lines[i], port) + "\n} || { echo \"FAILED " + std::to_string(i) +
              "\" >&2; exit 1; }\n";
  }
  std::ofstream(dir + "/examples.sh") << script;
  run_options o;
  o.cwd = dir;
  o.timeout = 120s;
  run_result r = run({"bash", dir + "/examples.sh"}, o);
  std::string failed;
  size_t at = r.err.find("FAILED ");
  if (at != std::string::npos) failed = lines.at(std::stoul(r.err.substr(at + 7)));
  BOOST_CHECK_MESSAGE(r.exit_code == 0, "failed: " + failed + "\n" + r.describe());
  BOOST_TEST_MESSAGE(lines.size() << " example commands ran");
}

bool has_socket(const node_process& n) {
  return fs::exists(n.storage() + "/node.sock");
}

// A writer (storage data/writer, no feeds, control port `port`) and a follower (data/follower)
// with the writer as its static peer, both started.
void start_pair(node_process& writer, node_process& follower, const std::string& port) {
  writer.configure(
      "node:\n  name: writer\n  storage: data/writer\n  listen: 127.0.0.1:0\n"
      "  control: {listen: \"127.0.0.1:" +
      port + "\"}\n");
  writer.start();
  const std::string w = writer.address();
  BOOST_REQUIRE(!w.empty());
  follower.configure(
      "node:\n  name: follower\n  storage: data/follower\n  listen: 127.0.0.1:0\n"
      "swarm:\n  static_peers: [" +
      w + "]\n");
  follower.start();
  BOOST_REQUIRE(!follower.address().empty());
  BOOST_REQUIRE(eventually([&] { return has_socket(writer) && has_socket(follower); }, 10s));
}

}  // namespace

BOOST_AUTO_TEST_CASE(api_md_endpoint_examples_run_as_written) {
  const std::string md = read_text(fs::path(source_tree()) / "docs/api.md");
  const std::vector<block> bs = blocks(md, "## Endpoints", "## The CLI's online form");
  temp_dir dir("ddb-doc-api");
  const std::string port = std::to_string(free_port());
  std::string yaml;
  for (const block& b : bs)
    if (b.label == "yaml" && yaml.empty()) yaml = b.text();
  BOOST_REQUIRE(yaml.find("127.0.0.1:7000") != std::string::npos);
  yaml.replace(yaml.find("127.0.0.1:7000"), 14, "127.0.0.1:" + port);
  node_process writer("writer", dir.str());
  writer.configure(yaml);
  writer.start();
  BOOST_REQUIRE(!writer.address().empty());
  BOOST_REQUIRE(eventually([&] { return has_socket(writer); }, 10s));
  run_examples(dir.str(), commands(bs), port);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}

BOOST_AUTO_TEST_CASE(api_md_cli_examples_run_as_written) {
  const std::string md = read_text(fs::path(source_tree()) / "docs/api.md");
  temp_dir dir("ddb-doc-cli");
  const std::string port = std::to_string(free_port());
  node_process writer("writer", dir.str()), follower("follower", dir.str());
  start_pair(writer, follower, port);
  run_examples(dir.str(), commands(blocks(md, "## The CLI's online form", "")), port);
  BOOST_CHECK_EQUAL(follower.stop(), 0);
  BOOST_CHECK_EQUAL(writer.stop(), 0);
}

BOOST_AUTO_TEST_CASE(nodes_md_and_readme_online_examples_run_as_written) {
  struct doc {
    const char* file;
    const char* from;
    const char* to;
  };
  for (const doc& d : {doc{"docs/nodes.md", "## ", ""},
                       doc{"README.md", "## Nodes and deployments", "### Untrusted peers"}}) {
    BOOST_TEST_CONTEXT(d.file) {
      const std::string md = read_text(fs::path(source_tree()) / d.file);
      const std::vector<std::string> lines = commands(blocks(md, d.from, d.to));
      BOOST_CHECK_GE(lines.size(), 5u);
      temp_dir dir("ddb-doc-nodes");
      const std::string port = std::to_string(free_port());
      node_process writer("writer", dir.str()), follower("follower", dir.str());
      start_pair(writer, follower, port);
      run_examples(dir.str(), lines, port);
      BOOST_CHECK_EQUAL(follower.stop(), 0);
      BOOST_CHECK_EQUAL(writer.stop(), 0);
    }
  }
}
