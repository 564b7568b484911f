#include "cli/usage.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "core/edit_distance.hpp"
#include "ddb_version.hpp"  // generated at build time (cmake/version.cmake)

namespace ddb::cli {

namespace {

struct usage_formatter : CLI::Formatter {
  using CLI::Formatter::make_usage;
};

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names{"help"};
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

const CLI::App* find_command(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best = closest(word, candidates);
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

int usage_error(const std::string& message, const std::string& usage) {
  std::cerr << "ddatabase: " << message << "\n" << usage;
  return 2;
}

std::string app_usage() {
  return "usage: ddatabase COMMAND [OPTIONS] ('ddatabase help' lists the commands)\n";
}

std::string command_usage(const CLI::App& sub) {
  usage_formatter f;
  std::string line = f.make_usage(&sub, "ddatabase " + sub.get_name());
  if (line.rfind("Usage:", 0) == 0) line = "usage:" + line.substr(6);
  return line + "run 'ddatabase help " + sub.get_name() + "' for its options\n";
}

// "did you mean" for the unknown options an ExtrasError names.
std::string option_hint(const CLI::App& sub, const std::string& message) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : sub.get_options()) {
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
  }
  auto colon = message.find(": ");
  std::string rest = colon == std::string::npos ? "" : message.substr(colon + 2);
  std::istringstream words(rest);
  for (std::string w; words >> w;) {
    if (w.rfind("--", 0) != 0) continue;
    std::string hint = suggestion(w.substr(0, w.find('=')), names);
    if (!hint.empty()) return hint;
  }
  return "";
}

}  // namespace

std::string version_string() {
  return std::string("ddatabase ") + DDB_VERSION + " (commit " + DDB_COMMIT + ")";
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (word.size() >= 2 && c.rfind(word, 0) == 0) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  app.set_version_flag("--version", version_string(), "print the version and the commit");
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("a command is required", app_usage());
  const std::string& first = args[0];
  if (first == "help") {
    if (args.size() == 1) {
      std::cout << app.help();
      return 0;
    }
    const CLI::App* sub = find_command(app, args[1]);
    if (!sub) {
      return usage_error(
          "unknown command '" + args[1] + "'" + suggestion(args[1], command_names(app)),
          app_usage());
    }
    std::cout << sub->help();
    return 0;
  }
  if (first.empty() || first[0] != '-') {
    if (!find_command(app, first)) {
      return usage_error("unknown command '" + first + "'" + suggestion(first, command_names(app)),
                         app_usage());
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* sub = first.empty() || first[0] == '-' ? nullptr : find_command(app, first);
    std::string message = e.what();
    if (!sub) return usage_error(message, app_usage());
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) message += option_hint(*sub, message);
    return usage_error(message, command_usage(*sub));
  }
  return std::nullopt;
}

}  // namespace ddb::cli
