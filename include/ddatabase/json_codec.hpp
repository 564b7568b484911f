#pragma once
// The json value encoding (nlohmann-json): a value is one JSON document in UTF-8 text, written
// compactly as the reference's JSON.stringify would. See ddatabase/codec.hpp for the codec shape.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "ddatabase/codec.hpp"

namespace ddb::codec {

struct json {
  using value_type = nlohmann::json;
  static std::vector<uint8_t> encode(const value_type& v) {
    const std::string text = v.dump();
    return std::vector<uint8_t>(text.begin(), text.end());
  }
  static std::optional<value_type> decode(const uint8_t* data, size_t size) {
    if (!valid_utf8(data, size)) return std::nullopt;
    value_type v = value_type::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) return std::nullopt;
    return v;
  }
};

static_assert(is_codec_v<json>);

}  // namespace ddb::codec
