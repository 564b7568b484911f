#pragma once
// Flat-tree arithmetic: a binary tree laid out in a flat array where leaves are the even indexes
// and every parent sits between its children. depth(i) = number of trailing one bits of i.
//
//        3
//    1       5
//  0   2   4   6
#include <cstdint>
#include <vector>

namespace ddb::flat_tree {

uint64_t index(uint64_t depth, uint64_t offset);
uint64_t depth(uint64_t i);
uint64_t offset(uint64_t i);
uint64_t parent(uint64_t i);
uint64_t sibling(uint64_t i);
// The parent's sibling.
uint64_t uncle(uint64_t i);
// REQUIRES: i is odd (leaves have no children).
uint64_t left_child(uint64_t i);
uint64_t right_child(uint64_t i);
// Leftmost and rightmost leaf under i.
uint64_t left_span(uint64_t i);
uint64_t right_span(uint64_t i);
// Number of nodes under i, itself included.
uint64_t count(uint64_t i);
// The roots of the largest full subtrees covering the leaves strictly left of leaf index i
// (i even): full_roots(2 * length) are a feed's roots, left to right.
std::vector<uint64_t> full_roots(uint64_t i);
void full_roots(uint64_t i, std::vector<uint64_t>& out);

}  // namespace ddb::flat_tree
