#pragma once
// Each subcommand registers itself on the CLI11 app and runs against an actor system.
#include <functional>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>

namespace ddb::cli {

using runner = std::function<int(caf::actor_system&)>;

// Registers the subcommand; sets `run` when it is the one chosen on the command line.
void add_create(CLI::App& app, runner& run);
void add_append(CLI::App& app, runner& run);
void add_cat(CLI::App& app, runner& run);
void add_info(CLI::App& app, runner& run);
void add_audit(CLI::App& app, runner& run);
void add_bench(CLI::App& app, runner& run);
void add_serve(CLI::App& app, runner& run);
void add_clone(CLI::App& app, runner& run);
// `ddatabase sim ...`: re-executes once with glibc's heap on huge pages (cli/huge_pages.cpp).
void prefer_huge_pages(int argc, char** argv);
void add_sim(CLI::App& app, runner& run);
void add_node(CLI::App& app, runner& run);
// follow, remove, feeds, peers, status: the node-only commands of the online form.
void add_online_commands(CLI::App& app, runner& run);

}  // namespace ddb::cli
