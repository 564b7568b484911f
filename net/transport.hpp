#pragma once
// The network seam: peer actors talk to a connection, never to sockets. Production uses asio TCP
// (net/asio_transport); the simulator provides simulated links with the same interface.
//
// Inbound traffic is delivered as actor messages to the connection's owner (set with
// `attach`): (ddb_recv_atom, byte_buffer) for bytes in arrival order, then exactly one
// (ddb_down_atom, std::string reason) when the connection ends for any reason.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "core/result.hpp"
#include "core/types.hpp"
#include "net/transport_atoms.hpp"

namespace ddb {

class connection {
 public:
  virtual ~connection() = default;
  // Starts delivering inbound messages to `owner`. Bytes that arrived earlier are delivered
  // first. REQUIRES: called once.
  virtual void attach(caf::actor owner) = 0;
  // Queues bytes for sending, in order. Thread-safe. Never blocks.
  virtual void write(byte_buffer bytes) = 0;
  // Closes after queued writes are flushed; the owner then receives ddb_down_atom.
  virtual void close() = 0;
  // Bytes queued but not yet handed to the network (for backpressure).
  virtual uint64_t pending_bytes() const = 0;
  // Pauses (false) or resumes (true) reading: while paused no more bytes are read from the
  // network, so a peer that does not read our replies is not read either (backpressure).
  // Bytes already read may still be delivered. Thread-safe; reading starts enabled. The
  // default does nothing (a connection that cannot pause).
  virtual void set_reading(bool on) { (void)on; }
  // "tcp 127.0.0.1:4000" or a simulated address.
  virtual std::string remote_address() const = 0;
  // True for the dialing side (the Noise initiator).
  virtual bool initiator() const = 0;
  // Tells the transport that this connection finished its handshake (the peer actor calls it):
  // a transport that evicts unfinished handshakes to admit newcomers (asio_transport's
  // max_per_address) never evicts it. Thread-safe. The default does nothing.
  virtual void mark_handshaken() {}
};

using connection_ptr = std::shared_ptr<connection>;
using accept_handler = std::function<void(connection_ptr)>;

class transport {
 public:
  virtual ~transport() = default;
  // Listens on "HOST:PORT" (port 0 picks one); returns the bound "HOST:PORT".
  virtual result<std::string> listen(const std::string& address, accept_handler on_accept) = 0;
  // Dials "HOST:PORT"; `done` gets the connection or an error (on a transport thread).
  virtual void dial(const std::string& address,
                    std::function<void(result<connection_ptr>)> done) = 0;
  // Stops listening and closes every connection.
  virtual void shutdown() = 0;
};

}  // namespace ddb
