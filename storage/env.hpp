#pragma once
// Storage behind an interface (LevelDB's Env idea): a feed asks its env for named random-access
// files ("key", "secret_key", "tree", "data", "bitfield", "signatures"). Backends: file_env
// (a directory per feed), memory_env, and fault_env (wraps another env and injects faults).
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb {

class random_access_file {
 public:
  virtual ~random_access_file() = default;
  // Reads exactly n bytes at offset into out; corruption-free short reads are errors
  // (errc::bad_index when the range is beyond the end of the file).
  virtual status read(uint64_t offset, size_t n, uint8_t* out) = 0;
  // Writes all of `bytes` at offset, growing the file (zero-filled) as needed.
  virtual status write(uint64_t offset, byte_view bytes) = 0;
  // Frees [offset, offset + n) (punches a hole or zeroes it); reads there then return zeros.
  virtual status erase(uint64_t offset, uint64_t n) = 0;
  virtual status truncate(uint64_t size) = 0;
  virtual result<uint64_t> size() = 0;
  // Makes every completed write durable (fdatasync for files).
  virtual status sync() = 0;
  virtual status close() = 0;
};

struct open_options {
  bool create = true;           // create the file if it does not exist
  bool exclusive_lock = false;  // take the single-writer lock (errc::locked if held elsewhere)
};

class env {
 public:
  virtual ~env() = default;
  virtual result<std::unique_ptr<random_access_file>> open(const std::string& name,
                                                           const open_options& opts) = 0;
  virtual bool exists(const std::string& name) = 0;
  // Deletes every file of this feed (destroy_storage).
  virtual status destroy() = 0;
};

// A directory per feed; created on first open. The bitfield file carries an flock(2) exclusive
// lock while a writer has the feed open, as the reference's storage does.
std::unique_ptr<env> make_file_env(std::string directory);
// Everything in memory; `shared` lets several envs (or a reopen) see the same files.
class memory_store;
std::shared_ptr<memory_store> make_memory_store();
std::unique_ptr<env> make_memory_env(std::shared_ptr<memory_store> store = nullptr);

}  // namespace ddb
