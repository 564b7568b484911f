#include "sim/html_report.hpp"

#include <algorithm>
#include <cstdio>

#include "core/assert.hpp"
#include "sim/world.hpp"

namespace ddb::sim {

namespace {

constexpr double width = 760, height = 260, left = 60, right = 20, top = 20, bottom = 40;
const char* const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct series {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

// A line chart with axes and a few ticks; every series one polyline.
std::string chart(const std::string& id, const std::vector<series>& all, const std::string& xl,
                  const std::string& yl) {
  double xmax = 0, ymax = 0;
  for (const auto& s : all) {
    for (const auto& [x, y] : s.points) xmax = std::max(xmax, x), ymax = std::max(ymax, y);
  }
  xmax = xmax > 0 ? xmax : 1;
  ymax = ymax > 0 ? ymax : 1;
  auto px = [&](double x) { return left + x / xmax * (width - left - right); };
  auto py = [&](double y) { return height - bottom - y / ymax * (height - top - bottom); };
  std::string svg = "<svg id=\"" + id + "\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" " +
                    "viewBox=\"0 0 " + num(width) + " " + num(height) + "\">\n";
  svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(0)) + "\" x2=\"" + num(width - right) +
         "\" y2=\"" + num(py(0)) + "\" stroke=\"#000\"/>\n";
  svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(top) + "\" x2=\"" + num(left) + "\" y2=\"" +
         num(py(0)) + "\" stroke=\"#000\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    double x = xmax * i / 4, y = ymax * i / 4;
    svg += "<text x=\"" + num(px(x)) + "\" y=\"" + num(height - bottom + 15) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + num(x) + "</text>\n";
    svg += "<text x=\"" + num(left - 4) + "\" y=\"" + num(py(y) + 3) +
           "\" font-size=\"10\" text-anchor=\"end\">" + num(y) + "</text>\n";
  }
  svg += "<text x=\"" + num((left + width - right) / 2) + "\" y=\"" + num(height - 5) +
         "\" font-size=\"11\" text-anchor=\"middle\">" + esc(xl) + "</text>\n";
  svg += "<text x=\"12\" y=\"" + num(top + (height - top - bottom) / 2) +
         "\" font-size=\"11\" transform=\"rotate(-90 12 " + num(top + (height - top - bottom) / 2) +
         ")\" text-anchor=\"middle\">" + esc(yl) + "</text>\n";
  for (size_t i = 0; i < all.size(); ++i) {
    std::string pts;
    for (const auto& [x, y] : all[i].points) pts += num(px(x)) + "," + num(py(y)) + " ";
    svg += "<polyline class=\"series\" fill=\"none\" stroke-width=\"1.2\" stroke=\"" +
           std::string(palette[i % 10]) + "\" points=\"" + pts + "\"><title>" + esc(all[i].name) +
           "</title></polyline>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace

html_report::html_report(const scenario& sc, duration interval)
    : sc_(sc), interval_(interval), next_(interval) {
  DDB_ASSERT(interval.count() > 0);
  for (size_t f = 0; f < sc.feeds.size(); ++f) {
    for (int n : sc.feeds[f].followers) followers_.emplace_back(n, static_cast<int>(f));
  }
  lengths_.resize(followers_.size());
}

void html_report::on_event(const trace_event& e) {
  if (e.kind == trace_kind::delivery) {
    bytes_now_ += e.b;
  } else if (e.kind == trace_kind::fault || e.kind == trace_kind::node ||
             e.kind == trace_kind::violation) {
    if (marks_.size() < 2000) marks_.push_back(mark{to_seconds(e.at), e.kind, describe(e)});
  } else if (e.kind == trace_kind::note && e.text.rfind("fork detected", 0) == 0) {
    if (marks_.size() < 2000) marks_.push_back(mark{to_seconds(e.at), e.kind, describe(e)});
  }
}

void html_report::advance(duration t, world& w) {
  while (next_ <= t) {
    times_.push_back(to_seconds(next_));
    for (size_t i = 0; i < followers_.size(); ++i) {
      const node_state& nd = w.nodes()[static_cast<size_t>(followers_[i].first)];
      double length = 0;
      for (const node_feed& nf : nd.feeds) {
        if (nf.feed == followers_[i].second && nd.up) length = static_cast<double>(nf.length);
      }
      lengths_[i].push_back(length);
    }
    bytes_.push_back(static_cast<double>(bytes_now_ - bytes_then_));
    bytes_then_ = bytes_now_;
    next_ += interval_;
  }
}

void html_report::take_delays(const replica_delays& d) {
  delays_.clear();
  for (size_t f = 0; f < sc_.feeds.size(); ++f) {
    delays_.push_back(d.samples(static_cast<int>(f)));
    std::sort(delays_.back().begin(), delays_.back().end());
  }
}

std::string html_report::render(const run_report& r) const {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>ddatabase sim " +
      esc(r.scenario) + " seed " + std::to_string(r.seed) +
      "</title>\n<style>body{font-family:sans-serif;max-width:820px;margin:1em auto}"
      "svg.chart{width:100%;height:auto;border:1px solid #ddd}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}.bad{color:#b00}"
      ".ok{color:#070}</style></head><body>\n";
  h += "<h1>" + esc(r.scenario) + ", seed " + std::to_string(r.seed) + "</h1>\n";
  h += "<p>result <b class=\"" + std::string(r.result == outcome::ok ? "ok" : "bad") + "\">" +
       to_string(r.result) + "</b> (exit " + std::to_string(static_cast<int>(r.result)) + "), " +
       std::to_string(r.nodes) + " nodes, " + num(r.sim_seconds) + " s simulated, trace " +
       hex(r.trace) + " over " + std::to_string(r.trace_events) + " events, " +
       std::to_string(r.bytes) + " bytes in " + std::to_string(r.chunks) + " chunks.</p>\n";

  h += "<h2>Followers' length</h2>\n";
  std::vector<series> lengths;
  for (size_t i = 0; i < followers_.size(); ++i) {
    series s{"node " + std::to_string(followers_[i].first) + " feed " +
                 std::to_string(followers_[i].second),
             {}};
    for (size_t k = 0; k < times_.size(); ++k) s.points.emplace_back(times_[k], lengths_[i][k]);
    lengths.push_back(std::move(s));
  }
  h += chart("lengths", lengths, "simulated time (s)", "verified length (blocks)");

  h += "<h2>Append-to-replica delay</h2>\n<table><tr><th>feed</th><th>copies</th><th>p50</th>"
       "<th>p90</th><th>p99</th><th>max</th></tr>\n";
  for (const auto& d : r.delays) {
    h += "<tr><td>" + esc(d.name) + "</td><td>" + std::to_string(d.samples) + "</td><td>" +
         num(d.p50_s) + " s</td><td>" + num(d.p90_s) + " s</td><td>" + num(d.p99_s) +
         " s</td><td>" + num(d.max_s) + " s</td></tr>\n";
  }
  h += "</table>\n";
  std::vector<series> cdfs;
  for (size_t f = 0; f < delays_.size(); ++f) {
    series s{sc_.feeds[f].name, {}};
    const auto& v = delays_[f];
    size_t step = std::max<size_t>(1, v.size() / 500);
    for (size_t i = 0; i < v.size(); i += step) {
      s.points.emplace_back(static_cast<double>(v[i]) * 1e-9,
                            static_cast<double>(i + 1) / static_cast<double>(v.size()));
    }
    if (!v.empty()) s.points.emplace_back(static_cast<double>(v.back()) * 1e-9, 1.0);
    cdfs.push_back(std::move(s));
  }
  h += chart("delay-cdf", cdfs, "append-to-replica delay (s)", "fraction of block copies");

  h += "<h2>Bytes on the wire</h2>\n";
  series wire{"bytes per " + num(to_seconds(interval_)) + " s", {}};
  for (size_t k = 0; k < times_.size(); ++k) wire.points.emplace_back(times_[k], bytes_[k]);
  h += chart("bytes", {wire}, "simulated time (s)",
             "bytes delivered per " + num(to_seconds(interval_)) + " s");

  h += "<h2>Timeline</h2>\n";
  h += "<svg id=\"timeline\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
       num(width) + " 60\">\n<line x1=\"" + num(left) + "\" y1=\"30\" x2=\"" + num(width - right) +
       "\" y2=\"30\" stroke=\"#000\"/>\n";
  double span = std::max(r.sim_seconds, 1e-9);
  for (const auto& m : marks_) {
    const char* color = m.kind == trace_kind::violation ? "#000"
                        : m.kind == trace_kind::node    ? "#ff7f0e"
                        : m.kind == trace_kind::fault   ? "#d62728"
                                                        : "#9467bd";
    double x = left + std::min(m.at_s / span, 1.0) * (width - left - right);
    h += "<circle class=\"mark\" cx=\"" + num(x) + "\" cy=\"30\" r=\"4\" fill=\"" + color +
         "\"><title>" + num(m.at_s) + " s: " + esc(m.what) + "</title></circle>\n";
  }
  h += "</svg>\n<table><tr><th>time</th><th>kind</th><th>what</th></tr>\n";
  for (const auto& m : marks_) {
    h += "<tr><td>" + num(m.at_s) + " s</td><td>" + to_string(m.kind) + "</td><td>" + esc(m.what) +
         "</td></tr>\n";
  }
  h += "</table>\n";

  h += "<h2>Invariants</h2>\n<table><tr><th>invariant</th><th>verdict</th></tr>\n";
  const auto& inv = sc_.invariants;
  std::vector<std::pair<std::string, bool>> checks{{"monotonic", inv.monotonic},
                                                   {"verified", inv.verified},
                                                   {"durable", inv.durable},
                                                   {"forks", inv.forks},
                                                   {"convergence", inv.convergence},
                                                   {"bounded", inv.bounded},
                                                   {"detect", true}};
  for (const auto& [name, on] : checks) {
    size_t broken = 0;
    for (const auto& v : r.violations) broken += v.invariant == name ? 1 : 0;
    std::string verdict = !on ? "off" : broken ? std::to_string(broken) + " violation(s)" : "held";
    h += "<tr><td>" + name + "</td><td class=\"" + (broken ? "bad" : "ok") + "\">" + verdict +
         "</td></tr>\n";
  }
  for (const auto& v : r.violations) {
    h += "<tr><td>" + esc(v.invariant) + "</td><td class=\"bad\">" + num(to_seconds(v.at)) +
         " s: " + esc(v.detail) + "</td></tr>\n";
  }
  h += "</table>\n</body></html>\n";
  return h;
}

}  // namespace ddb::sim
