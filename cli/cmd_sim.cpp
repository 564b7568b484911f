// `ddatabase sim SCENARIO.yaml --seed N [--json]`: the deterministic simulator (sim/).
// Exit codes: 0 ok, 1 run-time error, 2 usage error or crash, 3 liveness, 4 correctness; a
// SIGINT/SIGTERM ends it at once (130/143: nothing to close).
#include <fstream>
#include <iostream>
#include <random>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/signals.hpp"
#include "sim/driver.hpp"
#include "sim/isolate.hpp"
#include "sim/shrink.hpp"

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
  std::string out;  // --shrink: where the reproducer goes
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

int run_sweep(const sim::scenario& sc, uint64_t a, uint64_t b, bool json) {
  int worst = 0;
  std::vector<std::pair<uint64_t, int>> failures;
  for (uint64_t s = a; s <= b; ++s) {
    auto r = sim::run_isolated(sc, s);
    int code = static_cast<int>(r.result);
    if (!json) std::cout << "seed " << s << ": exit " << code << " trace " << r.trace << std::endl;
    if (code != 0) failures.emplace_back(s, code);
    if (code != 0 && (worst == 0 || code == 2 || (code == 4 && worst == 3))) worst = code;
  }
  if (json) {
    std::cout << "{\"scenario\":\"" << sc.name << "\",\"seeds\":" << (b - a + 1)
              << ",\"failures\":[";
    for (size_t i = 0; i < failures.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"seed\":" << failures[i].first
                << ",\"exit_code\":" << failures[i].second << "}";
    }
    std::cout << "]}" << std::endl;
  } else {
    std::cout << failures.size() << " of " << (b - a + 1) << " seeds failed" << std::endl;
  }
  return worst;
}

int run_sim(const sim_args& a) {
  auto sc = sim::load_scenario(a.scenario);
  if (!sc) return fail(sc.error());
  if (a.sweep) return run_sweep(*sc, a.sweep->first, a.sweep->second, a.json);
  uint64_t seed = a.seed ? *a.seed : std::random_device{}();
  sim::run_options ro;
  ro.verbose = a.verbose;
  ro.floor = a.floor;
  auto r = sim::run_scenario(*sc, seed, ro);
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
  cmd->add_flag("--floor", a->floor,
                "also measure CAF's own cost per actor activation and the speed it allows");
  cmd->add_flag("--shrink", a->shrink, "shrink a failing run to a minimal scenario");
  cmd->add_option("--out", a->out, "--shrink: also write the reproducer YAML here");
  cmd->add_option("--max-runs", a->max_runs, "--shrink: at most this many candidate runs");
  cmd->callback([=, &run] {
    if (!a->seeds.empty()) a->sweep = parse_seeds(a->seeds);
    set_stop_grace(std::chrono::milliseconds(0));
    run = [=](caf::actor_system&) { return run_sim(*a); };
  });
}

}  // namespace ddb::cli
