// `ddatabase bench WORKLOAD [--json]`: our side of the side-by-side benchmarks (bench/run.sh runs
// the reference's side in the same run and prints the ratios).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/bench_workloads.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace ddb::cli {

namespace {

struct bench_args {
  std::string workload;
  std::string dir;  // reuse an existing feed (open-1m) or keep the data here
  uint64_t count = 0;
  size_t size = 0;
  size_t batch = 1000;
  bool json = false;
  bool direct = false;  // the synchronous engine (feed/feed.hpp) without the actor in between
  net_bench_args net;
};

double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

byte_buffer block_of(uint64_t i, size_t size) {
  byte_buffer b(size);
  for (size_t j = 0; j < size; ++j) b[j] = static_cast<uint8_t>((i * 31 + j) & 0xff);
  return b;
}

status fill(feed_client& feed, uint64_t count, size_t size, size_t batch) {
  for (uint64_t i = 0; i < count; i += batch) {
    block_list blocks;
    for (uint64_t j = i; j < std::min(count, i + batch); ++j) blocks.push_back(block_of(j, size));
    auto r = feed.append(std::move(blocks));
    if (!r) return r.error();
  }
  return status::ok();
}

struct temp_feed_dir {
  std::string path;
  bool keep;
  explicit temp_feed_dir(const std::string& given) : keep(!given.empty()) {
    path =
        given.empty()
            ? (std::filesystem::temp_directory_path() / ("ddb-bench-" + std::to_string(getpid())))
                  .string()
            : given;
  }
  ~temp_feed_dir() {
    if (!keep) std::filesystem::remove_all(path);
  }
};

int run_bench(caf::actor_system& sys, const bench_args& a) {
  nlohmann::json out = {{"workload", a.workload}, {"impl", "ddatabase-cpp"}};
  if (a.workload == "sparse-get") {
    net_bench_args n = a.net;
    if (a.count) n.count = a.count;
    if (int rc = bench_sparse_get(sys, n, out); rc != 0) return rc;
    out["rssMB"] = rss_mb();
    std::cout << out.dump() << "\n";
    return 0;
  }
  temp_feed_dir dir(a.dir);
  if (a.workload == "make-feed") {
    if (a.dir.empty()) return fail(errc::invalid_argument, "make-feed needs --dir");
    auto feed = feed_client::open(sys, dir.path);
    if (!feed) return fail(feed.error());
    status s = fill(*feed, a.count ? a.count : 100000, a.size ? a.size : 1024, 1000);
    if (!s) return fail(s);
    auto info = feed->info();
    if (!info) return fail(info.error());
    std::cout << nlohmann::json{{"key", to_hex(info->key)}, {"length", info->length}}.dump()
              << "\n";
    return feed->close() ? 0 : 1;
  }
  if (a.workload == "open-1m") {
    uint64_t count = a.count ? a.count : 1000000;
    if (!std::filesystem::exists(std::filesystem::path(dir.path) / "key")) {
      auto feed = feed_client::open(sys, dir.path);
      if (!feed) return fail(feed.error());
      status s = fill(*feed, count, a.size ? a.size : 100, 10000);
      if (!s) return fail(s);
      feed->close();
    }
    double rss0 = rss_mb();
    auto t0 = clock_type::now();
    auto feed = feed_client::open(sys, dir.path);
    if (!feed) return fail(feed.error());
    auto info = feed->info();
    if (!info) return fail(info.error());
    double secs = seconds_since(t0);
    out["ops"] = 1;
    out["length"] = info->length;
    out["seconds"] = secs;
    out["opsPerSec"] = 1.0 / secs;
    out["rssGrowthMB"] = rss_mb() - rss0;
    feed->close();
  } else {
    std::filesystem::remove_all(dir.path);
    auto feed = feed_client::open(sys, dir.path);
    if (!feed) return fail(feed.error());
    uint64_t ops = 0;
    double secs = 0;
    if (a.workload == "append-batched") {
      ops = a.count ? a.count : 1000000;
      auto t0 = clock_type::now();
      status s = fill(*feed, ops, a.size ? a.size : 100, a.batch);
      secs = seconds_since(t0);
      if (!s) return fail(s);
    } else if (a.workload == "append-single" && a.direct) {
      ops = a.count ? a.count : 10000;
      size_t size = a.size ? a.size : 100;
      feed->close();
      auto engine = feed::open(make_file_env(dir.path), feed_options{});
      if (!engine) return fail(engine.error());
      auto t0 = clock_type::now();
      for (uint64_t i = 0; i < ops; ++i) {
        byte_buffer b = block_of(i, size);
        auto r = (*engine)->append(std::vector<byte_view>{byte_view(b)});
        if (!r) return fail(r.error());
      }
      secs = seconds_since(t0);
      out["api"] = "engine";
      (*engine)->close();
      feed = feed_client::open(sys, dir.path, feed_options{});
      if (!feed) return fail(feed.error());
    } else if (a.workload == "append-single") {
      ops = a.count ? a.count : 10000;
      size_t size = a.size ? a.size : 100;
      auto t0 = clock_type::now();
      for (uint64_t i = 0; i < ops; ++i) {
        auto r = feed->append(block_list{block_of(i, size)});
        if (!r) return fail(r.error());
      }
      secs = seconds_since(t0);
    } else if (a.workload == "read-seq") {
      ops = a.count ? a.count : 100000;
      status s = fill(*feed, ops, a.size ? a.size : 1024, 1000);
      if (!s) return fail(s);
      auto t0 = clock_type::now();
      uint64_t bytes = 0;
      for (uint64_t i = 0; i < ops; i += a.batch) {
        auto blocks = feed->get_batch(i, std::min(ops, i + a.batch));
        if (!blocks) return fail(blocks.error());
        for (const auto& b : *blocks) bytes += b.size();
      }
      secs = seconds_since(t0);
      out["bytes"] = bytes;
    } else {
      return fail(
          errc::invalid_argument,
          "unknown workload " + a.workload + " (append-batched, append-single, read-seq, open-1m)");
    }
    out["ops"] = ops;
    out["seconds"] = secs;
    out["opsPerSec"] = static_cast<double>(ops) / secs;
    feed->close();
  }
  out["rssMB"] = rss_mb();
  if (a.json) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << a.workload << ": " << out["opsPerSec"].get<double>() << " ops/s\n";
  }
  return 0;
}

}  // namespace

void add_bench(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("bench", "run one benchmark workload (see bench/run.sh)");
  auto a = std::make_shared<bench_args>();
  cmd->add_option("WORKLOAD", a->workload,
                  "append-batched | append-single | read-seq | open-1m | make-feed | sparse-get")
      ->required();
  cmd->add_option("--dir", a->dir, "feed directory to use (kept)");
  cmd->add_option("--count", a->count, "number of blocks");
  cmd->add_option("--size", a->size, "block size in bytes");
  cmd->add_option("--batch", a->batch, "blocks per append or read batch");
  cmd->add_flag("--json", a->json, "one JSON line");
  cmd->add_flag("--direct", a->direct, "append-single through the engine, without the actor");
  cmd->add_option("--peer", a->net.peer, "sparse-get: HOST:PORT serving the feed");
  cmd->add_option("--key", a->net.key_hex, "sparse-get: the feed's key");
  cmd->add_option("--seed", a->net.seed, "sparse-get: seed of the random indexes");
  cmd->callback([a, &run] { run = [a](caf::actor_system& sys) { return run_bench(sys, *a); }; });
}

}  // namespace ddb::cli
