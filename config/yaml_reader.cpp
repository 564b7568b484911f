#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <set>
#include <sstream>
#include <utility>

#include <yaml-cpp/eventhandler.h>

#include "core/edit_distance.hpp"

namespace ddb::config_detail {

namespace {

const char* kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "an undefined value";
  }
}

// " (did you mean `NAME`?)" for the closest of `names`, "; allowed: A, B, C" after it.
std::string suggestion(std::string_view word, std::initializer_list<std::string_view> names,
                       const char* list_label) {
  std::string list;
  std::string_view best;
  size_t best_distance = 3;  // suggest only close matches
  for (auto name : names) {
    list += (list.empty() ? "" : ", ") + std::string(name);
    // a close spelling, or the start of a longer name ("ban" for "ban_ms")
    size_t d =
        word.size() >= 3 && name.substr(0, word.size()) == word ? 1 : edit_distance(word, name);
    if (d < best_distance) best_distance = d, best = name;
  }
  std::string msg;
  if (!best.empty()) msg += " (did you mean `" + std::string(best) + "`?)";
  return msg + "; " + list_label + ": " + list;
}

std::string unknown_key_message(std::string_view key,
                                std::initializer_list<std::string_view> allowed) {
  return "unknown key" + suggestion(key, allowed, "allowed");
}

std::string duration_help(double bare_unit_ms) {
  const char* bare = bare_unit_ms == 1      ? "milliseconds"
                     : bare_unit_ms == 1000 ? "seconds"
                                            : "in the key's unit";
  return std::string("a duration: 500ms, 30s, 2m or 1h; a bare number is ") + bare;
}

// Records what scan_yaml reports; throws `stop` to end the parse early.
class yaml_scanner final : public YAML::EventHandler {
 public:
  struct stop {};
  explicit yaml_scanner(yaml_scan& out) : out_(out) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (out_.documents > 0 && mark.pos == last_start_) {
      out_.stuck_line = mark.line + 1;
      throw stop{};
    }
    last_start_ = mark.pos;
    ++out_.documents;
    first_value_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { value(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    out_.alias_line = mark.line + 1;
    throw stop{};
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    value(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    value(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    value(mark);
  }
  void OnMapEnd() override {}

 private:
  void value(const YAML::Mark& mark) {
    if (first_value_ && out_.documents == 2) out_.second_document_line = mark.line + 1;
    first_value_ = false;
  }

  yaml_scan& out_;
  int last_start_ = -1;
  bool first_value_ = false;
};

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// Splits "HOST:PORT" / "[V6]:PORT"; empty on success.
std::string split_address(std::string_view address, std::string_view& host,
                          std::string_view& port) {
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return "expected \"[IPV6]:PORT\", got \"" + std::string(address) + "\"";
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
    return host.empty() ? "empty host in \"" + std::string(address) + "\"" : "";
  }
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return "expected \"HOST:PORT\", got \"" + std::string(address) + "\"";
  }
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.empty()) return "empty host in \"" + std::string(address) + "\"";
  if (!std::all_of(host.begin(), host.end(), is_host_char)) {
    return "bad host \"" + std::string(host) + "\" (IPv6 hosts go in brackets: \"[::1]:PORT\")";
  }
  return "";
}

}  // namespace

yaml_scan scan_yaml(const std::string& text) {
  yaml_scan out;
  std::istringstream in(text);
  YAML::Parser parser(in);
  yaml_scanner scanner(out);
  try {
    while (parser.HandleNextDocument(scanner)) {
    }
  } catch (const yaml_scanner::stop&) {
  }
  return out;
}

std::string key_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  int line = node.Mark().line;
  return line < 0 ? 0 : line + 1;
}

YAML::Node field(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string check_address(std::string_view address, bool allow_port_zero) {
  std::string_view host, port;
  std::string why = split_address(address, host, port);
  if (!why.empty()) return why;
  bool digits = !port.empty() && port.size() <= 5 &&
                std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  unsigned long value = digits ? std::stoul(std::string(port)) : 0;
  if (!digits || value > 65535) {
    return "port must be a number from " + std::string(allow_port_zero ? "0" : "1") +
           " to 65535, got \"" + std::string(port) + "\"";
  }
  if (value == 0 && !allow_port_zero) return "port 0 cannot be dialled";
  return "";
}

std::optional<double> parse_duration_ms(std::string_view text, double bare_unit_ms) {
  double unit = bare_unit_ms;
  auto ends_with = [&](std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
  };
  std::string_view number = text;
  if (ends_with("ms")) {
    unit = 1, number.remove_suffix(2);
  } else if (ends_with("s")) {
    unit = 1000, number.remove_suffix(1);
  } else if (ends_with("m")) {
    unit = 60000, number.remove_suffix(1);
  } else if (ends_with("h")) {
    unit = 3600000, number.remove_suffix(1);
  }
  // A plain decimal: no sign, no "inf", "nan" or hexadecimal.
  if (number.empty() ||
      !(std::isdigit(static_cast<unsigned char>(number.front())) || number.front() == '.')) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  double ms = value * unit;
  // Also keeps the conversion to integer nanoseconds defined (fuzz_scenario found 6e63 s).
  if (!(ms >= 0 && ms <= duration_max_ms)) return std::nullopt;
  return ms;
}

status read_document(const std::string& text, yaml_reader& r,
                     const std::function<void(const YAML::Node& root)>& read) {
  auto at = [&](int line) {
    return line > 0 ? r.origin() + ":" + std::to_string(line) : r.origin();
  };
  try {
    yaml_scan scan = scan_yaml(text);
    if (scan.stuck_line > 0) {
      return make_error(
          errc::invalid_argument,
          at(scan.stuck_line) + ": invalid YAML: unexpected content (a ',' outside [] or {}?)");
    }
    if (scan.alias_line > 0) {
      return make_error(
          errc::invalid_argument,
          at(scan.alias_line) + ": YAML aliases (*name) are not supported: write the value out");
    }
    if (scan.documents > 1) {
      return make_error(errc::invalid_argument, at(scan.second_document_line) +
                                                    ": expected one YAML document, found " +
                                                    std::to_string(scan.documents));
    }
    read(YAML::Load(text));
    return r.error();
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    return make_error(errc::invalid_argument, at(line) + ": invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return make_error(errc::invalid_argument, r.origin() + ": " + e.what());
  } catch (...) {
    return make_error(errc::invalid_argument, r.origin() + ": unexpected failure");
  }
}

yaml_reader::yaml_reader(std::string origin, std::filesystem::path base_dir)
    : origin_(std::move(origin)), base_dir_(std::move(base_dir)) {}

bool yaml_reader::fail(int line, const std::string& path, const std::string& what) {
  return fail_in(origin_, line, path, what);
}

bool yaml_reader::fail_in(const std::string& origin, int line, const std::string& path,
                          const std::string& what) {
  if (!ok()) return false;
  std::string msg = origin + ":";
  if (line > 0) msg += std::to_string(line) + ":";
  msg += " " + (path.empty() ? what : path + ": " + what);
  error_ = make_error(errc::invalid_argument, std::move(msg));
  return false;
}

bool yaml_reader::fail(const YAML::Node& at, const std::string& path, const std::string& what) {
  if (at.IsDefined() && at.IsNull()) {
    for (const auto& [value, line] : null_value_lines_) {
      if (value.is(at)) return fail(line, path, what);
    }
  }
  return fail(line_of(at), path, what);
}

bool yaml_reader::check_map(const YAML::Node& node, const std::string& path,
                            std::initializer_list<std::string_view> allowed) {
  if (!ok()) return false;
  if (node.IsNull()) return true;
  if (!node.IsMap())
    return fail(node, path, std::string("expected a mapping, got ") + kind_of(node));
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return fail(kv.first, path, "keys must be plain names");
    const std::string& key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return fail(kv.first, key_path(path, key), unknown_key_message(key, allowed));
    }
    if (!seen.insert(key).second) return fail(kv.first, key_path(path, key), "duplicate key");
    if (kv.second.IsNull()) null_value_lines_.emplace_back(kv.second, line_of(kv.first));
  }
  return true;
}

bool yaml_reader::check_seq(const YAML::Node& node, const std::string& path) {
  if (!ok()) return false;
  if (node.IsNull() || node.IsSequence()) return true;
  return fail(node, path, std::string("expected a list, got ") + kind_of(node));
}

bool yaml_reader::require(const YAML::Node& map, const std::string& path, const char* key) {
  if (!ok()) return false;
  if (field(map, key).IsDefined()) return true;
  return fail(map, key_path(path, key), "required key missing");
}

bool yaml_reader::to_string(const YAML::Node& value, const std::string& path, std::string& out) {
  if (!ok()) return false;
  if (!value.IsScalar())
    return fail(value, path, std::string("expected a string, got ") + kind_of(value));
  out = value.Scalar();
  return true;
}

namespace {

// "must be from MIN to MAX, got TEXT"; empty when `v` is in [min, max].
template <class T>
std::string range_error(T v, T min, T max, const std::string& text) {
  if (v >= min && v <= max) return {};
  return "must be from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + text;
}

}  // namespace

bool yaml_reader::to_uint(const YAML::Node& value, const std::string& path, uint64_t min,
                          uint64_t max, uint64_t& out) {
  std::string text;
  if (!to_string(value, path, text)) return false;
  bool digits = !text.empty() && text.size() <= 19 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return fail(value, path, "expected a non-negative integer, got \"" + text + "\"");
  uint64_t parsed = std::stoull(text);
  if (std::string e = range_error(parsed, min, max, text); !e.empty()) return fail(value, path, e);
  out = parsed;
  return true;
}

bool yaml_reader::to_bool(const YAML::Node& value, const std::string& path, bool& out) {
  std::string text;
  if (!to_string(value, path, text)) return false;
  if (text == "true" || text == "True" || text == "TRUE") return out = true, true;
  if (text == "false" || text == "False" || text == "FALSE") return out = false, true;
  return fail(value, path, "expected true or false, got \"" + text + "\"");
}

bool yaml_reader::to_int(const YAML::Node& value, const std::string& path, int64_t min, int64_t max,
                         int64_t& out) {
  std::string text;
  if (!to_string(value, path, text)) return false;
  int64_t parsed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return fail(value, path, "expected an integer, got \"" + text + "\"");
  }
  if (std::string e = range_error(parsed, min, max, text); !e.empty()) return fail(value, path, e);
  out = parsed;
  return true;
}

bool yaml_reader::to_double(const YAML::Node& value, const std::string& path, double min,
                            double max, double& out) {
  std::string text;
  if (!to_string(value, path, text)) return false;
  double parsed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  bool plain = !text.empty() && (std::isdigit(static_cast<unsigned char>(text.front())) ||
                                 text.front() == '.' || text.front() == '-');
  if (!plain || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(parsed)) {
    return fail(value, path, "expected a number, got \"" + text + "\"");
  }
  if (parsed < min || parsed > max) {
    std::ostringstream range;
    range << "must be from " << min << " to " << max << ", got " << text;
    return fail(value, path, range.str());
  }
  out = parsed;
  return true;
}

bool yaml_reader::to_duration_ms(const YAML::Node& value, const std::string& path,
                                 double bare_unit_ms, double& out) {
  std::string text;
  if (!to_string(value, path, text)) return false;
  auto ms = parse_duration_ms(text, bare_unit_ms);
  if (!ms) {
    return fail(value, path,
                "bad duration \"" + text + "\" (expected " + duration_help(bare_unit_ms) + ")");
  }
  out = *ms;
  return true;
}

bool yaml_reader::to_choice(const YAML::Node& value, const std::string& path,
                            std::initializer_list<std::string_view> names, size_t& out) {
  std::string text;
  if (!to_string(value, path, text)) return false;
  auto it = std::find(names.begin(), names.end(), text);
  if (it == names.end()) {
    return fail(value, path,
                "unknown value \"" + text + "\"" + suggestion(text, names, "expected one of"));
  }
  out = static_cast<size_t>(it - names.begin());
  return true;
}

void yaml_reader::read_ms(const YAML::Node& map, const std::string& path, const char* key,
                          uint64_t min, uint64_t max, uint64_t& out) {
  const YAML::Node value = field(map, key);
  double ms = 0;
  if (!value.IsDefined() || !to_duration_ms(value, key_path(path, key), 1, ms)) return;
  // "0.3s" is 300 ms, whatever the last bit of 0.3 * 1000
  const double whole = std::round(ms);
  if (std::fabs(ms - whole) > 1e-6) {
    return void(fail(value, key_path(path, key),
                     "expected a whole number of milliseconds, got \"" + value.Scalar() + "\""));
  }
  if (whole < static_cast<double>(min) || whole > static_cast<double>(max)) {
    return void(fail(value, key_path(path, key),
                     "must be from " + std::to_string(min) + " to " + std::to_string(max) +
                         " ms, got " + value.Scalar()));
  }
  out = static_cast<uint64_t>(whole);
}

void yaml_reader::read_string(const YAML::Node& map, const std::string& path, const char* key,
                              std::string& out) {
  const YAML::Node value = field(map, key);
  if (value.IsDefined()) to_string(value, key_path(path, key), out);
}

void yaml_reader::read_uint(const YAML::Node& map, const std::string& path, const char* key,
                            uint64_t min, uint64_t max, uint64_t& out) {
  const YAML::Node value = field(map, key);
  if (value.IsDefined()) to_uint(value, key_path(path, key), min, max, out);
}

void yaml_reader::read_bool(const YAML::Node& map, const std::string& path, const char* key,
                            bool& out) {
  const YAML::Node value = field(map, key);
  if (value.IsDefined()) to_bool(value, key_path(path, key), out);
}

void yaml_reader::read_address(const YAML::Node& map, const std::string& path, const char* key,
                               bool allow_port_zero, std::string& out) {
  const YAML::Node value = field(map, key);
  std::string text;
  if (!value.IsDefined() || !to_string(value, key_path(path, key), text)) return;
  std::string why = check_address(text, allow_port_zero);
  if (!why.empty()) return void(fail(value, key_path(path, key), why));
  out = text;
}

void yaml_reader::read_address_list(const YAML::Node& map, const std::string& path, const char* key,
                                    std::vector<std::string>& out) {
  const YAML::Node list = field(map, key);
  std::string list_path = key_path(path, key);
  if (!list.IsDefined() || !check_seq(list, list_path)) return;
  std::vector<std::string> result;
  for (size_t i = 0; i < list.size() && ok(); ++i) {
    std::string text, item_path = index_path(list_path, i);
    if (!to_string(list[i], item_path, text)) return;
    std::string why = check_address(text, false);
    if (!why.empty()) return void(fail(list[i], item_path, why));
    if (std::find(result.begin(), result.end(), text) != result.end()) {
      return void(fail(list[i], item_path, "duplicate address \"" + text + "\""));
    }
    result.push_back(text);
  }
  if (ok()) out = std::move(result);
}

void yaml_reader::read_path(const YAML::Node& map, const std::string& path, const char* key,
                            std::string& out) {
  const YAML::Node value = field(map, key);
  std::string text;
  if (!value.IsDefined() || !to_string(value, key_path(path, key), text)) return;
  if (text.empty()) return void(fail(value, key_path(path, key), "expected a non-empty path"));
  out = resolve(text);
}

std::string yaml_reader::resolve(const std::string& path) const {
  std::filesystem::path p(path);
  if (!p.is_absolute()) p = base_dir_ / p;
  return p.lexically_normal().string();
}

}  // namespace ddb::config_detail
