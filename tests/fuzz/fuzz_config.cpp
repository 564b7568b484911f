// libFuzzer target: the node config loader (YAML text -> node_config). It returns a value or an
// error, never throws, and an error names the origin. Aliases are refused, so work stays
// proportional to the input.
#include <string>

#include "config/config_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ddb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto c = load_config_string(text, "fuzz.yaml", "/base");
  if (!c) {
    fuzz::check(c.error().message().rfind("fuzz.yaml", 0) == 0, "errors name the origin");
    fuzz::check(c.error().code() == errc::invalid_argument, "errors are invalid_argument");
  }
  return 0;
}
