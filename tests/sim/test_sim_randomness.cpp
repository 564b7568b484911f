// The randomness seam (core/random.hpp). The simulator draws every random byte from its seed
// through the seam: two runs with one seed give one trace while libsodium keeps its own RNG, and
// a run never calls libsodium's RNG at all. Library code left with the default source uses
// libsodium's RNG; a given source replaces it. A counting randombytes implementation over
// libsodium's system one observes the calls (it counts, it changes no byte).
#define BOOST_TEST_MODULE sim_randomness
#include <sodium.h>

#include <atomic>
#include <string>

#include "core/crypto.hpp"
#include "core/random.hpp"
#include "feed/feed.hpp"
#include "node/net_host.hpp"
#include "node/node.hpp"
#include "protocol/session.hpp"
#include "sim/rng.hpp"
#include "storage/env.hpp"
#include "tests/sim/sim_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace ddb;
using namespace ddb::sim;
using namespace ddb::sim::test;

std::atomic<uint64_t> draws{0};

const char* counting_name() {
  return "ddb-test-counting";
}
uint32_t counting_random() {
  ++draws;
  return randombytes_sysrandom_implementation.random();
}
void counting_stir() {
  randombytes_sysrandom_implementation.stir();
}
void counting_buf(void* const buf, const size_t size) {
  ++draws;
  randombytes_sysrandom_implementation.buf(buf, size);
}
int counting_close() {
  return randombytes_sysrandom_implementation.close();
}
// uniform is left out: libsodium then builds it on random(), which counts.
randombytes_implementation counting = {counting_name, counting_random, counting_stir,
                                       nullptr,       counting_buf,    counting_close};

struct count_libsodium_draws {
  count_libsodium_draws() {
    BOOST_REQUIRE(randombytes_set_implementation(&counting) == 0);  // before sodium_init
    BOOST_REQUIRE(crypto::init());
  }
};
BOOST_TEST_GLOBAL_FIXTURE(count_libsodium_draws);

// A seeded source over a sim::rng, and the same stream for the expected values.
random_source seeded(uint64_t seed) {
  auto r = std::make_shared<rng>(seed);
  return random_source([r](uint8_t* out, size_t n) { r->fill(out, n); });
}

BOOST_AUTO_TEST_CASE(same_seed_same_trace_without_a_process_wide_hook) {
  BOOST_TEST(std::string(randombytes_implementation_name()) == "ddb-test-counting");
  for (const char* file : {"smoke_10.yaml", "hostile_peers.yaml", "announce.yaml"}) {
    BOOST_TEST_CONTEXT(file) {
      scenario sc = shipped(file);
      uint64_t before = draws.load();
      run_report a = run_logged(sc, 42);
      run_report b = run_logged(sc, 42);
      BOOST_TEST(draws.load() == before);  // every byte came from the seed
      BOOST_TEST(a.trace == b.trace);
      BOOST_TEST(a.trace_events == b.trace_events);
      BOOST_TEST(a.activations == b.activations);
      BOOST_TEST(a.bytes == b.bytes);
      BOOST_TEST(a.writer_lengths == b.writer_lengths);
      BOOST_TEST(a.trace_events > 100u);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_production_source_is_the_default) {
  BOOST_TEST(random_source().is_system());
  BOOST_TEST(!seeded(1).is_system());
  BOOST_TEST(feed_options{}.rng.is_system());
  BOOST_TEST(wire::noise::handshake_options{}.rng.is_system());
  BOOST_TEST(wire::handshake_options{}.rng.is_system());
  BOOST_TEST(replication::session_options{}.rng.is_system());
  BOOST_TEST(net_host_options{}.rng.is_system());

  uint64_t before = draws.load();
  crypto::key_pair kp = crypto::generate_key_pair();
  BOOST_TEST(draws.load() > before);
  BOOST_TEST(to_hex(crypto::public_key_of(kp.secret_key)) == to_hex(kp.public_key));

  before = draws.load();
  auto f = feed::open(make_memory_env(), feed_options{});
  BOOST_REQUIRE(f.has_value());
  BOOST_TEST((*f)->writable());
  BOOST_TEST(draws.load() > before);

  before = draws.load();
  wire::noise::generate_dh_key_pair();
  BOOST_TEST(draws.load() > before);

  before = draws.load();
  net_host::random_keys();
  BOOST_TEST(draws.load() > before);

  before = draws.load();
  uint8_t token[16];
  random_source().fill(token, sizeof token);
  BOOST_TEST(draws.load() > before);
}

BOOST_AUTO_TEST_CASE(a_given_source_replaces_libsodium) {
  uint64_t before = draws.load();
  random_source src = seeded(7);
  rng expect(7);
  auto next32 = [&expect] {
    std::array<uint8_t, 32> b{};
    expect.fill(b.data(), b.size());
    return b;
  };

  crypto::key_pair kp = crypto::generate_key_pair(src);
  BOOST_TEST(to_hex(kp.secret_key) == to_hex(crypto::key_pair_from_seed(next32()).secret_key));

  feed_options fo;
  fo.rng = src;
  auto f = feed::open(make_memory_env(), fo);
  BOOST_REQUIRE(f.has_value());
  BOOST_TEST(to_hex((*f)->key()) == to_hex(crypto::key_pair_from_seed(next32()).public_key));

  wire::noise::dh_key_pair e = wire::noise::generate_dh_key_pair(src);
  BOOST_TEST(to_hex(e.public_key) ==
             to_hex(wire::noise::dh_key_pair_from_secret(next32()).public_key));

  wire::noise::dh_key_pair h = net_host::random_keys(src);
  BOOST_TEST(to_hex(h.public_key) ==
             to_hex(wire::noise::dh_key_pair_from_seed(next32()).public_key));

  ddb::test::temp_dir dir("ddb-rng");
  auto nk = load_noise_keys((dir.path() / "noise.key").string(), src);
  BOOST_REQUIRE(nk.has_value());
  BOOST_TEST(to_hex(nk->public_key) ==
             to_hex(wire::noise::dh_key_pair_from_seed(next32()).public_key));

  BOOST_TEST(draws.load() == before);
}

}  // namespace
