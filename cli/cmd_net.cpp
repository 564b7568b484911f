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
  bool json = false;  // the bound address (and the feeds) as one JSON line
};

int run_serve(caf::actor_system& sys, const serve_args& a) {
  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.ns = a.ns;
  ho.live = true;
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
  while (!stop_requested(500)) {
  }
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
  cmd->add_flag("--json", a->json,
                "print the bound address as one JSON line: {event, address, feeds}");
  cmd->callback([a, &run] {
    set_stop_grace(std::chrono::seconds(5));  // closing the feeds may flush: let it finish
    run = [a](caf::actor_system& sys) { return run_serve(sys, *a); };
  });
}

}  // namespace ddb::cli
