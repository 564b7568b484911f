#define BOOST_TEST_MODULE bitfield
#include <boost/test/unit_test.hpp>

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/bitfield.hpp"
#include "core/tree_index.hpp"

namespace {

using ddb::bitfield;
constexpr uint64_t B = bitfield::blocks_per_page;

std::string page_sha256(const bitfield& bf, uint64_t p) {
  std::vector<uint8_t> buf(bitfield::page_size);
  bf.write_page(p, buf.data());
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, buf.data(), buf.size());
  return ddb::to_hex(ddb::byte_view(h, sizeof h));
}

// The reference's append order for block i: data bit i, then tree node 2i (tree-index set).
void append(bitfield& bf, uint64_t from, uint64_t n) {
  ddb::tree_index tree(bf);
  for (uint64_t i = from; i < from + n; ++i) {
    bf.set(i, true);
    tree.set(2 * i);
  }
}

void clear(bitfield& bf, uint64_t start, uint64_t end) {
  for (uint64_t i = start; i < end; ++i) bf.set(i, false);
}

void check_pages(const bitfield& bf, const std::vector<std::string>& expected, const char* name) {
  for (uint64_t p = 0; p < expected.size(); ++p) {
    BOOST_TEST(page_sha256(bf, p) == expected[p], name << " page " << p);
  }
}

uint64_t seed() {
  const char* env = std::getenv("DDB_SEED");
  uint64_t s = env ? std::strtoull(env, nullptr, 10) : 20240601;
  BOOST_TEST_MESSAGE("seed " << s << " (set DDB_SEED to override)");
  return s;
}

}  // namespace

// Per scenario: sha256 of each page of the reference's `bitfield` file (after its header), from
// tests/unit/gen/bitfield_vectors.js (ddatabase@10.0.4). That script documents the scenarios.
const std::vector<std::string> ref_abcdef = {
    "cffe8b26dfaced0ea1aceb9ebdd3ccd6cdb9bc86f5c0ff742c06f3d9e6acc273",
};
const std::vector<std::string> ref_n20000 = {
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "9ee7656733fee6986f888dfe1653458bb10e2bec80ae81581e7d9a00dafb40b3",
    "14fbaae00652e15e3e0eed3fecda3ae32948622ee5e347e081182494967fce6d",
};
const std::vector<std::string> ref_sparse = {
    "ad6bfee046f658cd3263f43455dbce5c2b602cff9f87117f4f4ca595a3ed42ff",
    "f9acce11a3d2505cd1628c16634638cb412a901e5a5483143aa9720aa5ef6e07",
    "4b3e7334f1d7e2c884c4b5d07fcde6bba8b4100abb735d666a5c734feb940543",
};
const std::vector<std::string> ref_n40000 = {
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "5741f87b47a13a4f94a4bfd7858d49b6a2a1fcf3cc9ecefe7bea2aababafd554",
    "ef85b88825f0bd782f2e5e736771d8f8d1833d7072628ac4389afd685638b29d",
};
const std::vector<std::string> ref_reopen = {
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "96f1863d8546cbe6bdf36e69349caa2321ef9fc3df538987008453dda39958b7",
    "92feb2e31d43ffb2ce5935a4a58559c35aa422cf7e6f829ddaa5aef1a69190c9",
    "9ee7656733fee6986f888dfe1653458bb10e2bec80ae81581e7d9a00dafb40b3",
    "0e0841a1a6c2e21fd9fccede45d89d49c840559140028774b6c808b07aa44df8",
};
const std::vector<std::string> ref_ops = {
    "3e971add37f4b864f3bf2a5de632f0919a38b258c2bfe8c773bdca61193e12a1",
    "a77e032e4a2f9f402c3b4c459279d30e728fe9c18d1d4efeb5af22dad0c6e9e0",
    "3444ae46f917391b1fa78479778670bd38c1d62b7689c4c7c250627598cd8576",
    "843f587d6123bb510351de7a2801246ea36badfa950aee94ff3280f887867502",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "2d5ce0506865e115edd6adf6a39df78a7989a764a9d6ed6d6a8f8f1ab3c2422d",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "2d5ce0506865e115edd6adf6a39df78a7989a764a9d6ed6d6a8f8f1ab3c2422d",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "5437291090fc0e082b3f23107ad431c0a4f6b885fbc5d6827d466dc7c9b3f187",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "6cf1b57d59e7111bc218dfb01dda93ac0f776715599a1c69f89035bd20c16a10",
    "8077d9a0c682a4dbc6eb44f6df1912976a1f522220a7f91de13033b4a08fedaf",
};

BOOST_AUTO_TEST_CASE(reference_pages_appends) {
  BOOST_REQUIRE(sodium_init() >= 0);
  bitfield a;
  append(a, 0, 6);
  check_pages(a, ref_abcdef, "abcdef");
  bitfield b;
  append(b, 0, 20000);
  check_pages(b, ref_n20000, "n20000");
  bitfield c;
  append(c, 0, 40000);
  check_pages(c, ref_n40000, "n40000");
}

BOOST_AUTO_TEST_CASE(reference_pages_clear) {
  BOOST_REQUIRE(sodium_init() >= 0);
  bitfield bf;
  append(bf, 0, 20000);
  clear(bf, 100, 5000);
  clear(bf, 8190, 8200);
  clear(bf, 12000, 20000);
  check_pages(bf, ref_sparse, "sparse");
}

BOOST_AUTO_TEST_CASE(reference_pages_reopen) {
  BOOST_REQUIRE(sodium_init() >= 0);
  bitfield first;
  append(first, 0, 20000);
  std::vector<uint8_t> buf(bitfield::page_size);
  bitfield bf;
  for (uint64_t p = 0; p < 3; ++p) {
    first.write_page(p, buf.data());
    BOOST_REQUIRE(bf.load_page(p, buf).is_ok());
  }
  BOOST_TEST(bf.take_dirty().empty());
  append(bf, 20000, 30000);
  check_pages(bf, ref_reopen, "reopen");
}

BOOST_AUTO_TEST_CASE(reference_pages_ops) {
  BOOST_REQUIRE(sodium_init() >= 0);
  bitfield bf;
  bf.set(45000, true);
  bf.set(3, true);
  bf.set_tree(7, true);
  bf.set(8191, true);
  bf.set(8192, true);
  bf.set(200000, true);
  bf.set(45000, false);
  bf.set_tree(500000, true);
  for (uint64_t i = 16000; i < 16600; ++i) bf.set(i, true);
  for (uint64_t i = 100; i < 140; ++i) bf.set(i, i % 3 != 0);
  check_pages(bf, ref_ops, "ops");
}

BOOST_AUTO_TEST_CASE(page_boundaries) {
  bitfield bf;
  for (uint64_t k = 1; k <= 3; ++k) {
    BOOST_TEST(bf.set(B * k - 1, true));
    BOOST_TEST(bf.set(B * k, true));
    BOOST_TEST(!bf.set(B * k, true));
  }
  BOOST_TEST(bf.get(B - 1));
  BOOST_TEST(bf.get(B));
  BOOST_TEST(!bf.get(B + 1));
  BOOST_TEST(bf.count(0, 4 * B) == 6u);
  BOOST_TEST(bf.count(B - 1, B + 1) == 2u);
  BOOST_TEST(bf.count(B, B) == 0u);
  BOOST_TEST(bf.all(B - 1, B + 1));
  BOOST_TEST(!bf.all(B - 1, B + 2));
  BOOST_TEST(bf.all(5, 5));
  BOOST_TEST(*bf.next_set(0, 10 * B) == B - 1);
  BOOST_TEST(*bf.next_set(B + 1, 10 * B) == 2 * B - 1);
  BOOST_TEST(!bf.next_set(B + 1, 2 * B - 1));
  BOOST_TEST(*bf.next_unset(B - 1, 10 * B) == B + 1);
  BOOST_TEST(!bf.next_unset(B - 1, B + 1));
  BOOST_TEST(bf.page_count() == 4u);
  BOOST_TEST(bf.set(B, false));
  BOOST_TEST(*bf.next_unset(B - 1, 10 * B) == B);
  // Huge, sparse indexes stay cheap.
  BOOST_TEST(bf.set(uint64_t{1} << 50, true));
  BOOST_TEST(*bf.next_set(4 * B, ~uint64_t{0}) == uint64_t{1} << 50);
  BOOST_TEST(bf.count(0, ~uint64_t{0}) == 6u);
}

BOOST_AUTO_TEST_CASE(full_pages_and_tree_length) {
  bitfield bf;
  BOOST_TEST(bf.tree_length() == 0u);
  for (uint64_t i = 0; i < 3 * B + 17; ++i) bf.set(i, true);
  BOOST_TEST(bf.count(0, 10 * B) == 3 * B + 17);
  BOOST_TEST(bf.all(0, 3 * B + 17));
  BOOST_TEST(*bf.next_unset(0, 10 * B) == 3 * B + 17);
  BOOST_TEST(*bf.next_unset(B, 10 * B) == 3 * B + 17);
  BOOST_TEST(!bf.next_unset(0, 3 * B));
  bf.set_tree(5, true);
  BOOST_TEST(bf.tree_length() == 6u);
  bf.set_tree(bitfield::nodes_per_page * 2 + 9, true);
  BOOST_TEST(bf.tree_length() == bitfield::nodes_per_page * 2 + 10);
  BOOST_TEST(bf.set_tree(bitfield::nodes_per_page * 2 + 9, false));
  BOOST_TEST(bf.tree_length() == 6u);
  BOOST_TEST(bf.get_tree(5));
  BOOST_TEST(!bf.get_tree(4));
}

BOOST_AUTO_TEST_CASE(dirty_tracking) {
  bitfield bf;
  bf.set(3, true);
  bf.set(2 * B + 1, true);
  bf.set_tree(bitfield::nodes_per_page * 5, true);
  // Index summaries propagate across pages as in the reference, so pages between the touched
  // ones can become dirty too (here page 1 holds an index parent covering pages 0-3).
  auto dirty = bf.take_dirty();
  BOOST_TEST(std::is_sorted(dirty.begin(), dirty.end()));
  BOOST_TEST((std::adjacent_find(dirty.begin(), dirty.end()) == dirty.end()));
  for (uint64_t p : {0, 2, 5}) BOOST_TEST(std::count(dirty.begin(), dirty.end(), p) == 1);
  BOOST_TEST(bf.take_dirty().empty());
  BOOST_TEST(!bf.set(3, true));
  BOOST_TEST(bf.take_dirty().empty());
  bf.set(3, false);
  dirty = bf.take_dirty();
  BOOST_TEST(!dirty.empty());
  BOOST_TEST(dirty.front() == 0u);
  std::vector<uint8_t> buf(bitfield::page_size, 1);
  bf.write_page(9, buf.data());
  BOOST_TEST(std::all_of(buf.begin(), buf.end(), [](uint8_t b) { return b == 0; }));
  BOOST_TEST(!bf.load_page(0, ddb::byte_view(buf.data(), 100)).is_ok());
}

BOOST_AUTO_TEST_CASE(random_vs_model) {
  std::mt19937_64 rng(seed());
  const uint64_t n = 9 * B + 123;
  std::vector<bool> model(n);
  bitfield bf;
  for (int round = 0; round < 400; ++round) {
    uint64_t start = rng() % n;
    uint64_t len = rng() % 3 == 0 ? rng() % (2 * B) : rng() % 70;
    bool value = rng() % 3 != 0;
    for (uint64_t i = start; i < std::min(n, start + len); ++i) {
      bool changed = model[i] != value;
      BOOST_REQUIRE(bf.set(i, value) == changed);
      model[i] = value;
    }
    for (int q = 0; q < 5; ++q) {
      uint64_t a = rng() % n, b = a + rng() % (n - a + 1);
      uint64_t cnt = 0;
      std::optional<uint64_t> unset, set;
      for (uint64_t i = a; i < b; ++i) {
        cnt += model[i];
        if (!model[i] && !unset) unset = i;
        if (model[i] && !set) set = i;
      }
      BOOST_REQUIRE(bf.count(a, b) == cnt);
      BOOST_REQUIRE(bf.next_unset(a, b) == unset);
      BOOST_REQUIRE(bf.next_set(a, b) == set);
      BOOST_REQUIRE(bf.all(a, b) == !unset);
      BOOST_REQUIRE(bf.get(a) == (a < n && model[a]));
    }
  }
}

BOOST_AUTO_TEST_CASE(load_write_round_trip) {
  std::mt19937_64 rng(seed());
  bitfield bf;
  ddb::tree_index tree(bf);
  for (int i = 0; i < 5000; ++i) {
    bf.set(rng() % (4 * B), rng() % 4 != 0);
    tree.set(rng() % (4 * bitfield::nodes_per_page));
  }
  bitfield copy;
  std::vector<uint8_t> buf(bitfield::page_size), again(bitfield::page_size);
  for (uint64_t p = 0; p < 4; ++p) {
    bf.write_page(p, buf.data());
    BOOST_REQUIRE(copy.load_page(p, buf).is_ok());
    copy.write_page(p, again.data());
    BOOST_TEST(buf == again);
  }
  BOOST_TEST(copy.count(0, 4 * B) == bf.count(0, 4 * B));
  BOOST_TEST(copy.tree_length() == bf.tree_length());
  BOOST_TEST(copy.page_count() == 4u);
  BOOST_TEST(*copy.next_unset(0, 4 * B) == *bf.next_unset(0, 4 * B));
}

BOOST_AUTO_TEST_CASE(million_blocks_fast) {
  const uint64_t n = 1000000;
  bitfield bf;
  for (uint64_t i = 0; i < n; ++i) bf.set(i, true);
  bf.set(777777, false);
  auto t0 = std::chrono::steady_clock::now();
  uint64_t cnt = 0;
  for (int r = 0; r < 100; ++r) cnt += bf.count(r, n);
  auto gap = bf.next_unset(0, n);
  bool all = bf.all(0, 777777);
  auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  BOOST_TEST_MESSAGE("100 counts of 1M blocks + next_unset + all: " << us << " us");
  BOOST_TEST(cnt == 100 * (n - 1) - 4950);
  BOOST_TEST(*gap == 777777u);
  BOOST_TEST(all);
  BOOST_TEST(us < 200000);
}
