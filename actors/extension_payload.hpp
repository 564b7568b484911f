#pragma once
// Checking extension payloads against their declared encoding with the codecs of
// ddatabase/codec.hpp: binary takes anything, utf-8 well-formed UTF-8, json one JSON value in
// UTF-8 text.
#include <cstddef>
#include <cstdint>

namespace ddb {

bool valid_payload(int encoding, const uint8_t* data, size_t len);
// "binary", "utf-8", "json"
const char* encoding_name(int encoding);

}  // namespace ddb
