#pragma once
// DDB_ASSERT(cond): an invariant check that stays on in every build type (Release included).
// A broken invariant means the process can no longer trust its own state, so it prints where
// and what, then aborts (a core dump or the sanitizers' report shows the rest).
#include <cstdio>
#include <cstdlib>

namespace ddb::detail {
[[noreturn]] inline void assert_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, cond);
  std::abort();
}
}  // namespace ddb::detail

#define DDB_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::ddb::detail::assert_failed(#cond, __FILE__, __LINE__))
