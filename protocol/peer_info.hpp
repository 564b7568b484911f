#pragma once
// What a feed's replication exchanges with one peer channel, as plain structs (no CAF): the
// frames of a channel and what the feed learns about the peer when the channel attaches. The
// actor messages that carry them (and their CAF inspect overloads) are in
// messages/peer_messages.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace ddb {

// One message of a channel: its 4-bit type and protobuf body (wire/messages.hpp).
struct wire_frame {
  uint8_t type = 0;
  byte_buffer body;
};
using wire_frames = std::vector<wire_frame>;

// What the feed learns about a peer when the channel attaches.
struct peer_info {
  public_key remote_public_key{};  // the remote's Noise static key (zero without Noise)
  std::string remote_address;
  bool initiator = false;  // we dialed
  bool live = false;       // keep replicating after the sync is complete
  bool ack = false;        // ask the remote to acknowledge blocks it writes
  bool download = true;
  bool upload = true;
};

}  // namespace ddb
