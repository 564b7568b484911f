#pragma once
// Read and write streams over a feed client (the seed API's createReadStream/createWriteStream).
// Both borrow the client, which must outlive them.
#include <cstdint>
#include <deque>
#include <optional>

#include "actors/feed_client.hpp"

namespace ddb {

struct read_stream_options {
  uint64_t start = 0;
  std::optional<uint64_t> end;  // exclusive; default: the length when the stream starts
  bool snapshot = true;         // false: `end` follows the feed's length as it grows
  bool tail = false;            // start at the current length
  bool live = false;            // never end: wait for new blocks
  uint32_t timeout_ms = 0;      // per block, 0 = none
  bool wait = true;             // wait for blocks that are not stored yet
  size_t batch = 64;            // blocks fetched per request
};

class read_stream {
 public:
  read_stream(feed_client& feed, read_stream_options opts);
  // The next block; nullopt once the stream has ended.
  result<std::optional<byte_buffer>> next();
  // The index of the block the next call to next() returns.
  uint64_t index() const { return next_ - buffered_.size(); }

 private:
  status start();
  feed_client& feed_;
  read_stream_options opts_;
  bool started_ = false;
  uint64_t next_ = 0;
  uint64_t end_ = 0;
  std::deque<byte_buffer> buffered_;
};

struct write_stream_options {
  size_t max_block_size = max_block_size;  // larger writes are split into blocks of this size
  size_t batch_blocks = 1024;              // blocks buffered before one append
};

class write_stream {
 public:
  write_stream(feed_client& feed, write_stream_options opts = {});
  // Buffers `data` as one block (or several, split by max_block_size).
  status write(byte_view data);
  // Appends everything buffered.
  status flush();
  // Flushes; the stream accepts no more writes.
  status end();

 private:
  feed_client& feed_;
  write_stream_options opts_;
  block_list pending_;
  bool ended_ = false;
};

}  // namespace ddb
