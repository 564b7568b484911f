#pragma once
// One simulated connection: two ends (connection objects) over two directions with the link
// model of network.hpp. Internal to sim/network.cpp and sim/pipe.cpp.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "sim/network.hpp"
#include "sim/rng.hpp"

namespace ddb::sim {

class pipe : public std::enable_shared_from_this<pipe> {
 public:
  pipe(network& net, uint64_t id, int a, int b, std::function<void()> on_end);

  // Builds the two ends; call once right after construction.
  std::pair<connection_ptr, connection_ptr> make_ends();

  void attach(int side, caf::actor owner);
  void write(int side, byte_buffer bytes);
  // Pauses or resumes delivery to end `side`'s owner (bytes arriving meanwhile wait in order).
  void set_reading(int side, bool on);
  void close(int side);
  void reset(const std::string& reason);
  uint64_t pending(int side) const { return dir_[side].queued; }
  int node(int side) const { return node_[side]; }
  uint64_t id() const { return id_; }
  bool ended() const { return ended_; }
  // Re-schedules stalled chunks (a partition healed).
  void resume();

 private:
  struct chunk {
    byte_buffer bytes;
    bool fin = false;
    time_point due{};
  };
  // Bytes flowing from end `i` to end `1 - i`.
  struct direction {
    std::deque<chunk> pending;
    time_point next_free{};
    time_point last_due{};
    uint64_t queued = 0;
    uint64_t stalled = 0;
  };
  // The receiving side of an end.
  struct end_state {
    caf::actor owner;
    std::vector<byte_buffer> inbox;
    bool paused = false;  // set_reading(false): arrivals wait in the inbox
    bool down = false;
    bool down_delivered = false;
    std::string down_reason;
  };

  duration sample_latency(int side);
  void schedule(int side, time_point due);
  void deliver_front(int side);
  void to_owner(int side, byte_buffer bytes);
  void flush_end(int side);
  void send_down(int side, const std::string& reason);
  void finish_if_done();

  network& net_;
  uint64_t id_;
  int node_[2];
  rng& rng_;  // the link's substream (network::link_rng; map entries stay put)
  direction dir_[2];
  end_state end_[2];
  bool closing_[2] = {false, false};
  bool ended_ = false;
  std::function<void()> on_end_;
};

}  // namespace ddb::sim
