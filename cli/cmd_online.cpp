// The node-only commands of the online form: follow, remove, feeds, peers, status (cli/online.hpp
// has the shared parts, defined here too).
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/online.hpp"
#include "control/runtime_feeds.hpp"

namespace ddb::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

void add_online_options(CLI::App* cmd, online_args& a) {
  cmd->add_option("--node", a.node,
                  "a running node: its storage folder, its socket, or http://127.0.0.1:PORT "
                  "(default $DDATABASE_NODE)");
  cmd->add_option("--token-file", a.token_file,
                  "the token for an http:// node (its control.token)");
}

bool goes_online(online_args& a, const std::string& arg) {
  if (!a.node.empty()) return true;
  const char* env = std::getenv("DDATABASE_NODE");
  if (env == nullptr || *env == '\0') return false;
  std::error_code ec;
  if (!control::valid_feed_name(arg) || fs::exists(arg, ec)) return false;
  a.node = env;
  return true;
}

online_client connect_online(const online_args& a) {
  online_client out;
  auto target = control::resolve_node(a.node, a.token_file);
  if (!target) {
    out.exit_code = fail(target.error());
    return out;
  }
  out.client = std::make_unique<control::control_client>(std::move(*target));
  return out;
}

int fail_reply(const control::http_reply& reply) {
  return fail(control::reply_error(reply));
}

namespace {

// The command's --node, or $DDATABASE_NODE; a usage error without either.
void require_node(online_args& a) {
  if (!a.node.empty()) return;
  const char* env = std::getenv("DDATABASE_NODE");
  if (env == nullptr || *env == '\0') usage_error("--node is required (or set $DDATABASE_NODE)");
  a.node = env;
}

// GET `path` as JSON; prints the error and returns nothing on failure (exit code in `code`).
std::optional<json> get_json(const online_args& a, const std::string& path, int& code) {
  auto c = connect_online(a);
  if (!c.client) {
    code = c.exit_code;
    return std::nullopt;
  }
  auto r = c.client->get(path);
  if (!r) {
    code = fail(r.error());
    return std::nullopt;
  }
  if (r->status != 200) {
    code = fail_reply(*r);
    return std::nullopt;
  }
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) {
    code = fail(errc::io_error, "an unexpected reply: " + r->body);
    return std::nullopt;
  }
  return j;
}

int run_feeds(const online_args& a, bool as_json) {
  int code = 0;
  auto j = get_json(a, "/v1/feeds", code);
  if (!j) return code;
  if (as_json) {
    std::cout << j->dump() << "\n";
    return 0;
  }
  for (const json& f : *j) {
    std::cout << f.value("name", "") << " " << f.value("mode", "") << " " << f.value("key", "")
              << " length " << f.value("length", uint64_t{0}) << ", downloaded "
              << f.value("downloaded", uint64_t{0}) << ", " << f.value("byteLength", uint64_t{0})
              << " bytes, " << f.value("peers", uint64_t{0}) << " peers\n";
  }
  return 0;
}

int run_peers(const online_args& a, bool as_json) {
  int code = 0;
  auto j = get_json(a, "/v1/peers", code);
  if (!j) return code;
  if (as_json) {
    std::cout << j->dump() << "\n";
    return 0;
  }
  for (const json& p : *j) {
    std::string feeds;
    for (const json& f : p["feeds"]) feeds += (feeds.empty() ? "" : ",") + f.get<std::string>();
    std::cout << p.value("remotePublicKey", "") << " " << p.value("address", "") << " feeds "
              << feeds << ", uploaded " << p.value("uploadedBytes", uint64_t{0}) << " bytes ("
              << p.value("uploadedBlocks", uint64_t{0}) << " blocks), downloaded "
              << p.value("downloadedBytes", uint64_t{0}) << " bytes ("
              << p.value("downloadedBlocks", uint64_t{0}) << " blocks), now "
              << p.value("uploadRate", uint64_t{0}) << " B/s up, "
              << p.value("downloadRate", uint64_t{0}) << " B/s down\n";
  }
  return 0;
}

int run_status(const online_args& a, bool as_json) {
  int code = 0;
  auto j = get_json(a, "/v1/status", code);
  if (!j) return code;
  if (as_json) {
    std::cout << j->dump() << "\n";
    return 0;
  }
  for (auto& [k, v] : j->items()) {
    if (!v.is_object()) {
      std::cout << k << ": " << v << "\n";
      continue;
    }
    for (auto& [k2, v2] : v.items()) std::cout << k << "." << k2 << ": " << v2 << "\n";
  }
  return 0;
}

int run_follow(const online_args& a, const std::string& name, const std::string& key, bool sparse,
               bool live) {
  if (!control::valid_feed_name(name))
    return fail(errc::invalid_argument,
                "a feed name is 1 to 64 of [a-z0-9_-], not \"" + name + "\"");
  byte_buffer bytes;
  if (key.size() != 64 || !from_hex(key, bytes))
    return fail(errc::invalid_argument, "KEY: expected 64 hex characters");
  auto c = connect_online(a);
  if (!c.client) return c.exit_code;
  json body = {
      {"name", name}, {"mode", "follow"}, {"key", key}, {"sparse", sparse}, {"live", live}};
  auto r = c.client->post("/v1/feeds", body.dump(), "application/json");
  if (!r) return fail(r.error());
  if (r->status != 201) return fail_reply(*r);
  return 0;
}

int run_remove(const online_args& a, const std::string& name, bool delete_data) {
  auto c = connect_online(a);
  if (!c.client) return c.exit_code;
  auto r = c.client->del("/v1/feeds/" + name + (delete_data ? "?deleteData=1" : ""));
  if (!r) return fail(r.error());
  if (r->status != 200) return fail_reply(*r);
  return 0;
}

// feeds, peers, status: --node and --json only.
void add_listing(CLI::App& app, runner& run, const char* name, const char* what,
                 int (*body)(const online_args&, bool)) {
  auto* cmd = app.add_subcommand(name, what);
  auto a = std::make_shared<online_args>();
  auto as_json = std::make_shared<bool>(false);
  add_online_options(cmd, *a);
  cmd->add_flag("--json", *as_json, "JSON");
  cmd->callback([=, &run] {
    require_node(*a);
    run = [=](caf::actor_system&) { return body(*a, *as_json); };
  });
}

}  // namespace

void add_online_commands(CLI::App& app, runner& run) {
  {
    auto* cmd = app.add_subcommand("follow", "make a running node follow a feed (persisted)");
    auto a = std::make_shared<online_args>();
    auto name = std::make_shared<std::string>();
    auto key = std::make_shared<std::string>();
    auto sparse = std::make_shared<bool>(false);
    auto no_live = std::make_shared<bool>(false);
    cmd->add_option("NAME", *name, "the feed's name on the node")->required();
    cmd->add_option("KEY", *key, "the writer's public key (64 hex characters)")->required();
    add_online_options(cmd, *a);
    cmd->add_flag("--sparse", *sparse, "fetch only the blocks readers ask for");
    cmd->add_flag("--no-live", *no_live, "stop following appends once caught up");
    cmd->callback([=, &run] {
      require_node(*a);
      run = [=](caf::actor_system&) { return run_follow(*a, *name, *key, *sparse, !*no_live); };
    });
  }
  {
    auto* cmd = app.add_subcommand("remove", "make a running node stop hosting a feed (persisted)");
    auto a = std::make_shared<online_args>();
    auto name = std::make_shared<std::string>();
    auto delete_data = std::make_shared<bool>(false);
    cmd->add_option("NAME", *name, "the feed's name on the node")->required();
    add_online_options(cmd, *a);
    cmd->add_flag("--delete-data", *delete_data, "also delete the feed's folder");
    cmd->callback([=, &run] {
      require_node(*a);
      run = [=](caf::actor_system&) { return run_remove(*a, *name, *delete_data); };
    });
  }
  add_listing(app, run, "feeds", "list a running node's feeds", run_feeds);
  add_listing(app, run, "peers", "list a running node's peers and their traffic", run_peers);
  add_listing(app, run, "status", "print a running node's status", run_status);
}

}  // namespace ddb::cli
