#pragma once
// Replication extensions between feed actors and extension actors (local messages only).
//
// anyone -> feed actor (messages/feed_actor.hpp)
//   (ddb_extreg_atom, std::string name, extension_actor ext)          -> void
//       route the feed's extension `name` to `ext` and announce it to peers (Options). A name
//       is registered once per feed (invalid_argument otherwise, as the reference). The feed
//       monitors `ext` and unregisters it when it exits. `ext` then gets an extension_feed
//       snapshot and a join for every peer that is already open.
//   (ddb_extunr_atom, std::string name)                                -> void
//   (ddb_extsnd_atom, std::string name, uint64_t peer, byte_buffer)    (no reply)
//       one message to one peer of the feed; dropped if the name or the peer is unknown.
//   (ddb_extbc_atom, std::string name, byte_buffer)                    (no reply)
//       one message to every peer of the feed.
// feed actor -> extension actor (extension_actor below)
//   (ddb_extmsg_atom, extension_in)      a message from a peer for this extension
//   (ddb_extpr_atom, extension_peer)     a peer joined (channel open both ways) or left
//   (ddb_extfd_atom, extension_feed)     the feed's length changed (and once on registration)
//
// Every message to an extension carries the feed's handle (untyped, to keep this header free of
// the feed actor's interface; cast it with caf::actor_cast<feed_actor>) and public key, so one
// extension actor can serve several feeds.
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "core/types.hpp"

namespace ddb {

using ddb_extreg_atom = caf::atom_constant<caf::atom("ddb_extreg")>;
using ddb_extunr_atom = caf::atom_constant<caf::atom("ddb_extunr")>;
using ddb_extsnd_atom = caf::atom_constant<caf::atom("ddb_extsnd")>;
using ddb_extbc_atom = caf::atom_constant<caf::atom("ddb_extbc")>;
using ddb_extmsg_atom = caf::atom_constant<caf::atom("ddb_extmsg")>;
using ddb_extpr_atom = caf::atom_constant<caf::atom("ddb_extpr")>;
using ddb_extfd_atom = caf::atom_constant<caf::atom("ddb_extfd")>;
using ddb_extlog_atom = caf::atom_constant<caf::atom("ddb_extlog")>;
constexpr ddb_extreg_atom ddb_extreg_atom_v{};
constexpr ddb_extunr_atom ddb_extunr_atom_v{};
constexpr ddb_extsnd_atom ddb_extsnd_atom_v{};
constexpr ddb_extbc_atom ddb_extbc_atom_v{};
constexpr ddb_extmsg_atom ddb_extmsg_atom_v{};
constexpr ddb_extpr_atom ddb_extpr_atom_v{};
constexpr ddb_extfd_atom ddb_extfd_atom_v{};
constexpr ddb_extlog_atom ddb_extlog_atom_v{};

// Which feed an extension message concerns.
struct extension_feed {
  caf::actor feed;  // the feed actor (a feed_actor)
  public_key key{};
  uint64_t length = 0;
  uint64_t byte_length = 0;
  bool writable = false;
};

struct extension_in {
  extension_feed feed;
  std::string name;
  uint64_t peer = 0;
  byte_buffer payload;
  public_key remote_public_key{};  // the peer's Noise static key (zero without Noise)
  std::string remote_address;
};

struct extension_peer {
  extension_feed feed;
  std::string name;
  uint64_t peer = 0;
  bool joined = true;              // false: the peer left
  public_key remote_public_key{};  // the remote's Noise static key (zero without Noise)
  std::string remote_address;
};

// A log line from an extension (extension actor -> its observer).
struct extension_log {
  std::string extension;
  int level = 1;  // 0 debug, 1 info, 2 warning, 3 error (DDB_LOG_* in include/ddatabase)
  std::string text;
};

using extension_actor = caf::typed_actor<caf::reacts_to<ddb_extmsg_atom, extension_in>,
                                         caf::reacts_to<ddb_extpr_atom, extension_peer>,
                                         caf::reacts_to<ddb_extfd_atom, extension_feed>>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, extension_feed& x) {
  return f(caf::meta::type_name("extension_feed"), x.feed, x.key, x.length, x.byte_length,
           x.writable);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, extension_in& x) {
  return f(caf::meta::type_name("extension_in"), x.feed, x.name, x.peer, x.payload,
           x.remote_public_key, x.remote_address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, extension_peer& x) {
  return f(caf::meta::type_name("extension_peer"), x.feed, x.name, x.peer, x.joined,
           x.remote_public_key, x.remote_address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, extension_log& x) {
  return f(caf::meta::type_name("extension_log"), x.extension, x.level, x.text);
}

}  // namespace ddb
