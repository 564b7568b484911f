#pragma once
// libsodium's RNG, made deterministic for the simulator. install() registers a
// randombytes_implementation (randombytes_set_implementation) whose state is a sim::rng; it
// must run before sodium_init() (crypto::init()) to be guaranteed effective, which the `sim`
// subcommand does while parsing its arguments and the sim tests do in a global fixture.
// reset(seed) rewinds the stream at the start of every run, so two runs with one seed draw the
// same bytes even in one process. Not thread-safe: the simulator is single-threaded.
#include <cstdint>

namespace ddb::sim::sodium_rng {

// Idempotent. Returns false if libsodium refused the implementation.
bool install();
// Rewinds the deterministic stream to `seed`.
void reset(uint64_t seed);
// True once install() succeeded.
bool installed();

}  // namespace ddb::sim::sodium_rng
