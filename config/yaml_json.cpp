#include "config/yaml_json.hpp"

#include <regex>

namespace ddb::config_detail {

namespace {

const std::regex& json_number() {
  static const std::regex re(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
  return re;
}

void append_quoted(std::string& out, const std::string& text) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void append_scalar(std::string& out, const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return append_quoted(out, text);  // quoted or explicitly tagged
  if (text == "null" || text == "Null" || text == "NULL" || text == "~") {
    out += "null";
  } else if (text == "true" || text == "True" || text == "TRUE") {
    out += "true";
  } else if (text == "false" || text == "False" || text == "FALSE") {
    out += "false";
  } else if (std::regex_match(text, json_number())) {
    out += text;
  } else {
    append_quoted(out, text);
  }
}

bool append_json(std::string& out, const YAML::Node& node, std::string& why, YAML::Node& at) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      out += "null";
      return true;
    case YAML::NodeType::Scalar:
      append_scalar(out, node);
      return true;
    case YAML::NodeType::Sequence: {
      out += '[';
      for (size_t i = 0; i < node.size(); ++i) {
        if (i) out += ',';
        if (!append_json(out, node[i], why, at)) return false;
      }
      out += ']';
      return true;
    }
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar())
          return why = "mapping keys must be plain strings", at = kv.first, false;
        if (!first) out += ',';
        first = false;
        append_quoted(out, kv.first.Scalar());
        out += ':';
        if (!append_json(out, kv.second, why, at)) return false;
      }
      out += '}';
      return true;
    }
    default:
      why = "undefined value";
      at = node;
      return false;
  }
}

}  // namespace

std::string yaml_to_json(const YAML::Node& node, std::string& why, YAML::Node& at) {
  std::string out;
  if (!append_json(out, node, why, at)) return "";
  return out;
}

}  // namespace ddb::config_detail
