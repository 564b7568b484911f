// Writing a scenario back as YAML (the shrinker's reproducers). Every field is written, so the
// text parses back to the same scenario (tests/sim/test_scenario.cpp checks the round trip).
#include <iomanip>
#include <sstream>

#include "sim/scenario.hpp"

namespace ddb::sim {

namespace {

// Shortest text that parses back to the same double.
std::string num(double v) {
  std::ostringstream o;
  o << std::setprecision(17) << v;
  return o.str();
}

std::string dur(duration d) {
  return num(static_cast<double>(d.count()) / 1e6) + "ms";
}

std::string nodes(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

void write_feeds(std::ostream& y, const scenario& s) {
  y << "feeds:\n";
  for (const auto& f : s.feeds) {
    y << "  - {name: " << f.name << ", writer: " << f.writer
      << ", followers: " << nodes(f.followers) << ", sparse: " << nodes(f.sparse) << "}\n";
  }
}

void write_workload(std::ostream& y, const scenario& s) {
  if (s.workload.empty()) return;
  y << "workload:\n";
  for (const auto& w : s.workload) {
    y << "  - {feed: " << w.feed << ", rate: " << num(w.rate) << ", batch_min: " << w.batch_min
      << ", batch_max: " << w.batch_max << ", block_min: " << w.block_min
      << ", block_max: " << w.block_max << ", start: " << dur(w.start)
      << ", until: " << dur(w.until) << ", read_rate: " << num(w.read_rate) << "}\n";
  }
}

void write_links(std::ostream& y, const scenario& s) {
  if (s.links.empty()) return;
  y << "links:\n";
  for (const auto& l : s.links) {
    y << "  - {nodes: " << nodes(l.nodes);
    if (l.latency.empty()) {
      y << ", latency_ms: " << num(l.latency_ms) << ", tail_ms: " << num(l.tail_ms)
        << ", tail_chance: " << num(l.tail_chance);
    } else {
      y << ", latency: \"" << l.latency << "\"";
    }
    y << ", jitter_ms: " << num(l.jitter_ms) << ", bandwidth: " << l.bandwidth
      << ", queue_limit: " << l.queue_limit << "}\n";
  }
}

void write_regions(std::ostream& y, const scenario& s) {
  if (!s.regions.empty()) y << "regions:\n";
  for (const auto& g : s.regions)
    y << "  - {name: " << g.name << ", nodes: " << nodes(g.nodes) << "}\n";
  if (!s.region_links.empty()) y << "region_links:\n";
  for (const auto& l : s.region_links) {
    y << "  - {a: " << l.a << ", b: " << l.b << ", latency: \"" << l.latency
      << "\", bandwidth: " << l.bandwidth << "}\n";
  }
}

void write_faults(std::ostream& y, const scenario& s) {
  if (s.faults.empty()) return;
  y << "faults:\n";
  for (const auto& f : s.faults) {
    y << "  - {kind: " << to_string(f.kind) << ", at: " << dur(f.at) << ", until: " << dur(f.until)
      << ", every: " << dur(f.every) << ", down: " << dur(f.down) << ", a: " << nodes(f.a)
      << ", b: " << nodes(f.b) << ", node: " << f.node << ", wipe: " << (f.wipe ? "true" : "false")
      << ", extra_ms: " << num(f.extra_ms) << ", fault: " << to_string(f.storage)
      << ", after_writes: " << f.after_writes << "}\n";
  }
}

void write_adversaries(std::ostream& y, const scenario& s) {
  if (s.adversaries.empty()) return;
  y << "adversaries:\n";
  for (const auto& a : s.adversaries) {
    y << "  - {node: " << a.node << ", kind: " << to_string(a.kind) << ", feed: " << a.feed
      << "}\n";
  }
}

void write_checks(std::ostream& y, const scenario& s) {
  auto b = [](bool v) { return v ? "true" : "false"; };
  y << "planted:\n  skip_verify: " << nodes(s.planted.skip_verify)
    << "\n  lying_sync: " << nodes(s.planted.lying_sync) << "\n";
  const auto& i = s.invariants;
  y << "invariants:\n  monotonic: " << b(i.monotonic) << "\n  verified: " << b(i.verified)
    << "\n  durable: " << b(i.durable) << "\n  forks: " << b(i.forks)
    << "\n  convergence: " << b(i.convergence) << "\n  bounded: " << b(i.bounded)
    << "\n  expect_fork: " << b(i.expect_fork) << "\n";
}

}  // namespace

std::string to_yaml(const scenario& s) {
  std::ostringstream y;
  y << "name: " << s.name << "\nnodes: " << s.nodes << "\ntopology: \"" << s.topology
    << "\"\nduration: " << dur(s.length) << "\nheal_at: " << dur(s.heal_at)
    << "\nconverge_within: " << dur(s.converge_within) << "\nkeep_alive: " << dur(s.keep_alive)
    << "\nmailbox_limit: " << s.mailbox_limit << "\n";
  if (!s.extensions.empty()) {
    y << "extensions: [";
    for (size_t i = 0; i < s.extensions.size(); ++i) y << (i ? ", " : "") << s.extensions[i];
    y << "]\n";
  }
  write_feeds(y, s);
  write_workload(y, s);
  write_links(y, s);
  write_regions(y, s);
  write_faults(y, s);
  write_adversaries(y, s);
  write_checks(y, s);
  return y.str();
}

}  // namespace ddb::sim
