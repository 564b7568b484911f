// `ddatabase clone KEY DIR --peer HOST:PORT...`: download a feed from peers, once or live.
// A non-live clone ends when its range is stored (exit 0), when no peer is left that could
// supply the rest (unavailable, exit 1: what was verified stays stored), or on SIGINT/SIGTERM
// (130/143). Peers that fail or are dropped for sending what does not verify are reported.
#include <chrono>
#include <future>
#include <iostream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/net_session.hpp"
#include "cli/peer_watch.hpp"
#include "cli/signals.hpp"

namespace ddb::cli {

namespace {

using clock_type = std::chrono::steady_clock;

struct clone_args {
  std::string key_hex;
  std::string dir;
  std::vector<std::string> peers;
  bool sparse = false;
  uint64_t start = 0;
  std::optional<uint64_t> end;
  bool live = false;
  bool json = false;
  std::string ns = "ddatabase";
};

uint64_t best_remote_length(feed_client& feed) {
  auto stats = feed.stats();
  uint64_t best = 0;
  if (stats) {
    for (const auto& p : stats->peers) best = std::max(best, p.remote_length);
  }
  return best;
}

// The end of the range to download: --end once a peer proved that length, else the longest
// length the peers proved or announce. UINT64_MAX for a live clone without --end.
result<uint64_t> find_target(feed_client& feed, peer_watch& peers, const clone_args& a) {
  if (a.end) {
    update_request u;
    u.min_length = *a.end;
    auto up = *a.end > 0 ? await_update(feed, peers, u) : result<uint64_t>(uint64_t{0});
    if (up) return *a.end;
    if (up.error().code() != errc::unavailable) return up.error();
    uint64_t remote = best_remote_length(feed);  // before the peers end their channels
    peers.settle(300);
    if (peers.failed()) {
      return make_error(errc::unavailable, "no peer proved a length of " + std::to_string(*a.end) +
                                               " (" + peers.failures().back() + ")");
    }
    return make_error(errc::bad_index, "--end " + std::to_string(*a.end) +
                                           " is past the remote length " + std::to_string(remote));
  }
  if (a.live) return UINT64_MAX;
  update_request u;
  u.min_length = 1;
  auto up = await_update(feed, peers, u);  // the remote's length (or nothing to fetch)
  if (!up && up.error().code() != errc::unavailable) return up.error();
  uint64_t target = std::max(up ? *up : 0, best_remote_length(feed));
  if (!up) peers.settle(300);
  if (!up && peers.failed()) {  // a peer had something and we could not verify it
    return make_error(errc::unavailable,
                      "no peer proved the feed's length (" + peers.failures().back() + ")");
  }
  return target;
}

int run_clone(caf::actor_system& sys, const clone_args& a) {
  byte_buffer raw;
  from_hex(a.key_hex, raw);  // checked when parsing
  public_key key;
  std::copy(raw.begin(), raw.end(), key.begin());
  feed_options fo;
  fo.key = key;
  fo.ns = a.ns;
  feed_actor_options ao;
  ao.replication.sparse = a.sparse;
  auto feed = open_dir(sys, a.dir, access::create, fo, ao);
  if (!feed) return fail(feed.error());
  // Progress comes from the feed's transfer counters, polled: a subscription would make the feed
  // actor (the clone's busiest stage) send this thread one event per downloaded block.
  auto counts = [&]() -> replication::transfer_stats {
    auto st = feed->stats();
    return st ? st->totals : replication::transfer_stats{};
  };
  const replication::transfer_stats base =
      counts();  // everything downloaded from here on, as before

  caf::scoped_actor self{sys};
  peer_watch peers(self);
  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.ns = a.ns;
  ho.live = a.live;
  ho.observer = peers.observer();
  net_session net(sys, ho);
  hash_t dkey = net.registry->add(key, caf::actor_cast<caf::actor>(feed->actor()), a.ns);
  auto t0 = clock_type::now();  // timed from the dial: handshake included
  // Ends the command: what is stored stays (the files are consistent after every write).
  auto finish = [&](int code) {
    peers.quiet();
    feed->close();
    return code;
  };
  auto stopped_or = [&](const status& s) {
    return finish(stop_signal() ? stopped_exit_code() : fail(s));
  };
  if (status s = peers.dial(*net.host, *feed, a.peers, dkey); !s) return finish(fail(s));
  if (status s = peers.wait_open(*feed, std::chrono::seconds(30)); !s) return stopped_or(s);

  // A non-live peer ends its channel as soon as we want nothing from it (a sparse clone wants
  // nothing until it downloads): hold the peers with the widest range while we learn the length.
  download_request r;
  r.start = a.start;
  r.end = a.end.value_or(UINT64_MAX);
  r.linear = true;
  auto id = feed->download(r);
  if (!id) return finish(fail(id.error()));
  auto target = find_target(*feed, peers, a);
  if (!target) {
    (void)feed->undownload(*id);
    return stopped_or(target.error());
  }
  if (*target != r.end) {  // the range the peers proved
    uint64_t hold = *id;
    r.end = *target;
    id = feed->download(r);
    (void)feed->undownload(hold);
    if (!id) return finish(fail(id.error()));
  }
  // The waiter blocks in its own thread, so it needs its own client (a feed_client is not
  // thread-safe: two threads receiving on one blocking actor can swallow each other's replies).
  auto waiter = std::async(std::launch::async, [&sys, actor = feed->actor(), dl = *id] {
    return feed_client(sys, actor).wait_download(dl);
  });
  auto done = [&](int ms) {
    return waiter.wait_for(std::chrono::milliseconds(ms)) == std::future_status::ready;
  };

  progress bar(!a.json);
  uint64_t blocks = 0, bytes = 0;
  auto elapsed = [&] { return std::chrono::duration<double>(clock_type::now() - t0).count(); };
  auto poll = [&] {
    replication::transfer_stats now = counts();
    blocks = now.downloaded_blocks - base.downloaded_blocks;
    bytes = now.downloaded_bytes - base.downloaded_bytes;
    uint64_t total = *target;
    if (total == UINT64_MAX) {
      auto info = feed->info();
      total = info ? info->length : 0;
    }
    bar.update(blocks, total, bytes, elapsed());
  };
  bool gone = false;  // no peer is left to supply the rest
  while (!done(0) && !stop_requested(0)) {
    peers.poll(50);
    poll();
    // The last peer may end its channel right as the download completes: give the completion
    // a moment to arrive before calling the clone unfinished.
    if (!a.live && peers.alive() == 0 && !done(200)) {
      gone = true;
      break;
    }
  }
  poll();
  bar.finish();
  const bool complete = !a.live && done(0);
  if (!complete) {  // cancel the download, then reap the waiter
    (void)feed->undownload(*id);
    waiter.wait();
  }
  status result = complete ? waiter.get() : status::ok();
  auto info = feed->info();
  if (!info) return finish(fail(info.error()));
  if (!a.live && !complete) {
    if (stop_signal()) return finish(stopped_exit_code());
    auto have = feed->downloaded(a.start, *target);
    std::string missing =
        "blocks [" + std::to_string(a.start) + ", " + std::to_string(*target) + ")";
    std::string why = gone ? "no peer is left that can supply " + missing
                           : "the clone of " + missing + " did not finish";
    if (!peers.failures().empty()) why += " (" + peers.failures().back() + ")";
    if (have) why += "; " + std::to_string(*have) + " verified blocks are kept";
    return finish(fail(errc::unavailable, why));
  }
  if (!result) return finish(fail(result));
  double secs = elapsed();
  nlohmann::json out = {{"key", to_hex(info->key)},
                        {"length", info->length},
                        {"byteLength", info->byte_length},
                        {"downloaded", info->downloaded},
                        {"downloadedBlocks", blocks},
                        {"downloadedBytes", bytes},
                        {"seconds", secs},
                        {"maxRssMB", max_rss_mb()}};
  if (a.json) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "cloned " << info->downloaded << "/" << info->length << " blocks (" << blocks
              << " downloaded now) in " << secs << " s\n";
  }
  return finish(a.live ? stopped_exit_code() : 0);
}

}  // namespace

void add_clone(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("clone", "download a feed from peers");
  auto a = std::make_shared<clone_args>();
  auto end = std::make_shared<uint64_t>(0);
  cmd->add_option("KEY", a->key_hex, "the feed's public key (hex)")->required();
  cmd->add_option("DIR", a->dir, "where to store it")->required();
  cmd->add_option("--peer", a->peers, "HOST:PORT of a peer (repeatable)")->required();
  cmd->add_flag("--sparse", a->sparse, "download only the requested range");
  add_index_option(cmd, "--start", a->start, "first block");
  auto* end_opt = add_index_option(cmd, "--end", *end, "end block (exclusive)");
  cmd->add_flag("--live", a->live, "keep following the feed until SIGINT/SIGTERM");
  cmd->add_flag("--json", a->json, "one JSON object at the end");
  cmd->add_option("--namespace", a->ns, "ddatabase (default) or hypercore")
      ->check(CLI::IsMember({"ddatabase", "hypercore"}));
  cmd->callback([a, end, end_opt, &run] {
    if (end_opt->count() > 0) a->end = *end;
    check_range(a->start, a->end);
    byte_buffer raw;
    if (!from_hex(a->key_hex, raw) || raw.size() != 32)
      usage_error("KEY must be 64 hex characters");
    run = [a](caf::actor_system& sys) { return run_clone(sys, *a); };
  });
}

}  // namespace ddb::cli
