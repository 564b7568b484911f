// ddatabase: the command-line front end (contract in DESIGN.md).
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "cli/commands.hpp"
#include "core/crypto.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ddatabase: a secure, distributed append-only log"};
  app.require_subcommand(1);
  ddb::cli::runner run;
  ddb::cli::add_create(app, run);
  ddb::cli::add_append(app, run);
  ddb::cli::add_cat(app, run);
  ddb::cli::add_info(app, run);
  ddb::cli::add_audit(app, run);
  ddb::cli::add_bench(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!ddb::crypto::init()) {
    std::cerr << "ddatabase: libsodium failed to initialise\n";
    return 1;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  return run(sys);
}
