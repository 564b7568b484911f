// The online bodies of append, cat, info and create (cli/online.hpp): the same output as the
// offline commands, from a running node.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/online.hpp"
#include "cli/signals.hpp"
#include "control/block_split.hpp"
#include "control/runtime_feeds.hpp"

namespace ddb::cli {

namespace {

using json = nlohmann::json;
constexpr size_t upload_piece = 1 << 20;

std::string blocks_path(const std::string& name) {
  return "/v1/feeds/" + name + "/blocks";
}

// A reply's JSON body; an error (printed) when it is not JSON.
std::optional<json> json_body(const control::http_reply& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string frame(const std::string& b) {
  uint32_t n = static_cast<uint32_t>(b.size());
  std::string out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  return out + b;
}

int finish_append(const control::http_reply& r) {
  if (r.status / 100 != 2) return fail_reply(r);
  auto j = json_body(r);
  if (!j || !j->contains("length")) return fail(errc::io_error, "an unexpected reply: " + r.body);
  std::cout << (*j)["length"].get<uint64_t>() << "\n";
  return stop_signal() ? stopped_exit_code() : 0;
}

}  // namespace

int run_online_append(const online_args& a, const online_append& args) {
  auto c = connect_online(a);
  if (!c.client) return c.exit_code;
  result<control::http_reply> r = control::http_reply{};
  if (!args.blocks.empty()) {
    std::string body;
    for (const std::string& b : args.blocks) body += frame(b);
    r = c.client->post(blocks_path(args.name) + "?split=frames", body, "application/octet-stream");
  } else if (!args.file.empty()) {
    std::ifstream in(args.file, std::ios::binary);
    if (!in) return fail(errc::io_error, "cannot read " + args.file);
    r = c.client->post_stream(
        blocks_path(args.name) + "?split=size&blockSize=" + std::to_string(args.block_size),
        [&](std::string& out) {
          out.resize(upload_piece);
          in.read(out.data(), static_cast<std::streamsize>(out.size()));
          out.resize(static_cast<size_t>(in.gcount()));
          return static_cast<bool>(in) && !stop_requested(0);
        });
  } else {  // stdin, cut into lines by the node (as the offline command reads it)
    r = c.client->post_stream(blocks_path(args.name) + "?split=lines", [&](std::string& out) {
      out.resize(upload_piece);
      ssize_t n = ::read(STDIN_FILENO, out.data(), out.size());
      out.resize(n > 0 ? static_cast<size_t>(n) : 0);
      return n > 0 && !stop_requested(0);
    });
  }
  if (!r) return fail(r.error());
  return finish_append(*r);
}

int run_online_info(const online_args& a, const std::string& name, bool as_json) {
  auto c = connect_online(a);
  if (!c.client) return c.exit_code;
  auto r = c.client->get("/v1/feeds/" + name);
  if (!r) return fail(r.error());
  if (r->status != 200) return fail_reply(*r);
  auto j = json_body(*r);
  if (!j) return fail(errc::io_error, "an unexpected reply: " + r->body);
  if (as_json) {
    std::cout << j->dump() << "\n";
  } else {
    for (auto& [k, v] : j->items()) std::cout << k << ": " << v << "\n";
  }
  return 0;
}

int run_online_create(const online_args& a, const std::string& name) {
  if (!control::valid_feed_name(name))
    return fail(errc::invalid_argument,
                "a feed name is 1 to 64 of [a-z0-9_-], not \"" + name + "\"");
  auto c = connect_online(a);
  if (!c.client) return c.exit_code;
  auto r = c.client->post("/v1/feeds", json{{"name", name}, {"mode", "write"}}.dump(),
                          "application/json");
  if (!r) return fail(r.error());
  if (r->status != 201) return fail_reply(*r);
  auto j = json_body(*r);
  if (!j || !j->contains("key")) return fail(errc::io_error, "an unexpected reply: " + r->body);
  std::cout << (*j)["key"].get<std::string>() << "\n";
  return 0;
}

namespace {

status past_length(const char* what, uint64_t index, uint64_t length) {
  return make_error(errc::bad_index, std::string(what) + " " + std::to_string(index) +
                                         " is past the feed's length " + std::to_string(length));
}

// Prints the frames of a stream as they arrive; the status of the transfer.
struct frame_printer {
  explicit frame_printer(bool r) : raw(r) {}
  bool raw;
  control::block_splitter frames{control::split_mode::frames, 0};
  block_list blocks;
  status error;
  bool on_data(const char* data, size_t n) {
    error = frames.feed(data, n, blocks);
    for (const byte_buffer& b : blocks) {
      std::cout.write(reinterpret_cast<const char*>(b.data()),
                      static_cast<std::streamsize>(b.size()));
      if (!raw) std::cout.put('\n');
    }
    blocks.clear();
    std::cout.flush();
    frames.take_bytes();
    return error.is_ok();
  }
};

}  // namespace

int run_online_cat(const online_args& a, const online_cat& args) {
  auto c = connect_online(a);
  if (!c.client) return c.exit_code;
  std::string query = "?start=" + std::to_string(args.start);
  std::optional<status> after;  // an error to report once the blocks that exist are printed
  if (!args.live) {
    auto r = c.client->get("/v1/feeds/" + args.name);
    if (!r) return fail(r.error());
    if (r->status != 200) return fail_reply(*r);
    auto j = json_body(*r);
    uint64_t length = j ? j->value("length", uint64_t{0}) : 0;
    if (args.start > length) return fail(past_length("--start", args.start, length));
    uint64_t end = std::min(args.end.value_or(length), length);
    if (args.end && *args.end > length) after = past_length("--end", *args.end, length);
    query += "&end=" + std::to_string(end);
  } else {
    query += "&live=1";
    if (args.end) query += "&end=" + std::to_string(*args.end);
  }
  frame_printer printer(args.raw);
  std::atomic<bool> done{false};
  result<control::http_reply> r = control::http_reply{};
  std::thread reader([&] {
    r = c.client->get_stream(blocks_path(args.name) + query,
                             [&](const char* d, size_t n) { return printer.on_data(d, n); });
    done = true;
  });
  bool stopped = false;
  while (!done) {
    if (stop_requested(100)) {
      stopped = true;
      c.client->stop();
      break;
    }
  }
  reader.join();
  std::cout.flush();
  if (stopped) return stopped_exit_code();
  if (!r) return fail(r.error());
  if (r->status / 100 != 2) return fail_reply(*r);
  if (!printer.error) return fail(printer.error);
  if (status s = printer.frames.finish(printer.blocks); !s)
    return fail(errc::io_error, "the stream from the node ended early");
  if (after) return fail(*after);
  return 0;
}

}  // namespace ddb::cli
