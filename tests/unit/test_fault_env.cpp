#define BOOST_TEST_MODULE fault_env
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <string>

#include "storage/fault_env.hpp"

using namespace ddb;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

struct fixture {
  std::shared_ptr<memory_store> store = make_memory_store();
  std::shared_ptr<fault_injector> inj;
  std::unique_ptr<env> e;

  explicit fixture(fault_config cfg = {}) {
    BOOST_TEST_MESSAGE("seed " << cfg.seed);
    inj = make_fault_injector(make_memory_env(store), cfg);
    e = make_fault_env(inj);
  }

  std::unique_ptr<random_access_file> open(const std::string& name, bool lock = false) {
    open_options o;
    o.exclusive_lock = lock;
    auto f = e->open(name, o);
    BOOST_REQUIRE_MESSAGE(f.has_value(), f.error().to_string());
    return std::move(*f);
  }

  // The stored bytes of `name`, read around the injector.
  byte_buffer stored(const std::string& name) {
    auto f = make_memory_env(store)->open(name, {});
    BOOST_REQUIRE(f.has_value());
    byte_buffer out(static_cast<size_t>(*(*f)->size()));
    BOOST_REQUIRE((*f)->read(0, out.size(), out.data()).is_ok());
    return out;
  }
};

byte_buffer bytes(std::string_view s) {
  return byte_view(s).to_buffer();
}

}  // namespace

BOOST_AUTO_TEST_CASE(passes_through_without_faults) {
  fixture fx;
  auto f = fx.open("data");
  BOOST_TEST(f->write(0, std::string_view("hello")).is_ok());
  uint8_t buf[5];
  BOOST_TEST(f->read(0, 5, buf).is_ok());
  BOOST_TEST(std::string(buf, buf + 5) == "hello");
  BOOST_TEST(f->read(3, 5, buf).code() == errc::bad_index);
  BOOST_TEST(fx.e->exists("data"));
  BOOST_TEST(fx.inj->stats().injected == 0u);
}

BOOST_AUTO_TEST_CASE(fails_the_nth_write) {
  fault_config cfg;
  cfg.fail_at_write = 3;
  fixture fx(cfg);
  auto f = fx.open("tree");
  BOOST_TEST(f->write(0, std::string_view("a")).is_ok());
  BOOST_TEST(f->write(1, std::string_view("b")).is_ok());
  status s = f->write(2, std::string_view("c"));
  BOOST_TEST(s.code() == errc::io_error);
  BOOST_TEST_MESSAGE(s.to_string());
  BOOST_TEST(f->write(2, std::string_view("d")).is_ok());  // only the Nth
  BOOST_TEST(fx.stored("tree") == bytes("abd"));
  BOOST_TEST(fx.inj->stats().injected == 1u);
}

BOOST_AUTO_TEST_CASE(full_disk_on_one_file_stays_full) {
  fault_config cfg;
  cfg.fail_file = "data";
  cfg.fail_at_write = 2;
  cfg.fail_all_after = true;
  cfg.fail_with = errc::no_space;
  fixture fx(cfg);
  auto data = fx.open("data");
  auto tree = fx.open("tree");
  BOOST_TEST(data->write(0, std::string_view("1")).is_ok());
  BOOST_TEST(tree->write(0, std::string_view("t")).is_ok());  // not counted
  BOOST_TEST(data->write(1, std::string_view("2")).code() == errc::no_space);
  BOOST_TEST(data->write(1, std::string_view("3")).code() == errc::no_space);
  BOOST_TEST(tree->write(1, std::string_view("u")).is_ok());
  BOOST_TEST(fx.stored("data") == bytes("1"));
}

BOOST_AUTO_TEST_CASE(every_write_to_a_file) {
  fault_config cfg;
  cfg.fail_file = "signatures";
  fixture fx(cfg);
  auto f = fx.open("signatures");
  BOOST_TEST(f->write(0, std::string_view("x")).code() == errc::io_error);
  BOOST_TEST(f->write(0, std::string_view("x")).code() == errc::io_error);
  BOOST_TEST(fx.open("key")->write(0, std::string_view("x")).is_ok());
}

BOOST_AUTO_TEST_CASE(torn_write_keeps_a_prefix) {
  fault_config cfg;
  cfg.fail_at_write = 1;
  cfg.torn = true;
  cfg.torn_bytes = 3;
  fixture fx(cfg);
  auto f = fx.open("data");
  BOOST_TEST(f->write(0, std::string_view("abcdef")).code() == errc::io_error);
  BOOST_TEST(fx.stored("data") == bytes("abc"));
}

BOOST_AUTO_TEST_CASE(random_torn_length_is_deterministic) {
  auto torn_length = [](uint64_t seed) {
    fault_config cfg;
    cfg.seed = seed;
    cfg.fail_at_write = 1;
    cfg.torn = true;
    fixture fx(cfg);
    BOOST_TEST(fx.open("data")->write(0, byte_buffer(1000, 7)).code() == errc::io_error);
    return fx.stored("data").size();
  };
  size_t a = torn_length(42);
  BOOST_TEST(a < 1000u);
  BOOST_TEST(torn_length(42) == a);
  bool differs = false;
  for (uint64_t s = 1; s < 8; ++s) differs = differs || torn_length(s) != a;
  BOOST_TEST(differs);
}

BOOST_AUTO_TEST_CASE(sync_failure_keeps_writes_unsynced) {
  fault_config cfg;
  cfg.fail_at_sync = 1;
  fixture fx(cfg);
  auto f = fx.open("bitfield");
  BOOST_TEST(f->write(0, std::string_view("ab")).is_ok());
  BOOST_TEST(f->sync().code() == errc::io_error);
  BOOST_TEST(fx.inj->unsynced("bitfield") == 1u);
  BOOST_TEST(f->sync().is_ok());
  BOOST_TEST(fx.inj->unsynced("bitfield") == 0u);
}

BOOST_AUTO_TEST_CASE(crash_drops_unsynced_operations) {
  fixture fx;
  auto f = fx.open("tree", true);
  BOOST_TEST(f->write(0, std::string_view("synced")).is_ok());
  BOOST_TEST(f->sync().is_ok());
  BOOST_TEST(f->write(3, std::string_view("XXXXXXXX")).is_ok());  // overwrite + grow
  BOOST_TEST(f->erase(0, 2).is_ok());
  BOOST_TEST(f->truncate(4).is_ok());
  BOOST_TEST(f->truncate(20).is_ok());
  BOOST_TEST(fx.inj->unsynced("tree") == 4u);
  BOOST_TEST(fx.inj->simulate_crash().is_ok());
  BOOST_TEST(fx.stored("tree") == bytes("synced"));
  BOOST_TEST(fx.inj->stats().dropped == 4u);
  // The old handle died with the "process"; its lock went with it.
  BOOST_TEST(f->write(0, std::string_view("z")).code() == errc::io_error);
  auto again = fx.open("tree", true);
  BOOST_TEST(*again->size() == 6u);
}

BOOST_AUTO_TEST_CASE(crash_keeps_a_random_prefix_per_file) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    fault_config cfg;
    cfg.seed = seed;
    cfg.on_crash = crash_mode::keep_prefix_per_file;
    fixture fx(cfg);
    auto f = fx.open("data");
    const std::string parts[] = {"one", "two", "three", "four"};
    std::string all;
    for (const auto& p : parts) {
      BOOST_TEST(f->write(all.size(), std::string_view(p)).is_ok());
      all += p;
    }
    BOOST_TEST(fx.inj->simulate_crash().is_ok());
    byte_buffer got = fx.stored("data");
    std::string prefix;
    bool matched = got.empty();
    for (const auto& p : parts) {
      prefix += p;
      matched = matched || got == bytes(prefix);
    }
    BOOST_TEST(matched, "seed " << seed << " left " << got.size() << " bytes");
  }
}

BOOST_AUTO_TEST_CASE(crash_global_prefix_respects_order) {
  // A global prefix never keeps a later write while dropping an earlier one.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    fault_config cfg;
    cfg.seed = seed;
    cfg.on_crash = crash_mode::keep_prefix_global;
    fixture fx(cfg);
    auto a = fx.open("data");
    auto b = fx.open("bitfield");
    BOOST_TEST(a->write(0, std::string_view("d")).is_ok());
    BOOST_TEST(b->write(0, std::string_view("b")).is_ok());
    BOOST_TEST(fx.inj->simulate_crash().is_ok());
    bool has_data = !fx.stored("data").empty();
    bool has_bits = !fx.stored("bitfield").empty();
    BOOST_TEST((has_data || !has_bits), "seed " << seed);
  }
}

BOOST_AUTO_TEST_CASE(crash_can_tear_the_first_dropped_write) {
  fault_config cfg;
  cfg.seed = 7;
  cfg.crash_tears = true;
  fixture fx(cfg);
  auto f = fx.open("data");
  BOOST_TEST(f->write(0, byte_buffer(4096, 1)).is_ok());
  BOOST_TEST(fx.inj->simulate_crash().is_ok());
  size_t kept = fx.stored("data").size();
  BOOST_TEST(kept < 4096u);
  BOOST_TEST_MESSAGE("torn at " << kept);
}

BOOST_AUTO_TEST_CASE(read_bit_flips) {
  fault_config cfg;
  cfg.seed = 99;
  cfg.flip_read_one_in = 1;
  cfg.flip_file = "tree";
  fixture fx(cfg);
  byte_buffer zeros(64, 0);
  auto tree = fx.open("tree");
  auto data = fx.open("data");
  BOOST_TEST(tree->write(0, zeros).is_ok());
  BOOST_TEST(data->write(0, zeros).is_ok());
  byte_buffer got(64);
  BOOST_TEST(tree->read(0, 64, got.data()).is_ok());
  int bits = 0;
  for (uint8_t b : got) bits += __builtin_popcount(b);
  BOOST_TEST(bits == 1);
  BOOST_TEST(data->read(0, 64, got.data()).is_ok());
  BOOST_TEST(got == zeros);
  BOOST_TEST(fx.stored("tree") == zeros);  // the stored bytes are intact
}

BOOST_AUTO_TEST_CASE(stored_bit_flips) {
  fault_config cfg;
  cfg.seed = 5;
  fixture fx(cfg);
  auto f = fx.open("signatures");
  BOOST_TEST(f->write(0, byte_buffer(100, 0)).is_ok());
  BOOST_TEST(fx.inj->flip_stored_bit("signatures", 10, 0).is_ok());
  BOOST_TEST(fx.stored("signatures")[10] == 0x80);
  auto pos = fx.inj->flip_random_stored_bit("signatures", 32);
  BOOST_REQUIRE(pos.has_value());
  BOOST_TEST(*pos >= 32u * 8);
  BOOST_TEST(fx.stored("signatures")[*pos / 8] == (0x80 >> (*pos % 8)));
  BOOST_TEST(fx.inj->flip_stored_bit("missing", 0, 0).code() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(records_operations_in_order) {
  fault_config cfg;
  cfg.record_ops = true;
  fixture fx(cfg);
  auto f = fx.open("data");
  BOOST_TEST(f->write(5, std::string_view("abc")).is_ok());
  BOOST_TEST(f->sync().is_ok());
  BOOST_TEST(f->close().is_ok());
  auto ops = fx.inj->ops();
  BOOST_REQUIRE(ops.size() == 4u);
  BOOST_TEST((ops[0].kind == fault_op_kind::open));
  BOOST_TEST((ops[1].kind == fault_op_kind::write));
  BOOST_TEST(ops[1].offset == 5u);
  BOOST_TEST(ops[1].length == 3u);
  BOOST_TEST((ops[2].kind == fault_op_kind::sync));
  BOOST_TEST((ops[3].kind == fault_op_kind::close));
}

BOOST_AUTO_TEST_CASE(crash_over_file_env) {
  char tmpl[] = "/tmp/ddb_fault_XXXXXX";
  BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  auto inj = make_fault_injector(make_file_env(std::string(tmpl) + "/feed"));
  auto e = make_fault_env(inj);
  auto f = e->open("data", {});
  BOOST_REQUIRE(f.has_value());
  BOOST_TEST((*f)->write(0, std::string_view("keep")).is_ok());
  BOOST_TEST((*f)->sync().is_ok());
  BOOST_TEST((*f)->write(4, std::string_view("lose")).is_ok());
  BOOST_TEST(inj->simulate_crash().is_ok());
  auto g = e->open("data", {});
  BOOST_REQUIRE(g.has_value());
  BOOST_TEST(*(*g)->size() == 4u);
  BOOST_TEST(e->destroy().is_ok());
}
