#pragma once
// Helpers for tests/cli: run the real `ddatabase` binary ($DDB_BIN), make feeds with it, serve
// them, and damage copies of their files. Header-only; include after <boost/test/unit_test.hpp>.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace ddb::test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

inline std::string ddb_bin() {
  const char* b = std::getenv("DDB_BIN");
  return b != nullptr && *b != '\0' ? b : "build/ddatabase";
}

inline run_result cli(std::vector<std::string> args, run_options opts = {}) {
  args.insert(args.begin(), ddb_bin());
  if (opts.timeout.count() == 0) opts.timeout = 120s;
  return run(args, opts);
}

inline std::string block_line(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "block-%04zu", i);  // 10 bytes: block i at offset 10 * i
  return buf;
}

// A feed of `n` 10-byte blocks ("block-0000"...) appended in one batch; returns its key.
inline std::string make_feed(const std::string& dir, size_t n) {
  auto c = cli({"create", dir});
  BOOST_REQUIRE_MESSAGE(c.ok(), c.describe());
  std::string text;
  for (size_t i = 0; i < n; ++i) text += block_line(i) + "\n";
  if (n > 0) {
    run_options o;
    o.stdin_text = text;
    auto a = cli({"append", dir}, o);
    BOOST_REQUIRE_MESSAGE(a.ok(), a.describe());
  }
  return c.out.substr(0, 64);
}

inline nlohmann::json info_json(const std::string& dir) {
  auto r = cli({"info", dir, "--json"});
  BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
  return nlohmann::json::parse(r.out);
}

// XORs the byte at `offset` of `file` with 0x01.
inline void flip_byte(const std::string& file, uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  BOOST_REQUIRE(f);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  BOOST_REQUIRE(f);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x01));
  BOOST_REQUIRE(f);
}

inline void write_bytes(const std::string& file, uint64_t offset, const std::string& bytes) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  BOOST_REQUIRE(f);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(f);
}

inline void copy_feed(const std::string& from, const std::string& to) {
  fs::copy(from, to, fs::copy_options::recursive);
}

// `ddatabase serve DIR --listen 127.0.0.1:0` in the background, with its bound address.
struct server {
  std::unique_ptr<background_process> proc;
  std::string address;

  server(const std::string& dir, const std::string& log_prefix) {
    proc = std::make_unique<background_process>(
        std::vector<std::string>{ddb_bin(), "serve", dir, "--listen", "127.0.0.1:0"}, log_prefix);
    std::string line = proc->wait_for_line("listening ", 30s);
    BOOST_REQUIRE_MESSAGE(!line.empty(), "serve did not start: " + proc->err());
    address = line.substr(line.find(' ') + 1);
  }
};

// Sends `sig` to a running child and waits for it to end; returns how long that took.
inline std::chrono::milliseconds stop_with(background_process& p, int sig) {
  auto t0 = clock_type::now();
  p.kill(sig);
  while (p.running() && clock_type::now() - t0 < 20s) std::this_thread::sleep_for(10ms);
  if (p.running()) {
    p.kill(SIGKILL);
    p.wait();
    return 20s;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0);
}

// A TCP listener on 127.0.0.1 that never accepts (the kernel completes connections into its
// backlog) and so never speaks: a peer that leaves a dialer waiting for its handshake.
struct mute_listener {
  int fd = -1;
  std::string address;

  mute_listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_REQUIRE(::listen(fd, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~mute_listener() { ::close(fd); }
};

// Polls (every 20 ms, up to 30 s) until `path` exists.
inline bool eventually_exists(const std::string& path) {
  auto deadline = clock_type::now() + 30s;
  while (!fs::exists(path)) {
    if (clock_type::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

inline size_t count_lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace ddb::test
