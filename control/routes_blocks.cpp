// /v1/feeds/NAME/blocks: append a body as blocks (in batches, through the feed actor's grouped
// append) and stream a range of blocks as frames, following the feed with live=1 (docs/api.md).
#include <algorithm>
#include <memory>

#include "control/api_context.hpp"
#include "control/block_split.hpp"
#include "control/feed_calls.hpp"

namespace ddb::control {

namespace {

constexpr size_t batch_blocks = 4096;     // as `ddatabase append` batches stdin
constexpr size_t batch_bytes = 4 << 20;   // ...
constexpr size_t stream_bytes = 4 << 20;  // a stream reads about this much at a time
constexpr uint32_t wait_ms = 500;         // one wait for a missing block; then check the client

bool parse_split(const httplib::Request& req, httplib::Response& res, split_mode& mode,
                 size_t& block_size) {
  std::string split = req.has_param("split") ? req.get_param_value("split") : "lines";
  std::optional<uint64_t> size;
  if (!query_uint(req, res, "blockSize", size)) return false;
  block_size = size.value_or(64 * 1024);
  if (split == "lines") {
    mode = split_mode::lines;
  } else if (split == "size") {
    mode = split_mode::size;
  } else if (split == "frames") {
    mode = split_mode::frames;
  } else {
    send_error(res, 400, "invalid_argument", "split: expected lines, size or frames");
    return false;
  }
  if (block_size == 0 || block_size > max_block_size || (size && mode != split_mode::size)) {
    send_error(res, 400, "invalid_argument",
               size && mode != split_mode::size ? "blockSize goes with split=size"
                                                : "blockSize: expected 1 to 8388608");
    return false;
  }
  return true;
}

// A request refused before its body was read: read (and drop) the body, so that the
// connection stays in step for the next request.
struct drain_unless_read {
  const httplib::ContentReader& reader;
  bool read = false;
  ~drain_unless_read() {
    if (!read) reader([](const char*, size_t) { return true; });
  }
};

void append_body(api_context& ctx, const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& reader) {
  drain_unless_read drain{reader};
  auto f = find_feed_or_404(ctx, req.matches[1], res);
  if (!f) return;
  if (f->mode != feed_mode::write) {
    return send_error(res, 409, "not_writable",
                      "feed \"" + f->name + "\" is a follow feed: only its writer appends");
  }
  split_mode mode = split_mode::lines;
  size_t block_size = 0;
  if (!parse_split(req, res, mode, block_size)) return;
  drain.read = true;
  block_splitter splitter(mode, block_size);
  block_list batch;
  size_t pending = 0;
  std::optional<uint64_t> first;
  uint64_t length = 0;
  uint64_t appended = 0;
  status st;
  auto flush = [&] {
    if (batch.empty()) return;
    size_t n = batch.size();
    auto at = ask<uint64_t>(ctx.sys, f->actor, call_timeout, ddb_append_atom_v, std::move(batch));
    batch.clear();
    pending = 0;
    if (!at) {
      st = at.error();
      return;
    }
    if (!first) first = *at;
    length = *at + n;
    appended += n;
  };
  bool read = reader([&](const char* data, size_t n) {
    st = splitter.feed(data, n, batch);
    pending += splitter.take_bytes();
    if (st && (batch.size() >= batch_blocks || pending >= batch_bytes)) flush();
    return st.is_ok();
  });
  if (st && !read) st = make_error(errc::invalid_argument, "the body could not be read");
  if (st) st = splitter.finish(batch);
  if (st) flush();
  if (!st) {
    if (appended > 0) {  // the batches before the error stay, as with `ddatabase append`
      json body = {{"error",
                    {{"code", std::string(to_string(st.code()))},
                     {"message", st.message() + " (after " + std::to_string(appended) +
                                     " blocks were appended)"}}},
                   {"first", *first},
                   {"length", length}};
      return send_json(res, body, st.code() == errc::invalid_argument ? 400 : 500);
    }
    return send_error(res, st);
  }
  if (!first) {  // an empty body
    auto info = ask<feed_info>(ctx.sys, f->actor, call_timeout, ddb_info_atom_v);
    if (!info) return send_error(res, info.error());
    first = length = info->length;
  }
  send_json(res, {{"first", *first}, {"length", length}});
}

// Frames: u32 big-endian length, then the block.
void put_frame(std::string& out, const byte_buffer& b) {
  uint32_t n = static_cast<uint32_t>(b.size());
  char h[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
               static_cast<char>(n)};
  out.append(h, 4);
  out.append(reinterpret_cast<const char*>(b.data()), b.size());
}

struct stream_state {
  node_feed_handle feed;
  uint64_t next = 0;
  uint64_t end = UINT64_MAX;  // exclusive
  bool live = false;
  uint64_t batch = 16;  // blocks per read, adapted to the block size (about stream_bytes)
};

// One step of a stream: writes the next batch (waiting up to wait_ms for a missing block);
// false ends the response abnormally (an error, or the node stopping).
bool stream_step(api_context& ctx, stream_state& s, httplib::DataSink& sink) {
  if (ctx.stopping) return false;
  if (s.next >= s.end) {
    sink.done();
    return true;
  }
  uint64_t stop = std::min(s.end, s.next + s.batch);
  if (s.live) {
    auto info = ask<feed_info>(ctx.sys, s.feed.actor, call_timeout, ddb_info_atom_v);
    if (!info) return false;
    stop = info->length > s.next ? std::min(stop, info->length) : s.next + 1;
  }
  get_options wait{true, wait_ms};
  auto blocks =
      ask<block_list>(ctx.sys, s.feed.actor, call_timeout, ddb_batch_atom_v, s.next, stop, wait);
  if (!blocks) return blocks.error().code() == errc::timeout && sink.is_writable();
  std::string out;
  for (const byte_buffer& b : *blocks) put_frame(out, b);
  s.next = stop;
  if (out.size() > stream_bytes && s.batch > 1) s.batch /= 2;
  if (out.size() < stream_bytes / 4 && blocks->size() == s.batch && s.batch < 1024) s.batch *= 2;
  return sink.write(out.data(), out.size());
}

void stream_blocks(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto f = find_feed_or_404(ctx, req.matches[1], res);
  if (!f) return;
  std::optional<uint64_t> start, end;
  if (!query_uint(req, res, "start", start) || !query_uint(req, res, "end", end)) return;
  std::string live = req.has_param("live") ? req.get_param_value("live") : "0";
  auto s = std::make_shared<stream_state>();
  s->feed = *f;
  s->next = start.value_or(0);
  s->live = live == "1" || live == "true";
  if (end && *end < s->next) return send_error(res, 400, "bad_index", "end is before start");
  if (!s->live) {
    auto info = ask<feed_info>(ctx.sys, f->actor, call_timeout, ddb_info_atom_v);
    if (!info) return send_error(res, info.error());
    for (auto [what, index] : {std::pair{"start", start}, std::pair{"end", end}}) {
      if (index && *index > info->length) {
        return send_error(res, 400, "bad_index",
                          std::string(what) + " " + std::to_string(*index) +
                              " is past the feed's length " + std::to_string(info->length));
      }
    }
    s->end = end.value_or(info->length);
  } else if (end) {
    s->end = *end;
  }
  res.set_chunked_content_provider(
      "application/octet-stream",
      [&ctx, s](size_t, httplib::DataSink& sink) { return stream_step(ctx, *s, sink); });
}

}  // namespace

void add_block_routes(httplib::Server& server, api_context& ctx) {
  server.Post(R"(/v1/feeds/([^/]+)/blocks)",
              [&ctx](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) { append_body(ctx, req, res, reader); });
  server.Get(R"(/v1/feeds/([^/]+)/blocks)",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               stream_blocks(ctx, req, res);
             });
}

}  // namespace ddb::control
