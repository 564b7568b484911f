#pragma once
// YAML node configs -> node_config, validated. The schema (every key, type and default) is in
// docs/config.md; config/examples/ holds working files.
//
// Errors are ddb::status values with errc::invalid_argument and a message naming the origin, the
// 1-based line and the key: "config.yaml:12: feeds[1].key: expected 64 hex characters". Unknown
// keys are errors (typo protection), and so are YAML aliases (a config's work stays proportional
// to its size). A missing config file is errc::not_found, an unreadable one
// errc::io_error. No exception escapes these functions.
//
// Relative paths in the YAML are resolved against the config file's directory
// (load_config_file) or `base_dir` (load_config_string; itself made absolute against the current
// directory).
#include <string>

#include "config/node_config.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb {

result<node_config> load_config_file(const std::string& path);

result<node_config> load_config_string(const std::string& yaml,
                                       const std::string& origin = "<string>",
                                       const std::string& base_dir = ".");

// The public key a follow feed names: `feed.key` when set, otherwise read from `feed.key_file`
// (32 raw bytes, like a feed's own `key` file, or 64 hex characters with optional surrounding
// whitespace), read by read_key_file (core/key_file.hpp): a regular file of at most 4 KiB whose key
// is not all zeros. A key_file that does not exist yet (the writer has not created its feed) is
// errc::not_found, so a node may retry; a malformed one errc::invalid_argument.
result<public_key> read_follow_key(const feed_config& feed);

}  // namespace ddb
