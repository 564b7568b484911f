#pragma once
// Shared pieces of the ddatabase subcommands: opening a feed directory, reporting errors.
#include <iostream>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/feed_client.hpp"
#include "core/result.hpp"

namespace ddb::cli {

// Prints "ddatabase: <error>" on stderr and returns the process exit code for it.
int fail(const status& s);
int fail(const std::string& message);

enum class access { read_only, read_write };

// Opens the feed stored in `dir`. read_only neither creates a feed nor takes the writer lock.
result<feed_client> open_dir(caf::actor_system& sys, const std::string& dir, access mode);

}  // namespace ddb::cli
