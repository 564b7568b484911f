// `ddatabase sim` restarts itself once with glibc's malloc on transparent huge pages.
//
// A simulation keeps every node's files, trees and buffers in the heap, and on this kind of
// machine (a VM, where each first touch of a 4 KiB page is a costly fault) faulting that memory in
// was a tenth of a run's time. glibc backs its heap with huge pages when the tunable
// glibc.malloc.hugetlb=1 is set, but it reads tunables only at start-up, so the process execs
// itself once with it added (same pid, same arguments). Runs are unchanged apart from speed:
// the trace hash is the same either way. DDB_SIM_SMALL_PAGES=1 (or THP "never") skips this.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "cli/commands.hpp"

namespace ddb::cli {

namespace {

constexpr const char* tunable = "glibc.malloc.hugetlb=1";

bool thp_available() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(in, line)) return false;
  return line.find("[never]") == std::string::npos;
}

}  // namespace

void prefer_huge_pages(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "sim") != 0) return;
  if (std::getenv("DDB_SIM_SMALL_PAGES") != nullptr) return;
  const char* old = std::getenv("GLIBC_TUNABLES");
  std::string tunables = old ? old : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;  // set (or re-exec'd)
  if (!thp_available()) return;
  tunables = tunables.empty() ? tunable : tunables + ":" + tunable;
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // exec failed: run on as we are, with the environment as it was.
  if (old)
    ::setenv("GLIBC_TUNABLES", old, 1);
  else
    ::unsetenv("GLIBC_TUNABLES");
}

}  // namespace ddb::cli
