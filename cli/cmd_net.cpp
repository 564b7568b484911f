// `ddatabase serve DIR... --listen HOST:PORT`: replicate local feeds (live) to whoever connects,
// until SIGINT/SIGTERM (then the feeds are closed and the exit code is 0). `clone` is in
// cli/cmd_clone.cpp.
#include <iostream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/net_session.hpp"
#include "cli/signals.hpp"

namespace ddb::cli {

namespace {

struct serve_args {
  std::vector<std::string> dirs;
  std::string listen = "127.0.0.1:0";
  std::string ns = "ddatabase";
  bool json = false;        // the bound address (and the feeds) as one JSON line
  uint64_t ban_ms = 60000;  // how long a peer that broke the protocol stays banned (0: never)
};

// One stderr line each time the bans change: remotes banned, connections refused for a ban.
struct ban_report {
  uint64_t bans = 0;
  uint64_t refused = 0;
  void check(const connection_counters& c) {
    uint64_t b = c.bans.load(), r = c.refused_banned.load();
    if (b == bans && r == refused) return;
    bans = b;
    refused = r;
    std::cerr << "bans: peers banned " << b << ", connections refused as banned " << r << std::endl;
  }
};

int run_serve(caf::actor_system& sys, const serve_args& a) {
  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.ns = a.ns;
  ho.live = true;
  ho.ban = std::chrono::milliseconds(a.ban_ms);
  net_session net(sys, ho);
  std::vector<feed_client> feeds;
  nlohmann::json served = nlohmann::json::array();
  auto close_all = [&] {
    for (auto& f : feeds) f.close();
  };
  for (const auto& dir : a.dirs) {
    feed_options fo;
    fo.ns = a.ns;
    auto feed = open_dir(sys, dir, access::read_write, fo);
    if (!feed) {
      close_all();
      return fail(feed.error().code(), dir + ": " + feed.error().message());
    }
    auto info = feed->info();
    if (!info) {
      close_all();
      return fail(info.error());
    }
    net.registry->add(info->key, caf::actor_cast<caf::actor>(feed->actor()), a.ns);
    std::cerr << "serving " << to_hex(info->key) << " (" << info->length << " blocks) from " << dir
              << "\n";
    served.push_back({{"dir", dir},
                      {"key", to_hex(info->key)},
                      {"discoveryKey", to_hex(info->discovery_key)},
                      {"length", info->length}});
    feeds.push_back(std::move(*feed));
  }
  auto bound = net.host->listen(a.listen);
  if (!bound) {
    close_all();
    return fail(bound.error());
  }
  if (a.json)
    std::cout
        << nlohmann::json{{"event", "listening"}, {"address", *bound}, {"feeds", served}}.dump()
        << std::endl;
  else
    std::cout << "listening " << *bound << std::endl;
  ban_report bans;
  while (!stop_requested(500)) bans.check(*net.host->counters());
  close_all();
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("serve", "replicate feeds (live) to peers until SIGINT/SIGTERM");
  auto a = std::make_shared<serve_args>();
  cmd->add_option("DIR", a->dirs, "feed directories")->required();
  cmd->add_option("--listen", a->listen, "HOST:PORT to listen on");
  cmd->add_option("--namespace", a->ns, "ddatabase (default) or hypercore")
      ->check(CLI::IsMember({"ddatabase", "hypercore"}));
  cmd->add_option("--ban-ms", a->ban_ms,
                  "how long a peer that broke the protocol stays banned, its key and its IP "
                  "(default 60000; 0: no bans)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{7} * 24 * 3600 * 1000));
  cmd->add_flag("--json", a->json,
                "print the bound address as one JSON line: {event, address, feeds}");
  cmd->callback([a, &run] {
    set_stop_grace(std::chrono::seconds(5));  // closing the feeds may flush: let it finish
    run = [a](caf::actor_system& sys) { return run_serve(sys, *a); };
  });
}

}  // namespace ddb::cli
