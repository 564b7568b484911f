// `ddatabase sim SCENARIO.yaml --seed N [--json]`: the deterministic simulator (sim/).
// Exit codes: 0 ok, 1 run-time error, 2 usage error or crash, 3 liveness, 4 correctness; a
// SIGINT/SIGTERM ends it at once (130/143: nothing to close).
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/signals.hpp"
#include "config/yaml_reader.hpp"
#include "sim/driver.hpp"
#include "sim/isolate.hpp"
#include "sim/shrink.hpp"
#include "sim/sweep.hpp"

namespace ddb::cli {

namespace {

struct sim_args {
  std::string scenario;
  std::optional<uint64_t> seed;
  std::string seeds;                                   // "A..B"
  std::optional<std::pair<uint64_t, uint64_t>> sweep;  // parsed --seeds
  bool json = false;
  bool shrink = false;
  bool verbose = false;
  bool floor = false;
  std::string events, nodes;  // --verbose filters, as given
  sim::trace_filter filter;   // parsed --events and --nodes
  std::string out;            // --shrink: where the reproducer goes
  std::string metrics;        // --metrics FILE.csv
  std::string trace;          // --trace FILE.json
  std::string report;         // --report FILE.html
  std::string metrics_interval = "100ms";
  sim::duration interval = std::chrono::milliseconds(100);
  int max_runs = 200;
};

// "A..B" with A <= B, else a usage error.
std::pair<uint64_t, uint64_t> parse_seeds(const std::string& text) {
  auto dots = text.find("..");
  auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 19 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      usage_error("--seeds wants A..B (two seeds), not '" + text + "'");
    return std::stoull(part);
  };
  if (dots == std::string::npos) usage_error("--seeds wants A..B (two seeds), not '" + text + "'");
  uint64_t lo = number(text.substr(0, dots)), hi = number(text.substr(dots + 2));
  if (hi < lo) usage_error("--seeds " + text + " is empty: B is below A");
  return {lo, hi};
}

// "activation,fault": each a trace kind, else a usage error naming the kinds.
std::set<sim::trace_kind> parse_events(const std::string& text) {
  std::set<sim::trace_kind> kinds;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto k = sim::trace_kind_named(item);
    if (!k) {
      usage_error("--events: unknown kind '" + item + "' (kinds: " + sim::trace_kind_names() + ")");
    }
    kinds.insert(*k);
  }
  if (kinds.empty())
    usage_error("--events wants KIND,... (kinds: " + sim::trace_kind_names() + ")");
  return kinds;
}

// "3", "1,4", "2-9", "0-2,7": node numbers, else a usage error.
std::set<int> parse_nodes(const std::string& text) {
  std::set<int> nodes;
  std::stringstream in(text);
  std::string item;
  auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 6 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      usage_error("--nodes wants N, A-B or a comma-separated list of them, not '" + text + "'");
    return std::stoi(part);
  };
  while (std::getline(in, item, ',')) {
    auto dash = item.find('-');
    int lo = number(item.substr(0, dash));
    int hi = dash == std::string::npos ? lo : number(item.substr(dash + 1));
    if (hi < lo) usage_error("--nodes " + item + " is empty: B is below A");
    for (int n = lo; n <= hi; ++n) nodes.insert(n);
  }
  if (nodes.empty()) usage_error("--nodes wants N, A-B or a comma-separated list of them");
  return nodes;
}

int run_sweep(const sim::scenario& sc, uint64_t a, uint64_t b, bool json) {
  auto s = sim::run_sweep(sc, a, b, json ? nullptr : &std::cout);
  std::cout << (json ? sim::to_json(s) + "\n" : sim::to_text(s)) << std::flush;
  return s.worst;
}

int run_sim(const sim_args& a) {
  auto sc = sim::load_scenario(a.scenario);
  if (!sc) return fail(sc.error());
  if (a.sweep) return run_sweep(*sc, a.sweep->first, a.sweep->second, a.json);
  uint64_t seed = a.seed ? *a.seed : std::random_device{}();
  if (!a.filter.nodes.empty() && *a.filter.nodes.rbegin() >= sc->nodes) {
    std::cerr << "ddatabase: --nodes: node " << *a.filter.nodes.rbegin() << " is not in "
              << a.scenario << " (nodes 0-" << sc->nodes - 1 << ")\n";
    return 2;
  }
  sim::run_options ro;
  ro.verbose = a.verbose;
  ro.verbose_filter = a.filter;
  ro.floor = a.floor;
  std::ofstream metrics_file;
  if (!a.metrics.empty()) {
    metrics_file.open(a.metrics, std::ios::binary | std::ios::trunc);
    if (!metrics_file) return fail(errc::io_error, "cannot write " + a.metrics);
    ro.metrics_out = &metrics_file;
    ro.metrics_interval = a.interval;
  }
  std::ofstream trace_file;
  if (!a.trace.empty()) {
    trace_file.open(a.trace, std::ios::binary | std::ios::trunc);
    if (!trace_file) return fail(errc::io_error, "cannot write " + a.trace);
    ro.trace_out = &trace_file;
  }
  std::ofstream report_file;
  if (!a.report.empty()) {
    report_file.open(a.report, std::ios::binary | std::ios::trunc);
    if (!report_file) return fail(errc::io_error, "cannot write " + a.report);
    ro.report_out = &report_file;
  }
  auto r = sim::run_scenario(*sc, seed, ro);
  if (report_file.is_open()) {
    report_file.close();
    if (!report_file) return fail(errc::io_error, "cannot write " + a.report);
  }
  if (trace_file.is_open()) {
    trace_file.close();
    if (!trace_file) return fail(errc::io_error, "cannot write " + a.trace);
  }
  if (metrics_file.is_open()) {
    metrics_file.close();
    if (!metrics_file) return fail(errc::io_error, "cannot write " + a.metrics);
  }
  if (a.shrink && r.result != sim::outcome::ok) {
    std::cerr << "shrinking seed " << seed << " (" << sim::to_string(r.result) << ")...\n";
    auto small = sim::shrink(*sc, seed, r.result, std::cerr, {}, a.max_runs);
    std::string yaml = "# minimal reproducer (" + std::to_string(small.steps) + " steps, " +
                       std::to_string(small.runs) + " runs): ddatabase sim FILE --seed " +
                       std::to_string(seed) + "\n" + sim::to_yaml(small.smallest);
    if (!a.out.empty()) {
      std::ofstream(a.out) << yaml;
      std::cerr << "wrote " << a.out << "\n";
    }
    std::cout << yaml << std::flush;
    return static_cast<int>(r.result);
  }
  std::cout << (a.json ? sim::to_json(r) : sim::to_text(r)) << std::endl;
  return static_cast<int>(r.result);
}

}  // namespace

void add_sim(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("sim", "run a deterministic simulation");
  auto a = std::make_shared<sim_args>();
  cmd->add_option("SCENARIO", a->scenario, "scenario YAML")->required();
  cmd->add_option("--seed", a->seed, "64-bit seed (random and printed when absent)");
  cmd->add_option("--seeds", a->seeds, "sweep seeds A..B and report failures");
  cmd->add_flag("--json", a->json, "one JSON object");
  cmd->add_flag("--verbose", a->verbose, "print every trace event on stderr as it happens");
  cmd->add_option("--events", a->events,
                  "--verbose: only these kinds (" + sim::trace_kind_names() + ")");
  cmd->add_option("--nodes", a->nodes, "--verbose: only events on these nodes (e.g. 0,3-5)");
  cmd->add_option("--report", a->report,
                  "write a self-contained HTML report (inline SVG charts) to this file");
  cmd->add_option("--trace", a->trace,
                  "write the run as Chrome trace-event JSON (one track per node) to this file");
  cmd->add_option("--metrics", a->metrics,
                  "write one CSV row per node per simulated interval to this file");
  cmd->add_option("--metrics-interval", a->metrics_interval,
                  "--metrics: the simulated interval (default 100ms; ms, s, m or h)");
  cmd->add_flag("--floor", a->floor,
                "also measure CAF's own cost per actor activation and the speed it allows");
  cmd->add_flag("--shrink", a->shrink, "shrink a failing run to a minimal scenario");
  cmd->add_option("--out", a->out, "--shrink: also write the reproducer YAML here");
  cmd->add_option("--max-runs", a->max_runs, "--shrink: at most this many candidate runs");
  cmd->callback([=, &run] {
    if (!a->seeds.empty()) a->sweep = parse_seeds(a->seeds);
    if (!a->events.empty()) a->filter.kinds = parse_events(a->events);
    if (!a->nodes.empty()) a->filter.nodes = parse_nodes(a->nodes);
    auto ms = config_detail::parse_duration_ms(a->metrics_interval, 1);
    if (!ms || *ms < 1)
      usage_error("--metrics-interval wants a duration of at least 1ms, not '" +
                  a->metrics_interval + "'");
    a->interval =
        std::chrono::duration_cast<sim::duration>(std::chrono::duration<double, std::milli>(*ms));
    if ((!a->events.empty() || !a->nodes.empty()) && !a->verbose)
      usage_error("--events and --nodes filter --verbose, which is not given");
    set_stop_grace(std::chrono::milliseconds(0));
    run = [=](caf::actor_system&) { return run_sim(*a); };
  });
}

}  // namespace ddb::cli
