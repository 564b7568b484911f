#pragma once
// Dials the peers of one feed for `clone` and `cat --peer` and follows what becomes of them:
// a scoped actor of the command is the net host's observer (the peer actors' notices, see
// actors/peer_actor.hpp) and, until the first channel opens, a subscriber of the feed. A peer
// that fails, or that we drop for misbehaving, is reported on stderr with its address and why
// ("ddatabase: peer 127.0.0.1:4000 dropped: rejected data for block 74: corruption: ...").
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/feed_client.hpp"
#include "core/result.hpp"
#include "node/net_host.hpp"

namespace ddb::cli {

class peer_watch {
 public:
  // Borrows `self`, which must outlive the watch.
  explicit peer_watch(caf::scoped_actor& self);

  // For net_host_options::observer.
  caf::actor observer() const;

  // Subscribes to `feed`, then dials every address; the peers open the feed's channel (`dkey`)
  // at once.
  status dial(net_host& host, feed_client& feed, const std::vector<std::string>& addresses,
              const hash_t& dkey);

  // Waits until a peer has opened its channel on `feed` (then unsubscribes), or fails: every
  // peer failed (unavailable), `timeout` (timeout), a stop signal (cancelled).
  status wait_open(feed_client& feed, std::chrono::seconds timeout);

  // Handles what arrives for up to `ms` milliseconds (returns early on a stop signal).
  void poll(int ms);

  // Polls until no peer is alive or `ms` passed: lets the notices of peers that were just
  // dropped arrive before failed() is asked.
  void settle(int ms);

  // Dials not answered yet plus connected peers that have not closed.
  size_t alive() const;
  // A peer was dropped for misbehaving, refused the feed or closed with an error.
  bool failed() const { return !failures_.empty(); }
  // "peer ADDR dropped: reason" lines so far (each was also printed when it happened).
  const std::vector<std::string>& failures() const { return failures_; }
  // Stops reporting (the command is ending: peers closing now are no news).
  void quiet() { quiet_ = true; }

 private:
  struct dial_result {
    std::string address;
    caf::actor_addr peer;  // null when the dial failed
    status error;
  };
  void take_dials();
  void on_notice(const caf::actor_addr& from, const std::string& what);
  void report(const std::string& line);
  std::string name_of(const caf::actor_addr& peer) const;

  caf::scoped_actor& self_;
  size_t dials_ = 0;                                // dials started
  size_t answered_ = 0;                             // dials answered (connected or failed)
  std::map<caf::actor_addr, std::string> address_;  // connected peers
  std::map<caf::actor_addr, bool> closed_;          // peers that sent "closed: ..."
  std::vector<std::string> failures_;
  bool quiet_ = false;
  std::shared_ptr<std::mutex> mu_ = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<dial_result>> dialed_ =
      std::make_shared<std::vector<dial_result>>();  // filled on transport threads
};

// feed.update(r) for peers' answers (if_available), polled in short steps so that a stop signal
// (cancelled) and vanished peers are noticed.
result<uint64_t> await_update(feed_client& feed, peer_watch& peers, update_request r);

}  // namespace ddb::cli
