#pragma once
// A fault-injecting env (LevelDB's fault_injection_test idea) for crash tests and the simulator.
//
// A fault_injector owns a base env (file or memory) and the fault plan; make_fault_env() returns
// envs that route every file operation through the injector. Several envs may share one injector
// (a feed reopened after a crash goes through the same injector and sees the same files).
//
// Faults, all decided by the injector's own splitmix64 PRNG seeded from fault_config::seed, so a
// seed and a sequence of calls determine every fault (no std::random_device, no clock):
//  - write failures: the Nth write (counting writes to fail_file only, when set) fails with
//    errc::io_error (EIO) or errc::no_space (ENOSPC); with fail_file set and fail_at_write == 0
//    every write to that file fails; fail_all_after keeps failing later writes (a full disk).
//  - torn writes: the failing write first stores a prefix of its bytes (random length unless
//    torn_bytes is set), then returns the error.
//  - sync failures: the Nth sync fails with errc::io_error; its writes stay unsynced.
//  - crashes: with track_unsynced, every write/erase/truncate since the file's last successful
//    sync keeps an undo record; simulate_crash() closes every open handle (later calls on them
//    fail with errc::io_error) and reverts unsynced operations, keeping none, a random prefix per
//    file, or a random prefix of the global order (crash_mode); crash_tears also keeps a random
//    byte prefix of the first dropped write.
//  - bit flips: on read (one random bit of a read's output, with probability 1/flip_read_one_in,
//    only for flip_file when set), or in stored bytes (flip_stored_bit, flip_random_stored_bit).
//  - recording: with record_ops, every operation is appended to ops() (name, kind, range, ok), so
//    tests can check the order in which files were written.
//
// Thread-safety: every operation takes the injector's mutex; I/O through one injector is
// serialized. The base env is used only while that mutex is held.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/splitmix.hpp"
#include "core/types.hpp"
#include "storage/env.hpp"

namespace ddb {

// splitmix64: a tiny, fast, deterministic generator (Steele, Lea, Flood 2014).
class fault_rng {
 public:
  explicit fault_rng(uint64_t seed) : state_(seed) {}
  uint64_t next() { return splitmix64(state_); }
  // Uniform in [0, n); 0 when n == 0.
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  uint64_t state_;
};

enum class crash_mode : uint8_t {
  drop_unsynced,         // every unsynced operation is lost
  keep_prefix_per_file,  // each file independently keeps a random prefix of its unsynced ops
  keep_prefix_global,    // a random prefix of the global operation order survives
};

struct fault_config {
  uint64_t seed = 0;
  // Write failures.
  uint64_t fail_at_write = 0;  // 1-based; 0 = never (unless fail_file is set, see above)
  std::string fail_file;       // "" = count writes to every file
  bool fail_all_after = false;
  errc fail_with = errc::io_error;  // errc::io_error or errc::no_space
  bool torn = false;                // the failing write stores a prefix first
  int64_t torn_bytes = -1;          // prefix length; < 0 = random in [0, n)
  // Sync failures.
  uint64_t fail_at_sync = 0;  // 1-based; 0 = never
  // Crash simulation.
  bool track_unsynced = true;
  crash_mode on_crash = crash_mode::drop_unsynced;
  bool crash_tears = false;
  // Bit flips on read.
  uint64_t flip_read_one_in = 0;  // 0 = never
  std::string flip_file;          // "" = any file
  // Operation trace.
  bool record_ops = false;
};

enum class fault_op_kind : uint8_t { open, read, write, erase, truncate, sync, close };

struct fault_op {
  std::string file;
  fault_op_kind kind = fault_op_kind::open;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool ok = true;
};

struct fault_stats {
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t syncs = 0;
  uint64_t injected = 0;  // faults injected (failed writes/syncs, torn writes, flips)
  uint64_t crashes = 0;
  uint64_t dropped = 0;  // unsynced operations reverted by crashes
};

class fault_injector {
 public:
  fault_injector(std::unique_ptr<env> base, fault_config cfg);
  ~fault_injector();
  fault_injector(const fault_injector&) = delete;
  fault_injector& operator=(const fault_injector&) = delete;

  // Replaces the plan, reseeds the PRNG and restarts the write count that fail_at_write refers
  // to; stats, undo records and the trace are kept.
  void configure(fault_config cfg);
  uint64_t seed() const;

  // Drops unsynced operations as configured and invalidates every open handle (releasing
  // their locks). Files can be reopened through any env of this injector afterwards.
  status simulate_crash();
  // Flips bit `bit` (0..7, mask 0x80 >> bit) of stored byte `offset` of `name`.
  status flip_stored_bit(const std::string& name, uint64_t offset, unsigned bit);
  // Flips one random bit of `name` (within [from, size)); returns the flipped bit's position
  // (byte * 8 + bit).
  result<uint64_t> flip_random_stored_bit(const std::string& name, uint64_t from = 0);

  fault_stats stats() const;
  std::vector<fault_op> ops() const;
  void clear_ops();
  // Number of operations on `name` that a crash would drop now.
  size_t unsynced(const std::string& name) const;

  env& base();

 private:
  friend class fault_file;
  friend class fault_env;
  struct state;
  std::unique_ptr<state> s_;
};

// Builds an injector over `base`.
std::shared_ptr<fault_injector> make_fault_injector(std::unique_ptr<env> base,
                                                    fault_config cfg = {});
// An env whose files go through `injector`. Shares ownership of the injector.
std::unique_ptr<env> make_fault_env(std::shared_ptr<fault_injector> injector);

}  // namespace ddb
