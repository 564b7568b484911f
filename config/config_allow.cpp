// `allow:` and `allow_file:` (under `swarm:` and in a feed entry): the Noise static public keys
// allowed to replicate. A key is 64 hex characters; the file holds one per line, blank lines and
// `#` comments (whole-line or trailing) ignored. Errors point at the YAML line, or at the file's
// line for a bad entry in it.
#include <algorithm>
#include <sstream>
#include <string>

#include "config/config_sections.hpp"
#include "core/key_file.hpp"

namespace ddb::config_detail {

namespace {

// A regular file of at most this size (about 100k keys): never a device or a pipe.
constexpr size_t max_allow_file_bytes = 8 << 20;

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Empty on success, else why `text` is not a key.
std::string parse_key_hex(const std::string& text, public_key& out) {
  byte_buffer bytes;
  if (!from_hex(text, bytes)) return "not hex: \"" + text + "\"";
  if (bytes.size() != out.size()) {
    return "expected 64 hex characters (a 32-byte key), got " + std::to_string(text.size());
  }
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return "";
}

void add_unique(std::vector<public_key>& keys, const public_key& k) {
  if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
}

void read_list(yaml_reader& r, const YAML::Node& list, const std::string& path,
               std::vector<public_key>& keys) {
  if (!r.check_seq(list, path)) return;
  for (size_t i = 0; i < list.size() && r.ok(); ++i) {
    std::string text, item_path = index_path(path, i);
    if (!r.to_string(list[i], item_path, text)) return;
    public_key k{};
    if (std::string why = parse_key_hex(trim(text), k); !why.empty()) {
      r.fail(list[i], item_path, why);
      return;
    }
    add_unique(keys, k);
  }
}

void read_file(yaml_reader& r, const YAML::Node& at, const std::string& path,
               const std::string& file, std::vector<public_key>& keys) {
  auto bytes = read_regular_file(file, max_allow_file_bytes, "allow file");
  if (!bytes) {
    r.fail(at, path, bytes.error().message());  // "FILE: allow file not found"
    return;
  }
  std::istringstream in(std::string(bytes->begin(), bytes->end()));
  std::string line;
  for (int n = 1; std::getline(in, line) && r.ok(); ++n) {
    std::string text = trim(line.substr(0, line.find('#')));
    if (text.empty()) continue;
    public_key k{};
    if (std::string why = parse_key_hex(text, k); !why.empty()) {
      r.fail_in(file, n, path, why);
      return;
    }
    add_unique(keys, k);
  }
}

}  // namespace

void parse_allow(yaml_reader& r, const YAML::Node& map, const std::string& path,
                 std::optional<std::vector<public_key>>& out) {
  const YAML::Node list = field(map, "allow");
  const YAML::Node file = field(map, "allow_file");
  if (!r.ok() || (!list.IsDefined() && !file.IsDefined())) return;
  std::vector<public_key> keys;
  if (list.IsDefined()) read_list(r, list, key_path(path, "allow"), keys);
  if (file.IsDefined()) {
    std::string name;
    r.read_path(map, path, "allow_file", name);
    if (r.ok()) read_file(r, file, key_path(path, "allow_file"), name, keys);
  }
  if (r.ok()) out = std::move(keys);
}

}  // namespace ddb::config_detail
