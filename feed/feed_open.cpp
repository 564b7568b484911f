// Opening a feed: reconcile the stored key pair with the options, derive the length from the
// tree bits, rebuild the roots.
#include "core/flat_tree.hpp"
#include "feed/feed.hpp"

namespace ddb {

feed::feed(std::unique_ptr<feed_files> files, feed_options opts)
    : files_(std::move(files)),
      opts_(std::move(opts)),
      builder_(),
      cache_(floor_power_of_two(opts_.storage_cache_size)) {}

feed::~feed() {
  if (closed_) return;
  // Deferred: an engine dropped without close (its actor killed) drops the batches its storage
  // actor has not confirmed, as a crash would; none of their blocks was announced.
  if (deferred_) {
    prepared_puts_.clear();
    staged_ = write_batch{};
    has_staged_ = false;
  }
  close();
}

namespace {

status check_secret_matches(const public_key& key, const secret_key& sk) {
  if (crypto::public_key_of(sk) != key) {
    return make_error(errc::invalid_argument, "the secret key does not belong to the public key");
  }
  return status::ok();
}

}  // namespace

result<std::unique_ptr<feed>> feed::open(std::unique_ptr<env> storage, feed_options opts) {
  if (!crypto::init()) return make_error(errc::io_error, "libsodium failed to initialise");
  if (!storage) return make_error(errc::invalid_argument, "no storage");
  if (opts.secret_key && !opts.key) opts.key = crypto::public_key_of(*opts.secret_key);
  if (opts.secret_key) DDB_TRY(check_secret_matches(*opts.key, *opts.secret_key));
  // Refuse before touching anything: nothing stored, no key given, and creating is not allowed.
  if (!opts.create_if_missing && !opts.key && !storage->exists("key")) {
    return make_error(errc::not_found, "no feed is stored here");
  }

  feed_files_options fo;
  fo.create_if_missing = true;
  fo.overwrite = opts.overwrite;
  fo.writer_lock = opts.writer_lock;
  fo.store_secret_key = opts.store_secret_key;
  auto files = feed_files::open(std::move(storage), fo);
  if (!files) return files.error();

  std::optional<public_key> stored_key;
  std::optional<secret_key> stored_secret;
  if (!opts.overwrite) {
    auto k = (*files)->read_key();
    if (!k) return k.error();
    stored_key = *k;
    auto s = (*files)->read_secret_key();
    if (!s) return s.error();
    stored_secret = *s;
  }
  // A key file without a key (another process is creating the feed right now): when creating is
  // not allowed, never generate and write a key of our own.
  if (!opts.create_if_missing && !opts.key && !stored_key) {
    (*files)->close();
    return make_error(errc::not_found, "no feed is stored here");
  }
  if (stored_key && opts.key && *stored_key != *opts.key) {
    return make_error(errc::key_mismatch, "another feed is stored here");
  }

  std::unique_ptr<feed> f(new feed(std::move(*files), std::move(opts)));
  status st = f->load(stored_key, stored_secret);
  if (!st) {
    f->files_->close();
    f->closed_ = true;
    return st;
  }
  return f;
}

status feed::load(const std::optional<public_key>& stored_key,
                  const std::optional<secret_key>& stored_secret) {
  if (!opts_.overwrite) DDB_TRY(files_->load_bitfield(bits_));
  if (!stored_key && bits_.tree_length() > 0 && !opts_.overwrite) {
    return make_error(errc::corruption, "data is stored without a key");
  }

  bool generated = false;
  if (opts_.key) {
    key_ = *opts_.key;
  } else if (stored_key) {
    key_ = *stored_key;
  } else {
    crypto::key_pair kp = crypto::generate_key_pair(opts_.rng);
    key_ = kp.public_key;
    secret_key_ = kp.secret_key;
    generated = true;
  }
  if (opts_.secret_key) {
    secret_key_ = opts_.secret_key;
  } else if (!generated && stored_secret) {
    DDB_TRY(check_secret_matches(key_, *stored_secret));
    secret_key_ = stored_secret;
  }
  discovery_key_ = crypto::discovery_key(key_, opts_.ns);

  if (generated || !stored_key) DDB_TRY(files_->write_key(key_));
  if (secret_key_ && opts_.store_secret_key && stored_secret != secret_key_) {
    DDB_TRY(files_->write_secret_key(*secret_key_));
  }

  length_ = tree_.blocks();
  std::vector<tree_node> roots;
  for (uint64_t index : flat_tree::full_roots(2 * length_)) {
    auto n = require_node(index);
    if (!n) return make_error(errc::corruption, "missing tree root " + std::to_string(index));
    roots.push_back(*n);
  }
  builder_ = merkle_builder(std::move(roots), length_);
  byte_length_ = builder_.byte_length();
  return status::ok();
}

status feed::check_open() const {
  if (closed_) return make_error(errc::closed, "the feed is closed");
  return status::ok();
}

result<tree_node> feed::require_node(uint64_t index) {
  if (const tree_node* hit = cache_.find(index)) return *hit;
  if (!staged_nodes_.empty()) {
    auto it = staged_nodes_.find(index);
    if (it != staged_nodes_.end()) return it->second;
  }
  auto n = files_->read_node(index);
  if (!n) return n.error();
  if (!n->has_value()) {
    return make_error(errc::unavailable, "tree node " + std::to_string(index) + " is not stored");
  }
  cache_.put(**n);
  return **n;
}

result<std::optional<tree_node>> feed::node(uint64_t index) {
  if (!tree_.get(index)) return std::optional<tree_node>{};
  auto n = require_node(index);
  if (!n) return n.error();
  return std::optional<tree_node>(*n);
}

status feed::close() {
  if (closed_) return status::ok();
  // Deferred: the feed actor waits for its prepared batches before it closes. An engine closed
  // without waiting (its actor killed) writes them itself, in order; a batch its storage actor
  // writes as well is written twice with the same bytes.
  status flushed;
  while (!prepared_puts_.empty()) {
    status s = files_->write(*prepared_puts_.front().batch);
    if (!s && flushed) flushed = s;
    puts_written();
  }
  if (flushed) flushed = flush_puts();
  closed_ = true;
  status s = files_->close();
  return flushed ? s : flushed;
}

status feed::destroy_storage() {
  closed_ = true;
  return files_->destroy();
}

}  // namespace ddb
