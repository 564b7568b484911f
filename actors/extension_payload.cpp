// Payload checks for extension encodings.
#include "actors/extension_payload.hpp"

#include "ddatabase/extension.h"
#include "ddatabase/json_codec.hpp"

namespace ddb {

bool valid_payload(int encoding, const uint8_t* data, size_t len) {
  switch (encoding) {
    case DDB_ENCODING_UTF8:
      return codec::utf8::decode(data, len).has_value();
    case DDB_ENCODING_JSON:
      return codec::json::decode(data, len).has_value();
    default:
      return true;
  }
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
