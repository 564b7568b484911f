#include "protocol/session.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "wire/messages.hpp"

// GCC 12 reports a false maybe-uninitialized when std::vector<event> relocates its variants.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ddb::replication {

namespace {

constexpr uint8_t type_open = static_cast<uint8_t>(wire::message_type::open);
constexpr uint8_t type_close = static_cast<uint8_t>(wire::message_type::close);
constexpr uint8_t type_options = static_cast<uint8_t>(wire::message_type::options);
constexpr uint8_t type_extension = static_cast<uint8_t>(wire::message_type::extension);

status protocol_error(const std::string& why) {
  return make_error(errc::protocol_error, "replication: " + why);
}

status misuse(const std::string& why) {
  return make_error(errc::invalid_argument, "replication: " + why);
}

bool to_hash(const byte_buffer& bytes, hash_t& out) {
  if (bytes.size() != out.size()) return false;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return true;
}

}  // namespace

session::session(session_options options)
    : options_(std::move(options)), use_noise_(options_.noise || options_.encrypted) {}

void session::start() {
  if (started_) {
    fail(misuse("start called twice"));
    return;
  }
  started_ = true;
  if (!use_noise_) {
    ready_ = true;
    events_.push_back(handshake_event{});
    return;
  }
  handshake_.emplace(wire::handshake_options{options_.initiator, options_.static_keys,
                                             options_.nonce, options_.rng});
  auto first = handshake_->start();
  if (!first) {
    fail(first.error());
    return;
  }
  out_.insert(out_.end(), first->begin(), first->end());
}

status session::recv(byte_view chunk) {
  if (failed()) return error_;
  if (!started_) return fail(misuse("recv before start"));
  if (!ready_) return recv_handshake(chunk);
  byte_buffer copy = chunk.to_buffer();
  return recv_transport(copy.data(), copy.size());
}

status session::recv(byte_buffer&& chunk) {
  if (failed() || !ready_) return recv(byte_view(chunk));
  return recv_transport(chunk.data(), chunk.size());
}

status session::recv_handshake(byte_view chunk) {
  auto reply = handshake_->recv(chunk);
  if (!reply) return fail(reply.error());
  out_.insert(out_.end(), reply->begin(), reply->end());
  if (!handshake_->is_complete()) return status::ok();
  return finish_handshake();
}

status session::finish_handshake() {
  const wire::handshake_result& r = handshake_->outcome();
  keys_ = r.split;
  if (options_.encrypted) cipher_.emplace(r);
  ready_ = true;
  events_.push_back(handshake_event{r.remote_static});
  byte_buffer overflow = handshake_->take_overflow();
  handshake_.reset();
  if (overflow.empty()) return status::ok();
  return recv_transport(overflow.data(), overflow.size());
}

status session::recv_transport(uint8_t* data, size_t n) {
  if (cipher_) cipher_->decrypt(data, n);
  status s = decoder_.feed(byte_view(data, n), [this](const wire::frame_event& f) {
    if (failed()) return;
    status r = on_frame(f);
    if (!r) fail(r);
  });
  if (!s && !failed()) fail(protocol_error(s.message()));
  return error_;
}

status session::on_frame(const wire::frame_event& f) {
  if (f.keep_alive) {
    events_.push_back(keep_alive_event{});
    return status::ok();
  }
  if (f.type == type_open) return on_open(f.channel, f.body);
  if (f.type == type_close) return on_close(f.channel, f.body);
  if (f.type > type_close && f.type < type_extension) return status::ok();  // no schema: ignored
  return on_message(f.channel, f.type, f.body);
}

status session::on_open(uint64_t channel, byte_view body) {
  auto m = wire::decode_open(body);
  if (!m) return protocol_error("bad Open: " + m.error().message());
  hash_t dkey{};
  if (!to_hash(m->discovery_key, dkey)) return protocol_error("Open discovery key is not 32 bytes");
  if (remote_.count(channel) != 0) return protocol_error("channel opened twice");
  if (remote_.size() >= options_.max_channels) return protocol_error("too many channels");
  feed_channels& fc = feeds_[dkey];
  if (fc.remote) return protocol_error("discovery key opened twice");
  fc.remote = channel;
  remote_[channel] = remote_state{dkey, m->capability, false};
  events_.push_back(remote_open_event{channel, dkey, std::move(m->capability)});
  return status::ok();
}

status session::on_close(uint64_t channel, byte_view body) {
  auto m = wire::decode_close(body);
  if (!m) return protocol_error("bad Close: " + m.error().message());
  auto it = remote_.find(channel);
  if (it != remote_.end()) {
    hash_t dkey = it->second.discovery_key;
    remote_.erase(it);
    close_remote(dkey);
    return status::ok();
  }
  // The remote refusing a feed it never opened names it by discovery key.
  hash_t dkey{};
  if (!m->discovery_key || !to_hash(*m->discovery_key, dkey)) return status::ok();
  auto f = feeds_.find(dkey);
  if (f == feeds_.end() || !f->second.local) return status::ok();
  close_remote(dkey);
  return status::ok();
}

// The remote's side of the feed is gone: close ours too, as the reference does.
void session::close_remote(const hash_t& discovery_key) {
  auto f = feeds_.find(discovery_key);
  if (f != feeds_.end()) {
    f->second.remote.reset();
    if (f->second.local) {
      append(*f->second.local, type_close, byte_view());
      local_.erase(*f->second.local);
    }
    feeds_.erase(f);
  }
  events_.push_back(remote_close_event{discovery_key});
}

status session::on_message(uint64_t channel, uint8_t type, byte_view body) {
  auto it = remote_.find(channel);
  if (it == remote_.end()) {
    // Connection-level extension messages travel on channel 0 (reference StreamExtension).
    if (channel == 0 && (type == type_options || type == type_extension)) return status::ok();
    return protocol_error("message type " + std::to_string(type) + " on unopened channel " +
                          std::to_string(channel));
  }
  if (it->second.dropped) return status::ok();
  if (options_.validate_messages) {
    status valid = wire::validate_message(type, body);
    if (!valid) return protocol_error("bad message: " + valid.message());
  }
  events_.push_back(frame_event{channel, it->second.discovery_key, type, body.to_buffer()});
  return status::ok();
}

result<uint64_t> session::open_channel(const hash_t& discovery_key, const public_key& feed_key) {
  if (failed()) return error_;
  if (!ready_) return misuse("open_channel before the handshake completed");
  feed_channels& fc = feeds_[discovery_key];
  if (fc.local) return *fc.local;
  uint64_t id = free_local_id();
  local_[id] = discovery_key;
  fc.local = id;
  if (fc.remote) remote_[*fc.remote].dropped = false;
  wire::open_message m;
  m.discovery_key.assign(discovery_key.begin(), discovery_key.end());
  if (use_noise_) {
    hash_t cap = wire::capability(feed_key, keys_, options_.ns);
    m.capability = byte_buffer(cap.begin(), cap.end());
  }
  append(id, type_open, wire::encode(m));
  return id;
}

bool session::verify_remote_open(uint64_t channel, const public_key& feed_key) const {
  auto it = remote_.find(channel);
  if (it == remote_.end()) return false;
  if (!use_noise_) return true;
  if (!it->second.capability) return false;
  return wire::verify_remote_capability(*it->second.capability, feed_key, keys_, options_.ns);
}

bool session::verify_remote_open(const hash_t& discovery_key, const public_key& feed_key) const {
  auto ch = remote_channel(discovery_key);
  return ch && verify_remote_open(*ch, feed_key);
}

status session::send(uint64_t channel, uint8_t type, byte_view body) {
  if (failed()) return error_;
  if (local_.count(channel) == 0) return misuse("send on a channel that is not open");
  if (type == type_open || type == type_close || type > type_extension) {
    return misuse("send of frame type " + std::to_string(type));
  }
  if (body.size > wire::max_frame_body) return misuse("frame body over 8 MiB");
  append(channel, type, body);
  return status::ok();
}

status session::send(const hash_t& discovery_key, uint8_t type, byte_view body) {
  auto ch = local_channel(discovery_key);
  if (!ch) return failed() ? error_ : misuse("send on a feed whose channel is not open");
  return send(*ch, type, body);
}

void session::send_keep_alive() {
  if (!ready_ || failed()) return;
  size_t from = out_.size();
  wire::append_keep_alive(out_);
  encrypt_tail(from);
}

status session::close_channel(const hash_t& discovery_key) {
  if (failed()) return error_;
  if (!ready_) return misuse("close_channel before the handshake completed");
  auto f = feeds_.find(discovery_key);
  if (f == feeds_.end()) return status::ok();
  feed_channels& fc = f->second;
  if (fc.local) {
    append(*fc.local, type_close, byte_view());
    local_.erase(*fc.local);
    fc.local.reset();
  } else {
    wire::close_message m;
    m.discovery_key = byte_buffer(discovery_key.begin(), discovery_key.end());
    append(free_local_id(), type_close, wire::encode(m));
  }
  if (fc.remote) {
    remote_[*fc.remote].dropped = true;
  } else {
    feeds_.erase(f);
  }
  return status::ok();
}

std::optional<uint64_t> session::local_channel(const hash_t& discovery_key) const {
  auto f = feeds_.find(discovery_key);
  return f == feeds_.end() ? std::nullopt : f->second.local;
}

std::optional<uint64_t> session::remote_channel(const hash_t& discovery_key) const {
  auto f = feeds_.find(discovery_key);
  return f == feeds_.end() ? std::nullopt : f->second.remote;
}

size_t session::channel_count() const {
  size_t n = 0;
  for (const auto& [dkey, fc] : feeds_) {
    if (fc.local || (fc.remote && !remote_.at(*fc.remote).dropped)) ++n;
  }
  return n;
}

void session::append(uint64_t channel, uint8_t type, byte_view body) {
  size_t from = out_.size();
  wire::append_frame(out_, channel, type, body);
  encrypt_tail(from);
}

void session::encrypt_tail(size_t from) {
  if (cipher_) cipher_->encrypt(out_.data() + from, out_.size() - from);
}

uint64_t session::free_local_id() const {
  uint64_t id = 1;
  for (const auto& entry : local_) {
    if (entry.first != id) break;
    ++id;
  }
  return id;
}

status session::fail(status s) {
  if (error_.is_ok()) {
    error_ = std::move(s);
    events_.push_back(error_event{error_});
  }
  return error_;
}

}  // namespace ddb::replication
