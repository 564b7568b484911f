// ddatabase: the command-line front end (contract in DESIGN.md).
#include <malloc.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/system_tuning.hpp"
#include "cli/commands.hpp"
#include "cli/signals.hpp"
#include "cli/usage.hpp"
#include "core/crypto.hpp"

// Blocks travel through the process in buffers of up to 8 MiB, allocated and freed at high
// rates. glibc's defaults give every buffer over 128 KiB its own mmap and hand freed heap tops
// back to the kernel, so each block paid for fresh, zero-filled pages (page faults were half the
// time of a 64 KiB-block clone). Keep such memory in the heap instead. Buffers are also made on
// one thread and freed on another (actor -> io thread); with per-thread arenas their memory went
// back to heaps that glibc unmaps or shrinks regardless of the trim threshold, so a 64 KiB clone
// still page-faulted on ~70% of the bytes it served. One arena keeps the memory in use.
void tune_malloc() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_ARENA_MAX, 1);
}

int main(int argc, char** argv) {
  ddb::cli::prefer_huge_pages(argc, argv);
  tune_malloc();
  CLI::App app{"ddatabase: a secure, distributed append-only log", "ddatabase"};
  app.require_subcommand(1);
  ddb::cli::runner run;
  ddb::cli::add_create(app, run);
  ddb::cli::add_append(app, run);
  ddb::cli::add_cat(app, run);
  ddb::cli::add_info(app, run);
  ddb::cli::add_audit(app, run);
  ddb::cli::add_bench(app, run);
  ddb::cli::add_serve(app, run);
  ddb::cli::add_clone(app, run);
  ddb::cli::add_sim(app, run);
  ddb::cli::add_node(app, run);
  ddb::cli::add_online_commands(app, run);
  if (auto code = ddb::cli::parse_command_line(app, argc, argv)) return *code;
  if (!ddb::crypto::init()) {
    std::cerr << "ddatabase: io_error: libsodium failed to initialise\n";
    return 1;
  }
  // Before any thread starts: every thread inherits the mask (cli/signals.hpp).
  ddb::cli::install_stop_signals();
  caf::actor_system_config cfg;
  ddb::tune_actor_system(cfg);  // actors/system_tuning.hpp
  caf::actor_system sys{cfg};
  return run(sys);
}
