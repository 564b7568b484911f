#include "cli/common.hpp"

#include <filesystem>

namespace ddb::cli {

int fail(const status& s) {
  std::cout.flush();
  std::cerr << "ddatabase: " << s.to_string() << std::endl;
  return 1;
}

int fail(errc code, const std::string& message) {
  return fail(make_error(code, message));
}

void usage_error(const std::string& message) {
  throw CLI::ValidationError(message);
}

result<feed_client> open_dir(caf::actor_system& sys, const std::string& dir, access mode,
                             feed_options opts, feed_actor_options actor_opts) {
  if (mode != access::create) {
    // Checked here, before the storage layer opens (and would create) the folder.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / "key", ec)) {
      return make_error(errc::not_found, "no feed in " + dir);
    }
    opts.create_if_missing = false;
  }
  if (mode == access::read_only) opts.writer_lock = false;
  return feed_client::open(sys, dir, std::move(opts), actor_opts);
}

CLI::Option* add_index_option(CLI::App* cmd, const std::string& name, uint64_t& target,
                              const std::string& description) {
  auto digits = CLI::Validator(
      [](std::string& v) -> std::string {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 19)
          return "must be a block index (0 or more), not '" + v + "'";
        return {};
      },
      "INDEX");
  // Without this CLI11 would take "-1" for an unknown option and the index as missing.
  return cmd->add_option(name, target, description)->check(digits)->allow_extra_args(false);
}

void check_range(uint64_t start, const std::optional<uint64_t>& end) {
  if (end && *end < start) {
    usage_error("--end " + std::to_string(*end) + " is before --start " + std::to_string(start));
  }
}

}  // namespace ddb::cli
