// Networked benchmark workloads: `bench sparse-get --peer HOST:PORT --key KEY` (random awaited
// gets on a sparse follower) and `bench make-feed --dir DIR` (a feed to serve). The sync
// workloads run `serve` and `clone` as separate processes (bench/sync.sh).
#include <chrono>
#include <filesystem>
#include <future>
#include <iostream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "cli/bench_workloads.hpp"
#include "cli/common.hpp"
#include "cli/net_session.hpp"
#include "core/splitmix.hpp"

namespace ddb::cli {

int bench_sparse_get(caf::actor_system& sys, const net_bench_args& a, nlohmann::json& out) {
  using clock_type = std::chrono::steady_clock;
  byte_buffer raw;
  if (!from_hex(a.key_hex, raw) || raw.size() != 32)
    return fail(errc::invalid_argument, "--key must be 64 hex chars");
  public_key key;
  std::copy(raw.begin(), raw.end(), key.begin());
  auto dir = std::filesystem::temp_directory_path() / ("ddb-sparse-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  feed_options fo;
  fo.key = key;
  feed_actor_options ao;
  ao.replication.sparse = true;
  auto feed = feed_client::open(sys, dir.string(), fo, ao);
  if (!feed) return fail(feed.error());
  caf::scoped_actor self{sys};
  feed->subscribe(caf::actor_cast<caf::actor>(self));
  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.live = true;
  net_session net(sys, ho);
  hash_t dkey = net.registry->add(key, caf::actor_cast<caf::actor>(feed->actor()));
  std::promise<status> dialed;
  net.host->dial(a.peer, {dkey},
                 [&](result<caf::actor> p) { dialed.set_value(p ? status::ok() : p.error()); });
  if (status d = dialed.get_future().get(); !d) return fail(d);
  if (status s = wait_peer_open(self, std::chrono::seconds(30)); !s) return fail(s);
  update_request u;
  u.min_length = 1;
  auto length = feed->update(u);
  if (!length) return fail(length.error());
  uint64_t seed = a.seed;
  uint64_t bytes = 0;
  auto t0 = clock_type::now();
  for (uint64_t i = 0; i < a.count; ++i) {
    auto block = feed->get(splitmix64(seed) % *length);
    if (!block) return fail(block.error());
    bytes += block->size();
  }
  double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  out["ops"] = a.count;
  out["seconds"] = secs;
  out["opsPerSec"] = static_cast<double>(a.count) / secs;
  out["bytes"] = bytes;
  out["length"] = *length;
  feed->close();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace ddb::cli
