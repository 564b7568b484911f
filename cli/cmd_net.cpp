// Networked subcommands: serve (replicate local feeds to whoever connects) and clone (download
// a feed from a peer, once or live).
#include <sys/resource.h>

#include <chrono>
#include <future>
#include <iostream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/net_session.hpp"

namespace ddb::cli {

namespace {

using clock_type = std::chrono::steady_clock;

bool valid_namespace(const std::string& ns) {
  return ns == "ddatabase" || ns == "hypercore";
}

struct serve_args {
  std::vector<std::string> dirs;
  std::string listen = "127.0.0.1:0";
  std::string ns = "ddatabase";
};

int run_serve(caf::actor_system& sys, const serve_args& a) {
  if (!valid_namespace(a.ns)) return fail("--namespace must be ddatabase or hypercore");
  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.ns = a.ns;
  ho.live = true;
  net_session net(sys, ho);
  std::vector<feed_client> feeds;
  for (const auto& dir : a.dirs) {
    feed_options fo;
    fo.create_if_missing = false;
    fo.ns = a.ns;
    auto feed = feed_client::open(sys, dir, fo);
    if (!feed) return fail(dir + ": " + feed.error().to_string());
    auto info = feed->info();
    if (!info) return fail(info.error());
    net.registry->add(info->key, caf::actor_cast<caf::actor>(feed->actor()), a.ns);
    std::cerr << "serving " << to_hex(info->key) << " (" << info->length << " blocks) from " << dir
              << "\n";
    feeds.push_back(std::move(*feed));
  }
  auto bound = net.host->listen(a.listen);
  if (!bound) return fail(bound.error());
  std::cout << "listening " << *bound << std::endl;
  while (!stop_requested(500)) {
  }
  for (auto& f : feeds) f.close();
  return 0;
}

struct clone_args {
  std::string key_hex;
  std::string dir;
  std::string peer;
  bool sparse = false;
  uint64_t start = 0;
  std::optional<uint64_t> end;
  bool live = false;
  bool json = false;
  std::string ns = "ddatabase";
};

int run_clone(caf::actor_system& sys, const clone_args& a) {
  if (!valid_namespace(a.ns)) return fail("--namespace must be ddatabase or hypercore");
  byte_buffer raw;
  if (!from_hex(a.key_hex, raw) || raw.size() != 32) return fail("KEY must be 64 hex characters");
  public_key key;
  std::copy(raw.begin(), raw.end(), key.begin());
  feed_options fo;
  fo.key = key;
  fo.ns = a.ns;
  feed_actor_options ao;
  ao.replication.sparse = a.sparse;
  auto feed = feed_client::open(sys, a.dir, fo, ao);
  if (!feed) return fail(feed.error());
  caf::scoped_actor self{sys};
  feed->subscribe(caf::actor_cast<caf::actor>(self));
  // Progress comes from the feed's transfer counters, polled: a subscription would make the feed
  // actor (the clone's busiest stage) send this thread one event per downloaded block.
  auto counts = [&]() -> transfer_counts {
    auto st = feed->stats();
    return st ? st->totals : transfer_counts{};
  };
  const transfer_counts base = counts();  // everything downloaded from here on, as before

  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.ns = a.ns;
  ho.live = a.live;
  net_session net(sys, ho);
  hash_t dkey = net.registry->add(key, caf::actor_cast<caf::actor>(feed->actor()), a.ns);
  auto t0 = clock_type::now();  // timed from the dial: handshake included
  std::promise<status> dialed;
  net.host->dial(a.peer, {dkey}, [&](result<caf::actor> peer) {
    dialed.set_value(peer ? status::ok() : peer.error());
  });
  status d = dialed.get_future().get();
  if (!d) return fail(d);
  if (status s = wait_peer_open(self, std::chrono::seconds(30)); !s) return fail(s);
  (void)feed->unsubscribe(caf::actor_cast<caf::actor>(self));  // the counters tell the rest

  uint64_t target = a.end.value_or(UINT64_MAX);
  if (!a.end && !a.live) {
    update_request u;
    u.min_length = 1;
    u.if_available = true;
    auto up = feed->update(u);  // the remote's length (or nothing to fetch)
    auto stats = feed->stats();
    if (!stats) return fail(stats.error());
    target = up ? *up : 0;
    for (const auto& p : stats->peers) target = std::max(target, p.remote_length);
  }
  download_request r;
  r.start = a.start;
  r.end = target;
  r.linear = true;
  auto id = feed->download(r);
  if (!id) return fail(id.error());
  // The waiter blocks in its own thread, so it needs its own client (a feed_client is not
  // thread-safe: two threads receiving on one blocking actor can swallow each other's replies).
  auto waiter = std::async(std::launch::async, [&sys, actor = feed->actor(), dl = *id] {
    return feed_client(sys, actor).wait_download(dl);
  });

  progress bar(!a.json);
  uint64_t blocks = 0, bytes = 0;
  auto elapsed = [&] { return std::chrono::duration<double>(clock_type::now() - t0).count(); };
  auto poll = [&] {
    transfer_counts now = counts();
    blocks = now.downloaded_blocks - base.downloaded_blocks;
    bytes = now.downloaded_bytes - base.downloaded_bytes;
    uint64_t total = target;
    if (total == UINT64_MAX) {
      auto info = feed->info();
      total = info ? info->length : 0;
    }
    bar.update(blocks, total, bytes, elapsed());
  };
  while (true) {
    if (!a.live && waiter.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready)
      break;
    if (a.live && stop_requested(50)) break;
    poll();
  }
  poll();  // the counters are final once the download has completed
  bar.finish();
  if (!a.live) {
    status done = waiter.get();
    if (!done) return fail(done);
  }
  auto info = feed->info();
  if (!info) return fail(info.error());
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
  if (a.live) {  // the live download never completes by itself: cancel it, then reap the waiter
    (void)feed->undownload(*id);
    waiter.wait();
  }
  feed->close();
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("serve", "replicate feeds (live) to peers that connect");
  auto a = std::make_shared<serve_args>();
  cmd->add_option("DIR", a->dirs, "feed directories")->required();
  cmd->add_option("--listen", a->listen, "HOST:PORT to listen on");
  cmd->add_option("--namespace", a->ns, "ddatabase (default) or hypercore");
  cmd->callback([a, &run] { run = [a](caf::actor_system& sys) { return run_serve(sys, *a); }; });
}

void add_clone(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("clone", "download a feed from a peer");
  auto a = std::make_shared<clone_args>();
  auto end = std::make_shared<uint64_t>(0);
  cmd->add_option("KEY", a->key_hex, "the feed's public key (hex)")->required();
  cmd->add_option("DIR", a->dir, "where to store it")->required();
  cmd->add_option("--peer", a->peer, "HOST:PORT of a peer")->required();
  cmd->add_flag("--sparse", a->sparse, "download only the requested range");
  cmd->add_option("--start", a->start, "first block");
  auto* end_opt = cmd->add_option("--end", *end, "end block (exclusive)");
  cmd->add_flag("--live", a->live, "keep following the feed");
  cmd->add_flag("--json", a->json, "one JSON object at the end");
  cmd->add_option("--namespace", a->ns, "ddatabase (default) or hypercore");
  cmd->callback([a, end, end_opt, &run] {
    if (end_opt->count() > 0) a->end = *end;
    run = [a](caf::actor_system& sys) { return run_clone(sys, *a); };
  });
}

}  // namespace ddb::cli
