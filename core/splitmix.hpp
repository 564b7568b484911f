#pragma once
// splitmix64 (Steele, Lea, Flood 2014): a tiny, fast, deterministic generator step. Advances
// `state` and returns the next value. Used wherever a seeded, reproducible sequence is enough
// (the replicator's cursors, fault injection, the simulator's seeding, benchmarks).
#include <cstdint>

namespace ddb {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace ddb
