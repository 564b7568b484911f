#pragma once
// Benchmark workloads that need the network (cli/cmd_bench_net.cpp).
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <nlohmann/json.hpp>

namespace ddb::cli {

struct net_bench_args {
  std::string peer;     // HOST:PORT serving the feed
  std::string key_hex;  // the feed's key
  uint64_t count = 1000;
  uint64_t seed = 1;
};

// Fills `out` with {"ops","seconds","opsPerSec",...}; returns the exit code.
int bench_sparse_get(caf::actor_system& sys, const net_bench_args& a, nlohmann::json& out);

}  // namespace ddb::cli
