#pragma once
// Every atom of the project (ddb_ prefix: CAF predefines get_atom, put_atom, ok_atom, ...).
// Atom text is limited to 10 characters.
#include <caf/atom.hpp>

#include "net/transport_atoms.hpp"  // ddb_recv_atom, ddb_down_atom (transport -> owner)

namespace ddb {

using ddb_append_atom = caf::atom_constant<caf::atom("ddb_append")>;
using ddb_get_atom = caf::atom_constant<caf::atom("ddb_get")>;
using ddb_batch_atom = caf::atom_constant<caf::atom("ddb_batch")>;
using ddb_head_atom = caf::atom_constant<caf::atom("ddb_head")>;
using ddb_has_atom = caf::atom_constant<caf::atom("ddb_has")>;
using ddb_dl_atom = caf::atom_constant<caf::atom("ddb_dl")>;  // downloaded(start, end)
using ddb_clear_atom = caf::atom_constant<caf::atom("ddb_clear")>;
using ddb_seek_atom = caf::atom_constant<caf::atom("ddb_seek")>;
using ddb_sig_atom = caf::atom_constant<caf::atom("ddb_sig")>;
using ddb_verify_atom = caf::atom_constant<caf::atom("ddb_verify")>;
using ddb_roots_atom = caf::atom_constant<caf::atom("ddb_roots")>;
using ddb_audit_atom = caf::atom_constant<caf::atom("ddb_audit")>;
using ddb_info_atom = caf::atom_constant<caf::atom("ddb_info")>;
using ddb_cancel_atom = caf::atom_constant<caf::atom("ddb_cancel")>;
using ddb_close_atom = caf::atom_constant<caf::atom("ddb_close")>;
using ddb_destroy_atom = caf::atom_constant<caf::atom("ddb_drop")>;
using ddb_sub_atom = caf::atom_constant<caf::atom("ddb_sub")>;
using ddb_unsub_atom = caf::atom_constant<caf::atom("ddb_unsub")>;
using ddb_event_atom = caf::atom_constant<caf::atom("ddb_event")>;
// Internal to the feed actor.
using ddb_flush_atom = caf::atom_constant<caf::atom("ddb_flush")>;
using ddb_tmo_atom = caf::atom_constant<caf::atom("ddb_tmo")>;
using ddb_rtick_atom = caf::atom_constant<caf::atom("ddb_rtick")>;  // replication deadline tick

constexpr ddb_append_atom ddb_append_atom_v{};
constexpr ddb_get_atom ddb_get_atom_v{};
constexpr ddb_batch_atom ddb_batch_atom_v{};
constexpr ddb_head_atom ddb_head_atom_v{};
constexpr ddb_has_atom ddb_has_atom_v{};
constexpr ddb_dl_atom ddb_dl_atom_v{};
constexpr ddb_clear_atom ddb_clear_atom_v{};
constexpr ddb_seek_atom ddb_seek_atom_v{};
constexpr ddb_sig_atom ddb_sig_atom_v{};
constexpr ddb_verify_atom ddb_verify_atom_v{};
constexpr ddb_roots_atom ddb_roots_atom_v{};
constexpr ddb_audit_atom ddb_audit_atom_v{};
constexpr ddb_info_atom ddb_info_atom_v{};
constexpr ddb_cancel_atom ddb_cancel_atom_v{};
constexpr ddb_close_atom ddb_close_atom_v{};
constexpr ddb_destroy_atom ddb_destroy_atom_v{};
constexpr ddb_sub_atom ddb_sub_atom_v{};
constexpr ddb_unsub_atom ddb_unsub_atom_v{};
constexpr ddb_event_atom ddb_event_atom_v{};
constexpr ddb_flush_atom ddb_flush_atom_v{};
constexpr ddb_tmo_atom ddb_tmo_atom_v{};
constexpr ddb_rtick_atom ddb_rtick_atom_v{};

}  // namespace ddb

namespace ddb {
// Replication requests to the feed actor.
using ddb_dload_atom = caf::atom_constant<caf::atom("ddb_dload")>;
using ddb_dwait_atom = caf::atom_constant<caf::atom("ddb_dwait")>;
using ddb_undl_atom = caf::atom_constant<caf::atom("ddb_undl")>;
using ddb_update_atom = caf::atom_constant<caf::atom("ddb_update")>;
using ddb_setdl_atom = caf::atom_constant<caf::atom("ddb_setdl")>;
using ddb_setul_atom = caf::atom_constant<caf::atom("ddb_setul")>;
using ddb_stats_atom = caf::atom_constant<caf::atom("ddb_stats")>;
constexpr ddb_dload_atom ddb_dload_atom_v{};
constexpr ddb_dwait_atom ddb_dwait_atom_v{};
constexpr ddb_undl_atom ddb_undl_atom_v{};
constexpr ddb_update_atom ddb_update_atom_v{};
constexpr ddb_setdl_atom ddb_setdl_atom_v{};
constexpr ddb_setul_atom ddb_setul_atom_v{};
constexpr ddb_stats_atom ddb_stats_atom_v{};
}  // namespace ddb

namespace ddb {
// The storage actor (messages/storage_actor.hpp): write one prepared batch.
using ddb_write_atom = caf::atom_constant<caf::atom("ddb_write")>;
constexpr ddb_write_atom ddb_write_atom_v{};
}  // namespace ddb

namespace ddb {
// Send credit: peer actor -> feed actor, (ddb_sent_atom, peer id, bytes): the connection handed
// `bytes` of the feed's frame bodies to the network. The peer actor's own re-check timer for it.
using ddb_sent_atom = caf::atom_constant<caf::atom("ddb_sent")>;
using ddb_flow_atom = caf::atom_constant<caf::atom("ddb_flow")>;
constexpr ddb_sent_atom ddb_sent_atom_v{};
constexpr ddb_flow_atom ddb_flow_atom_v{};
}  // namespace ddb
