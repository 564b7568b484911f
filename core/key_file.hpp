#pragma once
// Keys and seeds named by path in configs (a follow feed's `key_file`, the node's
// `noise_key_file`) are read, and created, here and nowhere else.
//
// A key file must be a regular file: it is opened with O_NONBLOCK and checked with fstat before
// anything is read, so a directory, FIFO, socket or device is refused at once (a FIFO never
// blocks, /dev/zero is never read). It holds at most key_file_max_bytes; its key is 32 raw bytes
// or 64 hex characters (surrounding whitespace allowed) and must not be all zeros.
//
// Errors: errc::not_found when the path does not exist (a writer may create it later),
// errc::io_error when the system refuses to open or read it, errc::invalid_argument for
// everything else (not a regular file, too large, malformed, all zeros); messages start with the
// path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"

namespace ddb {

using key_bytes = std::array<uint8_t, 32>;

inline constexpr size_t key_file_max_bytes = 4096;

// The whole content of a regular file of at most max_bytes bytes; `what` names it in errors
// ("PATH: config file not found").
result<byte_buffer> read_regular_file(const std::string& path, size_t max_bytes,
                                      const char* what = "key file");

// A 32-byte key or seed from a key file.
result<key_bytes> read_key_file(const std::string& path);

// Creates a key file holding `key` (32 raw bytes): missing parent directories are created 0700,
// the file itself exclusively (O_EXCL) with mode 0600, then synced. An existing file is
// errc::invalid_argument (never overwritten); an all-zero key is refused.
status write_key_file(const std::string& path, const key_bytes& key);

bool is_all_zero(byte_view bytes) noexcept;

}  // namespace ddb
