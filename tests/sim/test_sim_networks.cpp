// Network models beyond one latency and a tail: latency distributions with jitter, regions with
// their own latency and bandwidth, and the small-world, scale-free and file topologies. Each
// is read strictly from YAML, written back by to_yaml, and deterministic per seed.
#define BOOST_TEST_MODULE sim_networks
#include <fstream>

#include "sim/latency.hpp"
#include "sim/topology.hpp"
#include "tests/sim/sim_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace ddb::sim;
using namespace ddb::sim::test;
using namespace std::chrono_literals;

latency_dist dist(const std::string& text) {
  std::string why;
  auto d = parse_latency(text, &why);
  BOOST_REQUIRE_MESSAGE(d.has_value(), text << ": " << why);
  return *d;
}

BOOST_AUTO_TEST_CASE(latency_texts_parse_and_print_back) {
  for (const char* text : {"fixed:5ms", "uniform:2ms,10ms", "normal:20ms,5ms", "lognormal:20ms,0.5",
                           "pareto:5ms,2.5", "fixed:0.25s"}) {
    latency_dist d = dist(text);
    latency_dist again = dist(to_string(d));
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(static_cast<int>(again.k) == static_cast<int>(d.k));
      BOOST_TEST(again.a.count() == d.a.count());
      BOOST_TEST(again.b.count() == d.b.count());
      BOOST_TEST(again.shape == d.shape);
    }
  }
  BOOST_TEST(dist("fixed:0.25s").a.count() == duration(250ms).count());
  for (const char* bad : {"5ms", "fixed:", "fixed:5ms,2", "uniform:10ms,2ms", "normal:20ms",
                          "lognormal:20ms,-1", "pareto:0ms,2", "gauss:1ms,2ms", "uniform:a,b"}) {
    std::string why;
    BOOST_TEST(!parse_latency(bad, &why).has_value(), bad);
    BOOST_TEST(why.find("bad latency") == 0u, bad << ": " << why);
  }
}

BOOST_AUTO_TEST_CASE(latency_samples_follow_their_distribution) {
  rng r(77);
  auto ms = [](duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  auto mean_of = [&](const latency_dist& d, double& lo, double& hi) {
    double sum = 0;
    lo = 1e18, hi = 0;
    for (int i = 0; i < 20000; ++i) {
      double v = ms(d.sample(r));
      sum += v;
      lo = std::min(lo, v), hi = std::max(hi, v);
    }
    return sum / 20000;
  };
  double lo = 0, hi = 0;
  BOOST_TEST(mean_of(dist("fixed:5ms"), lo, hi) == 5.0);
  double m = mean_of(dist("uniform:2ms,10ms"), lo, hi);
  BOOST_TEST((lo >= 2.0 && hi <= 10.0 && m > 5.8 && m < 6.2), lo << " " << hi << " " << m);
  m = mean_of(dist("normal:20ms,5ms"), lo, hi);
  BOOST_TEST((m > 19.5 && m < 20.5 && lo >= 0.0), m);
  m = mean_of(dist("pareto:5ms,3"), lo, hi);  // mean = scale * shape / (shape - 1) = 7.5
  BOOST_TEST((lo >= 5.0 && m > 7.0 && m < 8.0 && hi > 20.0), lo << " " << m << " " << hi);
  // lognormal: the median is the parameter.
  std::vector<double> v;
  latency_dist ln = dist("lognormal:20ms,0.5");
  for (int i = 0; i < 20001; ++i) v.push_back(ms(ln.sample(r)));
  std::nth_element(v.begin(), v.begin() + 10000, v.end());
  BOOST_TEST((v[10000] > 19.0 && v[10000] < 21.0), v[10000]);
  // Same rng state, same draws.
  rng a(5), b(5);
  for (int i = 0; i < 100; ++i) BOOST_TEST(ln.sample(a).count() == ln.sample(b).count());
}

size_t edge_count(const std::vector<std::set<int>>& nb) {
  size_t n = 0;
  for (const auto& s : nb) n += s.size();
  return n;
}

BOOST_AUTO_TEST_CASE(topologies_have_their_shape) {
  for (const char* bad :
       {"small_world:4", "small_world:4,2", "scale_free:0", "random:x", "file:", "tree"}) {
    BOOST_TEST(!check_topology(bad).empty(), bad);
  }
  for (const char* good : {"mesh", "small_world:4,0.1", "scale_free:2", "file:edges.txt"}) {
    BOOST_TEST(check_topology(good).empty(), good);
  }
  // Small world without rewiring: a ring lattice, each node dials its K/2 next neighbours.
  auto lattice = build_topology("small_world:4,0", 20, 1, {});
  for (int i = 0; i < 20; ++i) {
    BOOST_TEST(lattice[static_cast<size_t>(i)] == (std::set<int>{(i + 1) % 20, (i + 2) % 20}));
  }
  auto rewired = build_topology("small_world:4,0.3", 200, 1, {});
  BOOST_TEST(rewired != build_topology("small_world:4,0", 200, 1, {}));
  BOOST_TEST(edge_count(rewired) > 380u);  // few rewirings are dropped as duplicates
  BOOST_TEST(rewired == build_topology("small_world:4,0.3", 200, 1, {}));
  // Scale free: node i dials min(M, i) earlier nodes; early nodes collect the most edges.
  auto sf = build_topology("scale_free:2", 300, 3, {});
  std::vector<int> degree(300);
  for (int i = 0; i < 300; ++i) {
    const auto& mine = sf[static_cast<size_t>(i)];
    BOOST_TEST(mine.size() == static_cast<size_t>(std::min(2, i)));
    for (int to : mine) {
      BOOST_TEST(to < i);
      degree[static_cast<size_t>(i)]++, degree[static_cast<size_t>(to)]++;
    }
  }
  BOOST_TEST(*std::max_element(degree.begin(), degree.end()) > 15);  // a hub
  // A file: the edges as written, duplicates (either way) once.
  std::string why;
  edge_list e = parse_edges("0 1\n# comment\n1 2  # more\n\n2 0\n1 0\n", &why);
  BOOST_TEST(why.empty());
  BOOST_TEST(e.size() == 4u);
  auto fromfile = build_topology("file:x", 3, 1, e);
  BOOST_TEST(fromfile[0] == std::set<int>{1});
  BOOST_TEST(fromfile[1] == std::set<int>{2});
  BOOST_TEST(fromfile[2] == std::set<int>{0});
  parse_edges("0 1\n1 x\n", &why);
  BOOST_TEST(why.find("line 2") == 0u, why);
}

const char* regions_yaml = R"(
name: regions
nodes: 2
topology: mesh
duration: 20s
converge_within: 10s
feeds:
  - {name: main, writer: 0, followers: [1]}
workload:
  - {feed: main, rate: 10, until: 5s}
links:
  - {latency: "uniform:1ms,3ms", jitter_ms: 1}
regions:
  - {name: eu, nodes: [0]}
  - {name: us, nodes: [1]}
region_links:
  - {a: eu, b: us, latency: "fixed:200ms", bandwidth: 1000000}
)";

BOOST_AUTO_TEST_CASE(regions_set_the_latency_between_them) {
  scenario sc = parsed(regions_yaml);
  run_report far = run_logged(sc, 1);
  BOOST_REQUIRE_EQUAL(far.result, outcome::ok);
  BOOST_REQUIRE_EQUAL(far.delays.size(), 1u);
  // Every block crosses the 200 ms link at least once (a Have or Request and the Data).
  BOOST_TEST(far.delays[0].samples == far.writer_lengths[0]);
  BOOST_TEST(far.delays[0].p50_s >= 0.2);
  run_report again = run_logged(sc, 1);
  BOOST_TEST(again.trace == far.trace);
  BOOST_TEST(again.delays[0].p99_s == far.delays[0].p99_s);

  scenario near = sc;
  near.region_links.clear();
  run_report close = run_logged(near, 1);
  BOOST_REQUIRE_EQUAL(close.result, outcome::ok);
  BOOST_TEST(close.delays[0].max_s < 0.2);
  BOOST_TEST(close.delays[0].p50_s >= 0.001);  // the links' uniform 1-3 ms
}

BOOST_AUTO_TEST_CASE(new_keys_are_read_strictly_and_written_back) {
  scenario sc = parsed(regions_yaml);
  BOOST_REQUIRE_EQUAL(sc.links.size(), 1u);
  BOOST_TEST(sc.links[0].latency == "uniform:1ms,3ms");
  BOOST_TEST(sc.links[0].jitter_ms == 1.0);
  BOOST_REQUIRE_EQUAL(sc.region_links.size(), 1u);
  BOOST_TEST(sc.region_links[0].bandwidth == 1000000u);
  scenario back = parsed(to_yaml(sc));
  BOOST_TEST(back.links[0].latency == sc.links[0].latency);
  BOOST_TEST(back.links[0].jitter_ms == sc.links[0].jitter_ms);
  BOOST_REQUIRE_EQUAL(back.regions.size(), 2u);
  BOOST_TEST(back.regions[1].nodes == std::vector<int>{1});
  BOOST_TEST(back.region_links[0].latency == "fixed:200ms");
  BOOST_TEST(back.region_links[0].bandwidth == 1000000u);

  auto error_of = [](const std::string& from, const std::string& to) {
    std::string yaml = regions_yaml;
    yaml.replace(yaml.find(from), from.size(), to);
    auto s = parse_scenario(yaml);
    return s ? std::string() : s.error().to_string();
  };
  BOOST_TEST(error_of("jitter_ms: 1", "latency_ms: 4").find("not both") != std::string::npos);
  BOOST_TEST(error_of("a: eu, b: us", "a: eu, b: asia").find("unknown region \"asia\"") !=
             std::string::npos);
  BOOST_TEST(error_of("nodes: [1]}", "nodes: [0]}").find("node 0 is in two regions") !=
             std::string::npos);
  BOOST_TEST(error_of("fixed:200ms", "fixed:200").empty());  // a bare number is milliseconds
  BOOST_TEST(
      error_of("fixed:200ms", "fast").find("region_links[0].latency: bad latency \"fast\"") !=
      std::string::npos);
  BOOST_TEST(error_of("topology: mesh", "topology: small_world:2").find("unknown topology") !=
             std::string::npos);
  BOOST_TEST(error_of("region_links:", "region_linx:").find("did you mean") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_topology_is_relative_to_the_scenario) {
  ddb::test::temp_dir tmp("ddb-sim-topology");
  std::ofstream(tmp.str() + "/edges.txt") << "# a line\n0 1\n1 2\n2 3\n";
  std::string yaml = regions_yaml;
  yaml.replace(yaml.find("topology: mesh"), 14, "topology: file:edges.txt");
  yaml.replace(yaml.find("nodes: 2"), 8, "nodes: 4");
  yaml.replace(yaml.find("followers: [1]"), 14, "followers: 1-end");
  std::ofstream(tmp.str() + "/line.yaml") << yaml;
  auto sc = load_scenario(tmp.str() + "/line.yaml");
  BOOST_REQUIRE_MESSAGE(sc.has_value(), sc.error().to_string());
  BOOST_TEST(sc->edges.size() == 3u);
  BOOST_TEST(sc->topology == "file:" + tmp.str() + "/edges.txt");
  run_report r = run_logged(*sc, 2);
  BOOST_TEST(r.result == outcome::ok, violations_text(r));
  BOOST_TEST(r.connections == 3u);  // exactly the file's edges
  std::ofstream(tmp.str() + "/edges.txt") << "0 9\n";
  auto out_of_range = load_scenario(tmp.str() + "/line.yaml");
  BOOST_TEST(!out_of_range.has_value());
}

}  // namespace
