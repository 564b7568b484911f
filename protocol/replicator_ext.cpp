// Replicator: extension names in Options and Extension messages (type 15), with the reference's
// id mapping (abstract-extension): each side numbers its own extensions by their sorted names and
// sends with its own index; the receiver looks the index up in the sender's announced list and
// delivers to its local extension of that name, if any.
#include <algorithm>

#include "protocol/replicator.hpp"

namespace ddb::replication {

namespace {

// The index of `name` in the sorted list, or none.
std::optional<uint64_t> index_of(const std::vector<std::string>& sorted, const std::string& name) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), name);
  if (it == sorted.end() || *it != name) return std::nullopt;
  return static_cast<uint64_t>(it - sorted.begin());
}

}  // namespace

void replicator::send_options(peer_state& p) {
  // As the reference's _updateOptions: only when there is something to say.
  if (!p.info.ack && extensions_.empty()) return;
  wire::options_message o;
  o.extensions = extensions_;
  o.ack = p.info.ack;
  send(p, wire::message_type::options, o);
}

void replicator::set_extensions(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names == extensions_) return;
  extensions_ = std::move(names);
  for (auto& [id, p] : peers_) {
    // A peer that has not opened yet hears the list in its remote_open.
    if (p.remote_opened) send_options(p);
  }
}

status replicator::send_extension(uint64_t peer, const std::string& name, byte_view payload) {
  auto id = index_of(extensions_, name);
  if (!id) return make_error(errc::invalid_argument, "no local extension named " + name);
  peer_state* p = find(peer);
  if (!p) return make_error(errc::not_found, "no such peer: " + std::to_string(peer));
  wire::extension_message m;
  m.id = *id;
  m.payload = payload.to_buffer();
  send(*p, wire::message_type::extension, m);
  return status::ok();
}

size_t replicator::broadcast_extension(const std::string& name, byte_view payload) {
  auto id = index_of(extensions_, name);
  if (!id) return 0;
  wire::extension_message m;
  m.id = *id;
  m.payload = payload.to_buffer();
  for (auto& [pid, p] : peers_) send(p, wire::message_type::extension, m);
  return peers_.size();
}

std::vector<std::string> replicator::remote_extensions(uint64_t peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? std::vector<std::string>{} : it->second.remote_extensions;
}

void replicator::on_extension(peer_state& p, const wire::extension_message& m) {
  // Before the remote's Options, or past its list, or a name we lack: dropped (as the reference).
  if (m.id >= p.remote_extensions.size()) return;
  const std::string& name = p.remote_extensions[m.id];
  if (!index_of(extensions_, name)) return;
  events_.push_back(
      replicator_event{event_kind::extension, p.id, m.id, m.payload.size(), {}, name, m.payload});
}

}  // namespace ddb::replication
