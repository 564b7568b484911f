#pragma once
// Hex strings to fixed-size arrays in Boost.Test cases (include after <boost/test/unit_test.hpp>).
#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "core/types.hpp"

namespace ddb::test {

// The N bytes `hex` spells; fails the test when it is not exactly N bytes of hex.
template <size_t N>
std::array<uint8_t, N> hex_array(std::string_view hex) {
  byte_buffer b;
  BOOST_REQUIRE(from_hex(hex, b));
  BOOST_REQUIRE_EQUAL(b.size(), N);
  std::array<uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

}  // namespace ddb::test
