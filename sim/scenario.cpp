// A scenario's validation and its enums' names (reading: scenario_read.cpp; writing back:
// scenario_yaml.cpp).
#include "sim/scenario.hpp"

#include <set>

#include "sim/latency.hpp"

namespace ddb::sim {

status validate(const scenario& s) {
  auto bad = [](const std::string& m) { return make_error(errc::invalid_argument, m); };
  auto in_range = [&](int n) { return n >= 0 && n < s.nodes; };
  if (s.nodes < 1) return bad("nodes must be at least 1");
  if (s.feeds.empty()) return bad("at least one feed is needed");
  for (const auto& f : s.feeds) {
    if (!in_range(f.writer)) return bad("feed " + f.name + ": writer out of range");
    for (int n : f.followers) {
      if (!in_range(n) || n == f.writer) return bad("feed " + f.name + ": bad follower");
    }
    for (int n : f.sparse) {
      if (!in_range(n) || n == f.writer) return bad("feed " + f.name + ": bad sparse reader");
    }
  }
  for (const auto& w : s.workload) {
    if (w.feed < 0 || w.feed >= static_cast<int>(s.feeds.size())) return bad("workload: bad feed");
  }
  for (const auto& f : s.faults) {
    bool needs_node = f.kind == fault_kind::isolate || f.kind == fault_kind::clog ||
                      f.kind == fault_kind::crash || f.kind == fault_kind::restart ||
                      f.kind == fault_kind::storage;
    if (needs_node && !in_range(f.node)) return bad(std::string(to_string(f.kind)) + ": bad node");
    for (const auto& fs : s.feeds) {
      if (f.kind == fault_kind::restart && f.wipe && f.node == fs.writer) {
        return bad("a writer cannot restart with wiped storage (it would fork its feed)");
      }
    }
  }
  for (const auto& a : s.adversaries) {
    if (!in_range(a.node)) return bad("adversary: bad node");
  }
  std::string why = check_topology(s.topology);
  if (!why.empty()) return bad("topology: " + why);
  for (const auto& [a, b] : s.edges) {
    if (!in_range(a) || !in_range(b)) return bad("topology: an edge names a node out of range");
  }
  for (const auto& l : s.links) {
    if (!l.latency.empty() && !parse_latency(l.latency, &why)) return bad("links: " + why);
  }
  std::set<int> placed;
  std::set<std::string> names;
  for (const auto& g : s.regions) {
    if (g.name.empty() || !names.insert(g.name).second)
      return bad("regions: each region needs a name of its own");
    for (int n : g.nodes) {
      if (!placed.insert(n).second)
        return bad("regions: node " + std::to_string(n) + " is in two regions");
    }
  }
  for (const auto& l : s.region_links) {
    if (!names.count(l.a) || !names.count(l.b))
      return bad("region_links: unknown region \"" + (names.count(l.a) ? l.b : l.a) + "\"");
    if (!parse_latency(l.latency, &why)) return bad("region_links: " + why);
  }
  return status::ok();
}

const char* to_string(fault_kind k) {
  static const char* names[] = {"partition", "oneway", "isolate", "heal",  "reset",
                                "clog",      "crash",  "restart", "churn", "storage"};
  return names[static_cast<int>(k)];
}

const char* to_string(storage_fault k) {
  static const char* names[] = {"crash_at_write", "torn_write", "drop_unsynced", "eio",
                                "enospc",         "bitflip"};
  return names[static_cast<int>(k)];
}

const char* to_string(adversary_kind k) {
  static const char* names[] = {"bad_signature", "wrong_nodes", "bad_data",
                                "fork",          "oversized",   "slow_drip"};
  return names[static_cast<int>(k)];
}

}  // namespace ddb::sim
