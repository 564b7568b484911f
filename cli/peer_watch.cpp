#include "cli/peer_watch.hpp"

#include <iostream>

#include <caf/all.hpp>

#include "cli/signals.hpp"
#include "messages/atoms.hpp"
#include "messages/feed_messages.hpp"
#include "messages/inspect.hpp"

namespace ddb::cli {

using clock_type = std::chrono::steady_clock;

peer_watch::peer_watch(caf::scoped_actor& self) : self_(self) {}

caf::actor peer_watch::observer() const {
  return caf::actor_cast<caf::actor>(self_);
}

status peer_watch::dial(net_host& host, feed_client& feed,
                        const std::vector<std::string>& addresses, const hash_t& dkey) {
  DDB_TRY(feed.subscribe(observer()));  // before any peer can open
  for (const auto& address : addresses) {
    ++dials_;
    host.dial(address, {dkey}, [mu = mu_, out = dialed_, address](result<caf::actor> peer) {
      dial_result r;
      r.address = address;
      if (peer)
        r.peer = peer->address();
      else
        r.error = peer.error();
      std::lock_guard<std::mutex> lock(*mu);
      out->push_back(std::move(r));
    });
  }
  return status::ok();
}

void peer_watch::take_dials() {
  std::vector<dial_result> got;
  {
    std::lock_guard<std::mutex> lock(*mu_);
    got.swap(*dialed_);
  }
  for (auto& r : got) {
    ++answered_;
    if (r.peer) {
      address_[r.peer] = r.address;
    } else {
      report("peer " + r.address + " failed: " + r.error.to_string());
    }
  }
}

std::string peer_watch::name_of(const caf::actor_addr& peer) const {
  auto it = address_.find(peer);
  return it == address_.end() ? "peer" : "peer " + it->second;
}

void peer_watch::report(const std::string& line) {
  failures_.push_back(line);
  if (!quiet_) std::cerr << "ddatabase: " << line << std::endl;
}

void peer_watch::on_notice(const caf::actor_addr& from, const std::string& what) {
  take_dials();  // the dial's answer may still be queued: name the peer by its address
  if (what.rfind("refused ", 0) == 0) {
    auto colon = what.find(": ");
    report(name_of(from) +
           " refused: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
    return;
  }
  if (what.rfind("closed: ", 0) != 0) return;
  closed_[from] = true;
  std::string reason = what.substr(8);
  if (reason == "finished") return;
  const std::string kicked = "kicked (";
  if (reason.rfind(kicked, 0) == 0) {  // "kicked (<dkey>): why": we dropped it
    auto colon = reason.find("): ");
    report(name_of(from) +
           " dropped: " + reason.substr(colon == std::string::npos ? 0 : colon + 3));
  } else {
    report(name_of(from) + " closed: " + reason);
  }
}

void peer_watch::poll(int ms) {
  auto deadline = clock_type::now() + std::chrono::milliseconds(ms);
  while (!stop_requested(0)) {  // everything queued, then what arrives until the deadline
    bool got = false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    left = std::max(left, std::chrono::milliseconds(0));
    self_->receive(
        [&](ddb_event_atom, const std::string& what) {
          got = true;
          on_notice(caf::actor_cast<caf::actor_addr>(self_->current_sender()), what);
        },
        [&](ddb_event_atom, const feed_event&) { got = true; },  // left from the subscription
        caf::after(std::min(left, std::chrono::milliseconds(50))) >> [] {});
    if (!got && clock_type::now() >= deadline) break;
  }
  take_dials();
}

void peer_watch::settle(int ms) {
  auto deadline = clock_type::now() + std::chrono::milliseconds(ms);
  while (alive() > 0 && clock_type::now() < deadline && !stop_requested(0)) poll(20);
}

size_t peer_watch::alive() const {
  size_t open = 0;
  for (const auto& [peer, address] : address_) {
    if (!closed_.count(peer)) ++open;
  }
  return (dials_ - answered_) + open;
}

status peer_watch::wait_open(feed_client& feed, std::chrono::seconds timeout) {
  auto deadline = clock_type::now() + timeout;
  bool open = false;
  while (!open) {
    if (stop_requested(0)) break;
    take_dials();
    if (alive() == 0) break;
    if (clock_type::now() >= deadline) break;
    self_->receive(
        [&](ddb_event_atom, const feed_event& ev) {
          if (ev.type == feed_event_type::peer_open) open = true;
        },
        [&](ddb_event_atom, const std::string& what) {
          on_notice(caf::actor_cast<caf::actor_addr>(self_->current_sender()), what);
        },
        caf::after(std::chrono::milliseconds(50)) >> [] {});
  }
  (void)feed.unsubscribe(observer());
  if (open) return status::ok();
  if (stop_requested(0)) return make_error(errc::cancelled, "stopped by a signal");
  if (alive() == 0) {
    return make_error(errc::unavailable,
                      failures_.empty() ? "no peer opened the feed"
                                        : "no peer opened the feed (" + failures_.back() + ")");
  }
  return make_error(errc::timeout, "no peer opened the feed's channel within " +
                                       std::to_string(timeout.count()) + " s");
}

result<uint64_t> await_update(feed_client& feed, peer_watch& peers, update_request r) {
  r.if_available = true;
  r.timeout_ms = 200;
  while (true) {
    if (stop_requested(0)) return make_error(errc::cancelled, "stopped by a signal");
    auto up = feed.update(r);
    if (up || up.error().code() != errc::timeout) return up;
    peers.poll(0);  // notices that came meanwhile
  }
}

}  // namespace ddb::cli
