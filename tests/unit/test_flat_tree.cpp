#define BOOST_TEST_MODULE flat_tree
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

#include "core/flat_tree.hpp"

namespace ft = ddb::flat_tree;
using u64_list = std::vector<uint64_t>;

BOOST_AUTO_TEST_CASE(index_depth_offset) {
  BOOST_TEST(ft::index(0, 0) == 0u);
  BOOST_TEST(ft::index(0, 1) == 2u);
  BOOST_TEST(ft::index(0, 2) == 4u);
  BOOST_TEST(ft::index(1, 0) == 1u);
  BOOST_TEST(ft::index(1, 1) == 5u);
  BOOST_TEST(ft::index(2, 0) == 3u);
  BOOST_TEST(ft::index(3, 1) == 23u);
  BOOST_TEST(ft::depth(0) == 0u);
  BOOST_TEST(ft::depth(1) == 1u);
  BOOST_TEST(ft::depth(3) == 2u);
  BOOST_TEST(ft::depth(7) == 3u);
  BOOST_TEST(ft::depth(10) == 0u);
  BOOST_TEST(ft::offset(0) == 0u);
  BOOST_TEST(ft::offset(1) == 0u);
  BOOST_TEST(ft::offset(2) == 1u);
  BOOST_TEST(ft::offset(3) == 0u);
  BOOST_TEST(ft::offset(5) == 1u);
  BOOST_TEST(ft::offset(11) == 1u);
  BOOST_TEST(ft::offset(23) == 1u);
}

BOOST_AUTO_TEST_CASE(parent_sibling_uncle) {
  BOOST_TEST(ft::parent(0) == 1u);
  BOOST_TEST(ft::parent(2) == 1u);
  BOOST_TEST(ft::parent(1) == 3u);
  BOOST_TEST(ft::parent(5) == 3u);
  BOOST_TEST(ft::parent(4) == 5u);
  BOOST_TEST(ft::parent(3) == 7u);
  BOOST_TEST(ft::parent(11) == 7u);
  BOOST_TEST(ft::sibling(0) == 2u);
  BOOST_TEST(ft::sibling(2) == 0u);
  BOOST_TEST(ft::sibling(1) == 5u);
  BOOST_TEST(ft::sibling(5) == 1u);
  BOOST_TEST(ft::sibling(3) == 11u);
  BOOST_TEST(ft::uncle(0) == 5u);
  BOOST_TEST(ft::uncle(4) == 1u);
  BOOST_TEST(ft::uncle(1) == 11u);
}

BOOST_AUTO_TEST_CASE(children_and_spans) {
  BOOST_TEST(ft::left_child(1) == 0u);
  BOOST_TEST(ft::right_child(1) == 2u);
  BOOST_TEST(ft::left_child(3) == 1u);
  BOOST_TEST(ft::right_child(3) == 5u);
  BOOST_TEST(ft::left_child(7) == 3u);
  BOOST_TEST(ft::right_child(7) == 11u);
  BOOST_TEST(ft::left_span(0) == 0u);
  BOOST_TEST(ft::right_span(0) == 0u);
  BOOST_TEST(ft::left_span(1) == 0u);
  BOOST_TEST(ft::right_span(1) == 2u);
  BOOST_TEST(ft::left_span(3) == 0u);
  BOOST_TEST(ft::right_span(3) == 6u);
  BOOST_TEST(ft::left_span(23) == 16u);
  BOOST_TEST(ft::right_span(23) == 30u);
  BOOST_TEST(ft::left_span(27) == 24u);
  BOOST_TEST(ft::right_span(27) == 30u);
  BOOST_TEST(ft::count(0) == 1u);
  BOOST_TEST(ft::count(1) == 3u);
  BOOST_TEST(ft::count(3) == 7u);
  BOOST_TEST(ft::count(5) == 3u);
  BOOST_TEST(ft::count(7) == 15u);
}

BOOST_AUTO_TEST_CASE(full_roots) {
  BOOST_TEST(ft::full_roots(0) == u64_list{}, boost::test_tools::per_element());
  BOOST_TEST(ft::full_roots(2) == u64_list{0}, boost::test_tools::per_element());
  BOOST_TEST(ft::full_roots(8) == u64_list{3}, boost::test_tools::per_element());
  BOOST_TEST(ft::full_roots(12) == (u64_list{3, 9}), boost::test_tools::per_element());
  BOOST_TEST(ft::full_roots(14) == (u64_list{3, 9, 12}), boost::test_tools::per_element());
  BOOST_TEST(ft::full_roots(16) == u64_list{7}, boost::test_tools::per_element());
  BOOST_TEST(ft::full_roots(18) == (u64_list{7, 16}), boost::test_tools::per_element());
  BOOST_TEST(ft::full_roots(20) == (u64_list{7, 17}), boost::test_tools::per_element());
  std::vector<uint64_t> out{99, 98};
  ft::full_roots(10, out);
  BOOST_TEST(out == (u64_list{3, 8}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(full_roots_cover_exactly) {
  // Each root list partitions leaves [0, 2n) into adjacent full subtrees of decreasing size.
  for (uint64_t n = 0; n < 600; ++n) {
    uint64_t next_leaf = 0;
    uint64_t last_depth = 64;
    for (uint64_t r : ft::full_roots(2 * n)) {
      BOOST_TEST(ft::left_span(r) == next_leaf);
      BOOST_TEST(ft::depth(r) < last_depth);
      last_depth = ft::depth(r);
      next_leaf = ft::right_span(r) + 2;
    }
    BOOST_TEST(next_leaf == 2 * n);
  }
}

BOOST_AUTO_TEST_CASE(large_indexes) {
  const uint64_t big_depth = 40;
  const uint64_t off = (uint64_t{1} << 20) + 3;
  const uint64_t i = ft::index(big_depth, off);
  BOOST_TEST(ft::depth(i) == big_depth);
  BOOST_TEST(ft::offset(i) == off);
  BOOST_TEST(ft::parent(i) == ft::index(big_depth + 1, off / 2));
  BOOST_TEST(ft::sibling(i) == ft::index(big_depth, off ^ 1));
  BOOST_TEST(ft::left_child(i) == ft::index(big_depth - 1, off * 2));
  BOOST_TEST(ft::right_child(i) == ft::index(big_depth - 1, off * 2 + 1));
  BOOST_TEST(ft::left_span(i) == off * (uint64_t{2} << big_depth));
  BOOST_TEST(ft::right_span(i) == (off + 1) * (uint64_t{2} << big_depth) - 2);
  BOOST_TEST(ft::count(i) == (uint64_t{2} << big_depth) - 1);

  // Around 2^53 (JavaScript's safe integers, the largest indexes the reference can use).
  const uint64_t leaf = uint64_t{1} << 53;
  BOOST_TEST(ft::depth(leaf) == 0u);
  BOOST_TEST(ft::offset(leaf) == leaf / 2);
  BOOST_TEST(ft::parent(leaf) == leaf + 1);
  BOOST_TEST(ft::sibling(leaf) == leaf + 2);
  const uint64_t top = (uint64_t{1} << 53) - 1;  // the root over 2^53 leaves
  BOOST_TEST(ft::depth(top) == 53u);
  BOOST_TEST(ft::left_span(top) == 0u);
  BOOST_TEST(ft::right_span(top) == (uint64_t{1} << 54) - 2);
  BOOST_TEST(ft::full_roots(uint64_t{1} << 54) == u64_list{top}, boost::test_tools::per_element());
  const u64_list roots = ft::full_roots((uint64_t{1} << 54) + 4);
  BOOST_TEST(roots == (u64_list{top, (uint64_t{1} << 54) + 1}), boost::test_tools::per_element());
}
