#pragma once
// Value encodings (the seed API's valueEncoding / an extension's encoding): how a value becomes
// the bytes of a block or an extension message and back. Header-only and standard C++ only, so
// that feeds (actors/encoded_feed.hpp) and plugins (extension.hpp) share one notion of a codec.
//
// A codec is a type C with
//   using value_type = ...;
//   static std::vector<uint8_t> encode(const value_type& v);
//   static std::optional<value_type> decode(const uint8_t* data, size_t size);  // nullopt: invalid
// `is_codec_v<C>` checks that shape at compile time; the templates that take a codec
// static_assert it, so a type that is not one fails to compile with a message naming the rule.
// binary and utf8 are here; json (nlohmann-json) is in ddatabase/json_codec.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace ddb::codec {

template <class C, class = void>
struct is_codec : std::false_type {};

template <class C>
struct is_codec<C, std::void_t<typename C::value_type,
                               decltype(C::encode(std::declval<const typename C::value_type&>())),
                               decltype(C::decode(std::declval<const uint8_t*>(), size_t{}))>>
    : std::bool_constant<
          std::is_same_v<decltype(C::encode(std::declval<const typename C::value_type&>())),
                         std::vector<uint8_t>> &&
          std::is_same_v<decltype(C::decode(std::declval<const uint8_t*>(), size_t{})),
                         std::optional<typename C::value_type>>> {};

template <class C>
inline constexpr bool is_codec_v = is_codec<C>::value;

// Well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
inline bool valid_utf8(const uint8_t* data, size_t len) {
  constexpr uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < len) {
    const uint8_t b = data[i];
    size_t n = 0;  // continuation bytes
    uint32_t cp = b;
    if (b >= 0x80) {
      if ((b >> 5) == 6) {
        n = 1, cp = b & 0x1f;
      } else if ((b >> 4) == 14) {
        n = 2, cp = b & 0x0f;
      } else if ((b >> 3) == 30) {
        n = 3, cp = b & 0x07;
      } else {
        return false;
      }
    }
    if (n >= len - i) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      if ((data[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (data[i + k] & 0x3f);
    }
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// The bytes as they are (the default).
struct binary {
  using value_type = std::vector<uint8_t>;
  static std::vector<uint8_t> encode(const value_type& v) { return v; }
  static std::optional<value_type> decode(const uint8_t* data, size_t size) {
    return value_type(data, data + size);
  }
};

// Text: a std::string that must be well-formed UTF-8 both ways (encode does not check: a
// string that is not UTF-8 is stored as given and fails to decode, as the reference's would).
struct utf8 {
  using value_type = std::string;
  static std::vector<uint8_t> encode(const value_type& v) {
    return std::vector<uint8_t>(v.begin(), v.end());
  }
  static std::optional<value_type> decode(const uint8_t* data, size_t size) {
    if (!valid_utf8(data, size)) return std::nullopt;
    return value_type(reinterpret_cast<const char*>(data), size);
  }
};

}  // namespace ddb::codec
