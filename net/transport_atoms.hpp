#pragma once
// The two atoms a connection (net/transport.hpp) sends to its owner. They live here, below the
// actor messages (messages/atoms.hpp re-exports them), so that the transports need nothing above
// net/.
#include <caf/atom.hpp>

namespace ddb {

// Transport -> connection owner.
using ddb_recv_atom = caf::atom_constant<caf::atom("ddb_recv")>;
using ddb_down_atom = caf::atom_constant<caf::atom("ddb_down")>;
constexpr ddb_recv_atom ddb_recv_atom_v{};
constexpr ddb_down_atom ddb_down_atom_v{};

}  // namespace ddb
