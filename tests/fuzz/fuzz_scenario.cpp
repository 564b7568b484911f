// libFuzzer target: the simulator's scenario loader (YAML text -> scenario). A value or an
// error, never an exception or a crash.
#include <string>

#include "sim/scenario.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ddb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto s = sim::parse_scenario(text);
  if (!s) fuzz::check(!s.error().message().empty(), "errors say why");
  return 0;
}
