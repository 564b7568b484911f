#pragma once
// A link's one-way latency as a distribution, written in a scenario as KIND:PARAMS:
//   fixed:5ms               always 5 ms
//   uniform:2ms,10ms        uniform in [2 ms, 10 ms]
//   normal:20ms,5ms         mean 20 ms, standard deviation 5 ms (cut at 0)
//   lognormal:20ms,0.5      median 20 ms, sigma 0.5 (of the underlying normal)
//   pareto:5ms,2.5          scale 5 ms (the minimum), shape 2.5 (smaller: heavier tail)
// Durations take the scenario's syntax (ms, s, m, h; a bare number is milliseconds). Every
// sample comes from the caller's seeded rng and is capped at one minute.
#include <optional>
#include <string>
#include <string_view>

#include "sim/core.hpp"
#include "sim/rng.hpp"

namespace ddb::sim {

struct latency_dist {
  enum class kind { fixed, uniform, normal, lognormal, pareto };
  kind k = kind::fixed;
  duration a{};      // fixed: the value; uniform: low; normal: mean; lognormal: median;
                     // pareto: scale
  duration b{};      // uniform: high; normal: standard deviation
  double shape = 0;  // lognormal: sigma; pareto: shape

  duration sample(rng& r) const;
  // A typical one-way value (the value, low end, mean, median or scale): what connection set-up
  // takes on this link and how long bytes wait after a partition heals.
  duration base() const { return a; }
};

// The distribution `text` describes, or an error message.
std::optional<latency_dist> parse_latency(std::string_view text, std::string* error);
// The text parse_latency reads back to the same distribution.
std::string to_string(const latency_dist& d);

}  // namespace ddb::sim
