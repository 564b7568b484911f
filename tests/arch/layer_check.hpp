// The layer check (header-only, used by tests/arch/test_layers.cpp): reads the layer order of
// docs/layers.txt and scans every .hpp/.cpp/.h under the layer folders for project includes.
// It reports
//   - an include of a higher layer: "FILE:LINE: layer A includes higher layer B (\"PATH\")";
//   - CAF in a layer at or below a given one (the I/O-free layers);
//   - every cycle of the folder graph (an edge A -> B for each include of B from A, A != B),
//     with one include per edge as evidence.
// A project include is a quoted one whose first path component names a layer ("core/types.hpp",
// "ddatabase/extension.h"), or an angle one that names an existing file of a layer (so that
// <net/if.h> stays a system header).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace ddb::arch {

namespace fs = std::filesystem;

struct layer {
  std::string folder;  // from the repository root: "core", "include/ddatabase"
  std::string as;      // its name in an #include: the folder's last component
};

// The layers of `file` (docs/layers.txt format: one folder per line, lowest first, '#' comments).
inline std::vector<layer> read_layers(const fs::path& file) {
  std::vector<layer> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty()) continue;
    out.push_back({line, fs::path(line).filename().string()});
  }
  return out;
}

struct include_edge {
  std::string file;  // relative to the root
  size_t line = 0;
  std::string from;  // layer folders
  std::string to;
  std::string path;  // as written in the #include
};

struct check_result {
  std::vector<std::string> upward;  // one message per upward include
  std::vector<std::string> caf;     // one message per CAF include below the boundary
  std::vector<std::string> cycles;  // one message per folder cycle
  size_t files = 0;                 // files scanned
  size_t edges = 0;                 // project includes across folders
};

namespace detail {

inline bool is_source(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".hpp" || ext == ".cpp" || ext == ".h";
}

// The layer holding `rel` (a path from the root): the longest layer folder that prefixes it.
inline int layer_of_file(const std::vector<layer>& layers, const std::string& rel) {
  int best = -1;
  size_t best_len = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& f = layers[i].folder;
    if (rel.size() > f.size() && rel.compare(0, f.size(), f) == 0 && rel[f.size()] == '/' &&
        f.size() > best_len) {
      best = static_cast<int>(i);
      best_len = f.size();
    }
  }
  return best;
}

inline int layer_named(const std::vector<layer>& layers, const std::string& as) {
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].as == as) return static_cast<int>(i);
  }
  return -1;
}

// Every cycle through the folder graph, each reported once (from its smallest node).
inline void find_cycles(const std::map<int, std::map<int, include_edge>>& graph,
                        const std::vector<layer>& layers, std::vector<std::string>& out) {
  std::vector<int> path;
  std::set<int> on_path;
  std::function<void(int, int)> walk = [&](int start, int node) {
    auto it = graph.find(node);
    if (it == graph.end()) return;
    for (const auto& [next, edge] : it->second) {
      if (next == start) {
        std::string msg = "folder cycle: ";
        for (int n : path) msg += layers[n].folder + " -> ";
        msg += layers[start].folder + " (";
        for (size_t i = 0; i < path.size(); ++i) {
          int to = i + 1 < path.size() ? path[i + 1] : start;
          const auto& e = graph.at(path[i]).at(to);
          msg += (i > 0 ? "; " : "") + e.file + ":" + std::to_string(e.line) + " includes \"" +
                 e.path + "\"";
        }
        out.push_back(msg + ")");
      } else if (next > start && on_path.count(next) == 0) {
        path.push_back(next);
        on_path.insert(next);
        walk(start, next);
        on_path.erase(next);
        path.pop_back();
      }
    }
  };
  for (const auto& entry : graph) {
    path = {entry.first};
    on_path = {entry.first};
    walk(entry.first, entry.first);
  }
}

}  // namespace detail

// Scans the layer folders under `root`. Layers at or below `no_caf_through` (a folder; empty:
// no such rule) must not include CAF.
inline check_result check_layers(const fs::path& root, const std::vector<layer>& layers,
                                 const std::string& no_caf_through = "") {
  check_result r;
  int caf_limit = -1;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].folder == no_caf_through) caf_limit = static_cast<int>(i);
  }
  static const std::regex include_re(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  std::map<int, std::map<int, include_edge>> graph;
  std::set<std::string> seen;
  for (size_t li = 0; li < layers.size(); ++li) {
    fs::path dir = root / layers[li].folder;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && detail::is_source(e.path())) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::string rel = fs::relative(file, root).generic_string();
      if (!seen.insert(rel).second) continue;
      int from = detail::layer_of_file(layers, rel);
      if (from < 0) continue;
      ++r.files;
      std::ifstream in(file);
      std::string text;
      size_t line_no = 0;
      while (std::getline(in, text)) {
        ++line_no;
        std::smatch m;
        if (!std::regex_search(text, m, include_re)) continue;
        std::string inc = m[2].str();
        bool quoted = m[1].str() == "\"";
        auto slash = inc.find('/');
        if (slash == std::string::npos) continue;  // same folder, or a system header
        std::string first = inc.substr(0, slash);
        std::string where = rel + ":" + std::to_string(line_no);
        if (first == "caf" && caf_limit >= 0 && from <= caf_limit) {
          r.caf.push_back(where + ": layer " + layers[from].folder + " includes CAF (\"" + inc +
                          "\"); layers up to " + no_caf_through + " are free of actors");
        }
        int to = detail::layer_named(layers, first);
        if (to < 0) continue;
        if (!quoted && !fs::exists(root / layers[to].folder / inc.substr(slash + 1))) {
          continue;  // a system header that shares a layer's name
        }
        if (to == from) continue;
        ++r.edges;
        graph[from].emplace(
            to, include_edge{rel, line_no, layers[from].folder, layers[to].folder, inc});
        if (to > from) {
          r.upward.push_back(where + ": layer " + layers[from].folder + " includes higher layer " +
                             layers[to].folder + " (\"" + inc + "\")");
        }
      }
    }
  }
  detail::find_cycles(graph, layers, r.cycles);
  return r;
}

// Top-level folders of `root` holding sources that no layer covers (tests, bench, docs and
// build trees excepted): a new folder must be placed in docs/layers.txt.
inline std::vector<std::string> unplaced_folders(const fs::path& root,
                                                 const std::vector<layer>& layers) {
  static const std::set<std::string> exempt = {"tests", "bench",   "docs",
                                               "cmake", "scripts", "Testing"};
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(root)) {
    if (!e.is_directory()) continue;
    std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || exempt.count(name) > 0 || name.rfind("build", 0) == 0 ||
        fs::exists(e.path() / "CMakeCache.txt")) {
      continue;
    }
    bool covered = false;
    for (const auto& l : layers) {
      if (l.folder == name || l.folder.rfind(name + "/", 0) == 0) covered = true;
    }
    if (covered) continue;
    for (const auto& f : fs::recursive_directory_iterator(e.path())) {
      if (f.is_regular_file() && detail::is_source(f.path())) {
        out.push_back(name);
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ddb::arch
