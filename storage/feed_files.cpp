// feed_files: the six files of a feed in the reference layout (storage/format.md).
#include "storage/feed_files.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>

#include "core/endian.hpp"
#include "storage/bitfield_journal.hpp"
#include "storage/format.hpp"

namespace ddb {
namespace {

enum file_id : size_t { key_file, secret_key_file, tree_file, data_file, bitfield_file, sig_file };
constexpr size_t file_count = 6;
constexpr const char* file_names[file_count] = {"key",  "secret_key", "tree",
                                                "data", "bitfield",   "signatures"};
// Bitfield pages read per call by load_bitfield (~229 KB).
constexpr uint64_t pages_per_read = 64;

bool all_zero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

std::array<uint8_t, format::header_size> make_header(format::file_type type, uint16_t entry_size,
                                                     const char* algorithm) {
  std::array<uint8_t, format::header_size> h{};
  std::memcpy(h.data(), format::magic, 3);
  h[3] = static_cast<uint8_t>(type);
  h[4] = format::version;
  h[5] = static_cast<uint8_t>(entry_size >> 8);
  h[6] = static_cast<uint8_t>(entry_size);
  if (algorithm != nullptr) {
    size_t n = std::strlen(algorithm);
    h[7] = static_cast<uint8_t>(n);
    std::memcpy(h.data() + 8, algorithm, n);
  }
  return h;
}

status bad_header(const char* file, const std::string& why) {
  return make_error(errc::corruption, std::string(file) + ": bad header: " + why);
}

// What is wrong with header `got` compared with `want` (empty string when they match).
std::string header_mismatch(const uint8_t* got, const uint8_t* want) {
  if (std::memcmp(got, want, 3) != 0) return "bad magic";
  if (got[3] != want[3]) return "file type " + std::to_string(got[3]);
  if (got[4] != want[4]) return "unsupported version " + std::to_string(got[4]);
  if (got[5] != want[5] || got[6] != want[6])
    return "entry size " + std::to_string(got[5] * 256 + got[6]);
  if (std::memcmp(got + 7, want + 7, format::header_size - 7) != 0) return "algorithm name";
  return {};
}

}  // namespace

struct feed_files::impl {
  // Every public call holds it: the feed actor reads while its storage actor writes (reads and
  // writes also share `scratch`). Recursive: read_node and destroy call their siblings.
  std::recursive_mutex mu;
  std::unique_ptr<env> e;
  std::array<std::unique_ptr<random_access_file>, file_count> files;
  feed_files_options opts;
  uint16_t bitfield_page_size = format::bitfield_entry_size;
  byte_buffer scratch;  // reused by writes and reads to avoid per-batch allocations
  // bitfield.journal, opened on first use (most feeds never had one).
  std::unique_ptr<random_access_file> journal;
  // The journal may hold a record: a bitfield write failed and putting its pages back did too.
  bool journal_pending = false;
  // A whole record found by an open without the writer lock: load_bitfield shows the bitfield
  // as it was before the unfinished batch (the writer puts it back on its next open).
  std::optional<journal::undo_record> reader_undo;

  result<random_access_file*> file(file_id id) {
    if (!files[id]) return make_error(errc::closed, std::string("feed files are closed"));
    return files[id].get();
  }

  // The key files: nullopt when shorter than the key or all zero.
  template <class T>
  result<std::optional<T>> read_fixed(file_id id) {
    auto f = file(id);
    if (!f) return f.error();
    auto size = (*f)->size();
    if (!size) return size.error();
    T out{};
    if (*size < out.size()) return std::optional<T>();
    DDB_TRY((*f)->read(0, out.size(), out.data()));
    if (all_zero(out.data(), out.size())) return std::optional<T>();
    return std::optional<T>(out);
  }

  status open_files() {
    open_options o;
    o.create = true;
    o.exclusive_lock = opts.writer_lock;
    // The bitfield first: it carries the writer lock, so a locked feed fails before we touch it.
    static constexpr file_id order[] = {bitfield_file, key_file,  secret_key_file,
                                        tree_file,     data_file, sig_file};
    for (file_id id : order) {
      auto f = e->open(file_names[id], o);
      if (!f) return f.error();
      files[id] = std::move(*f);
      o.exclusive_lock = false;
    }
    return status::ok();
  }

  // Writes the header into an empty file, or checks the one that is there.
  status header(file_id id, format::file_type type, uint16_t entry_size, const char* algorithm,
                bool keep_entry_size) {
    random_access_file& f = *files[id];
    auto size = f.size();
    if (!size) return size.error();
    auto want = make_header(type, entry_size, algorithm);
    if (*size == 0) return f.write(0, want);
    if (*size < format::header_size) {
      return bad_header(file_names[id], "file is only " + std::to_string(*size) + " bytes");
    }
    uint8_t got[format::header_size];
    DDB_TRY(f.read(0, format::header_size, got));
    if (keep_entry_size) {
      want[5] = got[5];
      want[6] = got[6];
      bitfield_page_size = static_cast<uint16_t>(got[5] << 8 | got[6]);
      if (bitfield_page_size == 0) return bad_header(file_names[id], "page size 0");
    }
    std::string why = header_mismatch(got, want.data());
    if (!why.empty()) return bad_header(file_names[id], why);
    return status::ok();
  }

  status headers() {
    using format::file_type;
    DDB_TRY(
        header(tree_file, file_type::tree, format::tree_entry_size, format::tree_algorithm, false));
    DDB_TRY(header(sig_file, file_type::signatures, format::signature_entry_size,
                   format::signature_algorithm, false));
    return header(bitfield_file, file_type::bitfield, format::bitfield_entry_size, nullptr, true);
  }

  status check_page_size() const {
    if (bitfield_page_size == bitfield::page_size) return status::ok();
    return make_error(errc::corruption, "bitfield: unsupported page size " +
                                            std::to_string(bitfield_page_size) + " (expected " +
                                            std::to_string(bitfield::page_size) + ")");
  }

  static void put_node(uint8_t* out, const tree_node& n) {
    std::memcpy(out, n.hash.data(), 32);
    put_u64be(out + 32, n.size);
  }

  // The contiguous run in one write, then each scattered parent on its own.
  status write_tree(const write_batch& b) {
    if (!b.nodes.empty()) {
      scratch.resize(b.nodes.size() * format::tree_entry_size);
      for (size_t i = 0; i < b.nodes.size(); ++i) {
        put_node(scratch.data() + i * format::tree_entry_size, b.nodes[i]);
      }
      DDB_TRY(files[tree_file]->write(format::tree_offset(b.first_node), scratch));
    }
    for (const tree_node& n : b.scattered_nodes) {
      uint8_t entry[format::tree_entry_size];
      put_node(entry, n);
      DDB_TRY(
          files[tree_file]->write(format::tree_offset(n.index), byte_view(entry, sizeof(entry))));
    }
    return status::ok();
  }

  // Entries (index -> bytes) at header_size + index * entry_size: one write per run of
  // consecutive indexes (signature slots, bitfield pages).
  template <class Entries>
  status write_runs(file_id id, const Entries& entries, size_t entry_size) {
    for (size_t i = 0; i < entries.size();) {
      size_t j = i + 1;
      while (j < entries.size() && entries[j].first == entries[j - 1].first + 1) ++j;
      scratch.resize((j - i) * entry_size);
      for (size_t k = i; k < j; ++k) {
        std::memcpy(scratch.data() + (k - i) * entry_size, entries[k].second.data(), entry_size);
      }
      DDB_TRY(files[id]->write(format::header_size + entries[i].first * entry_size, scratch));
      i = j;
    }
    return status::ok();
  }

  status validate(const write_batch& b) const {
    for (size_t i = 0; i < b.nodes.size(); ++i) {
      if (b.nodes[i].index != b.first_node + i) {
        return make_error(errc::invalid_argument, "write_batch: tree nodes are not contiguous");
      }
    }
    if (b.bitfield_pages.empty()) return status::ok();
    DDB_TRY(check_page_size());
    for (const auto& [page, bytes] : b.bitfield_pages) {
      if (bytes.size() != bitfield_page_size) {
        return make_error(errc::invalid_argument, "write_batch: bitfield page " +
                                                      std::to_string(page) + " has " +
                                                      std::to_string(bytes.size()) + " bytes");
      }
    }
    return status::ok();
  }

  status open_journal(bool create) {
    if (journal || (!create && !e->exists(journal::file_name))) return status::ok();
    open_options o;
    o.create = true;
    auto f = e->open(journal::file_name, o);
    if (!f) return f.error();
    journal = std::move(*f);
    return status::ok();
  }

  // What the batch's bitfield pages hold now, in a file of `size` bytes.
  status read_undo(const write_batch& b, uint64_t size, journal::undo_record& undo) {
    const uint64_t ps = bitfield_page_size;
    undo.file_size = size;
    for (const auto& [page, unused] : b.bitfield_pages) {
      const uint64_t off = format::header_size + page * ps;
      if (off >= size) continue;
      byte_buffer old(ps, 0);
      DDB_TRY(files[bitfield_file]->read(off, size_t(std::min(ps, size - off)), old.data()));
      undo.pages.emplace_back(page, std::move(old));
    }
    return status::ok();
  }

  // Puts the pages back and the file's size with them.
  status restore(const journal::undo_record& undo) {
    DDB_TRY(write_runs(bitfield_file, undo.pages, bitfield_page_size));
    random_access_file& f = *files[bitfield_file];
    auto size = f.size();
    if (!size) return size.error();
    if (*size > undo.file_size) DDB_TRY(f.truncate(undo.file_size));
    return f.sync();
  }

  // The batch's bitfield pages, all or nothing (storage/bitfield_journal.hpp): the undo record,
  // the pages, then an empty journal. When the pages fail, they are put back at once.
  status write_bitfield(const write_batch& b) {
    DDB_TRY(check_page_size());
    if (journal_pending) DDB_TRY(recover_journal());
    auto size = files[bitfield_file]->size();
    if (!size) return size.error();
    journal::undo_record undo;
    DDB_TRY(read_undo(b, *size, undo));
    DDB_TRY(open_journal(true));
    DDB_TRY(journal->write(0, journal::encode(undo, bitfield_page_size)));
    if (b.sync) DDB_TRY(journal->sync());
    status st = write_runs(bitfield_file, b.bitfield_pages, bitfield_page_size);
    if (st && b.sync) st = files[bitfield_file]->sync();
    if (!st) {
      journal_pending = !restore(undo) || !journal->truncate(0);
      return st;
    }
    DDB_TRY(journal->truncate(0));
    // Durably empty, or a power loss could bring the record back and undo a synced batch.
    return b.sync ? journal->sync() : status::ok();
  }

  // Undoes the batch a crash or a failed write interrupted: a whole record's pages are put back
  // (by a writer) or kept for load_bitfield (by a reader); a torn record is dropped.
  status recover_journal() {
    DDB_TRY(open_journal(false));
    if (!journal) return status::ok();
    auto size = journal->size();
    if (!size) return size.error();
    if (*size == 0) {
      journal_pending = false;
      return status::ok();
    }
    if (*size > journal::max_record_bytes) {
      return make_error(errc::corruption, std::string(journal::file_name) + ": " +
                                              std::to_string(*size) +
                                              " bytes, more than any batch writes");
    }
    byte_buffer bytes(*size);
    DDB_TRY(journal->read(0, bytes.size(), bytes.data()));
    auto undo = journal::decode(bytes, bitfield_page_size);
    if (!opts.writer_lock) {
      reader_undo = std::move(undo);
      return status::ok();
    }
    if (undo) {
      DDB_TRY(check_page_size());
      DDB_TRY(restore(*undo));
    }
    DDB_TRY(journal->truncate(0));
    journal_pending = false;
    return status::ok();
  }

  // Loads the pages in `bytes` bytes from page first_page. All-zero pages are skipped to save
  // memory, except the file's last page (`last`): the reference counts every page of the file
  // when it bounds its index updates, so the bitfield must know how many there are.
  status load_chunk(bitfield& bits, uint64_t first_page, size_t bytes, uint64_t last) {
    const size_t ps = bitfield_page_size;
    scratch.resize((bytes + ps - 1) / ps * ps);
    std::fill(scratch.begin() + bytes, scratch.end(), 0);  // a torn last page reads as zeros
    DDB_TRY(
        files[bitfield_file]->read(format::header_size + first_page * ps, bytes, scratch.data()));
    for (size_t off = 0; off < scratch.size(); off += ps) {
      if (first_page + off / ps != last && all_zero(scratch.data() + off, ps)) continue;
      DDB_TRY(bits.load_page(first_page + off / ps, byte_view(scratch.data() + off, ps)));
    }
    return status::ok();
  }
};

feed_files::feed_files() : impl_(std::make_unique<impl>()) {}

feed_files::~feed_files() {
  close();
}

result<std::unique_ptr<feed_files>> feed_files::open(std::unique_ptr<env> e,
                                                     const feed_files_options& opts) {
  if (!e) return make_error(errc::invalid_argument, "feed_files::open: no env");
  if (!opts.create_if_missing && !e->exists(file_names[key_file])) {
    return make_error(errc::not_found, "no feed is stored here");
  }
  std::unique_ptr<feed_files> ff(new feed_files());
  impl& m = *ff->impl_;
  m.e = std::move(e);
  m.opts = opts;
  DDB_TRY(m.open_files());
  if (!opts.create_if_missing) {
    auto key = ff->read_key();
    if (!key) return key.error();
    if (!*key) return make_error(errc::not_found, "no feed is stored here (key is empty)");
  }
  if (opts.overwrite) {
    for (auto& f : m.files) DDB_TRY(f->truncate(0));
    DDB_TRY(m.open_journal(false));
    if (m.journal) DDB_TRY(m.journal->truncate(0));
  }
  DDB_TRY(m.headers());
  DDB_TRY(m.recover_journal());
  return ff;
}

result<std::optional<public_key>> feed_files::read_key() {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  return impl_->read_fixed<public_key>(key_file);
}

result<std::optional<secret_key>> feed_files::read_secret_key() {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  return impl_->read_fixed<secret_key>(secret_key_file);
}

status feed_files::write_key(const public_key& pk) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  auto f = impl_->file(key_file);
  if (!f) return f.error();
  // The key is the feed's identity: without it nothing else can be read, so it is made
  // durable at once (power loss must never leave data without its key).
  DDB_TRY((*f)->write(0, pk));
  return (*f)->sync();
}

status feed_files::write_secret_key(const secret_key& sk) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  auto f = impl_->file(secret_key_file);
  if (!f) return f.error();
  if (!impl_->opts.store_secret_key) return status::ok();
  DDB_TRY((*f)->write(0, sk));
  return (*f)->sync();
}

result<std::optional<tree_node>> feed_files::read_node(uint64_t index) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  std::vector<std::optional<tree_node>> out;
  DDB_TRY(read_nodes(index, 1, out));
  return out[0];
}

status feed_files::read_nodes(uint64_t first, size_t n,
                              std::vector<std::optional<tree_node>>& out) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  out.assign(n, std::nullopt);
  auto f = impl_->file(tree_file);
  if (!f) return f.error();
  auto size = (*f)->size();
  if (!size) return size.error();
  uint64_t start = format::tree_offset(first);
  if (n == 0 || start >= *size) return status::ok();
  // Entries past the end of the file (or cut by it) are absent.
  size_t avail = size_t(std::min<uint64_t>(n, (*size - start) / format::tree_entry_size));
  byte_buffer& buf = impl_->scratch;
  buf.resize(avail * format::tree_entry_size);
  DDB_TRY((*f)->read(start, buf.size(), buf.data()));
  for (size_t i = 0; i < avail; ++i) {
    const uint8_t* p = buf.data() + i * format::tree_entry_size;
    if (all_zero(p, format::tree_entry_size)) continue;
    tree_node node;
    node.index = first + i;
    std::memcpy(node.hash.data(), p, 32);
    node.size = get_u64be(p + 32);
    out[i] = node;
  }
  return status::ok();
}

result<std::optional<signature_t>> feed_files::read_signature(uint64_t index) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  auto f = impl_->file(sig_file);
  if (!f) return f.error();
  auto size = (*f)->size();
  if (!size) return size.error();
  uint64_t off = format::signature_offset(index);
  if (off + format::signature_entry_size > *size) return std::optional<signature_t>();
  signature_t sig;
  DDB_TRY((*f)->read(off, sig.size(), sig.data()));
  if (all_zero(sig.data(), sig.size())) return std::optional<signature_t>();
  return std::optional<signature_t>(sig);
}

status feed_files::erase_signatures(uint64_t start, uint64_t end) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  auto f = impl_->file(sig_file);
  if (!f) return f.error();
  if (end <= start) return status::ok();
  return (*f)->erase(format::signature_offset(start), (end - start) * format::signature_entry_size);
}

status feed_files::read_data(uint64_t offset, size_t n, uint8_t* out) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  auto f = impl_->file(data_file);
  if (!f) return f.error();
  return (*f)->read(offset, n, out);
}

status feed_files::erase_data(uint64_t offset, uint64_t n) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  auto f = impl_->file(data_file);
  if (!f) return f.error();
  return (*f)->erase(offset, n);
}

status feed_files::load_bitfield(bitfield& bits) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  auto f = impl_->file(bitfield_file);
  if (!f) return f.error();
  DDB_TRY(impl_->check_page_size());
  auto size = (*f)->size();
  if (!size) return size.error();
  const auto& undo = impl_->reader_undo;
  const uint64_t file_size = undo ? std::min(*size, undo->file_size) : *size;
  const uint64_t ps = impl_->bitfield_page_size;
  uint64_t total = file_size > format::header_size ? file_size - format::header_size : 0;
  const uint64_t last = (total + ps - 1) / ps - 1;
  for (uint64_t done = 0; done < total;) {
    uint64_t chunk = std::min<uint64_t>(total - done, pages_per_read * ps);
    DDB_TRY(impl_->load_chunk(bits, done / ps, size_t(chunk), last));
    done += chunk;
  }
  if (undo) {
    for (const auto& [page, bytes] : undo->pages) DDB_TRY(bits.load_page(page, bytes));
  }
  return status::ok();
}

status feed_files::write(const write_batch& batch) {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  if (!impl_->files[data_file]) return make_error(errc::closed, "feed files are closed");
  impl& m = *impl_;
  DDB_TRY(m.validate(batch));
  if (!batch.data.empty()) DDB_TRY(m.files[data_file]->write(batch.data_offset, batch.data));
  for (const auto& [offset, bytes] : batch.data_runs) {
    if (!bytes.empty()) DDB_TRY(m.files[data_file]->write(offset, bytes));
  }
  DDB_TRY(m.write_tree(batch));
  DDB_TRY(m.write_runs(sig_file, batch.signatures, format::signature_entry_size));
  if (batch.sync) {
    // Everything the bitfield will point at must be durable before the bitfield is.
    if (!batch.data.empty() || !batch.data_runs.empty()) DDB_TRY(m.files[data_file]->sync());
    if (!batch.nodes.empty() || !batch.scattered_nodes.empty()) DDB_TRY(m.files[tree_file]->sync());
    if (!batch.signatures.empty()) DDB_TRY(m.files[sig_file]->sync());
  }
  if (batch.bitfield_pages.empty()) return status::ok();
  return m.write_bitfield(batch);
}

status feed_files::sync() {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  for (auto& f : impl_->files) {
    if (!f) return make_error(errc::closed, "feed files are closed");
    DDB_TRY(f->sync());
  }
  return status::ok();
}

status feed_files::close() {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  status first;
  if (impl_->journal) first = impl_->journal->close();
  impl_->journal.reset();
  for (auto& f : impl_->files) {
    if (!f) continue;
    status s = f->close();
    if (!s && first) first = s;
    f.reset();
  }
  return first;
}

status feed_files::destroy() {
  std::lock_guard<std::recursive_mutex> lock(impl_->mu);
  status s = close();
  status d = impl_->e ? impl_->e->destroy() : status::ok();
  return s ? d : s;
}

}  // namespace ddb
