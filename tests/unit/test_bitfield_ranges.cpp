#define BOOST_TEST_MODULE bitfield_ranges
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <iostream>
#include <random>
#include <vector>

#include "core/bitfield.hpp"

// bitfield::set_range / clear_range / assign against a bit-by-bit model, and their cost: a
// range's work follows its pages (huge ranges over absent pages cost nothing).

namespace {

using ddb::bitfield;
constexpr uint64_t B = bitfield::blocks_per_page;

uint64_t seed() {
  const char* v = std::getenv("DDB_TEST_SEED");
  static const uint64_t s = v ? std::strtoull(v, nullptr, 0) : 0x5eed'b175;
  return s;
}

void same_bits(const bitfield& a, const std::vector<bool>& model) {
  for (uint64_t i = 0; i < model.size(); ++i) {
    if (a.get(i) != model[i]) {
      BOOST_ERROR("bit " << i << " differs");
      return;
    }
  }
  uint64_t ones = 0;
  for (bool b : model) ones += b;
  BOOST_TEST(a.count(0, model.size()) == ones);
}

}  // namespace

BOOST_AUTO_TEST_CASE(ranges_match_a_bit_model) {
  std::cout << "seed " << seed() << "\n";
  std::mt19937_64 rng(seed());
  const uint64_t n = 5 * B + 77;
  bitfield bf;
  std::vector<bool> model(n);
  for (int op = 0; op < 400; ++op) {
    uint64_t a = rng() % n, b = rng() % n;
    if (a > b) std::swap(a, b);
    switch (rng() % 3) {
      case 0:
        bf.set_range(a, b, true);
        for (uint64_t i = a; i < b; ++i) model[i] = true;
        break;
      case 1:
        bf.clear_range(a, b);
        for (uint64_t i = a; i < b; ++i) model[i] = false;
        break;
      default: {
        std::vector<uint8_t> bytes((b - a + 7) / 8);
        for (auto& x : bytes) x = static_cast<uint8_t>(rng() % 4 == 0 ? 0xff : rng());
        bf.assign(a, ddb::byte_view(bytes.data(), bytes.size()), b - a);
        for (uint64_t i = a; i < b; ++i) {
          model[i] = (bytes[(i - a) >> 3] & (0x80 >> ((i - a) & 7))) != 0;
        }
      }
    }
  }
  same_bits(bf, model);
  auto first_unset = bf.next_unset(0, n);
  uint64_t expect = 0;
  while (expect < n && model[expect]) ++expect;
  BOOST_TEST(first_unset.value_or(n) == expect);
}

// Summaries stay what set() would leave for a fill from an empty bitfield: the persisted pages
// of set_range equal those of bit-by-bit sets.
BOOST_AUTO_TEST_CASE(set_range_pages_equal_bitwise_sets) {
  bitfield a, b;
  a.set_range(100, 3 * B + 5, true);
  for (uint64_t i = 100; i < 3 * B + 5; ++i) b.set(i, true);
  std::vector<uint8_t> pa(bitfield::page_size), pb(bitfield::page_size);
  for (uint64_t p = 0; p < 4; ++p) {
    a.write_page(p, pa.data());
    b.write_page(p, pb.data());
    BOOST_TEST((pa == pb), "page " << p);
  }
}

BOOST_AUTO_TEST_CASE(huge_ranges_cost_pages_not_bits) {
  bitfield bf;
  bf.set_range(5, 10, true);
  // Clearing 2^60 bits over absent pages touches only the pages that exist.
  bf.clear_range(0, uint64_t{1} << 60);
  BOOST_TEST(bf.count(0, 100) == 0u);
  BOOST_TEST(bf.page_count() <= 1u);
  // A full-page fill leaves full pages, found by the searches at once.
  bf.set_range(0, 64 * B, true);
  BOOST_TEST(bf.page_count() == 64u);
  BOOST_TEST(bf.count(0, 64 * B) == 64 * B);
  BOOST_TEST(!bf.next_unset(0, 64 * B));
  BOOST_TEST(bf.next_unset(0, 64 * B + 1).value() == 64 * B);
}

// next_unset remembers the set prefix from 0: every write that clears a bit below it (set,
// clear_range, assign, load_page) must show in the next search, from 0 or from anywhere.
BOOST_AUTO_TEST_CASE(searches_see_every_clear_below_the_set_prefix) {
  std::cout << "seed " << seed() << "\n";
  std::mt19937_64 rng(seed() + 1);
  const uint64_t n = 3 * B + 11;
  bitfield bf;
  std::vector<bool> model(n);
  auto first_unset = [&](uint64_t from, uint64_t to) {
    while (from < to && model[from]) ++from;
    return from;
  };
  for (int op = 0; op < 3000; ++op) {
    // Mostly fills from the start, so that the prefix grows; then a clear somewhere below it.
    const uint64_t full = first_unset(0, n);
    switch (rng() % 6) {
      case 0:
      case 1: {
        uint64_t b = std::min(n, full + rng() % 300);
        bf.set_range(full, b, true);
        for (uint64_t i = full; i < b; ++i) model[i] = true;
        break;
      }
      case 2: {
        uint64_t i = rng() % (full + 1);
        if (i < n) {
          bf.set(i, false);
          model[i] = false;
        }
        break;
      }
      case 3: {
        uint64_t a = rng() % (full + 1), b = std::min(n, a + rng() % 40);
        bf.clear_range(a, b);
        for (uint64_t i = a; i < b; ++i) model[i] = false;
        break;
      }
      case 4: {
        uint64_t a = rng() % (full + 1), b = std::min(n, a + rng() % 40);
        std::vector<uint8_t> bytes((b - a + 7) / 8);
        for (auto& x : bytes) x = static_cast<uint8_t>(rng() | 1);
        bf.assign(a, ddb::byte_view(bytes.data(), bytes.size()), b - a);
        for (uint64_t i = a; i < b; ++i) {
          model[i] = (bytes[(i - a) >> 3] & (0x80 >> ((i - a) & 7))) != 0;
        }
        break;
      }
      default: {  // reload a page with one more bit cleared
        uint64_t p = (rng() % (full + 1)) / B;
        if (p * B >= n) break;
        std::vector<uint8_t> page(bitfield::page_size);
        bf.write_page(p, page.data());
        uint64_t bit = rng() % std::min(B, n - p * B);
        page[bit >> 3] = static_cast<uint8_t>(page[bit >> 3] & ~(0x80 >> (bit & 7)));
        BOOST_REQUIRE(bf.load_page(p, ddb::byte_view(page.data(), page.size())));
        model[p * B + bit] = false;
      }
    }
    uint64_t from = rng() % 4 == 0 ? rng() % n : 0, to = from + rng() % (n - from + 1);
    BOOST_REQUIRE_MESSAGE(bf.next_unset(0, n).value_or(n) == first_unset(0, n), "op " << op);
    BOOST_REQUIRE_MESSAGE(bf.next_unset(from, to).value_or(to) == first_unset(from, to),
                          "op " << op << " [" << from << ", " << to << ")");
    BOOST_REQUIRE(bf.all(0, full) == (first_unset(0, full) == full));
  }
  same_bits(bf, model);
}
