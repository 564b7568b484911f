#include "sim/shrink.hpp"

#include <algorithm>

#include "sim/isolate.hpp"

namespace ddb::sim {

namespace {

// Removes k from a node list and renumbers the nodes after it.
void drop_from(std::vector<int>& v, int k) {
  v.erase(std::remove(v.begin(), v.end(), k), v.end());
  for (int& n : v) n -= n > k ? 1 : 0;
}

bool involves_nodes(fault_kind k) {
  return k == fault_kind::partition || k == fault_kind::oneway;
}

void drop_node_faults(scenario& s, int k) {
  std::vector<fault_spec> kept;
  for (auto f : s.faults) {
    if (f.node == k) continue;
    if (f.node > k) --f.node;
    bool had_a = !f.a.empty(), had_b = !f.b.empty();
    drop_from(f.a, k);
    drop_from(f.b, k);
    if (involves_nodes(f.kind) && ((had_a && f.a.empty()) || (had_b && f.b.empty()))) continue;
    kept.push_back(std::move(f));
  }
  s.faults = std::move(kept);
}

void drop_node_links(scenario& s, int k) {
  std::vector<link_spec> kept;
  for (auto l : s.links) {
    bool had = !l.nodes.empty();
    drop_from(l.nodes, k);
    if (had && l.nodes.empty()) continue;
    kept.push_back(std::move(l));
  }
  s.links = std::move(kept);
  for (auto& g : s.regions) drop_from(g.nodes, k);
}

// Removes feed `i`, its workload and adversaries, and renumbers later feed references.
void drop_feed(scenario& s, int i) {
  s.feeds.erase(s.feeds.begin() + i);
  auto fix = [i](auto& list) {
    list.erase(std::remove_if(list.begin(), list.end(), [i](const auto& x) { return x.feed == i; }),
               list.end());
    for (auto& x : list) x.feed -= x.feed > i ? 1 : 0;
  };
  fix(s.workload);
  fix(s.adversaries);
}

duration longest_until(const scenario& s) {
  duration d{};
  for (const auto& w : s.workload) d = std::max(d, w.until);
  return d;
}

void add(std::vector<shrink_candidate>& out, std::string what, scenario s) {
  if (validate(s)) out.push_back({std::move(what), std::move(s)});
}

void fault_and_adversary_candidates(const scenario& s, std::vector<shrink_candidate>& out) {
  if (s.faults.size() > 1) {
    scenario c = s;
    c.faults.clear();
    add(out, "drop every fault", c);
  }
  for (size_t i = 0; i < s.faults.size(); ++i) {
    scenario c = s;
    c.faults.erase(c.faults.begin() + static_cast<long>(i));
    add(out, std::string("drop fault ") + to_string(s.faults[i].kind) + " #" + std::to_string(i),
        c);
  }
  for (size_t i = 0; i < s.adversaries.size(); ++i) {
    scenario c = s;
    c.adversaries.erase(c.adversaries.begin() + static_cast<long>(i));
    add(out, std::string("drop adversary ") + to_string(s.adversaries[i].kind), c);
  }
}

void structure_candidates(const scenario& s, std::vector<shrink_candidate>& out) {
  // Halves of the nodes first (from the end), then single nodes.
  if (s.nodes > 3) {
    scenario c = s;
    int dropped = 0;
    for (int k = s.nodes - 1; k >= 0 && dropped < s.nodes / 2; --k) dropped += drop_node(c, k);
    if (dropped > 1) add(out, "drop " + std::to_string(dropped) + " nodes", c);
  }
  for (int k = s.nodes - 1; k >= 0; --k) {
    scenario c = s;
    if (drop_node(c, k)) add(out, "drop node " + std::to_string(k), c);
  }
  for (size_t i = 0; s.feeds.size() > 1 && i < s.feeds.size(); ++i) {
    scenario c = s;
    drop_feed(c, static_cast<int>(i));
    add(out, "drop feed " + s.feeds[i].name, c);
  }
  for (size_t i = 0; i < s.feeds.size(); ++i) {
    for (size_t j = 0; j < s.feeds[i].sparse.size(); ++j) {
      scenario c = s;
      c.feeds[i].sparse.erase(c.feeds[i].sparse.begin() + static_cast<long>(j));
      add(out, "drop sparse reader " + std::to_string(s.feeds[i].sparse[j]), c);
    }
  }
}

void time_candidates(const scenario& s, std::vector<shrink_candidate>& out) {
  duration until = longest_until(s);
  if (until > std::chrono::seconds(2)) {
    scenario c = s;
    duration cut = until / 2;
    for (auto& w : c.workload) w.until = std::max(w.start + std::chrono::seconds(1), w.until - cut);
    c.heal_at = std::max(longest_until(c), c.heal_at - cut);
    c.length = std::max(c.heal_at + c.converge_within, c.length - cut);
    add(out, "halve the workload", c);
  }
  duration floor = s.heal_at + s.converge_within + std::chrono::seconds(1);
  if (s.length > floor) {
    scenario c = s;
    c.length = floor;
    add(out, "end the run at heal + converge_within", c);
  }
  for (size_t i = 0; i < s.workload.size(); ++i) {
    const auto& w = s.workload[i];
    if (w.rate > 1) {
      scenario c = s;
      c.workload[i].rate = std::max(1.0, w.rate / 2);
      add(out, "halve the append rate", c);
    }
    if (w.batch_max > w.batch_min || w.block_max > w.block_min) {
      scenario c = s;
      c.workload[i].batch_max = w.batch_min;
      c.workload[i].block_max = w.block_min;
      add(out, "smallest batches and blocks", c);
    }
  }
}

}  // namespace

bool drop_node(scenario& s, int k) {
  if (s.nodes <= 1 || k < 0 || k >= s.nodes) return false;
  // A file topology names its nodes in the file, which a reproducer reads again: keep them.
  if (s.topology.rfind("file:", 0) == 0) return false;
  for (const auto& f : s.feeds) {
    if (f.writer == k) return false;
  }
  for (auto& f : s.feeds) {
    f.writer -= f.writer > k ? 1 : 0;
    drop_from(f.followers, k);
    drop_from(f.sparse, k);
  }
  drop_node_faults(s, k);
  drop_node_links(s, k);
  s.adversaries.erase(std::remove_if(s.adversaries.begin(), s.adversaries.end(),
                                     [k](const adversary_spec& a) { return a.node == k; }),
                      s.adversaries.end());
  for (auto& a : s.adversaries) a.node -= a.node > k ? 1 : 0;
  drop_from(s.planted.skip_verify, k);
  drop_from(s.planted.lying_sync, k);
  --s.nodes;
  return true;
}

std::vector<shrink_candidate> shrink_candidates(const scenario& s) {
  std::vector<shrink_candidate> out;
  fault_and_adversary_candidates(s, out);
  structure_candidates(s, out);
  time_candidates(s, out);
  return out;
}

shrink_result shrink(const scenario& failing, uint64_t seed, outcome expected,
                     std::ostream& progress, const shrink_runner& run, int max_runs) {
  shrink_runner runner =
      run ? run : [](const scenario& sc, uint64_t sd) { return run_isolated(sc, sd).result; };
  shrink_result r{failing, 0, 0};
  bool changed = true;
  while (changed && r.runs < max_runs) {
    changed = false;
    for (auto& cand : shrink_candidates(r.smallest)) {
      if (r.runs >= max_runs) break;
      ++r.runs;
      if (runner(cand.s, seed) != expected) continue;
      r.smallest = std::move(cand.s);
      ++r.steps;
      progress << "step " << r.steps << ": " << cand.what << " -> " << r.smallest.nodes
               << " nodes, " << r.smallest.faults.size() << " faults, "
               << r.smallest.adversaries.size() << " adversaries, "
               << format_time(r.smallest.length) << " (run " << r.runs << ")" << std::endl;
      changed = true;
      break;  // candidates are recomputed from the smaller scenario
    }
  }
  return r;
}

}  // namespace ddb::sim
