// Scenario YAML: parsing (precise errors), validation and writing back (for the shrinker).
#include "sim/scenario.hpp"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace ddb::sim {

namespace {

struct parse_error {
  std::string what;
};

[[noreturn]] void fail(const YAML::Node& n, const std::string& what) {
  throw parse_error{"line " + std::to_string(n.Mark().line + 1) + ": " + what};
}

duration parse_duration(const YAML::Node& n) {
  std::string s = n.as<std::string>();
  double scale = 1000;  // plain numbers are seconds
  std::string num = s;
  if (s.size() > 2 && s.substr(s.size() - 2) == "ms") {
    scale = 1, num = s.substr(0, s.size() - 2);
  } else if (!s.empty() && s.back() == 's') {
    num = s.substr(0, s.size() - 1);
  } else if (!s.empty() && s.back() == 'm') {
    scale = 60000, num = s.substr(0, s.size() - 1);
  }
  double ms = -1;
  try {
    ms = std::stod(num) * scale;
  } catch (...) {
  }
  // Also keeps the conversion to integer nanoseconds defined (found by fuzz_scenario: 6e63 s).
  if (!(ms >= 0 && ms <= 1e12)) fail(n, "bad duration '" + s + "' (use 30s, 500ms, 2m)");
  return from_ms(ms);
}

std::vector<int> parse_nodes(const YAML::Node& n, int count) {
  std::vector<int> out;
  if (!n) return out;
  if (n.IsSequence()) {
    for (const auto& x : n) {
      auto part = parse_nodes(x, count);
      out.insert(out.end(), part.begin(), part.end());
    }
    return out;
  }
  std::string s = n.as<std::string>();
  if (s == "all") {
    for (int i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  auto dash = s.find('-');
  try {
    if (dash != std::string::npos && dash > 0) {
      int lo = std::stoi(s.substr(0, dash));
      int hi = s.substr(dash + 1) == "end" ? count - 1 : std::stoi(s.substr(dash + 1));
      for (int i = lo; i <= hi; ++i) out.push_back(i);
    } else {
      out.push_back(std::stoi(s));
    }
  } catch (...) {
    fail(n, "bad node list '" + s + "' (use 3, [1, 2], 1-9, 1-end or all)");
  }
  return out;
}

template <class T>
void get(const YAML::Node& m, const char* key, T& out) {
  if (m[key]) out = m[key].as<T>();
}

void get_dur(const YAML::Node& m, const char* key, duration& out) {
  if (m[key]) out = parse_duration(m[key]);
}

int parse_feed_ref(const YAML::Node& n, const scenario& s) {
  if (!n) return 0;
  std::string v = n.as<std::string>();
  for (size_t i = 0; i < s.feeds.size(); ++i) {
    if (s.feeds[i].name == v) return static_cast<int>(i);
  }
  try {
    return std::stoi(v);
  } catch (...) {
    fail(n, "unknown feed '" + v + "'");
  }
}

template <class E>
E parse_enum(const YAML::Node& n, std::initializer_list<std::pair<const char*, E>> names) {
  std::string s = n.as<std::string>();
  for (const auto& [name, value] : names) {
    if (s == name) return value;
  }
  fail(n, "unknown value '" + s + "'");
}

fault_spec parse_fault(const YAML::Node& m, int count) {
  fault_spec f;
  f.kind = parse_enum<fault_kind>(m["kind"], {{"partition", fault_kind::partition},
                                              {"oneway", fault_kind::oneway},
                                              {"isolate", fault_kind::isolate},
                                              {"heal", fault_kind::heal},
                                              {"reset", fault_kind::reset},
                                              {"clog", fault_kind::clog},
                                              {"crash", fault_kind::crash},
                                              {"restart", fault_kind::restart},
                                              {"churn", fault_kind::churn},
                                              {"storage", fault_kind::storage}});
  get_dur(m, "at", f.at);
  get_dur(m, "until", f.until);
  get_dur(m, "every", f.every);
  get_dur(m, "down", f.down);
  get_dur(m, "for", f.until);
  f.a = parse_nodes(m["a"], count);
  f.b = parse_nodes(m["b"], count);
  get(m, "node", f.node);
  get(m, "wipe", f.wipe);
  get(m, "extra_ms", f.extra_ms);
  get(m, "after_writes", f.after_writes);
  if (m["fault"]) {
    f.storage =
        parse_enum<storage_fault>(m["fault"], {{"crash_at_write", storage_fault::crash_at_write},
                                               {"torn_write", storage_fault::torn_write},
                                               {"drop_unsynced", storage_fault::drop_unsynced},
                                               {"eio", storage_fault::eio},
                                               {"enospc", storage_fault::enospc},
                                               {"bitflip", storage_fault::bitflip}});
  }
  if (f.kind == fault_kind::churn && f.every.count() <= 0) fail(m, "churn needs every");
  return f;
}

void parse_body(const YAML::Node& root, scenario& s) {
  get(root, "name", s.name);
  get(root, "nodes", s.nodes);
  get(root, "topology", s.topology);
  get_dur(root, "duration", s.length);
  get_dur(root, "heal_at", s.heal_at);
  get_dur(root, "converge_within", s.converge_within);
  get_dur(root, "keep_alive", s.keep_alive);
  get(root, "mailbox_limit", s.mailbox_limit);
  for (const auto& e : root["extensions"]) s.extensions.push_back(e.as<std::string>());
  for (const auto& m : root["feeds"]) {
    feed_spec f;
    get(m, "name", f.name);
    get(m, "writer", f.writer);
    f.followers = parse_nodes(m["followers"], s.nodes);
    f.sparse = parse_nodes(m["sparse"], s.nodes);
    s.feeds.push_back(f);
  }
  for (const auto& m : root["workload"]) {
    workload_spec w;
    w.feed = parse_feed_ref(m["feed"], s);
    get(m, "rate", w.rate);
    get(m, "batch_min", w.batch_min);
    get(m, "batch_max", w.batch_max);
    get(m, "block_min", w.block_min);
    get(m, "block_max", w.block_max);
    get(m, "read_rate", w.read_rate);
    get_dur(m, "start", w.start);
    get_dur(m, "until", w.until);
    s.workload.push_back(w);
  }
  for (const auto& m : root["links"]) {
    link_spec l;
    l.nodes = parse_nodes(m["nodes"], s.nodes);
    get(m, "latency_ms", l.latency_ms);
    get(m, "tail_ms", l.tail_ms);
    get(m, "tail_chance", l.tail_chance);
    get(m, "bandwidth", l.bandwidth);
    get(m, "queue_limit", l.queue_limit);
    s.links.push_back(l);
  }
  for (const auto& m : root["faults"]) s.faults.push_back(parse_fault(m, s.nodes));
  for (const auto& m : root["adversaries"]) {
    adversary_spec a;
    get(m, "node", a.node);
    a.feed = parse_feed_ref(m["feed"], s);
    a.kind =
        parse_enum<adversary_kind>(m["kind"], {{"bad_signature", adversary_kind::bad_signature},
                                               {"wrong_nodes", adversary_kind::wrong_nodes},
                                               {"bad_data", adversary_kind::bad_data},
                                               {"fork", adversary_kind::fork},
                                               {"oversized", adversary_kind::oversized},
                                               {"slow_drip", adversary_kind::slow_drip}});
    s.adversaries.push_back(a);
  }
  if (auto p = root["planted"]) {
    s.planted.skip_verify = parse_nodes(p["skip_verify"], s.nodes);
    s.planted.lying_sync = parse_nodes(p["lying_sync"], s.nodes);
  }
  if (auto inv = root["invariants"]) {
    get(inv, "monotonic", s.invariants.monotonic);
    get(inv, "verified", s.invariants.verified);
    get(inv, "durable", s.invariants.durable);
    get(inv, "forks", s.invariants.forks);
    get(inv, "convergence", s.invariants.convergence);
    get(inv, "bounded", s.invariants.bounded);
    get(inv, "expect_fork", s.invariants.expect_fork);
  }
  if (s.heal_at.count() == 0) {
    for (const auto& w : s.workload) s.heal_at = std::max(s.heal_at, w.until);
  }
}

}  // namespace

result<scenario> parse_scenario(const std::string& yaml_text) {
  scenario s;
  try {
    parse_body(YAML::Load(yaml_text), s);
  } catch (const parse_error& e) {
    return make_error(errc::invalid_argument, e.what);
  } catch (const YAML::Exception& e) {
    return make_error(errc::invalid_argument, e.what());
  }
  status ok = validate(s);
  if (!ok) return ok;
  return s;
}

result<scenario> load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(errc::not_found, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = parse_scenario(ss.str());
  if (!s) return make_error(s.error().code(), path + ": " + s.error().message());
  return s;
}

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
