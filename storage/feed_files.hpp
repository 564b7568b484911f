#pragma once
// The six files of a feed in the reference layout (FORMATS.md "Files"), typed:
// headers are written and checked, tree nodes, signatures, bitfield pages and data are read and
// written at their offsets. Writes are gathered into a write_batch so that an append costs one
// write per file, issued in a crash-consistent order: data, tree, signatures, then bitfield.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/bitfield.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "storage/env.hpp"

namespace ddb {

struct write_batch {
  // Contiguous runs; consecutive appends are merged into one buffer per file.
  uint64_t data_offset = 0;
  byte_buffer data;
  uint64_t first_node = 0;       // tree entries first_node .. first_node + nodes.size()
  std::vector<tree_node> nodes;  // must be contiguous indexes starting at first_node
  // Parents completed by the batch whose index lies below first_node (at most ~log2(length) per
  // batch); each is written on its own, after `nodes`.
  std::vector<tree_node> scattered_nodes;
  // Further data runs (offset -> bytes) written after `data`: replicated blocks that are not
  // contiguous.
  std::vector<std::pair<uint64_t, byte_buffer>> data_runs;
  std::vector<std::pair<uint64_t, signature_t>> signatures;      // slot index -> signature
  std::vector<std::pair<uint64_t, byte_buffer>> bitfield_pages;  // page -> page_size bytes
  bool sync = false;  // fdatasync data, tree, signatures before the bitfield, then the bitfield
  bool empty() const {
    return data.empty() && data_runs.empty() && nodes.empty() && scattered_nodes.empty() &&
           signatures.empty() && bitfield_pages.empty();
  }
};

struct feed_files_options {
  bool create_if_missing = true;
  bool overwrite = false;   // discard whatever is stored
  bool writer_lock = true;  // take the single-writer lock
  bool store_secret_key = true;
};

// Shared by two callers: the feed engine (inside its feed actor) reads, and with deferred writes
// the feed's storage actor (actors/storage_actor.hpp) applies the write batches from another
// thread. Every call takes one lock (reads and writes also share a scratch buffer), so a read
// waits while a batch is being written; the engine serves the blocks of a batch that is not
// yet confirmed from the batch itself (feed/feed_pending.cpp).
class feed_files {
 public:
  // Opens (or creates) the files of one feed in `e`. Owns `e`.
  static result<std::unique_ptr<feed_files>> open(std::unique_ptr<env> e,
                                                  const feed_files_options& opts);
  ~feed_files();
  feed_files(const feed_files&) = delete;
  feed_files& operator=(const feed_files&) = delete;

  // key / secret_key files (nullopt when absent or all zero).
  result<std::optional<public_key>> read_key();
  result<std::optional<secret_key>> read_secret_key();
  status write_key(const public_key& pk);
  status write_secret_key(const secret_key& sk);

  // Tree nodes: nullopt when the slot is all zero or beyond the file.
  result<std::optional<tree_node>> read_node(uint64_t index);
  status read_nodes(uint64_t first, size_t n, std::vector<std::optional<tree_node>>& out);

  result<std::optional<signature_t>> read_signature(uint64_t index);
  status erase_signatures(uint64_t start, uint64_t end);

  status read_data(uint64_t offset, size_t n, uint8_t* out);
  status erase_data(uint64_t offset, uint64_t n);

  // Loads every bitfield page into `bits` (keeps the file's page size; errc::corruption on a bad
  // header).
  status load_bitfield(bitfield& bits);

  // Applies a batch in crash-consistent order (data, tree, signatures, bitfield). One batch is
  // one call under the lock; the storage actor makes these calls in the order the engine
  // prepared the batches.
  status write(const write_batch& batch);

  status sync();
  status close();
  // Closes and deletes all six files.
  status destroy();

 private:
  feed_files();
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ddb
