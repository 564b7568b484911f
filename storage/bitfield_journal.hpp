#pragma once
// The bitfield journal: makes the bitfield pages of one write batch all-or-nothing.
//
// A batch's pages go into the bitfield file as one write per run of pages. A process killed
// inside that write (the kernel stops a write at a page-cache boundary on SIGKILL), a failing
// disk or a power loss can leave some pages new and others old, and a tree bit in a new page may
// then claim blocks whose data bits sit in an old one: the feed would open with a length it can
// neither read nor prove. So before it writes the pages, feed_files stores in the file
// `bitfield.journal` what they were (an undo record), and empties the journal once the pages are
// written. A whole record found later (on open, or before the next batch after a failed write)
// means a batch did not finish: its pages are put back and the feed is as it was before that
// batch, as the feed engine assumes after a failed write. A torn record means the bitfield was not
// touched yet, and is dropped.
//
// Record: u64be body length ‖ body ‖ BLAKE2b-256(u64be body length ‖ body). The body is u64be the
// bitfield file's size before the batch, then for each page the batch writes that lay inside
// that size, u64be page number ‖ the page's bytes before the batch (page size bytes; a page the
// file ended inside is zero-padded). Bytes after the record are ignored (an older, longer
// record's tail when emptying the journal failed); anything else (empty, cut short, a bad
// checksum, a body that is not whole pages) is no record.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/types.hpp"

namespace ddb::journal {

using page_list = std::vector<std::pair<uint64_t, byte_buffer>>;  // page number -> bytes

struct undo_record {
  uint64_t file_size = 0;  // of the bitfield file, header included
  page_list pages;
  bool operator==(const undo_record& o) const {
    return file_size == o.file_size && pages == o.pages;
  }
};

inline constexpr const char* file_name = "bitfield.journal";
inline constexpr size_t length_size = 8;
inline constexpr size_t checksum_size = 32;
// A journal larger than this is not read (no batch writes that many pages: 64 MiB of pages
// covers 150 million blocks).
inline constexpr uint64_t max_record_bytes = 64ull << 20;

// The record for `r`; each page must be page_size bytes.
byte_buffer encode(const undo_record& r, size_t page_size);

// The whole record at the start of `bytes`, or nullopt when there is none.
std::optional<undo_record> decode(byte_view bytes, size_t page_size);

}  // namespace ddb::journal
