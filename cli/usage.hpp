#pragma once
// The command line the ddatabase way (DESIGN.md "The CLI contract"): `help [CMD]` and `--version`
// print to stdout and exit 0; usage errors print "ddatabase: <what>" (with "did you mean ...?"
// for a mistyped command or option) and the command's usage line on stderr and exit 2.
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ddb::cli {

// "ddatabase 0.1.0 (commit 0123456789ab)": the CMake project version and the git commit of the
// build ("-dirty" when it had uncommitted changes).
std::string version_string();

// Parses argv into `app` (whose subcommands are registered). Returns nullopt when the chosen
// subcommand should run, else the exit code to return at once.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// The candidate closest to `word` (edit distance at most 2, or `word` as a prefix), "" if none.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace ddb::cli
