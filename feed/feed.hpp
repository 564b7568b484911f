#pragma once
// The log engine: one feed (a signed append-only log) over its six files. Single-threaded: the
// feed actor owns one `feed` and is the only caller, so there are no locks. Synchronous by
// default; with defer_writes(true) it prepares write batches and its caller writes them (the
// storage actor, actors/storage_actor.hpp), see "deferred writes" below.
// Every operation either completes and leaves the files consistent, or returns an error and
// leaves the files as they were (bad input is rejected before anything is written).
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bitfield.hpp"
#include "core/crypto.hpp"
#include "core/merkle.hpp"
#include "core/proof_verify.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "core/tree_index.hpp"
#include "core/types.hpp"
#include "feed/hash_pool.hpp"
#include "feed/node_cache.hpp"
#include "storage/env.hpp"
#include "storage/feed_files.hpp"

namespace ddb {

struct feed_options {
  std::optional<::ddb::public_key> key;  // the feed to open; generated when absent and allowed
  std::optional<::ddb::secret_key> secret_key;  // makes the feed writable
  bool create_if_missing = true;                // generate a key pair when nothing is stored
  bool overwrite = false;                       // discard whatever is stored
  bool store_secret_key = true;                 // persist the secret key in `secret_key`
  bool writer_lock = true;                      // take the single-writer lock on the files
  bool sync_writes = false;                     // fdatasync before an append is acknowledged
  std::string ns = "ddatabase";  // discovery-key namespace ("hypercore" for hypercore 9)
  bool parallel_hashing = true;  // hash large append batches on two threads
  // Tree nodes kept in memory (the seed API's storageCacheSize): at most this many (rounded
  // down to a power of two), grown with use; 0 disables the cache (every node is read from the
  // tree file).
  size_t storage_cache_size = 65536;
  crypto::hooks crypto;  // custom sign / verify
  random_source rng;     // the key pair, when one is generated (default: libsodium's RNG)
};

struct signature_info {
  uint64_t index = 0;  // the last block the signature covers
  signature_t signature{};
};

struct seek_result {
  uint64_t index = 0;   // the block holding the byte
  uint64_t offset = 0;  // the byte's offset inside that block
};

struct proof_reply {
  std::vector<tree_node> nodes;          // in the order the reference sends them
  std::optional<signature_t> signature;  // when the proof ends at signed roots
};

// One replicated block (or hash, without a value) with its proof, as a Data message carries it.
struct put_item {
  uint64_t index = 0;
  std::optional<byte_buffer> value;
  std::vector<tree_node> nodes;
  std::optional<signature_t> signature;
  // crypto::leaf_hash(*value) when the caller computed it already (feed::leaf_hashes hashes a
  // batch of received blocks on two threads). REQUIRES: exactly that hash, or nullopt.
  std::optional<hash_t> leaf_hash;
};

struct audit_report {
  uint64_t valid = 0;
  uint64_t invalid = 0;
};

class feed {
 public:
  // Opens or creates the feed stored in `storage`. Takes ownership of `storage`.
  static result<std::unique_ptr<feed>> open(std::unique_ptr<env> storage, feed_options opts);
  ~feed();
  feed(const feed&) = delete;
  feed& operator=(const feed&) = delete;

  const public_key& key() const { return key_; }
  const hash_t& discovery_key() const { return discovery_key_; }
  uint64_t length() const { return length_; }
  uint64_t byte_length() const { return byte_length_; }
  bool writable() const { return secret_key_.has_value() && !closed_; }
  bool readable() const { return !closed_; }
  bool closed() const { return closed_; }
  const std::vector<tree_node>& roots() const { return builder_.roots(); }

  // Appends blocks as one batch: one signature and one write per file. Returns the index of
  // the first appended block. Rejects the whole batch (writing nothing) on any bad block.
  result<uint64_t> append(const std::vector<byte_view>& blocks);
  result<uint64_t> append(const std::vector<byte_buffer>& blocks);

  // A locally stored block. errc::bad_index beyond the length, errc::unavailable when the block
  // is within the length but not stored here.
  result<byte_buffer> get(uint64_t index);
  // Blocks [start, end) in two reads (tree, data); every block must be stored.
  status get_batch(uint64_t start, uint64_t end, std::vector<byte_buffer>& out);

  bool has(uint64_t index) const { return bits_.get(index); }
  bool has(uint64_t start, uint64_t end) const { return bits_.all(start, end); }
  uint64_t downloaded(uint64_t start, uint64_t end) const { return bits_.count(start, end); }
  uint64_t downloaded() const { return bits_.count(0, length_); }

  // Drops blocks [start, end) from the local store (bits cleared, data bytes freed).
  status clear(uint64_t start, uint64_t end);
  // Byte offset -> (block, offset in block). byte_length maps to (length, 0).
  result<seek_result> seek(uint64_t byte_offset);
  // The first stored signature at or after `index` (default: the latest block).
  result<signature_info> signature(std::optional<uint64_t> index = std::nullopt);
  // Whether `sig` signs the tree of length index + 1.
  result<bool> verify(uint64_t index, const signature_t& sig);
  // The full roots of the tree of length index + 1.
  result<std::vector<tree_node>> root_hashes(uint64_t index);
  // Re-hashes every stored block; clears those that do not match their leaf.
  result<audit_report> audit();

  status close();
  // Closes and deletes every file of this feed.
  status destroy_storage();

  // --- replication ---
  // The proof a peer needs for block `index` given its digest (Request.nodes); with `hash`, the
  // leaf itself comes first and no value is needed. errc::unavailable if we lack the block.
  result<proof_reply> proof(uint64_t index, uint64_t digest, bool hash);
  // Verifies a replicated block against what we trust (stored nodes or a signature by our key)
  // and stages it for writing; `stored` tells whether it was new. Nothing unverified is ever
  // staged. Staged puts become durable, as one batch, at flush_puts() (called by every read).
  // `before_write` (optional) sees each verified block first; an error refuses it. A stored
  // value is moved into the pending batch (item.value is then reset).
  using write_hook = std::function<status(uint64_t index, byte_view data)>;
  status put(put_item& item, bool& stored, const write_hook& before_write = {});
  // out[i] = crypto::leaf_hash(blocks[i]); large batches on two threads (parallel_hashing). Used
  // for appended batches and for batches of received blocks alike.
  void leaf_hashes(const std::vector<byte_view>& blocks, std::vector<hash_t>& out);
  // Writes the staged puts now (REQUIRES: no prepared batch is waiting to be written).
  status flush_puts();
  // The data bits of [start, start + 8 * n) as bytes, bit 0x80 first. REQUIRES: start % 8192 == 0.
  byte_buffer data_bits(uint64_t start, uint64_t n);
  const tree_index& tree() const { return tree_; }

  // For the replication layer and tests: a tree node we hold (nullopt when absent).
  result<std::optional<tree_node>> node(uint64_t index);
  const bitfield& bits() const { return bits_; }

  // --- deferred writes (the feed actor and its storage actor) ---
  // Off by default: every write happens inside the call that needs it. On: the caller writes
  // the batches. prepare_append builds an append's batch (hashed, signed, its bits set) and
  // finish_append completes it once the batch is on disk (or rolls it back on an error);
  // prepare_puts moves the staged puts into a batch and puts_written retires the oldest one.
  // Batches must be written in the order they were prepared, each with feed_files::write on
  // files(). Until a put batch is retired, reads of its nodes, data and signatures are served
  // from the batch itself; has() already counts its blocks, unwritten() tells them apart.
  // append, clear and audit REQUIRE quiet() (nothing staged or prepared); reads never write.
  void defer_writes(bool on) { deferred_ = on; }
  bool deferred() const { return deferred_; }
  // Shared with the storage actor, which writes the prepared batches (feed_files is locked).
  const std::shared_ptr<feed_files>& files() const { return files_; }
  struct prepared_append {
    uint64_t first = 0;
    std::shared_ptr<const write_batch> batch;  // null for an empty append (nothing to write)
  };
  // REQUIRES: quiet(), and no prepared append. Rejects the whole batch (preparing nothing) on
  // any bad block, as append() does.
  result<prepared_append> prepare_append(const std::vector<byte_view>& blocks);
  // `written`: what writing the prepared append's batch returned. Returns its first index.
  result<uint64_t> finish_append(const status& written);
  // The staged puts as one batch, or null when nothing is staged.
  std::shared_ptr<const write_batch> prepare_puts();
  void puts_written();
  bool quiet() const { return !has_staged_ && prepared_puts_.empty(); }
  size_t puts_in_flight() const { return prepared_puts_.size(); }
  // Whether a block of [start, end) is staged or in a prepared put batch (not yet on disk).
  bool unwritten(uint64_t start, uint64_t end) const;
  uint64_t unwritten_count(uint64_t start, uint64_t end) const;
  // The length that is on disk: length() once the prepared put batches are written.
  uint64_t written_length() const { return quiet() ? length_ : written_length_; }

 private:
  feed(std::unique_ptr<feed_files> files, feed_options opts);
  status load(const std::optional<public_key>& stored_key,
              const std::optional<secret_key>& stored_secret);
  result<tree_node> require_node(uint64_t index);
  result<uint64_t> data_offset(uint64_t block);
  status write_dirty_bits();
  status check_open() const;
  // Before a read: writes the staged puts (synchronous mode only; deferred reads use overlay_).
  status flush_for_read() { return deferred_ ? status::ok() : flush_puts(); }
  // File reads that also see the staged and prepared put batches (feed_pending.cpp).
  status read_data(uint64_t offset, size_t n, uint8_t* out);
  status read_nodes(uint64_t first, size_t n, std::vector<std::optional<tree_node>>& out);
  result<std::optional<signature_t>> read_signature(uint64_t slot);
  bool has_overlay() const { return !quiet(); }
  // A verified put's nodes against the stored tree: the same index with another hash is a
  // fork; a longer signed tree must link every current root (errc::unlinked otherwise).
  status check_consistent(const verified_data& v);
  // A put's value (or hash-only answer) against its proof and what we trust.
  result<verified_data> verify_put(const put_item& item);
  void rollback_append(uint64_t old_length, uint64_t count,
                       const std::vector<tree_node>& old_roots);

  std::shared_ptr<feed_files> files_;
  feed_options opts_;
  bitfield bits_;
  tree_index tree_{bits_};
  merkle_builder builder_;
  node_cache cache_;
  public_key key_{};
  std::optional<secret_key> secret_key_;
  hash_t discovery_key_{};
  uint64_t length_ = 0;
  uint64_t byte_length_ = 0;
  bool closed_ = false;
  // Scratch buffers reused by append (hot path).
  std::vector<tree_node> produced_;
  std::shared_ptr<write_batch> batch_ = std::make_shared<write_batch>();
  std::unique_ptr<hash_pool> hashers_;  // created on the first large batch
  std::vector<hash_t> leaf_hashes_;
  // Sequential gets (a peer downloading in order) read ahead in one batch.
  struct readahead {
    uint64_t start = 0;
    std::vector<byte_buffer> blocks;
    std::vector<bool> taken;  // blocks[i] was moved out by get()
  };
  readahead ahead_;
  uint64_t last_get_ = UINT64_MAX;
  // The last signature read (every proof of a linear download asks for the same one).
  std::optional<signature_info> last_signature_;
  // Staged replicated puts: their nodes (readable before the flush) and one pending batch.
  // Nodes stay in staged_nodes_ until their batch is written.
  std::unordered_map<uint64_t, tree_node> staged_nodes_;
  write_batch staged_;
  bool has_staged_ = false;
  // Deferred writes: put batches prepared and not yet written (oldest first), the blocks they
  // and the staged puts hold, the length on disk, and the append being written.
  bool deferred_ = false;
  struct prepared_puts {
    std::shared_ptr<write_batch> batch;
    std::vector<uint64_t> blocks;
    uint64_t length = 0;  // length() once this batch is written
  };
  std::deque<prepared_puts> prepared_puts_;
  std::vector<uint64_t> staged_blocks_;
  std::set<uint64_t> unwritten_;
  uint64_t written_length_ = 0;
  struct append_in_flight {
    uint64_t first = 0;
    uint64_t count = 0;
    std::vector<tree_node> old_roots;
  };
  std::optional<append_in_flight> appending_;
  // Signature slots a failed append may have written and that could not be erased since.
  std::vector<uint64_t> stale_signatures_;
};

}  // namespace ddb
