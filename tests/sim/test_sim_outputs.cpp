// The simulator's outputs for researchers: append-to-replica delays in the report, --verbose
// (every traced event, filtered by kind and node), --metrics CSV, --trace Chrome trace-event
// JSON and the sweep's metric distributions. Each is checked for content that can be wrong, and
// for being the same, byte for byte, on a second run of the same seed.
#define BOOST_TEST_MODULE sim_outputs
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/replica_delays.hpp"
#include "sim/sweep.hpp"
#include "tests/sim/sim_support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace ddb::sim;
using namespace ddb::sim::test;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string item;
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ddb::test::run_result sim_cli(std::vector<std::string> args) {
  const char* bin = std::getenv("DDB_BIN");
  BOOST_REQUIRE(bin != nullptr);
  args.insert(args.begin(), {bin, "sim"});
  ddb::test::run_options opts;
  opts.timeout = std::chrono::seconds(120);
  opts.env.push_back("DDB_SIM_SMALL_PAGES=1");
  return ddb::test::run(args, opts);
}

BOOST_AUTO_TEST_CASE(delays_are_ordered_complete_and_repeat) {
  scenario sc = shipped("smoke.yaml");
  run_report a = run_logged(sc, 11);
  run_report b = run_logged(sc, 11);
  BOOST_REQUIRE_EQUAL(a.result, outcome::ok);
  BOOST_REQUIRE_EQUAL(a.delays.size(), 1u);
  const feed_delays& d = a.delays[0];
  BOOST_TEST(d.name == "main");
  // Every follower converged, so it verified every block the writer appended: one delay each.
  size_t followers = sc.feeds[0].followers.size();
  BOOST_TEST(d.samples == followers * a.writer_lengths[0]);
  BOOST_TEST(d.p50_s > 0.0);
  BOOST_TEST(d.p50_s <= d.p90_s);
  BOOST_TEST(d.p90_s <= d.p99_s);
  BOOST_TEST(d.p99_s <= d.max_s);
  // A block cannot reach a follower faster than one link's minimum latency (5 ms here).
  BOOST_TEST(d.p50_s >= 0.005);
  BOOST_TEST(d.max_s < to_seconds(sc.converge_within));
  BOOST_REQUIRE_EQUAL(b.delays.size(), 1u);
  BOOST_TEST(b.delays[0].samples == d.samples);
  BOOST_TEST(b.delays[0].p50_s == d.p50_s);
  BOOST_TEST(b.delays[0].p90_s == d.p90_s);
  BOOST_TEST(b.delays[0].p99_s == d.p99_s);
  BOOST_TEST(b.delays[0].max_s == d.max_s);
  auto j = nlohmann::json::parse(to_json(a));
  BOOST_TEST(j["delays"][0]["p99_s"].get<double>() == d.p99_s);
  BOOST_TEST(to_text(a).find("append-to-replica delay: p50") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nearest_rank_picks_a_sample) {
  std::vector<int64_t> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  BOOST_TEST(nearest_rank(v, 0.5).count() == 5);
  BOOST_TEST(nearest_rank(v, 0.9).count() == 9);
  BOOST_TEST(nearest_rank(v, 0.99).count() == 10);
  BOOST_TEST(nearest_rank(v, 1.0).count() == 10);
  BOOST_TEST(nearest_rank({}, 0.5).count() == 0);
}

BOOST_AUTO_TEST_CASE(verbose_prints_every_traced_event) {
  scenario sc = shipped("partitioned_mesh.yaml");
  std::ostringstream all;
  run_options o;
  o.verbose = true;
  o.verbose_out = &all;
  run_report r = run_scenario(sc, 3, o);
  auto lines = lines_of(all.str());
  BOOST_TEST(r.trace_events > 1000u);
  BOOST_TEST(lines.size() == r.trace_events);
  std::set<std::string> kinds_seen;
  std::regex shape(R"(^\[\d+\.\d{3}s\] .+)");
  for (const auto& l : lines) BOOST_REQUIRE_MESSAGE(std::regex_match(l, shape), l);
  BOOST_TEST(all.str().find(" activation actor ") != std::string::npos);
  BOOST_TEST(all.str().find(" delivery to node ") != std::string::npos);
  BOOST_TEST(all.str().find("fault partition") != std::string::npos);

  // Filtered: only feed events and faults, only on node 1 (deliveries to it count as its).
  std::ostringstream some;
  o.verbose_out = &some;
  o.verbose_filter.kinds = {trace_kind::feed, trace_kind::delivery};
  o.verbose_filter.nodes = {1};
  run_report f = run_scenario(sc, 3, o);
  BOOST_TEST(f.trace == r.trace);  // printing changes nothing
  auto kept = lines_of(some.str());
  BOOST_TEST(!kept.empty());
  BOOST_TEST(kept.size() < lines.size());
  for (const auto& l : kept) {
    bool feed = l.find("] node 1 feed ") != std::string::npos;
    bool delivery = std::regex_search(l, std::regex(R"(\] node 1 delivery|delivery to node 1:)"));
    BOOST_REQUIRE_MESSAGE(feed || delivery, l);
  }
}

BOOST_AUTO_TEST_CASE(metrics_have_a_row_per_node_per_interval) {
  scenario sc = shipped("smoke.yaml");
  std::ostringstream csv, again;
  run_options o;
  o.metrics_out = &csv;
  o.metrics_interval = std::chrono::milliseconds(250);
  run_report r = run_scenario(sc, 4, o);
  o.metrics_out = &again;
  run_scenario(sc, 4, o);
  BOOST_TEST(csv.str() == again.str());
  run_report plain = run_scenario(sc, 4);
  BOOST_TEST(plain.trace == r.trace);  // recording changes nothing

  auto lines = lines_of(csv.str());
  BOOST_REQUIRE(!lines.empty());
  BOOST_TEST(lines[0] == "time_s,node,up,length,downloaded,bytes_in,bytes_out,peers,mailbox_peak");
  size_t intervals = static_cast<size_t>(sc.length / std::chrono::milliseconds(250));
  BOOST_REQUIRE_EQUAL(lines.size(), 1 + intervals * static_cast<size_t>(sc.nodes));
  std::map<int, std::vector<uint64_t>> last;  // node -> downloaded, bytes_in, bytes_out
  double t_prev = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto c = split(lines[i], ',');
    BOOST_REQUIRE_EQUAL(c.size(), 9u);
    double t = std::stod(c[0]);
    int node = std::stoi(c[1]);
    BOOST_TEST(node == static_cast<int>((i - 1) % static_cast<size_t>(sc.nodes)));
    BOOST_TEST(t >= t_prev);
    t_prev = t;
    std::vector<uint64_t> now{std::stoull(c[4]), std::stoull(c[5]), std::stoull(c[6])};
    if (last.count(node)) {
      for (size_t k = 0; k < now.size(); ++k) BOOST_TEST(now[k] >= last[node][k]);
    }
    last[node] = now;
  }
  BOOST_TEST(t_prev == to_seconds(sc.length));
  // The last rows: the writer's length on every node, followers downloaded every block, and
  // every byte one node sent another arrived.
  auto final_rows = std::vector<std::string>(lines.end() - sc.nodes, lines.end());
  uint64_t in = 0, out = 0;
  for (const auto& row : final_rows) {
    auto c = split(row, ',');
    BOOST_TEST(std::stoull(c[3]) == r.writer_lengths[0]);
    if (c[1] != "0") BOOST_TEST(std::stoull(c[4]) == r.writer_lengths[0]);
    BOOST_TEST(std::stoi(c[7]) == sc.nodes - 1);  // a mesh: everyone is connected
    in += std::stoull(c[5]);
    out += std::stoull(c[6]);
  }
  BOOST_TEST(in == out);
  BOOST_TEST(in == r.bytes);
}

BOOST_AUTO_TEST_CASE(chrome_trace_has_a_track_per_node) {
  scenario sc = shipped("smoke_10.yaml");
  std::ostringstream json, again;
  run_options o;
  o.trace_out = &json;
  run_report r = run_scenario(sc, 5, o);
  o.trace_out = &again;
  run_scenario(sc, 5, o);
  BOOST_TEST(json.str() == again.str());
  auto j = nlohmann::json::parse(json.str());
  BOOST_REQUIRE(j["traceEvents"].is_array());
  std::map<int, std::string> tracks;
  std::map<int, uint64_t> events;
  std::set<std::string> names;
  uint64_t instants = 0;
  double ts_prev = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") {
      tracks[e["tid"].get<int>()] = e["args"]["name"];
    } else if (e["ph"] == "i") {
      ++instants;
      events[e["tid"].get<int>()]++;
      names.insert(e["name"].get<std::string>());
      double ts = e["ts"].get<double>();
      BOOST_REQUIRE(ts >= ts_prev);
      ts_prev = ts;
    }
  }
  BOOST_TEST(instants == r.trace_events);
  BOOST_REQUIRE_EQUAL(tracks.size(), static_cast<size_t>(sc.nodes) + 1);
  BOOST_TEST(tracks[0] == "world");
  for (int n = 0; n < sc.nodes; ++n) {
    BOOST_TEST(tracks[n + 1] == "node " + std::to_string(n));
    BOOST_TEST(events[n + 1] > 0u, "node " << n << " has no events");
  }
  for (const char* n : {"activation", "delivery", "append", "download", "ack", "connection"}) {
    BOOST_TEST(names.count(n) == 1u, n);
  }
}

// Byte-identical files from the CLI for one seed, twice.
BOOST_AUTO_TEST_CASE(cli_outputs_repeat_byte_for_byte) {
  ddb::test::temp_dir tmp("ddb-sim-outputs");
  std::string file = (scenario_dir() / "smoke.yaml").string();
  std::string texts[2][2];
  for (int i = 0; i < 2; ++i) {
    std::string csv = tmp.str() + "/m" + std::to_string(i) + ".csv";
    std::string trace = tmp.str() + "/t" + std::to_string(i) + ".json";
    auto r = sim_cli({file, "--seed", "9", "--metrics", csv, "--metrics-interval", "1s", "--trace",
                      trace, "--json"});
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    texts[i][0] = read_file(csv);
    texts[i][1] = read_file(trace);
  }
  BOOST_TEST(texts[0][0] == texts[1][0]);
  BOOST_TEST(texts[0][1] == texts[1][1]);
  BOOST_TEST(lines_of(texts[0][0]).size() == 1u + 40u * 3u);  // 40 s, 1 s interval, 3 nodes
  BOOST_TEST(nlohmann::json::parse(texts[0][1])["traceEvents"].size() > 1000u);
}

BOOST_AUTO_TEST_CASE(cli_verbose_filters_and_usage_errors) {
  std::string file = (scenario_dir() / "smoke.yaml").string();
  auto all = sim_cli({file, "--seed", "2", "--verbose", "--json"});
  BOOST_REQUIRE_MESSAGE(all.ok(), all.describe());
  auto j = nlohmann::json::parse(all.out);
  BOOST_TEST(lines_of(all.err).size() == j["trace_events"].get<uint64_t>());

  auto acks = sim_cli({file, "--seed", "2", "--verbose", "--events", "ack,node", "--nodes", "0"});
  BOOST_REQUIRE_MESSAGE(acks.ok(), acks.describe());
  auto kept = lines_of(acks.err);
  BOOST_TEST(kept.size() > 10u);
  for (const auto& l : kept) {
    BOOST_REQUIRE_MESSAGE(std::regex_search(l, std::regex(R"(\] node 0 (ack|up))")), l);
  }

  for (std::vector<std::string> bad :
       {std::vector<std::string>{"--verbose", "--events", "activation,bogus"},
        std::vector<std::string>{"--verbose", "--nodes", "3-1"},
        std::vector<std::string>{"--verbose", "--nodes", "x"},
        std::vector<std::string>{"--events", "fault"},
        std::vector<std::string>{"--metrics", "m.csv", "--metrics-interval", "soon"}}) {
    bad.insert(bad.begin(), {file, "--seed", "1"});
    auto r = sim_cli(bad);
    BOOST_TEST_INFO(bad[3] << " " << bad[4]);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.rfind("ddatabase: ", 0) == 0u, r.err);
    BOOST_TEST(r.err.find("usage: ddatabase sim") != std::string::npos, r.err);
    BOOST_TEST(r.out.empty());
  }
  auto bogus = sim_cli({file, "--seed", "1", "--verbose", "--events", "bogus"});
  BOOST_TEST(bogus.err.find("unknown kind 'bogus'") != std::string::npos, bogus.err);
}

BOOST_AUTO_TEST_CASE(html_report_is_self_contained_and_repeats) {
  scenario sc = shipped("crashing_writer.yaml");
  std::ostringstream page, again;
  run_options o;
  o.report_out = &page;
  run_report r = run_scenario(sc, 6, o);
  o.report_out = &again;
  run_scenario(sc, 6, o);
  BOOST_TEST(page.str() == again.str());
  const std::string& h = page.str();
  BOOST_TEST(h.rfind("<!DOCTYPE html>", 0) == 0u);
  BOOST_TEST(h.find("</html>") != std::string::npos);
  for (const char* id : {"lengths", "delay-cdf", "bytes", "timeline"}) {
    BOOST_TEST(h.find("<svg id=\"" + std::string(id) + "\"") != std::string::npos, id);
  }
  // Nothing to fetch, nothing to run.
  for (const char* bad : {"<script", "src=", "href=", "@import"}) {
    BOOST_TEST(h.find(bad) == std::string::npos, bad);
  }
  // One polyline per follower, per feed's CDF, and the bytes; each with points.
  size_t followers = 0;
  for (const auto& f : sc.feeds) followers += f.followers.size();
  std::regex line(R"re(<polyline class="series"[^>]* points="([^"]*)")re");
  size_t lines = 0;
  for (auto it = std::sregex_iterator(h.begin(), h.end(), line); it != std::sregex_iterator();
       ++it, ++lines) {
    BOOST_TEST((*it)[1].str().size() > 20u, "an empty series");
  }
  BOOST_TEST(lines == followers + sc.feeds.size() + 1);
  // The writer's crash and restart are on the timeline, and the verdicts are there.
  BOOST_TEST(h.find("crash: injected") != std::string::npos);
  BOOST_TEST(h.find("class=\"mark\"") != std::string::npos);
  BOOST_TEST(h.find("<td>durable</td><td class=\"ok\">held</td>") != std::string::npos);
  BOOST_TEST(r.result == outcome::ok);
}

const char* planted_yaml = R"(
name: sweep-planted
nodes: 4
topology: mesh
duration: 20s
converge_within: 8s
feeds:
  - {name: main, writer: 0, followers: [1]}
workload:
  - {feed: main, rate: 20, until: 8s}
adversaries:
  - {node: 2, kind: bad_data, feed: main}
  - {node: 3, kind: bad_data, feed: main}
planted:
  skip_verify: [1]
)";

BOOST_AUTO_TEST_CASE(sweep_reports_spreads_and_failing_seeds) {
  sweep_result ok = run_sweep(shipped("smoke.yaml"), 1, 3, nullptr);
  BOOST_TEST(ok.worst == 0);
  BOOST_TEST(ok.failures.empty());
  for (const char* m : {"trace_events", "bytes", "converged_max_s", "delay.main.p50_s",
                        "delay.main.p99_s", "delay.main.max_s", "speedup"}) {
    BOOST_TEST_CONTEXT(m) {
      BOOST_REQUIRE(ok.metrics.count(m) == 1u);
      const metric_spread& s = ok.metrics.at(m);
      BOOST_TEST(s.seeds == 3u);
      BOOST_TEST(s.min <= s.median);
      BOOST_TEST(s.median <= s.max);
    }
  }
  BOOST_TEST(ok.metrics.at("delay.main.p50_s").min > 0.0);
  auto j = nlohmann::json::parse(to_json(ok));
  BOOST_TEST(j["failing_seeds"].empty());
  BOOST_TEST(j["metrics"]["bytes"]["median"].get<double>() == ok.metrics.at("bytes").median);

  sweep_result bad = run_sweep(parsed(planted_yaml), 1, 2, nullptr);
  BOOST_TEST(bad.worst == 4);
  BOOST_TEST(bad.failures.size() == 2u);
  auto jb = nlohmann::json::parse(to_json(bad));
  BOOST_TEST(jb["failing_seeds"] == nlohmann::json::parse("[1,2]"));
  BOOST_TEST(to_text(bad).find("2 of 2 seeds failed: 1 2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(spread_of_odd_and_even_counts) {
  metric_spread odd = spread({3, 1, 2});
  BOOST_TEST(odd.min == 1.0);
  BOOST_TEST(odd.median == 2.0);
  BOOST_TEST(odd.max == 3.0);
  metric_spread even = spread({4, 1, 2, 3});
  BOOST_TEST(even.median == 2.5);
}

}  // namespace
