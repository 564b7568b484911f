#include "sim/latency.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "config/yaml_reader.hpp"

namespace ddb::sim {

namespace {

constexpr const char* kind_names[] = {"fixed", "uniform", "normal", "lognormal", "pareto"};
constexpr double cap_ns = 60e9;  // one minute

// A standard normal draw (Box-Muller: two uniform draws, always two).
double standard_normal(rng& r) {
  double u1 = std::max(r.unit(), 1e-300);
  double u2 = r.unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

duration clamp_ns(double ns) {
  return duration(static_cast<int64_t>(std::clamp(ns, 0.0, cap_ns)));
}

std::optional<duration> parse_ms(std::string_view text) {
  auto ms = config_detail::parse_duration_ms(text, 1);
  if (!ms) return std::nullopt;
  return from_ms(*ms);
}

std::optional<double> parse_number(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

duration latency_dist::sample(rng& r) const {
  const auto a_ns = static_cast<double>(a.count());
  switch (k) {
    case kind::fixed:
      return a;
    case kind::uniform:
      return clamp_ns(a_ns + r.unit() * static_cast<double>((b - a).count()));
    case kind::normal:
      return clamp_ns(a_ns + standard_normal(r) * static_cast<double>(b.count()));
    case kind::lognormal:
      return clamp_ns(a_ns * std::exp(shape * standard_normal(r)));
    case kind::pareto: {
      double u = std::max(1.0 - r.unit(), 1e-300);  // (0, 1]
      return clamp_ns(a_ns / std::pow(u, 1.0 / shape));
    }
  }
  return a;
}

std::optional<latency_dist> parse_latency(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<latency_dist> {
    if (error) {
      *error = "bad latency \"" + std::string(text) + "\": " + why +
               " (use fixed:5ms, uniform:2ms,10ms, normal:20ms,5ms, lognormal:20ms,0.5 or "
               "pareto:5ms,2.5)";
    }
    return std::nullopt;
  };
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return fail("no KIND:");
  std::string_view name = text.substr(0, colon), params = text.substr(colon + 1);
  latency_dist d;
  size_t i = 0;
  while (i < 5 && name != kind_names[i]) ++i;
  if (i == 5) return fail("unknown kind");
  d.k = static_cast<latency_dist::kind>(i);
  auto comma = params.find(',');
  std::string_view p1 = params.substr(0, comma);
  std::string_view p2 = comma == std::string_view::npos ? "" : params.substr(comma + 1);
  auto first = parse_ms(p1);
  if (!first) return fail("the first parameter is not a duration");
  d.a = *first;
  if (d.k == latency_dist::kind::fixed) {
    if (comma != std::string_view::npos) return fail("fixed takes one duration");
    return d;
  }
  if (comma == std::string_view::npos) return fail("two parameters are needed");
  if (d.k == latency_dist::kind::uniform || d.k == latency_dist::kind::normal) {
    auto second = parse_ms(p2);
    if (!second) return fail("the second parameter is not a duration");
    d.b = *second;
    if (d.k == latency_dist::kind::uniform && d.b < d.a) return fail("high is below low");
    return d;
  }
  auto shape = parse_number(p2);
  if (!shape || *shape <= 0 || *shape > 100) return fail("the shape must be a number in (0, 100]");
  if (d.k == latency_dist::kind::pareto && d.a.count() <= 0) return fail("the scale must be > 0");
  d.shape = *shape;
  return d;
}

std::string to_string(const latency_dist& d) {
  char buf[96];
  auto ms = [](duration x) { return std::chrono::duration<double, std::milli>(x).count(); };
  const char* name = kind_names[static_cast<int>(d.k)];
  switch (d.k) {
    case latency_dist::kind::fixed:
      std::snprintf(buf, sizeof buf, "%s:%.9gms", name, ms(d.a));
      break;
    case latency_dist::kind::uniform:
    case latency_dist::kind::normal:
      std::snprintf(buf, sizeof buf, "%s:%.9gms,%.9gms", name, ms(d.a), ms(d.b));
      break;
    default:
      std::snprintf(buf, sizeof buf, "%s:%.9gms,%.9g", name, ms(d.a), d.shape);
  }
  return buf;
}

}  // namespace ddb::sim
