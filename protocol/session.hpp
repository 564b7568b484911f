#pragma once
// One replication connection as a sans-I/O state machine: the Noise handshake, the XSalsa20
// transport, simple-message-channels framing and the channel table (Open/Close/capabilities),
// as the reference's @ddatabase/simple-protocol + @ddatabase/protocol do it. No actors, clocks,
// sockets or global randomness: bytes go in through recv(), bytes to write and events come out
// through take_output() / take_events(). Keep-alive timing is the caller's.
//
// Channels. Each side numbers its own channels ("local" ids are ours, "remote" ids are the
// remote's); a channel is matched to a feed by the discovery key of the Open that starts it.
// Local ids are the smallest free id >= 1 (0 is reserved for connection-level Options/Extension
// messages, as the reference never allocates it). A feed's channel is "open" while our side is
// open or the remote's side is open and we have not closed or rejected it.
//
// Errors. Every protocol violation (bad handshake, frame over 8 MiB, malformed header or
// message, a message on a remote channel that was never opened, a second Open of the same
// channel or discovery key, too many channels) fails the session for good: recv() returns
// errc::protocol_error, an `error_event` is queued, and the connection must end.
//
// Lenient on purpose, as the reference is: frames on a remote channel we closed or rejected are
// dropped (they may be in flight), Close on an unknown channel is ignored unless it names a
// discovery key, Options/Extension on channel 0 with no such channel open are dropped
// (connection-level extensions), and frame types 11..14 are dropped.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/random.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "wire/channels.hpp"
#include "wire/handshake.hpp"

namespace ddb::replication {

struct session_options {
  bool initiator = false;
  bool encrypted = true;  // XOR the transport with XSalsa20 after the handshake
  bool noise = true;      // run the handshake; turned off only when `encrypted` is off too
  wire::noise::dh_key_pair static_keys;
  wire::stream_nonce nonce{};     // our NoisePayload nonce (24 random bytes from the caller)
  random_source rng;              // ephemeral keys (default: libsodium's RNG)
  std::string ns = "ddatabase";   // capability namespace: "ddatabase" or "hypercore"
  bool validate_messages = true;  // decode every body once and refuse malformed ones
  size_t max_channels = 4096;     // remote channels open at once
};

// Outputs, in the order they happened.
struct handshake_event {
  public_key remote_static{};  // zero without Noise
};
struct remote_open_event {
  uint64_t channel = 0;  // the remote's id
  hash_t discovery_key{};
  std::optional<byte_buffer> capability;
};
struct frame_event {
  uint64_t channel = 0;  // the remote's id
  hash_t discovery_key{};
  uint8_t type = 0;  // 1..9 or 15
  byte_buffer body;
};
// The remote closed its side of a feed's channel; we closed ours too (as the reference does).
struct remote_close_event {
  hash_t discovery_key{};
};
struct keep_alive_event {};
struct error_event {
  status error;
};
using event = std::variant<handshake_event, remote_open_event, frame_event, remote_close_event,
                           keep_alive_event, error_event>;

class session {
 public:
  explicit session(session_options options);
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Starts the connection: queues the initiator's first handshake message (nothing for the
  // responder). Without Noise the session is ready at once (a handshake_event with a zero key
  // is queued). REQUIRES: called once, before recv().
  void start();
  // Feeds received bytes, split anywhere. Returns the first protocol error (also queued as an
  // error_event); after it every call fails the same way.
  status recv(byte_view chunk);
  status recv(byte_buffer&& chunk);  // decrypts in place, without a copy

  // Bytes to write to the connection (everything queued since the last call), and events.
  byte_buffer take_output() { return std::move(out_); }
  bool has_output() const { return !out_.empty(); }
  std::vector<event> take_events() { return std::move(events_); }
  // Makes room for `bytes` more output, so that a batch of frames is appended without regrowing.
  void reserve_output(size_t bytes) { out_.reserve(out_.size() + bytes); }

  bool ready() const { return ready_; }  // handshake done (or none): channels may be used
  bool failed() const { return !error_.is_ok(); }
  const status& error() const { return error_; }
  // REQUIRES: ready() and Noise on.
  const wire::noise::transport_keys& split() const { return keys_; }

  // Opens our side of the feed's channel: sends Open{discovery_key, capability} (no capability
  // without Noise). Returns our channel id (the existing one if already open).
  // errc::invalid_argument before ready() or after failure.
  result<uint64_t> open_channel(const hash_t& discovery_key, const public_key& feed_key);
  // Whether the remote's Open on `channel` (its id) carried the capability for `feed_key`,
  // checked in constant time. Always true without Noise; false for an unknown channel.
  bool verify_remote_open(uint64_t channel, const public_key& feed_key) const;
  bool verify_remote_open(const hash_t& discovery_key, const public_key& feed_key) const;

  // Appends one frame on our channel `channel`. REQUIRES: type 1..9 or 15.
  status send(uint64_t channel, uint8_t type, byte_view body);
  status send(const hash_t& discovery_key, uint8_t type, byte_view body);
  void send_keep_alive();
  // Ends the feed's channel from our side: Close on our channel if open, else (e.g. refusing the
  // remote's Open) Close{discovery_key} on a free id. Frames the remote still sends on it are
  // dropped. No-op for a feed with no channel at all.
  status close_channel(const hash_t& discovery_key);

  std::optional<uint64_t> local_channel(const hash_t& discovery_key) const;
  std::optional<uint64_t> remote_channel(const hash_t& discovery_key) const;
  // Feeds whose channel is open (see above).
  size_t channel_count() const;

 private:
  struct remote_state {
    hash_t discovery_key{};
    std::optional<byte_buffer> capability;
    bool dropped = false;  // we closed or refused it: ignore its frames
  };
  struct feed_channels {
    std::optional<uint64_t> local;
    std::optional<uint64_t> remote;
  };

  status recv_handshake(byte_view chunk);
  status finish_handshake();
  status recv_transport(uint8_t* data, size_t n);
  status on_frame(const wire::frame_event& f);
  status on_open(uint64_t channel, byte_view body);
  status on_close(uint64_t channel, byte_view body);
  status on_message(uint64_t channel, uint8_t type, byte_view body);
  void close_remote(const hash_t& discovery_key);
  void append(uint64_t channel, uint8_t type, byte_view body);
  void encrypt_tail(size_t from);
  uint64_t free_local_id() const;
  status fail(status s);

  session_options options_;
  bool use_noise_;
  bool started_ = false;
  bool ready_ = false;
  std::optional<wire::handshake> handshake_;
  std::optional<wire::transport_cipher> cipher_;
  wire::noise::transport_keys keys_;
  wire::frame_decoder decoder_;
  std::map<uint64_t, hash_t> local_;  // our open channels
  std::map<uint64_t, remote_state> remote_;
  std::map<hash_t, feed_channels> feeds_;
  byte_buffer out_;
  std::vector<event> events_;
  status error_;
};

}  // namespace ddb::replication
