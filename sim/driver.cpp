#include "sim/driver.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "sim/chrome_trace.hpp"
#include "sim/floor.hpp"
#include "sim/html_report.hpp"
#include "sim/mailbox_depth.hpp"
#include "sim/metrics.hpp"
#include "sim/world.hpp"

#ifndef DDB_GIT_COMMIT
#define DDB_GIT_COMMIT "unknown"
#endif

namespace ddb::sim {

namespace {

uint64_t peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// Runs every runnable actor; hashes which actor ran, in order. With a metrics recorder, also
// the depth of each mailbox as its actor starts.
uint64_t drain(core& c, metrics_recorder* rec = nullptr) {
  auto& sched = c.sched();
  uint64_t n = 0;
  while (sched.has_job()) {
    // Every actor job is a scheduled_actor (brokers included); no dynamic_cast on this path.
    caf::resumable* job = sched.jobs.front();
    auto kind = job->subtype();
    if (kind == caf::resumable::scheduled_actor || kind == caf::resumable::io_actor) {
      auto* actor = static_cast<caf::scheduled_actor*>(job);
      c.activation(actor->id());
      if (rec != nullptr) rec->on_mailbox(c.owner(actor->id()), mailbox_depth(actor));
    }
    sched.run_once();
    ++n;
  }
  return n;
}

uint64_t run_loop(world& w, duration length, metrics_recorder* rec, html_report* html) {
  core& c = w.sim();
  uint64_t jobs = 0;
  for (;;) {
    jobs += drain(c, rec);
    if (c.run_due_events() > 0) continue;
    time_point t;
    bool more = c.next_due(t) && t - (c.now() - c.elapsed()) <= length;
    // Nothing changes until `t`: the intervals ending before it are complete.
    duration until = more ? t - (c.now() - c.elapsed()) : length;
    if (rec != nullptr) rec->advance(until, w);
    if (html != nullptr) html->advance(until, w);
    if (!more) break;
    if (t > c.now())
      c.sched().advance_time(t - c.now());
    else
      c.sched().advance_time(duration{0});
    c.run_due_events();
  }
  return jobs;
}

void fill_report(world& w, run_report& r) {
  core& c = w.sim();
  const auto& ns = w.net().stats();
  r.trace = c.trace_hash();
  r.trace_events = c.trace_count();
  r.sim_seconds = to_seconds(c.elapsed());
  r.bytes = ns.bytes, r.chunks = ns.chunks, r.connections = ns.connections;
  r.resets = ns.resets, r.overflows = ns.overflows, r.peak_queued = ns.peak_queued;
  r.peak_mailbox = w.checks().peak_mailbox();
  r.forks = w.checks().forks();
  r.extension_logs = w.extension_logs();
  r.violations = w.checks().violations();
  r.result = w.checks().worst();
  for (const auto& m : w.follower_metrics()) {
    r.followers.push_back(follower_report{
        m.node, m.feed, m.converged ? to_seconds(*m.converged) : -1, m.length, m.sparse});
  }
  for (size_t f = 0; f < w.spec().feeds.size(); ++f) {
    r.writer_lengths.push_back(w.writer_length(static_cast<int>(f)));
    delay_summary s = w.delays().summarize(static_cast<int>(f));
    r.delays.push_back(feed_delays{static_cast<int>(f), w.spec().feeds[f].name, s.samples,
                                   to_seconds(s.p50), to_seconds(s.p90), to_seconds(s.p99),
                                   to_seconds(s.max)});
  }
}

void run_world(caf::actor_system& sys, const scenario& sc, uint64_t seed, run_report& r,
               const run_options& opts) {
  world w(sys, sc, seed);
  std::optional<trace_printer> printer;
  if (opts.verbose) {
    printer.emplace(opts.verbose_out ? *opts.verbose_out : std::cerr, opts.verbose_filter);
    w.sim().add_sink(&*printer);
  }
  std::optional<metrics_recorder> metrics;
  if (opts.metrics_out != nullptr) {
    metrics.emplace(*opts.metrics_out, sc.nodes, opts.metrics_interval);
    w.sim().add_sink(&*metrics);
  }
  metrics_recorder* rec = metrics ? &*metrics : nullptr;
  std::optional<chrome_trace_writer> chrome;
  if (opts.trace_out != nullptr) {
    chrome.emplace(*opts.trace_out, sc.nodes);
    w.sim().add_sink(&*chrome);
  }
  std::optional<html_report> html;
  if (opts.report_out != nullptr) {
    // About 300 samples over the run, at least 10 ms apart.
    auto step = std::max<duration>(std::chrono::milliseconds(10), sc.length / 300);
    html.emplace(sc, std::chrono::duration_cast<std::chrono::milliseconds>(step));
    w.sim().add_sink(&*html);
  }
  w.start();
  r.activations = run_loop(w, sc.length, rec, html ? &*html : nullptr);
  r.activations += drain(w.sim(), rec);
  w.start_probes();
  r.activations += drain(w.sim());
  w.evaluate();
  fill_report(w, r);
  w.sim().clear_sinks();  // the sinks saw exactly the r.trace_events events
  if (html) {
    html->take_delays(w.delays());
    *opts.report_out << html->render(r);
  }
  w.stop();
  drain(w.sim());
  if (chrome) chrome->finish();
}

}  // namespace

const char* build_commit() {
  return DDB_GIT_COMMIT;
}

run_report run_scenario(const scenario& sc, uint64_t seed, const run_options& opts) {
  run_report r;
  r.scenario = sc.name;
  r.seed = seed;
  r.nodes = sc.nodes;
  auto wall0 = std::chrono::steady_clock::now();
  try {
    caf::actor_system_config cfg;
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    caf::actor_system sys{cfg};
    run_world(sys, sc, seed, r, opts);
  } catch (const std::exception& e) {
    r.result = outcome::crash;
    r.crash = e.what();
  }
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  r.peak_rss_kb = peak_rss_kb();
  if (opts.floor) r.floor_ns = measure_dispatch_floor().ns_per_activation();
  return r;
}

std::string to_json(const run_report& r) {
  nlohmann::json j;
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["commit"] = build_commit();
  j["result"] = to_string(r.result);
  j["exit_code"] = static_cast<int>(r.result);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r.trace));
  j["trace"] = hex;
  j["trace_events"] = r.trace_events;
  j["nodes"] = r.nodes;
  j["simulated_seconds"] = r.sim_seconds;
  j["wall_seconds"] = r.wall_seconds;
  j["speedup"] = r.speedup();
  j["events_per_second"] = r.activations_per_second();
  j["activations"] = r.activations;
  j["bytes"] = r.bytes;
  j["messages"] = r.chunks;
  j["connections"] = r.connections;
  j["resets"] = r.resets;
  j["queue_overflows"] = r.overflows;
  j["peak_queued_bytes"] = r.peak_queued;
  j["peak_mailbox"] = r.peak_mailbox;
  j["peak_rss_kb"] = r.peak_rss_kb;
  if (r.floor_ns > 0) {
    j["dispatch_floor_ns"] = r.floor_ns;
    j["floor_speedup"] = r.floor_speedup();
  }
  j["forks_detected"] = r.forks;
  j["extension_log_lines"] = r.extension_logs;
  j["writer_lengths"] = r.writer_lengths;
  auto& fs = j["followers"] = nlohmann::json::array();
  for (const auto& f : r.followers) {
    fs.push_back({{"node", f.node},
                  {"feed", f.feed},
                  {"length", f.length},
                  {"converged_s", f.converged_s},
                  {"sparse", f.sparse}});
  }
  auto& ds = j["delays"] = nlohmann::json::array();
  for (const auto& d : r.delays) {
    ds.push_back({{"feed", d.feed},
                  {"name", d.name},
                  {"samples", d.samples},
                  {"p50_s", d.p50_s},
                  {"p90_s", d.p90_s},
                  {"p99_s", d.p99_s},
                  {"max_s", d.max_s}});
  }
  auto& vs = j["violations"] = nlohmann::json::array();
  for (const auto& v : r.violations) {
    vs.push_back({{"kind", to_string(v.kind)},
                  {"invariant", v.invariant},
                  {"detail", v.detail},
                  {"at_s", to_seconds(v.at)},
                  {"recent", v.recent}});
  }
  if (!r.crash.empty()) j["crash"] = r.crash;
  return j.dump(2);
}

std::string to_text(const run_report& r) {
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof buf, "scenario %s seed %llu commit %s\n", r.scenario.c_str(),
                static_cast<unsigned long long>(r.seed), build_commit());
  out += buf;
  std::snprintf(buf, sizeof buf,
                "simulated %.3fs in %.3fs wall (%.0fx real time), %llu activations (%.0f/s), "
                "%d nodes, peak rss %llu KiB\n",
                r.sim_seconds, r.wall_seconds, r.speedup(),
                static_cast<unsigned long long>(r.activations), r.activations_per_second(), r.nodes,
                static_cast<unsigned long long>(r.peak_rss_kb));
  out += buf;
  if (r.floor_ns > 0) {
    std::snprintf(buf, sizeof buf,
                  "dispatch floor: %.0f ns per activation here, so at most %.0fx real time for "
                  "this run's activations\n",
                  r.floor_ns, r.floor_speedup());
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "network: %llu bytes in %llu chunks, %llu connections, %llu resets, %llu "
                "overflows; peak mailbox %zu; forks detected %llu\n",
                static_cast<unsigned long long>(r.bytes), static_cast<unsigned long long>(r.chunks),
                static_cast<unsigned long long>(r.connections),
                static_cast<unsigned long long>(r.resets),
                static_cast<unsigned long long>(r.overflows), r.peak_mailbox,
                static_cast<unsigned long long>(r.forks));
  out += buf;
  size_t shown = 0;
  for (const auto& f : r.followers) {
    if (++shown > 20) break;
    if (f.sparse) {
      std::snprintf(buf, sizeof buf, "sparse reader %d feed %d: length %llu\n", f.node, f.feed,
                    static_cast<unsigned long long>(f.length));
    } else {
      std::snprintf(buf, sizeof buf, "follower %d feed %d: length %llu, converged %s\n", f.node,
                    f.feed, static_cast<unsigned long long>(f.length),
                    f.converged_s < 0 ? "never" : (std::to_string(f.converged_s) + "s").c_str());
    }
    out += buf;
  }
  for (const auto& d : r.delays) {
    std::snprintf(buf, sizeof buf,
                  "feed %d (%s) append-to-replica delay: p50 %.3fs p90 %.3fs p99 %.3fs max %.3fs "
                  "over %llu block copies\n",
                  d.feed, d.name.c_str(), d.p50_s, d.p90_s, d.p99_s, d.max_s,
                  static_cast<unsigned long long>(d.samples));
    out += buf;
  }
  for (const auto& v : r.violations) {
    out += std::string("VIOLATION (") + to_string(v.kind) + ") " + v.invariant + " at " +
           format_time(v.at) + " seed " + std::to_string(r.seed) + ": " + v.detail + "\n";
    out += "  events leading to it:\n" + v.recent;
  }
  if (!r.crash.empty()) out += "CRASH: " + r.crash + "\n";
  std::snprintf(buf, sizeof buf, "result %s (exit %d)\ntrace %016llx\n", to_string(r.result),
                static_cast<int>(r.result), static_cast<unsigned long long>(r.trace));
  out += buf;
  return out;
}

}  // namespace ddb::sim
