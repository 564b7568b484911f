#pragma once
// A small synchronous facade over a feed actor for programs that do not want to write actors:
// each call sends one request and blocks for the reply. Borrows the actor system, which must
// outlive the client. Not thread-safe: use one client per thread (the client keeps one blocking
// actor for its requests, so it is movable but not copyable).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/feed_actor.hpp"
#include "core/result.hpp"
#include "feed/feed.hpp"
#include "messages/feed_actor.hpp"

namespace ddb {

class feed_client {
 public:
  feed_client(caf::actor_system& sys, feed_actor actor);
  feed_client(feed_client&&) noexcept = default;
  feed_client& operator=(feed_client&&) noexcept = default;
  feed_client(const feed_client&) = delete;
  feed_client& operator=(const feed_client&) = delete;
  ~feed_client();

  // Opens (or creates) the feed in `storage` and spawns its actor.
  static result<feed_client> open(caf::actor_system& sys, std::unique_ptr<env> storage,
                                  feed_options opts = {}, feed_actor_options actor_opts = {});
  // Same, with the file backend in `directory`.
  static result<feed_client> open(caf::actor_system& sys, const std::string& directory,
                                  feed_options opts = {}, feed_actor_options actor_opts = {});

  const feed_actor& actor() const { return actor_; }

  result<uint64_t> append(block_list blocks);
  result<uint64_t> append(byte_view block);
  result<byte_buffer> get(uint64_t index, get_options opts = {});
  // The same, calling on_wait() first when the block is not stored here and the get is going to
  // wait for it to be downloaded (the seed API's onwait).
  result<byte_buffer> get(uint64_t index, get_options opts, const std::function<void()>& on_wait);
  result<block_list> get_batch(uint64_t start, uint64_t end, get_options opts = {});
  result<byte_buffer> head(get_options opts = {});
  result<bool> has(uint64_t index);
  result<bool> has(uint64_t start, uint64_t end);
  result<uint64_t> downloaded(uint64_t start, uint64_t end);
  status clear(uint64_t start, uint64_t end);
  status cancel(uint64_t start, uint64_t end);
  result<seek_reply> seek(uint64_t byte_offset);
  result<signature_reply> signature(std::optional<uint64_t> index = std::nullopt);
  result<bool> verify(uint64_t index, const signature_t& sig);
  result<node_list> root_hashes(uint64_t index);
  result<audit_reply> audit();
  result<feed_info> info();
  status subscribe(const caf::actor& subscriber);
  status unsubscribe(const caf::actor& subscriber);

  // Replication (peers attach through peer actors).
  // Registers a download and returns its id; wait_download blocks until it is complete.
  result<uint64_t> download(download_request r);
  status wait_download(uint64_t id);
  status undownload(uint64_t id);
  // Waits for a verified length >= min_length (0: length + 1); returns the new length.
  result<uint64_t> update(update_request r = {});
  status set_downloading(bool on);
  status set_uploading(bool on);
  result<feed_stats> stats();
  // The peers replicating this feed now: id, remote Noise public key (remotePublicKey), address,
  // the length each announced, and what moved to and from it.
  result<std::vector<peer_stats>> peers();
  status close();
  status destroy_storage();

 private:
  template <class T, class... Ts>
  result<T> call(Ts&&... xs);
  template <class... Ts>
  status call_void(Ts&&... xs);

  caf::scoped_actor& self();

  caf::actor_system* sys_;
  feed_actor actor_;
  std::unique_ptr<caf::scoped_actor> self_;  // created on first use, reused for every request
};

}  // namespace ddb
