#pragma once
// Shared pieces of the ddatabase subcommands: opening a feed directory, reporting errors.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>

#include "actors/feed_client.hpp"
#include "core/result.hpp"

namespace ddb::cli {

// Run-time errors: flushes stdout (what was printed before the error reaches the reader), prints
// "ddatabase: CODE: message" on stderr and returns the exit code 1.
int fail(const status& s);
int fail(errc code, const std::string& message);

// A usage error found after parsing: thrown from a subcommand's callback, CLI11 reports it
// like its own (exit 2, "ddatabase: message" and the usage line; see cli/usage.hpp).
[[noreturn]] void usage_error(const std::string& message);

enum class access {
  read_only,   // neither creates a feed nor takes the writer lock
  read_write,  // takes the writer lock; the feed must exist
  create,      // takes the writer lock; creates the feed when the folder holds none
};

// Opens the feed stored in `dir`. Unless `mode` is create, a folder without a feed is not_found
// and nothing is created on disk.
result<feed_client> open_dir(caf::actor_system& sys, const std::string& dir, access mode,
                             feed_options opts = {}, feed_actor_options actor_opts = {});

// Adds a block-index option (`--start`, `--end`): digits only, so "-1" is a usage error.
CLI::Option* add_index_option(CLI::App* cmd, const std::string& name, uint64_t& target,
                              const std::string& description);
// A usage error when both bounds are given and end < start.
void check_range(uint64_t start, const std::optional<uint64_t>& end);

}  // namespace ddb::cli
