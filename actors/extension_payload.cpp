// Payload checks for extension encodings.
#include "actors/extension_payload.hpp"

#include <nlohmann/json.hpp>

#include "ddatabase/extension.h"

namespace ddb {

bool valid_utf8(const uint8_t* data, size_t len) {
  static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
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
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

bool valid_payload(int encoding, const uint8_t* data, size_t len) {
  if (encoding == DDB_ENCODING_BINARY) return true;
  if (!valid_utf8(data, len)) return false;
  if (encoding != DDB_ENCODING_JSON) return true;
  return nlohmann::json::accept(data, data + len);
}

const char* encoding_name(int encoding) {
  switch (encoding) {
    case DDB_ENCODING_UTF8:
      return "utf-8";
    case DDB_ENCODING_JSON:
      return "json";
    default:
      return "binary";
  }
}

}  // namespace ddb
