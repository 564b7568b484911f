#include "cli/common.hpp"

namespace ddb::cli {

int fail(const status& s) {
  std::cerr << "ddatabase: " << s.to_string() << "\n";
  return 1;
}

int fail(const std::string& message) {
  std::cerr << "ddatabase: " << message << "\n";
  return 1;
}

result<feed_client> open_dir(caf::actor_system& sys, const std::string& dir, access mode) {
  feed_options opts;
  if (mode == access::read_only) {
    opts.create_if_missing = false;
    opts.writer_lock = false;
  }
  return feed_client::open(sys, dir, std::move(opts));
}

}  // namespace ddb::cli
