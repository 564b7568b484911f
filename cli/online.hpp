#pragma once
// The CLI's online form (docs/api.md, docs/nodes.md): the feed commands with `--node N` talk to
// a running node's control API instead of opening a feed folder. N is the node's storage folder,
// its socket, or http://127.0.0.1:PORT (with --token-file); $DDATABASE_NODE gives the default.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "control/control_client.hpp"

namespace ddb::cli {

struct online_args {
  std::string node;        // --node
  std::string token_file;  // --token-file
};

// Adds --node and --token-file to a command.
void add_online_options(CLI::App* cmd, online_args& a);

// Whether a feed command runs online: --node was given, or $DDATABASE_NODE is set and `arg` is a
// bare feed name ([a-z0-9_-], no '/') that is not an existing path. Fills a.node from the
// environment in the second case.
bool goes_online(online_args& a, const std::string& arg);

// The client for `a` (the token from --token-file, else <folder>/control.token when --node is a
// folder and the node's TCP listener is what we reach), or an error already printed (exit code).
struct online_client {
  std::unique_ptr<control::control_client> client;
  int exit_code = 0;
};
online_client connect_online(const online_args& a);

// A non-2xx reply as one line on stderr; returns the exit code (1).
int fail_reply(const control::http_reply& reply);

// The online bodies of append, cat, info and create.
struct online_append {
  std::string name;
  std::vector<std::string> blocks;
  std::string file;
  size_t block_size = 64 * 1024;
};
int run_online_append(const online_args& a, const online_append& args);
struct online_cat {
  std::string name;
  uint64_t start = 0;
  std::optional<uint64_t> end;
  bool live = false;
  bool raw = false;
};
int run_online_cat(const online_args& a, const online_cat& args);
int run_online_info(const online_args& a, const std::string& name, bool json);
int run_online_create(const online_args& a, const std::string& name);

}  // namespace ddb::cli
