#define BOOST_TEST_MODULE feed_options
#include <boost/test/unit_test.hpp>

#include <atomic>

#include "storage/fault_env.hpp"
#include "tests/unit/feed_test_util.hpp"

using namespace ddb;
using namespace ddb::test;

namespace {

bool all_zero(const std::optional<byte_buffer>& b) {
  if (!b) return true;
  for (uint8_t x : *b) {
    if (x != 0) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(key_without_secret_is_read_only, B, backends) {
  B b;
  crypto::key_pair kp = crypto::generate_key_pair();
  feed_options o;
  o.key = kp.public_key;
  auto f = open_feed(b, o);
  BOOST_TEST(f->key() == kp.public_key);
  BOOST_TEST(!f->writable());
  BOOST_TEST(f->readable());
  BOOST_CHECK_EQUAL(code_of(f->append(bufs({"x"}))), errc::not_writable);
  BOOST_TEST(f->length() == 0u);
  BOOST_TEST(all_zero(b.bytes("secret_key")));
  BOOST_REQUIRE(f->close());
  // Reopening without options finds the stored key and stays read-only.
  auto g = open_feed(b);
  BOOST_TEST(g->key() == kp.public_key);
  BOOST_TEST(!g->writable());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(given_key_pair_is_writable, B, backends) {
  B b;
  crypto::key_pair kp = crypto::generate_key_pair();
  feed_options o;
  o.secret_key = kp.secret_key;  // the public key is derived from it
  auto f = open_feed(b, o);
  BOOST_TEST(f->key() == kp.public_key);
  BOOST_TEST(f->writable());
  BOOST_REQUIRE(f->append(bufs({"x"})));
  auto sig = f->signature(0);
  BOOST_REQUIRE(sig);
  auto roots = f->root_hashes(0);
  BOOST_REQUIRE(roots);
  BOOST_TEST(crypto::verify_roots(*roots, 1, sig->signature, kp.public_key));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(create_if_missing_false_on_empty_storage, B, backends) {
  B b;
  feed_options o;
  o.create_if_missing = false;
  BOOST_CHECK_EQUAL(open_error(b, o), errc::not_found);
  BOOST_TEST(!b.any_file());
}

BOOST_AUTO_TEST_CASE(create_if_missing_false_creates_no_directory) {
  file_backend b;
  feed_options o;
  o.create_if_missing = false;
  BOOST_CHECK_EQUAL(open_error(b, o), errc::not_found);
  BOOST_TEST(!std::filesystem::exists(b.path()));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(create_if_missing_false_opens_an_existing_feed, B, backends) {
  B b;
  public_key key;
  {
    auto f = open_feed(b);
    key = f->key();
    BOOST_REQUIRE(f->append(bufs({"x"})));
  }
  feed_options o;
  o.create_if_missing = false;
  auto g = open_feed(b, o);
  BOOST_TEST(g->key() == key);
  BOOST_TEST(g->length() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_different_stored_key_is_refused, B, backends) {
  B b;
  {
    auto f = open_feed(b);
    BOOST_REQUIRE(f->append(bufs({"a", "b"})));
  }
  const file_map before = b.snapshot();
  feed_options o;
  o.key = crypto::generate_key_pair().public_key;
  BOOST_CHECK_EQUAL(open_error(b, o), errc::key_mismatch);
  crypto::key_pair other = crypto::generate_key_pair();
  feed_options with_secret;
  with_secret.secret_key = other.secret_key;
  BOOST_CHECK_EQUAL(open_error(b, with_secret), errc::key_mismatch);
  const file_map after = b.snapshot();
  for (const char* n : feed_file_names) BOOST_TEST((before.at(n) == after.at(n)), n << " changed");
  // And it was not locked or damaged: the stored feed opens.
  auto g = open_feed(b);
  BOOST_TEST(g->length() == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(overwrite_discards_the_stored_feed, B, backends) {
  B b;
  public_key old_key;
  {
    auto f = open_feed(b);
    old_key = f->key();
    BOOST_REQUIRE(f->append(bufs({"old", "data"})));
  }
  feed_options o;
  o.overwrite = true;
  public_key new_key;
  {
    auto f = open_feed(b, o);
    new_key = f->key();
    BOOST_TEST(new_key != old_key);
    BOOST_TEST(f->length() == 0u);
    BOOST_TEST(f->byte_length() == 0u);
    BOOST_TEST(f->writable());
    BOOST_CHECK_EQUAL(code_of(f->get(0)), errc::bad_index);
    auto a = f->append(bufs({"new"}));
    BOOST_REQUIRE(a);
    BOOST_TEST(*a == 0u);
  }
  auto g = open_feed(b);
  BOOST_TEST(g->key() == new_key);
  BOOST_TEST(g->length() == 1u);
  auto v = g->get(0);
  BOOST_REQUIRE(v);
  BOOST_TEST(str(*v) == "new");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(store_secret_key_false, B, backends) {
  B b;
  public_key key;
  {
    feed_options o;
    o.store_secret_key = false;
    auto f = open_feed(b, o);
    key = f->key();
    BOOST_TEST(f->writable());
    BOOST_REQUIRE(f->append(bufs({"x"})));
  }
  BOOST_TEST(all_zero(b.bytes("secret_key")));
  auto g = open_feed(b);
  BOOST_TEST(g->key() == key);
  BOOST_TEST(g->length() == 1u);
  BOOST_TEST(!g->writable());
  BOOST_CHECK_EQUAL(code_of(g->append(bufs({"y"}))), errc::not_writable);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(secret_key_not_matching_the_key, B, backends) {
  B b;
  feed_options o;
  o.key = crypto::generate_key_pair().public_key;
  o.secret_key = crypto::generate_key_pair().secret_key;
  BOOST_CHECK_EQUAL(open_error(b, o), errc::invalid_argument);
  BOOST_TEST(!b.any_file());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(custom_sign_and_verify_hooks, B, backends) {
  B b;
  std::atomic<int> signs{0}, verifies{0};
  feed_options o;
  o.crypto.sign = [&](byte_view msg, const secret_key& sk) -> result<signature_t> {
    ++signs;
    return crypto::sign(msg, sk);
  };
  o.crypto.verify = [&](byte_view msg, const signature_t& sig, const public_key& pk) {
    ++verifies;
    return crypto::verify(msg, sig, pk);
  };
  auto f = open_feed(b, o);
  BOOST_REQUIRE(f->append(bufs({"a", "b"})));
  BOOST_REQUIRE(f->append(bufs({"c"})));
  BOOST_TEST(signs.load() == 2);  // once per batch
  auto s = f->signature();
  BOOST_REQUIRE(s);
  auto v = f->verify(s->index, s->signature);
  BOOST_REQUIRE(v);
  BOOST_TEST(*v);
  BOOST_TEST(verifies.load() >= 1);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(verify_hook_decides, B, backends) {
  B b;
  feed_options o;
  o.crypto.verify = [](byte_view, const signature_t&, const public_key&) { return false; };
  auto f = open_feed(b, o);
  BOOST_REQUIRE(f->append(bufs({"a"})));
  auto s = f->signature();
  BOOST_REQUIRE(s);
  auto v = f->verify(s->index, s->signature);
  BOOST_REQUIRE(v);
  BOOST_TEST(!*v);  // a real signature, refused by the hook
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_custom_signature_is_what_gets_stored, B, backends) {
  B b;
  signature_t fixed{};
  fixed.fill(0x5a);
  feed_options o;
  o.crypto.sign = [&](byte_view, const secret_key&) -> result<signature_t> { return fixed; };
  o.crypto.verify = [&](byte_view, const signature_t& sig, const public_key&) {
    return sig == fixed;
  };
  auto f = open_feed(b, o);
  BOOST_REQUIRE(f->append(bufs({"a"})));
  auto s = f->signature(0);
  BOOST_REQUIRE(s);
  BOOST_TEST((s->signature == fixed));
  auto v = f->verify(0, s->signature);
  BOOST_REQUIRE(v);
  BOOST_TEST(*v);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_failing_sign_hook_writes_nothing, B, backends) {
  B b;
  bool fail = false;
  feed_options o;
  o.crypto.sign = [&](byte_view msg, const secret_key& sk) -> result<signature_t> {
    if (fail) return make_error(errc::io_error, "the signer is offline");
    return crypto::sign(msg, sk);
  };
  auto f = open_feed(b, o);
  BOOST_REQUIRE(f->append(bufs({"a", "bb"})));
  const file_map before = b.snapshot();
  fail = true;
  BOOST_CHECK_EQUAL(code_of(f->append(bufs({"ccc", "d"}))), errc::io_error);
  BOOST_TEST(f->length() == 2u);
  BOOST_TEST(f->byte_length() == 3u);
  BOOST_TEST(!f->has(2));
  const file_map after = b.snapshot();
  for (const char* n : feed_file_names) BOOST_TEST((before.at(n) == after.at(n)), n << " changed");
  // The tree was rolled back: the next append continues from the old roots.
  fail = false;
  auto a = f->append(bufs({"e"}));
  BOOST_REQUIRE(a);
  BOOST_TEST(*a == 2u);
  auto s = f->signature();
  BOOST_REQUIRE(s);
  auto v = f->verify(2, s->signature);
  BOOST_REQUIRE(v);
  BOOST_TEST(*v);
  BOOST_TEST(f->byte_length() == 4u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(block_too_large_writes_nothing, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"a"})));
  const file_map before = b.snapshot();
  byte_buffer big(max_block_size + 1, 0x61);
  std::vector<byte_buffer> batch{buf("ok"), big};
  BOOST_CHECK_EQUAL(code_of(f->append(batch)), errc::block_too_large);
  BOOST_TEST(f->length() == 1u);
  BOOST_TEST(f->byte_length() == 1u);
  const file_map after = b.snapshot();
  for (const char* n : feed_file_names) BOOST_TEST((before.at(n) == after.at(n)), n << " changed");
  // Exactly 8 MiB is allowed.
  big.resize(max_block_size);
  auto a = f->append(std::vector<byte_buffer>{big});
  BOOST_REQUIRE(a);
  BOOST_TEST(*a == 1u);
  auto g = f->get(1);
  BOOST_REQUIRE(g);
  BOOST_TEST(g->size() == max_block_size);
}

BOOST_AUTO_TEST_CASE(hypercore_namespace_changes_the_discovery_key) {
  memory_backend b;
  feed_options o;
  o.ns = "hypercore";
  auto f = open_feed(b, o);
  BOOST_TEST(f->discovery_key() == crypto::discovery_key(f->key(), "hypercore"));
}

// storageCacheSize: the tree-node cache's size is an option, and 0 turns it off (every node is
// then read from the tree file); answers are the same either way.
BOOST_AUTO_TEST_CASE(storage_cache_size_bounds_the_tree_node_cache_and_zero_disables_it) {
  struct run {
    uint64_t tree_reads = 0;
    std::vector<uint64_t> answers;
  };
  auto seek_everywhere = [](size_t cache_size) {
    auto injector = make_fault_injector(make_memory_env());
    feed_options o;
    o.storage_cache_size = cache_size;
    auto f = feed::open(make_fault_env(injector), o);
    BOOST_REQUIRE(f);
    std::vector<byte_buffer> blocks;
    for (int i = 0; i < 1000; ++i) blocks.push_back(bufs({"block-" + std::to_string(i)})[0]);
    BOOST_REQUIRE((*f)->append(blocks));
    run r;
    const uint64_t before = injector->stats().reads;
    for (int pass = 0; pass < 2; ++pass) {
      for (uint64_t b = 0; b < (*f)->byte_length(); b += 97) {
        auto at = (*f)->seek(b);
        BOOST_REQUIRE(at);
        r.answers.push_back(at->index * 1000 + at->offset);
      }
    }
    r.tree_reads = injector->stats().reads - before;
    return r;
  };
  const run cached = seek_everywhere(65536);
  const run tiny = seek_everywhere(5);  // rounded down to 4 slots
  const run none = seek_everywhere(0);
  BOOST_TEST(cached.answers == none.answers);
  BOOST_TEST(tiny.answers == none.answers);
  BOOST_TEST_MESSAGE("tree reads: cache 65536: " << cached.tree_reads << ", 4: " << tiny.tree_reads
                                                 << ", off: " << none.tree_reads);
  BOOST_TEST(none.tree_reads > 2 * cached.tree_reads + 100);
  BOOST_TEST(tiny.tree_reads > cached.tree_reads);
  BOOST_TEST(floor_power_of_two(0) == 0u);
  BOOST_TEST(floor_power_of_two(5) == 4u);
  BOOST_TEST(floor_power_of_two(65536) == 65536u);
}
