#pragma once
// The feed actor's typed interface: the seed API's local capabilities as messages. Errors come
// back as caf::error in the "ddb" category carrying our errc (see messages/errors.hpp).
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/extension_messages.hpp"
#include "messages/feed_messages.hpp"
#include "messages/inspect.hpp"
#include "messages/peer_messages.hpp"

namespace ddb {

using feed_actor = caf::typed_actor<
    // append a batch -> index of its first block (concurrent appends are grouped)
    caf::replies_to<ddb_append_atom, block_list>::with<uint64_t>,
    caf::replies_to<ddb_get_atom, uint64_t, get_options>::with<byte_buffer>,
    // blocks [start, end)
    caf::replies_to<ddb_batch_atom, uint64_t, uint64_t, get_options>::with<block_list>,
    caf::replies_to<ddb_head_atom, get_options>::with<byte_buffer>,
    caf::replies_to<ddb_has_atom, uint64_t, uint64_t>::with<bool>,
    caf::replies_to<ddb_dl_atom, uint64_t, uint64_t>::with<uint64_t>,
    caf::replies_to<ddb_clear_atom, uint64_t, uint64_t>::with<void>,
    caf::replies_to<ddb_seek_atom, uint64_t>::with<seek_reply>,
    // signature at or after index (latest_index: the latest block)
    caf::replies_to<ddb_sig_atom, uint64_t>::with<signature_reply>,
    caf::replies_to<ddb_verify_atom, uint64_t, signature_t>::with<bool>,
    caf::replies_to<ddb_roots_atom, uint64_t>::with<node_list>,
    caf::replies_to<ddb_audit_atom>::with<audit_reply>,
    caf::replies_to<ddb_info_atom>::with<feed_info>,
    // cancel pending gets of blocks in [start, end)
    caf::replies_to<ddb_cancel_atom, uint64_t, uint64_t>::with<void>,
    caf::replies_to<ddb_sub_atom, caf::actor>::with<void>,
    caf::replies_to<ddb_unsub_atom, caf::actor>::with<void>,
    caf::replies_to<ddb_close_atom>::with<void>, caf::replies_to<ddb_destroy_atom>::with<void>,
    // --- replication ---
    // register a download selection -> its id; wait for it to complete; cancel it
    caf::replies_to<ddb_dload_atom, download_request>::with<uint64_t>,
    caf::replies_to<ddb_dwait_atom, uint64_t>::with<void>,
    caf::replies_to<ddb_undl_atom, uint64_t>::with<void>,
    // wait for a verified length >= min_length -> the new length
    caf::replies_to<ddb_update_atom, update_request>::with<uint64_t>,
    caf::replies_to<ddb_setdl_atom, bool>::with<void>,
    caf::replies_to<ddb_setul_atom, bool>::with<void>,
    caf::replies_to<ddb_stats_atom>::with<feed_stats>,
    // from peer actors (messages/peer_messages.hpp)
    caf::replies_to<ddb_attach_atom, caf::actor, uint64_t, peer_info>::with<void>,
    caf::reacts_to<ddb_ropen_atom, uint64_t>, caf::reacts_to<ddb_wire_atom, uint64_t, wire_frames>,
    caf::reacts_to<ddb_detach_atom, uint64_t, std::string>,
    // the peer's connection handed (peer id, bytes) of our frames to the network
    caf::reacts_to<ddb_sent_atom, uint64_t, uint64_t>,
    // replication extensions (messages/extension_messages.hpp)
    caf::replies_to<ddb_extreg_atom, std::string, extension_actor>::with<void>,
    caf::replies_to<ddb_extunr_atom, std::string>::with<void>,
    caf::reacts_to<ddb_extsnd_atom, std::string, uint64_t, byte_buffer>,
    caf::reacts_to<ddb_extbc_atom, std::string, byte_buffer>,
    // internal
    caf::reacts_to<ddb_flush_atom>, caf::reacts_to<ddb_tmo_atom, uint64_t>,
    caf::reacts_to<ddb_rtick_atom>>;

}  // namespace ddb
