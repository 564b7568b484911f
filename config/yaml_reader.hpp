#pragma once
// The one YAML reader of node configs (config/) and the simulator's scenarios (sim/): checked
// reads from a parsed YAML tree. The reader keeps the first error, formatted
// "ORIGIN:LINE: PATH: WHAT" (PATH like `feeds[1].key`), and later reads become no-ops that leave
// their outputs untouched, so the section parsers read straight through and check ok() once.
// Field readers take a mapping already accepted by check_map(), which refuses unknown keys (with
// a "did you mean"). read_document() runs a whole read and turns whatever yaml-cpp or the
// parsers throw into the error.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/result.hpp"

namespace ddb::config_detail {

// "a" + "b" -> "a.b" ("b" at the top); "a" + 2 -> "a[2]".
std::string key_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, size_t index);
// 1-based line of a node; 0 when yaml-cpp has no position for it.
int line_of(const YAML::Node& node);
// The value under `key` in a mapping, without inserting it; !IsDefined() when absent.
YAML::Node field(const YAML::Node& map, const char* key);
// A pass over a YAML text with the event parser (linear time) before it is loaded:
// - YAML aliases (`*name`, including `<<: *name` merges) are refused: every value is written
//   out, so a document's tree is never larger than its text (an "alias bomb" of a few hundred
//   bytes otherwise expands to billions of values when walked);
// - yaml-cpp 0.7 loops forever, allocating, on some malformed input (a `,` outside [] or {}: it
//   starts the same empty document again and again); a document that starts where the previous
//   one did stops the scan;
// - documents are counted, so that a loader can ask for exactly one.
// Lines are 1-based; 0 means "none". Throws what yaml-cpp throws on malformed YAML, as
// YAML::Load would.
struct yaml_scan {
  int alias_line = 0;            // the first alias
  int stuck_line = 0;            // where the parser stopped making progress
  size_t documents = 0;          // documents read
  int second_document_line = 0;  // the first value of the second document
};
yaml_scan scan_yaml(const std::string& text);
// Checks "HOST:PORT" (IPv6 hosts in brackets). Empty on success, else why not.
std::string check_address(std::string_view address, bool allow_port_zero);
// The one duration syntax of node configs and scenarios: a non-negative decimal number and an
// optional unit, `ms`, `s`, `m` or `h` ("500ms", "30s", "1.5m", "2h"); a bare number is in the
// key's unit, `bare_unit_ms` milliseconds (1 for keys named `*_ms`, 1000 for a scenario's times).
// The value in milliseconds, or empty when the text is not a duration or is above 10^12 ms.
std::optional<double> parse_duration_ms(std::string_view text, double bare_unit_ms);
constexpr double duration_max_ms = 1e12;

class yaml_reader;

// Reads `text` as one YAML document: refuses what scan_yaml finds (aliases, a stuck parser, more
// than one document), loads the tree and hands its root to `read`, which records errors in
// `reader`. Anything thrown on the way becomes the error. The first error, or ok.
status read_document(const std::string& text, yaml_reader& reader,
                     const std::function<void(const YAML::Node& root)>& read);

class yaml_reader {
 public:
  yaml_reader(std::string origin, std::filesystem::path base_dir);

  bool ok() const noexcept { return error_.is_ok(); }
  const status& error() const noexcept { return error_; }
  const std::string& origin() const noexcept { return origin_; }
  const std::filesystem::path& base_dir() const noexcept { return base_dir_; }

  // Records the error unless one is recorded already. Always returns false.
  bool fail(int line, const std::string& path, const std::string& what);
  bool fail(const YAML::Node& at, const std::string& path, const std::string& what);
  // The same for an error inside another file the config names (`origin` instead of ours).
  bool fail_in(const std::string& origin, int line, const std::string& path,
               const std::string& what);

  // A mapping (or null: empty) whose keys are unique and all in `allowed`.
  bool check_map(const YAML::Node& node, const std::string& path,
                 std::initializer_list<std::string_view> allowed);
  // A sequence (or null: empty).
  bool check_seq(const YAML::Node& node, const std::string& path);
  // Records "required key missing" when `key` is absent from `map`.
  bool require(const YAML::Node& map, const std::string& path, const char* key);

  // Converters on a value node; `path` names the value.
  bool to_string(const YAML::Node& value, const std::string& path, std::string& out);
  bool to_uint(const YAML::Node& value, const std::string& path, uint64_t min, uint64_t max,
               uint64_t& out);
  bool to_bool(const YAML::Node& value, const std::string& path, bool& out);
  bool to_int(const YAML::Node& value, const std::string& path, int64_t min, int64_t max,
              int64_t& out);
  // A finite decimal number.
  bool to_double(const YAML::Node& value, const std::string& path, double min, double max,
                 double& out);
  // A duration (parse_duration_ms) in milliseconds.
  bool to_duration_ms(const YAML::Node& value, const std::string& path, double bare_unit_ms,
                      double& out);
  // One of `names`: its position.
  bool to_choice(const YAML::Node& value, const std::string& path,
                 std::initializer_list<std::string_view> names, size_t& out);

  // Field readers: an absent key leaves `out` unchanged (the default).
  void read_string(const YAML::Node& map, const std::string& path, const char* key,
                   std::string& out);
  void read_uint(const YAML::Node& map, const std::string& path, const char* key, uint64_t min,
                 uint64_t max, uint64_t& out);
  void read_bool(const YAML::Node& map, const std::string& path, const char* key, bool& out);
  // A `*_ms` key: a duration whose bare numbers are milliseconds, a whole number of them.
  void read_ms(const YAML::Node& map, const std::string& path, const char* key, uint64_t min,
               uint64_t max, uint64_t& out);
  void read_address(const YAML::Node& map, const std::string& path, const char* key,
                    bool allow_port_zero, std::string& out);
  // A list of distinct "HOST:PORT" with nonzero ports.
  void read_address_list(const YAML::Node& map, const std::string& path, const char* key,
                         std::vector<std::string>& out);
  // A path, made absolute against base_dir() when relative.
  void read_path(const YAML::Node& map, const std::string& path, const char* key, std::string& out);

  std::string resolve(const std::string& path) const;

 private:
  std::string origin_;
  std::filesystem::path base_dir_;
  status error_;
  // Null values have no useful position in yaml-cpp (it marks the next token); check_map()
  // remembers their keys' lines here so that errors point at the key.
  std::vector<std::pair<YAML::Node, int>> null_value_lines_;
};

}  // namespace ddb::config_detail
