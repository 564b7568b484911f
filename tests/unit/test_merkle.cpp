#define BOOST_TEST_MODULE merkle
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/flat_tree.hpp"
#include "core/merkle.hpp"

// The tree file the reference writes after appending "a".."f" (node n: hash, size; node 7 is
// absent). Regenerate with tests/unit/gen/tree_vectors.js.
namespace ddb {
std::ostream& operator<<(std::ostream& os, errc code) {
  return os << to_string(code);
}
std::ostream& operator<<(std::ostream& os, const tree_node& n) {
  return os << "{" << n.index << ", " << n.size << ", " << to_hex(n.hash) << "}";
}
}  // namespace ddb

namespace {

using namespace ddb;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(crypto::init()); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

struct pinned_node {
  uint64_t index;
  uint64_t size;
  const char* hash;
};

const pinned_node reference_tree[] = {
    {0, 1, "ab27d45f509274ce0d08f4f09ba2d0e0d8df61a0c2a78932e81b5ef26ef398df"},
    {1, 2, "064321a8413be8c604599689e2c7a59367b031b598bceeeb16556a8f3252e0de"},
    {2, 1, "94c17054005942a002c7c39fbb9c6183518691fb401436f1a2f329b380230af8"},
    {3, 4, "8dfe81d576464773f848b9aba1c886fde57a49c283ab57f4a297d976d986651e"},
    {4, 1, "1d2fadc9ce604c7e592949edc964e45aaa10990d7ee53328439ef9b2cf8aa6ff"},
    {5, 2, "3a8dcc74e80b8314e8e13e1e462358cf58cf5fc4413a9b18a891ffacc551c395"},
    {6, 1, "2828647a654a712738e35f49d1c05c676010be0b33882affc1d1e7e9fee59d40"},
    {8, 1, "baac70b6d38243efa028ee977c462e4bec73d21d09ceb8cc16f4d4b1ee228a45"},
    {9, 2, "d1b021632c7fab84544053379112ca7b165bb21283821816c5b6c89ff7f78e2d"},
    {10, 1, "d2ab421cece792033058787a5ba72f3a701fddc25540d5924e9819d7c12e02f2"},
};

const char* const blocks_af[] = {"a", "b", "c", "d", "e", "f"};

std::vector<tree_node> append_all(merkle_builder& b, size_t from, size_t to) {
  std::vector<tree_node> nodes;
  for (size_t i = from; i < to; ++i) b.append(std::string_view(blocks_af[i]), nodes);
  return nodes;
}

std::vector<uint64_t> indexes_of(const std::vector<tree_node>& nodes) {
  std::vector<uint64_t> out;
  for (const tree_node& n : nodes) out.push_back(n.index);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(nodes_match_reference_tree_file) {
  merkle_builder b;
  std::vector<tree_node> nodes = append_all(b, 0, 6);
  BOOST_REQUIRE_EQUAL(nodes.size(), std::size(reference_tree));
  std::map<uint64_t, tree_node> by_index;
  for (const tree_node& n : nodes) by_index[n.index] = n;
  for (const pinned_node& p : reference_tree) {
    BOOST_TEST_CONTEXT("node " << p.index) {
      BOOST_REQUIRE(by_index.count(p.index) == 1u);
      BOOST_TEST(by_index[p.index].size == p.size);
      BOOST_TEST(to_hex(by_index[p.index].hash) == p.hash);
    }
  }
  BOOST_TEST(b.blocks() == 6u);
  BOOST_TEST(b.byte_length() == 6u);
  BOOST_TEST(indexes_of(b.roots()) == (std::vector<uint64_t>{3, 9}),
             boost::test_tools::per_element());
  BOOST_TEST(to_hex(b.roots()[0].hash) == reference_tree[3].hash);
  BOOST_TEST(to_hex(b.roots()[1].hash) == reference_tree[8].hash);
}

BOOST_AUTO_TEST_CASE(emission_order_is_leaf_then_parents) {
  merkle_builder b;
  std::vector<tree_node> nodes = append_all(b, 0, 6);
  // merkle-tree-stream order: 0 | 2 1 | 4 | 6 5 3 | 8 | 10 9
  BOOST_TEST(indexes_of(nodes) == (std::vector<uint64_t>{0, 2, 1, 4, 6, 5, 3, 8, 10, 9}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(append_does_not_clear_output) {
  merkle_builder b;
  std::vector<tree_node> nodes{tree_node{}};
  b.append(std::string_view("a"), nodes);
  BOOST_TEST(nodes.size() == 2u);
}

BOOST_AUTO_TEST_CASE(resume_from_roots_mid_way) {
  for (size_t split = 0; split <= 6; ++split) {
    BOOST_TEST_CONTEXT("split " << split) {
      merkle_builder full;
      std::vector<tree_node> all = append_all(full, 0, 6);

      merkle_builder first;
      std::vector<tree_node> before = append_all(first, 0, split);
      auto resumed = merkle_builder::make(first.roots(), first.blocks());
      BOOST_REQUIRE(resumed.has_value());
      BOOST_TEST(resumed->byte_length() == split);
      std::vector<tree_node> after = append_all(*resumed, split, 6);
      before.insert(before.end(), after.begin(), after.end());
      BOOST_TEST(before == all, boost::test_tools::per_element());
      BOOST_TEST(resumed->roots() == full.roots(), boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(make_rejects_mismatched_roots) {
  merkle_builder b;
  append_all(b, 0, 6);
  auto wrong_count = merkle_builder::make(b.roots(), 5);
  BOOST_TEST(!wrong_count.has_value());
  BOOST_TEST(wrong_count.error().code() == errc::corruption);
  std::vector<tree_node> roots = b.roots();
  roots[1].index = 8;
  auto wrong_index = merkle_builder::make(roots, 6);
  BOOST_TEST(!wrong_index.has_value());
  BOOST_TEST(!merkle_builder::make({}, uint64_t{1} << 63).has_value());
  BOOST_TEST(merkle_builder::make({}, 0).has_value());
}

BOOST_AUTO_TEST_CASE(many_appends_keep_roots_consistent) {
  merkle_builder b;
  std::vector<tree_node> nodes;
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < 3000; ++i) {
    nodes.clear();
    std::string block(i % 7, static_cast<char>('a' + i % 26));
    b.append(std::string_view(block), nodes);
    bytes += block.size();
    BOOST_REQUIRE(!nodes.empty());
    BOOST_REQUIRE_EQUAL(nodes.front().index, 2 * i);
    BOOST_REQUIRE_EQUAL(b.blocks(), i + 1);
    BOOST_REQUIRE_EQUAL(b.byte_length(), bytes);
    BOOST_REQUIRE(indexes_of(b.roots()) == flat_tree::full_roots(2 * (i + 1)));
    // Each emitted parent is the parent of the node before it.
    for (size_t k = 1; k < nodes.size(); ++k) {
      BOOST_REQUIRE_EQUAL(nodes[k].index, flat_tree::parent(nodes[k - 1].index));
    }
  }
}
