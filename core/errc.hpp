#pragma once
// Stable error codes shared by core, storage, actors and the CLI. The numeric values are part of
// our public contract (they appear in caf::error, JSON output and exit paths): never renumber,
// only append.
#include <cstdint>
#include <string_view>

namespace ddb {

enum class errc : uint8_t {
  ok = 0,
  bad_index = 1,          // index or range outside the feed
  block_too_large = 2,    // a block over the 8 MiB limit
  not_writable = 3,       // no secret key: cannot append
  key_mismatch = 4,       // another key is stored in this location
  not_found = 5,          // nothing stored and create_if_missing is off
  closed = 6,             // the feed (or stream) is closed
  io_error = 7,           // the storage backend failed
  corruption = 8,         // stored bytes do not match their format or hashes
  bad_signature = 9,      // a signature does not verify
  invalid_argument = 10,  // malformed input
  locked = 11,            // another process holds the writer lock
  timeout = 12,           // a wait ran out of time
  cancelled = 13,         // a pending operation was cancelled
  protocol_error = 14,    // a peer broke the wire protocol
  unavailable = 15,       // nothing (no peer) can satisfy the request now
  no_space = 16,          // the storage backend is full
  forked = 17,            // two validly signed trees of one key disagree: the writer forked
  unlinked = 18,          // a longer signed tree does not link to the stored one yet (fetch
                          // the proof of the block at the stored length first)
  bad_encoding = 19,      // a value does not decode with the value encoding asked for
};

// The highest code, for code that walks all of them.
inline constexpr errc last_errc = errc::bad_encoding;

std::string_view to_string(errc code) noexcept;

}  // namespace ddb
