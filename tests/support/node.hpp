// The reference peer from C++ tests (header-only): locate node, the interop
// scripts and our binary, run a script and parse its single JSON line, and
// recompute the scripts' deterministic block contents.
//
// Paths come from the environment CTest sets (tests/CMakeLists.txt):
//   DDB_INTEROP_DIR  tests/interop (scripts + node_modules)
//   DDB_SOURCE_DIR   the source tree
//   DDB_BIN          build/ddatabase
// and fall back to paths relative to this header (__FILE__) when unset.
// DDB_NODE overrides the node executable (default: "node" from PATH).
#pragma once

#include <sodium.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace ddb::test {

namespace detail {
inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}
// tests/support/ (this header's folder).
inline std::filesystem::path support_dir() {
  return std::filesystem::absolute(std::filesystem::path(__FILE__)).parent_path();
}
inline std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}
inline void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
}
}  // namespace detail

inline std::string source_dir() {
  return detail::env_or("DDB_SOURCE_DIR",
                        detail::support_dir().parent_path().parent_path().string());
}
inline std::string interop_dir() {
  return detail::env_or("DDB_INTEROP_DIR",
                        (detail::support_dir().parent_path() / "interop").string());
}
inline std::string fixtures_dir() {
  return source_dir() + "/tests/fixtures";
}
inline std::string ddb_bin() {
  return detail::env_or("DDB_BIN", source_dir() + "/build/ddatabase");
}
inline std::string node_binary() {
  return detail::env_or("DDB_NODE", "node");
}

// True when node runs and the reference package is installed (npm ci done).
inline bool reference_available() {
  namespace fs = std::filesystem;
  if (!fs::exists(fs::path(interop_dir()) / "node_modules" / "ddatabase" / "package.json")) {
    return false;
  }
  run_options o;
  o.timeout = std::chrono::seconds(20);
  return run({node_binary(), "--version"}, o).ok();
}

// In a Boost.Test case: return early (with a message) when the reference is not installed.
#define SKIP_WITHOUT_REFERENCE()                                                            \
  do {                                                                                      \
    if (!::ddb::test::reference_available()) {                                              \
      BOOST_TEST_MESSAGE("reference not installed (cd tests/interop && npm ci): skipping"); \
      return;                                                                               \
    }                                                                                       \
  } while (0)

struct script_result {
  run_result proc;
  nlohmann::json json;  // the last non-empty stdout line parsed; null if none or not JSON

  bool ok() const { return proc.ok() && json.is_object() && !json.contains("error"); }
  std::string describe() const { return proc.describe() + " stdout: " + proc.out; }
};

// Runs `node <interop_dir>/<script> args...` (script e.g. "ref_read.js").
inline script_result run_script(const std::string& script, const std::vector<std::string>& args,
                                std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  std::vector<std::string> argv{node_binary(), interop_dir() + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options o;
  o.timeout = timeout;
  script_result r{run(argv, o), nullptr};
  auto end = r.proc.out.find_last_not_of("\r\n");
  if (end != std::string::npos) {
    auto start = r.proc.out.rfind('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    r.json = nlohmann::json::parse(r.proc.out.substr(start, end + 1 - start), nullptr, false);
    if (r.json.is_discarded()) r.json = nullptr;
  }
  return r;
}

// Like run_script, but returns the JSON object and throws std::runtime_error
// (with exit status, stderr and stdout) unless the script succeeded.
inline nlohmann::json ref_json(const std::string& script, const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  auto r = run_script(script, args, timeout);
  if (!r.ok()) throw std::runtime_error(script + " failed: " + r.describe());
  return r.json;
}

// Block i as ref_write.js / ref_append.js --gen make it (tests/interop/README.md):
// size 0: prefix + decimal(i) zero-padded to 8 digits; else size bytes,
// byte j = (i * 7 + j) % 251.
inline std::string ref_block(std::uint64_t i, std::size_t size = 0,
                             const std::string& prefix = "block-") {
  if (size == 0) {
    std::string d = std::to_string(i);
    return prefix + std::string(d.size() < 8 ? 8 - d.size() : 0, '0') + d;
  }
  std::string b(size, '\0');
  for (std::size_t j = 0; j < size; ++j) b[j] = static_cast<char>((i * 7 + j) % 251);
  return b;
}

// Lower-case hex SHA-256 (libsodium), as ref_read.js reports it.
inline std::string sha256_hex(const std::string& bytes) {
  detail::init_sodium();
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return detail::to_hex(h, sizeof h);
}

// SHA-256 of blocks [start, end) by the block rule: compare with ref_read.js "sha256".
inline std::string ref_blocks_sha256(std::uint64_t start, std::uint64_t end, std::size_t size = 0,
                                     const std::string& prefix = "block-") {
  detail::init_sodium();
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  for (std::uint64_t i = start; i < end; ++i) {
    std::string b = ref_block(i, size, prefix);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  }
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, h);
  return detail::to_hex(h, sizeof h);
}

}  // namespace ddb::test
