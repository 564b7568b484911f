#pragma once
// Who dials whom. A scenario's `topology`:
//   mesh              every node dials every higher-numbered node
//   star              every node dials node 0
//   ring              node i dials node i + 1 (the last dials node 0)
//   random:K          a random spanning tree plus about K - 1 extra edges per node
//   small_world:K,P   Watts-Strogatz: a ring lattice where each node dials its K/2 next
//                     neighbours, each such edge rewired to a random node with chance P
//   scale_free:M      Barabasi-Albert: node i dials M earlier nodes (all of them while fewer
//                     than M exist), chosen with a chance proportional to their degree
//   file:PATH         one edge per line, "A B" (A dials B); `#` starts a comment; PATH is
//                     relative to the scenario file
// The random ones draw from their own substreams of the seed ("topology", "small-world",
// "scale-free").
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ddb::sim {

using edge_list = std::vector<std::pair<int, int>>;

// Empty when `spec` names a topology, else why not.
std::string check_topology(const std::string& spec);
// "A B" lines of an edges file; an error message in `error` (with the line) when one is bad.
edge_list parse_edges(const std::string& text, std::string* error);
// neighbours[i]: the nodes node i dials. `edges` is the file: topology's list (edges naming a
// node >= n are left out).
std::vector<std::set<int>> build_topology(const std::string& spec, int n, uint64_t seed,
                                          const edge_list& edges);

}  // namespace ddb::sim
