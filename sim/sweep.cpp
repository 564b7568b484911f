#include "sim/sweep.hpp"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/assert.hpp"
#include "sim/isolate.hpp"

namespace ddb::sim {

std::vector<std::pair<std::string, double>> headline_metrics(const std::string& report_json) {
  std::vector<std::pair<std::string, double>> out;
  auto j = nlohmann::json::parse(report_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return out;
  for (const char* key : {"trace_events", "activations", "bytes", "messages", "connections",
                          "resets", "forks_detected", "peak_mailbox", "speedup", "wall_seconds"}) {
    if (j.contains(key) && j[key].is_number()) out.emplace_back(key, j[key].get<double>());
  }
  double slowest = -1;
  double unconverged = 0;
  for (const auto& f : j.value("followers", nlohmann::json::array())) {
    if (f.value("sparse", false)) continue;
    double c = f.value("converged_s", -1.0);
    if (c < 0)
      unconverged += 1;
    else
      slowest = std::max(slowest, c);
  }
  if (slowest >= 0) out.emplace_back("converged_max_s", slowest);
  out.emplace_back("unconverged", unconverged);
  for (const auto& d : j.value("delays", nlohmann::json::array())) {
    if (d.value("samples", 0) == 0) continue;
    std::string prefix = "delay." + d.value("name", std::to_string(d.value("feed", 0))) + ".";
    for (const char* q : {"p50_s", "p90_s", "p99_s", "max_s"}) {
      out.emplace_back(prefix + q, d.value(q, 0.0));
    }
  }
  return out;
}

metric_spread spread(std::vector<double> values) {
  DDB_ASSERT(!values.empty());
  std::sort(values.begin(), values.end());
  metric_spread s;
  s.seeds = values.size();
  s.min = values.front();
  s.max = values.back();
  size_t mid = values.size() / 2;
  s.median = values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  return s;
}

sweep_result run_sweep(const scenario& sc, uint64_t a, uint64_t b, std::ostream* progress) {
  sweep_result out;
  out.scenario = sc.name;
  out.first = a;
  out.last = b;
  std::map<std::string, std::vector<double>> values;
  for (uint64_t s = a;; ++s) {
    auto r = run_isolated(sc, s);
    int code = static_cast<int>(r.result);
    if (progress)
      *progress << "seed " << s << ": exit " << code << " trace " << r.trace << std::endl;
    if (code != 0) out.failures.emplace_back(s, code);
    int& w = out.worst;
    if (code != 0 && (w == 0 || code == 2 || (code == 4 && w == 3))) w = code;
    for (auto& [name, v] : headline_metrics(r.report)) values[name].push_back(v);
    if (s == b) break;  // b may be the largest seed
  }
  for (auto& [name, v] : values) out.metrics[name] = spread(std::move(v));
  return out;
}

std::string to_json(const sweep_result& s) {
  nlohmann::json j;
  j["scenario"] = s.scenario;
  j["seeds"] = s.last - s.first + 1;
  j["first_seed"] = s.first;
  j["last_seed"] = s.last;
  j["exit_code"] = s.worst;
  auto& fs = j["failures"] = nlohmann::json::array();
  auto& seeds = j["failing_seeds"] = nlohmann::json::array();
  for (const auto& [seed, code] : s.failures) {
    fs.push_back({{"seed", seed}, {"exit_code", code}});
    seeds.push_back(seed);
  }
  auto& ms = j["metrics"] = nlohmann::json::object();
  for (const auto& [name, m] : s.metrics) {
    ms[name] = {{"min", m.min}, {"median", m.median}, {"max", m.max}, {"seeds", m.seeds}};
  }
  return j.dump();
}

std::string to_text(const sweep_result& s) {
  std::string out;
  char buf[256];
  for (const auto& [name, m] : s.metrics) {
    std::snprintf(buf, sizeof buf, "%-24s min %-12.6g median %-12.6g max %.6g\n", name.c_str(),
                  m.min, m.median, m.max);
    out += buf;
  }
  out += std::to_string(s.failures.size()) + " of " + std::to_string(s.last - s.first + 1) +
         " seeds failed";
  if (!s.failures.empty()) {
    out += ":";
    for (const auto& f : s.failures) out += " " + std::to_string(f.first);
  }
  return out + "\n";
}

}  // namespace ddb::sim
