#include "core/flat_tree.hpp"

#include "core/assert.hpp"

namespace ddb::flat_tree {

uint64_t index(uint64_t depth, uint64_t offset) {
  return (1 + 2 * offset) * (uint64_t{1} << depth) - 1;
}

uint64_t depth(uint64_t i) {
  uint64_t d = 0;
  while (i & 1) {
    i >>= 1;
    ++d;
  }
  return d;
}

uint64_t offset(uint64_t i) {
  // i + 1 == (2 * offset + 1) << depth
  return (i + 1) >> (depth(i) + 1);
}

uint64_t parent(uint64_t i) {
  uint64_t d = depth(i);
  return index(d + 1, offset(i) >> 1);
}

uint64_t sibling(uint64_t i) {
  uint64_t d = depth(i);
  return index(d, offset(i) ^ 1);
}

uint64_t uncle(uint64_t i) {
  return sibling(parent(i));
}

uint64_t left_child(uint64_t i) {
  DDB_ASSERT(i & 1);
  uint64_t d = depth(i);
  return index(d - 1, offset(i) * 2);
}

uint64_t right_child(uint64_t i) {
  DDB_ASSERT(i & 1);
  uint64_t d = depth(i);
  return index(d - 1, offset(i) * 2 + 1);
}

uint64_t left_span(uint64_t i) {
  uint64_t d = depth(i);
  if (d == 0) return i;
  return offset(i) * (uint64_t{2} << d);
}

uint64_t right_span(uint64_t i) {
  uint64_t d = depth(i);
  if (d == 0) return i;
  return (offset(i) + 1) * (uint64_t{2} << d) - 2;
}

uint64_t count(uint64_t i) {
  return (uint64_t{2} << depth(i)) - 1;
}

void full_roots(uint64_t i, std::vector<uint64_t>& out) {
  DDB_ASSERT(!(i & 1));
  out.clear();
  uint64_t tmp = i >> 1;
  uint64_t offset = 0;
  uint64_t factor = 1;
  while (tmp) {
    while (factor * 2 <= tmp) factor *= 2;
    out.push_back(offset + factor - 1);
    offset += 2 * factor;
    tmp -= factor;
    factor = 1;
  }
}

std::vector<uint64_t> full_roots(uint64_t i) {
  std::vector<uint64_t> out;
  full_roots(i, out);
  return out;
}

}  // namespace ddb::flat_tree
