// Reading a scenario from YAML with the node configs' reader (config/yaml_reader.hpp): unknown
// keys are errors with a "did you mean", every error is "ORIGIN:LINE: PATH: WHAT", and durations
// have the configs' syntax (a bare number is seconds here, milliseconds for `*_ms` keys).
#include <algorithm>
#include <climits>
#include <filesystem>
#include <string_view>

#include "config/yaml_reader.hpp"
#include "core/key_file.hpp"
#include "sim/latency.hpp"
#include "sim/scenario.hpp"

namespace ddb::sim {

namespace {

using config_detail::field;
using config_detail::index_path;
using config_detail::key_path;
using config_detail::yaml_reader;

// A scenario is a few kilobytes; anything past this is not one.
constexpr size_t scenario_file_max_bytes = 1 << 20;
// More nodes than any scenario simulates; also bounds what a node range ("0-N") allocates.
constexpr int64_t max_nodes = 100000;

// Reads a scenario; `nodes` (read first) bounds every node number.
class scenario_reader {
 public:
  scenario_reader(yaml_reader& r, scenario& s) : r_(r), s_(s) {}

  void read(const YAML::Node& root) {
    if (!r_.check_map(
            root, "",
            {"name", "nodes", "topology", "duration", "heal_at", "converge_within", "keep_alive",
             "mailbox_limit", "extensions", "feeds", "workload", "links", "regions", "region_links",
             "faults", "adversaries", "planted", "invariants"})) {
      return;
    }
    r_.read_string(root, "", "name", s_.name);
    read_int(root, "", "nodes", 1, max_nodes, s_.nodes);
    r_.read_string(root, "", "topology", s_.topology);
    read_time(root, "", "duration", s_.length);
    read_time(root, "", "heal_at", s_.heal_at);
    read_time(root, "", "converge_within", s_.converge_within);
    read_time(root, "", "keep_alive", s_.keep_alive);
    uint64_t mailbox = s_.mailbox_limit;
    r_.read_uint(root, "", "mailbox_limit", 0, UINT32_MAX, mailbox);
    s_.mailbox_limit = static_cast<size_t>(mailbox);
    read_extensions(field(root, "extensions"));
    each(root, "feeds", [&](const YAML::Node& m, const std::string& p) { read_feed(m, p); });
    each(root, "workload", [&](const YAML::Node& m, const std::string& p) { read_work(m, p); });
    each(root, "links", [&](const YAML::Node& m, const std::string& p) { read_link(m, p); });
    each(root, "regions", [&](const YAML::Node& m, const std::string& p) { read_region(m, p); });
    each(root, "region_links",
         [&](const YAML::Node& m, const std::string& p) { read_region_link(m, p); });
    each(root, "faults", [&](const YAML::Node& m, const std::string& p) { read_fault(m, p); });
    each(root, "adversaries",
         [&](const YAML::Node& m, const std::string& p) { read_adversary(m, p); });
    read_planted(field(root, "planted"));
    read_invariants(field(root, "invariants"));
    if (r_.ok() && s_.heal_at.count() == 0) {
      for (const auto& w : s_.workload) s_.heal_at = std::max(s_.heal_at, w.until);
    }
  }

 private:
  // Calls `item` on each mapping of the list under `key`.
  template <class F>
  void each(const YAML::Node& map, const char* key, F item) {
    const YAML::Node list = field(map, key);
    if (!list.IsDefined() || !r_.check_seq(list, key)) return;
    for (size_t i = 0; i < list.size() && r_.ok(); ++i) item(list[i], index_path(key, i));
  }

  template <class T>
  void read_int(const YAML::Node& map, const std::string& path, const char* key, int64_t min,
                int64_t max, T& out) {
    const YAML::Node value = field(map, key);
    int64_t v = 0;
    if (value.IsDefined() && r_.to_int(value, key_path(path, key), min, max, v)) {
      out = static_cast<T>(v);
    }
  }

  void read_number(const YAML::Node& map, const std::string& path, const char* key, double min,
                   double max, double& out) {
    const YAML::Node value = field(map, key);
    if (value.IsDefined()) r_.to_double(value, key_path(path, key), min, max, out);
  }

  // A time: a duration whose bare numbers are seconds.
  void read_time(const YAML::Node& map, const std::string& path, const char* key, duration& out) {
    read_duration(map, path, key, 1000, out);
  }
  void read_duration(const YAML::Node& map, const std::string& path, const char* key,
                     double bare_unit_ms, duration& out) {
    const YAML::Node value = field(map, key);
    double ms = 0;
    if (value.IsDefined() && r_.to_duration_ms(value, key_path(path, key), bare_unit_ms, ms)) {
      out = from_ms(ms);
    }
  }
  // A `*_ms` key kept as milliseconds.
  void read_ms(const YAML::Node& map, const std::string& path, const char* key, double& out) {
    const YAML::Node value = field(map, key);
    if (value.IsDefined()) r_.to_duration_ms(value, key_path(path, key), 1, out);
  }

  // `names` in the enum's order (as to_string() has them).
  template <class E>
  void read_choice(const YAML::Node& map, const std::string& path, const char* key,
                   std::initializer_list<std::string_view> names, E& out) {
    const YAML::Node value = field(map, key);
    size_t index = 0;
    if (value.IsDefined() && r_.to_choice(value, key_path(path, key), names, index)) {
      out = static_cast<E>(index);
    }
  }

  // 3, [1, 2], 1-9, 1-end or all; lists nest.
  std::vector<int> read_nodes(const YAML::Node& map, const std::string& path, const char* key) {
    std::vector<int> out;
    const YAML::Node value = field(map, key);
    if (value.IsDefined()) node_list(value, key_path(path, key), out);
    return out;
  }
  void node_list(const YAML::Node& value, const std::string& path, std::vector<int>& out) {
    if (value.IsNull()) return;
    if (value.IsSequence()) {
      for (size_t i = 0; i < value.size() && r_.ok(); ++i) {
        node_list(value[i], index_path(path, i), out);
      }
      return;
    }
    std::string text;
    if (!r_.to_string(value, path, text)) return;
    if (text == "all") {
      for (int i = 0; i < s_.nodes; ++i) out.push_back(i);
      return;
    }
    auto dash = text.find('-');
    std::optional<int> lo, hi;
    if (dash != std::string::npos && dash > 0) {
      lo = node_number(text.substr(0, dash));
      hi = text.substr(dash + 1) == "end" ? std::optional<int>(s_.nodes - 1)
                                          : node_number(text.substr(dash + 1));
    } else {
      lo = hi = node_number(text);
    }
    if (!lo || !hi) {
      r_.fail(value, path, "bad node list \"" + text + "\" (use 3, [1, 2], 1-9, 1-end or all)");
      return;
    }
    if (*hi >= s_.nodes) {
      r_.fail(value, path,
              "node " + std::to_string(*hi) + " out of range (nodes: " + std::to_string(s_.nodes) +
                  ")");
      return;
    }
    for (int i = *lo; i <= *hi; ++i) out.push_back(i);
  }
  static std::optional<int> node_number(const std::string& text) {
    if (text.empty() || text.size() > 9 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stoi(text);
  }

  // A feed by name or by number (validate() checks the number).
  void read_feed_ref(const YAML::Node& map, const std::string& path, int& out) {
    const YAML::Node value = field(map, "feed");
    std::string text;
    if (!value.IsDefined() || !r_.to_string(value, key_path(path, "feed"), text)) return;
    for (size_t i = 0; i < s_.feeds.size(); ++i) {
      if (s_.feeds[i].name == text) return void(out = static_cast<int>(i));
    }
    if (auto n = node_number(text)) return void(out = *n);
    std::string names;
    for (const auto& f : s_.feeds) names += (names.empty() ? "" : ", ") + f.name;
    r_.fail(value, key_path(path, "feed"),
            "unknown feed \"" + text + "\" (feeds: " + names + ", or a number)");
  }

  void read_extensions(const YAML::Node& list) {
    if (!list.IsDefined() || !r_.check_seq(list, "extensions")) return;
    for (size_t i = 0; i < list.size() && r_.ok(); ++i) {
      std::string name;
      if (r_.to_string(list[i], index_path("extensions", i), name)) s_.extensions.push_back(name);
    }
  }

  void read_feed(const YAML::Node& m, const std::string& path) {
    if (!r_.check_map(m, path, {"name", "writer", "followers", "sparse"})) return;
    feed_spec f;
    r_.read_string(m, path, "name", f.name);
    read_int(m, path, "writer", 0, max_nodes, f.writer);
    f.followers = read_nodes(m, path, "followers");
    f.sparse = read_nodes(m, path, "sparse");
    s_.feeds.push_back(f);
  }

  void read_work(const YAML::Node& m, const std::string& path) {
    if (!r_.check_map(m, path,
                      {"feed", "rate", "batch_min", "batch_max", "block_min", "block_max", "start",
                       "until", "read_rate"})) {
      return;
    }
    workload_spec w;
    read_feed_ref(m, path, w.feed);
    read_number(m, path, "rate", 0, 1e6, w.rate);
    read_int(m, path, "batch_min", 0, UINT32_MAX, w.batch_min);
    read_int(m, path, "batch_max", 0, UINT32_MAX, w.batch_max);
    read_int(m, path, "block_min", 0, UINT32_MAX, w.block_min);
    read_int(m, path, "block_max", 0, UINT32_MAX, w.block_max);
    read_number(m, path, "read_rate", 0, 1e6, w.read_rate);
    read_time(m, path, "start", w.start);
    read_time(m, path, "until", w.until);
    s_.workload.push_back(w);
  }

  // A latency distribution (sim/latency.hpp), checked here so the error has its line.
  void read_latency(const YAML::Node& m, const std::string& path, std::string& out) {
    const YAML::Node value = field(m, "latency");
    std::string text, why;
    if (!value.IsDefined() || !r_.to_string(value, key_path(path, "latency"), text)) return;
    if (!parse_latency(text, &why)) {
      r_.fail(value, key_path(path, "latency"), why);
      return;
    }
    out = text;
  }

  void read_region(const YAML::Node& m, const std::string& path) {
    if (!r_.check_map(m, path, {"name", "nodes"})) return;
    region_spec g;
    r_.read_string(m, path, "name", g.name);
    g.nodes = read_nodes(m, path, "nodes");
    s_.regions.push_back(g);
  }

  void read_region_link(const YAML::Node& m, const std::string& path) {
    if (!r_.check_map(m, path, {"a", "b", "latency", "bandwidth"})) return;
    region_link_spec l;
    r_.read_string(m, path, "a", l.a);
    r_.read_string(m, path, "b", l.b);
    read_latency(m, path, l.latency);
    r_.read_uint(m, path, "bandwidth", 0, UINT64_MAX, l.bandwidth);
    s_.region_links.push_back(l);
  }

  void read_link(const YAML::Node& m, const std::string& path) {
    if (!r_.check_map(m, path,
                      {"nodes", "latency_ms", "tail_ms", "tail_chance", "latency", "jitter_ms",
                       "bandwidth", "queue_limit"})) {
      return;
    }
    link_spec l;
    l.nodes = read_nodes(m, path, "nodes");
    read_ms(m, path, "latency_ms", l.latency_ms);
    read_ms(m, path, "tail_ms", l.tail_ms);
    read_number(m, path, "tail_chance", 0, 1, l.tail_chance);
    read_latency(m, path, l.latency);
    if (!l.latency.empty()) {
      for (const char* legacy : {"latency_ms", "tail_ms", "tail_chance"}) {
        if (field(m, legacy).IsDefined()) {
          r_.fail(field(m, legacy), key_path(path, legacy),
                  "give either `latency` or latency_ms/tail_ms/tail_chance, not both");
          return;
        }
      }
    }
    read_ms(m, path, "jitter_ms", l.jitter_ms);
    r_.read_uint(m, path, "bandwidth", 0, UINT64_MAX, l.bandwidth);
    r_.read_uint(m, path, "queue_limit", 0, UINT64_MAX, l.queue_limit);
    s_.links.push_back(l);
  }

  void read_fault(const YAML::Node& m, const std::string& path) {
    if (!r_.check_map(m, path,
                      {"kind", "at", "until", "for", "every", "down", "a", "b", "node", "wipe",
                       "extra_ms", "fault", "after_writes"}) ||
        !r_.require(m, path, "kind")) {
      return;
    }
    fault_spec f;
    read_choice(m, path, "kind",
                {"partition", "oneway", "isolate", "heal", "reset", "clog", "crash", "restart",
                 "churn", "storage"},
                f.kind);
    read_time(m, path, "at", f.at);
    read_time(m, path, "until", f.until);
    read_time(m, path, "every", f.every);
    read_time(m, path, "down", f.down);
    read_time(m, path, "for", f.until);  // clog: `for` a while
    f.a = read_nodes(m, path, "a");
    f.b = read_nodes(m, path, "b");
    read_int(m, path, "node", -1, max_nodes, f.node);
    r_.read_bool(m, path, "wipe", f.wipe);
    read_ms(m, path, "extra_ms", f.extra_ms);
    r_.read_uint(m, path, "after_writes", 0, UINT32_MAX, f.after_writes);
    read_choice(m, path, "fault",
                {"crash_at_write", "torn_write", "drop_unsynced", "eio", "enospc", "bitflip"},
                f.storage);
    if (r_.ok() && f.kind == fault_kind::churn && f.every.count() <= 0) {
      r_.fail(m, path, "churn needs `every`");
    }
    s_.faults.push_back(f);
  }

  void read_adversary(const YAML::Node& m, const std::string& path) {
    if (!r_.check_map(m, path, {"node", "kind", "feed"}) || !r_.require(m, path, "kind")) return;
    adversary_spec a;
    read_int(m, path, "node", -1, max_nodes, a.node);
    read_feed_ref(m, path, a.feed);
    read_choice(m, path, "kind",
                {"bad_signature", "wrong_nodes", "bad_data", "fork", "oversized", "slow_drip"},
                a.kind);
    s_.adversaries.push_back(a);
  }

  void read_planted(const YAML::Node& m) {
    if (!m.IsDefined() || !r_.check_map(m, "planted", {"skip_verify", "lying_sync"})) return;
    s_.planted.skip_verify = read_nodes(m, "planted", "skip_verify");
    s_.planted.lying_sync = read_nodes(m, "planted", "lying_sync");
  }

  void read_invariants(const YAML::Node& m) {
    const std::string path = "invariants";
    if (!m.IsDefined() || !r_.check_map(m, path,
                                        {"monotonic", "verified", "durable", "forks", "convergence",
                                         "bounded", "expect_fork"})) {
      return;
    }
    auto& i = s_.invariants;
    r_.read_bool(m, path, "monotonic", i.monotonic);
    r_.read_bool(m, path, "verified", i.verified);
    r_.read_bool(m, path, "durable", i.durable);
    r_.read_bool(m, path, "forks", i.forks);
    r_.read_bool(m, path, "convergence", i.convergence);
    r_.read_bool(m, path, "bounded", i.bounded);
    r_.read_bool(m, path, "expect_fork", i.expect_fork);
  }

  yaml_reader& r_;
  scenario& s_;
};

}  // namespace

result<scenario> parse_scenario(const std::string& yaml_text, const std::string& origin) {
  scenario s;
  yaml_reader reader(origin, ".");
  status read = config_detail::read_document(
      yaml_text, reader, [&](const YAML::Node& root) { scenario_reader(reader, s).read(root); });
  if (!read) return read;
  if (s.topology.rfind("file:", 0) == 0 && check_topology(s.topology).empty()) {
    // Relative to the scenario file; kept as the path it resolved to (a reproducer the
    // shrinker writes elsewhere still finds it).
    std::filesystem::path file(s.topology.substr(5));
    std::filesystem::path dir = std::filesystem::path(origin).parent_path();
    if (file.is_relative() && origin != "scenario") file = dir / file;
    auto text = read_regular_file(file.string(), scenario_file_max_bytes, "edges file");
    if (!text)
      return make_error(text.error().code(), origin + ": topology: " + text.error().message());
    std::string why;
    s.edges = parse_edges(std::string(text->begin(), text->end()), &why);
    if (!why.empty())
      return make_error(errc::invalid_argument,
                        origin + ": topology: " + file.string() + ": " + why);
    s.topology = "file:" + file.lexically_normal().string();
  }
  status ok = validate(s);
  if (!ok) return make_error(ok.code(), origin + ": " + ok.message());
  return s;
}

result<scenario> load_scenario(const std::string& path) {
  auto text = read_regular_file(path, scenario_file_max_bytes, "scenario");
  if (!text) return text.error();
  return parse_scenario(std::string(text->begin(), text->end()), path);
}

}  // namespace ddb::sim
