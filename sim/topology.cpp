#include "sim/topology.hpp"

#include <algorithm>
#include <sstream>

#include "sim/rng.hpp"

namespace ddb::sim {

namespace {

bool digits(const std::string& s, size_t max_len) {
  return !s.empty() && s.size() <= max_len &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "K,P" of small_world: K an even-or-odd count >= 1, P a probability.
bool small_world_params(const std::string& p, int& k, double& chance) {
  auto comma = p.find(',');
  if (comma == std::string::npos || !digits(p.substr(0, comma), 6)) return false;
  k = std::stoi(p.substr(0, comma));
  std::string rest = p.substr(comma + 1);
  char* end = nullptr;
  chance = std::strtod(rest.c_str(), &end);
  return k >= 1 && !rest.empty() && end == rest.c_str() + rest.size() && chance >= 0 && chance <= 1;
}

void random_tree(std::vector<std::set<int>>& nb, int n, int k, uint64_t seed) {
  for (int i = 0; i < n; ++i) {
    rng r = rng::substream(seed, "topology", static_cast<uint64_t>(i));
    if (i > 0)
      nb[static_cast<size_t>(i)].insert(static_cast<int>(r.below(static_cast<uint64_t>(i))));
    for (int e = 1; e < k && n > 1; ++e) {
      int j = static_cast<int>(r.below(static_cast<uint64_t>(n)));
      if (j != i && !nb[static_cast<size_t>(j)].count(i)) nb[static_cast<size_t>(i)].insert(j);
    }
  }
}

bool linked(const std::vector<std::set<int>>& nb, int a, int b) {
  return nb[static_cast<size_t>(a)].count(b) || nb[static_cast<size_t>(b)].count(a);
}

void small_world(std::vector<std::set<int>>& nb, int n, int k, double chance, uint64_t seed) {
  rng r = rng::substream(seed, "small-world");
  for (int i = 0; i < n; ++i) {
    for (int j = 1; j <= std::max(1, k / 2) && j < n; ++j) {
      int to = (i + j) % n;
      if (r.chance(chance)) {
        int pick = static_cast<int>(r.below(static_cast<uint64_t>(n)));
        if (pick != i && !linked(nb, i, pick)) to = pick;
      }
      if (to != i && !linked(nb, i, to)) nb[static_cast<size_t>(i)].insert(to);
    }
  }
}

void scale_free(std::vector<std::set<int>>& nb, int n, int m, uint64_t seed) {
  rng r = rng::substream(seed, "scale-free");
  std::vector<int> ends;  // every edge's two nodes: a node appears once per unit of degree
  for (int i = 1; i < n; ++i) {
    auto& mine = nb[static_cast<size_t>(i)];
    int want = std::min(m, i);
    while (static_cast<int>(mine.size()) < want) {
      // Preferential attachment; a uniform pick while no edge exists yet (and as a fallback).
      int to = ends.empty() ? static_cast<int>(r.below(static_cast<uint64_t>(i)))
                            : ends[r.below(ends.size())];
      if (to == i || mine.count(to)) to = static_cast<int>(r.below(static_cast<uint64_t>(i)));
      mine.insert(to);
    }
    for (int to : mine) {
      ends.push_back(i);
      ends.push_back(to);
    }
  }
}

}  // namespace

std::string check_topology(const std::string& spec) {
  if (spec == "mesh" || spec == "star" || spec == "ring") return "";
  auto colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  std::string p = colon == std::string::npos ? "" : spec.substr(colon + 1);
  int k = 0;
  double chance = 0;
  if ((kind == "random" || kind == "scale_free") && digits(p, 6) && std::stoi(p) >= 1) return "";
  if (kind == "small_world" && small_world_params(p, k, chance)) return "";
  if (kind == "file" && !p.empty()) return "";
  return "unknown topology \"" + spec +
         "\" (use mesh, star, ring, random:K, small_world:K,P, scale_free:M or file:PATH)";
}

edge_list parse_edges(const std::string& text, std::string* error) {
  edge_list out;
  std::stringstream in(text);
  std::string line;
  for (int no = 1; std::getline(in, line); ++no) {
    line = line.substr(0, line.find('#'));
    std::stringstream words(line);
    std::string a, b, extra;
    if (!(words >> a)) continue;  // blank or comment
    if (!(words >> b) || (words >> extra) || !digits(a, 6) || !digits(b, 6) || a == b) {
      if (error) *error = "line " + std::to_string(no) + ": want \"A B\", two different nodes";
      return {};
    }
    out.emplace_back(std::stoi(a), std::stoi(b));
  }
  return out;
}

std::vector<std::set<int>> build_topology(const std::string& spec, int n, uint64_t seed,
                                          const edge_list& edges) {
  std::vector<std::set<int>> nb(static_cast<size_t>(std::max(n, 0)));
  auto colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  std::string p = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (spec == "mesh") {
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) nb[static_cast<size_t>(i)].insert(j);
    }
  } else if (spec == "star") {
    for (int i = 1; i < n; ++i) nb[static_cast<size_t>(i)].insert(0);
  } else if (spec == "ring") {
    for (int i = 0; i < n && n > 1; ++i) nb[static_cast<size_t>(i)].insert((i + 1) % n);
  } else if (kind == "random") {
    random_tree(nb, n, std::max(1, std::stoi(p)), seed);
  } else if (kind == "small_world") {
    int k = 0;
    double chance = 0;
    if (small_world_params(p, k, chance)) small_world(nb, n, k, chance, seed);
  } else if (kind == "scale_free") {
    scale_free(nb, n, std::max(1, std::stoi(p)), seed);
  } else if (kind == "file") {
    for (const auto& [a, b] : edges) {
      if (a < n && b < n && !linked(nb, a, b)) nb[static_cast<size_t>(a)].insert(b);
    }
  }
  return nb;
}

}  // namespace ddb::sim
