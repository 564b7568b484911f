#include "actors/feed_streams.hpp"

#include <algorithm>

namespace ddb {

read_stream::read_stream(feed_client& feed, read_stream_options opts) : feed_(feed), opts_(opts) {
  if (opts_.batch == 0) opts_.batch = 1;
  // `tail` and the default `end` refer to the length when the stream is created, not when it is
  // first read; on an error, next() retries and reports it.
  (void)start();
}

status read_stream::start() {
  auto info = feed_.info();
  if (!info) return info.error();
  next_ = opts_.tail ? info->length : opts_.start;
  end_ = opts_.end.value_or(info->length);
  started_ = true;
  return status::ok();
}

result<std::optional<byte_buffer>> read_stream::next() {
  if (!started_) DDB_TRY(start());
  if (!buffered_.empty()) {
    byte_buffer out = std::move(buffered_.front());
    buffered_.pop_front();
    return std::optional<byte_buffer>(std::move(out));
  }
  if (!opts_.end && (!opts_.snapshot || opts_.live)) {
    auto info = feed_.info();
    if (!info) return info.error();
    end_ = std::max(end_, info->length);
  }
  if (next_ >= end_) {
    if (!opts_.live || opts_.end) return std::optional<byte_buffer>{};
    // Live past the end: wait for the next block to arrive.
    auto block = feed_.get(next_, get_options{true, opts_.timeout_ms});
    if (!block) return block.error();
    ++next_;
    return std::optional<byte_buffer>(std::move(*block));
  }
  uint64_t stop = std::min(end_, next_ + opts_.batch);
  auto blocks = feed_.get_batch(next_, stop, get_options{opts_.wait, opts_.timeout_ms});
  if (!blocks) return blocks.error();
  next_ = stop;
  for (auto& b : *blocks) buffered_.push_back(std::move(b));
  return next();
}

write_stream::write_stream(feed_client& feed, write_stream_options opts)
    : feed_(feed), opts_(opts) {
  if (opts_.max_block_size == 0 || opts_.max_block_size > max_block_size) {
    opts_.max_block_size = max_block_size;
  }
  if (opts_.batch_blocks == 0) opts_.batch_blocks = 1;
}

status write_stream::write(byte_view data) {
  if (ended_) return make_error(errc::closed, "the write stream has ended");
  size_t at = 0;
  do {
    size_t n = std::min(opts_.max_block_size, data.size - at);
    pending_.emplace_back(data.data + at, data.data + at + n);
    at += n;
  } while (at < data.size);
  if (pending_.size() >= opts_.batch_blocks) return flush();
  return status::ok();
}

status write_stream::flush() {
  if (pending_.empty()) return status::ok();
  auto r = feed_.append(std::move(pending_));
  pending_.clear();
  return r ? status::ok() : r.error();
}

status write_stream::end() {
  status s = flush();
  ended_ = true;
  return s;
}

}  // namespace ddb
