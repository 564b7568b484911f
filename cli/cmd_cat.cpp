// `ddatabase cat DIR [--start N] [--end N] [--live] [--raw|--json] [--peer HOST:PORT...]`.
// Prints blocks as they are stored: each followed by a newline, or byte for byte with --raw, or
// with --json one object per block: {"index", "byteLength", "hex"} (the bytes, exactly).
// Whatever can be printed is printed (and flushed) before an error: `--end` past the length
// prints the blocks that exist, then fails with bad_index. --live follows appends made by
// another process (the writer holds the lock; we reopen the files read-only when they change).
// --peer replicates sparsely: only the printed blocks (and their proofs) are downloaded.
#include <sys/stat.h>

#include <chrono>
#include <iostream>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/net_session.hpp"
#include "cli/online.hpp"
#include "cli/peer_watch.hpp"
#include "cli/signals.hpp"

namespace ddb::cli {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr uint64_t batch = 1024;

struct cat_args {
  std::string dir;
  uint64_t start = 0;
  std::optional<uint64_t> end;
  bool live = false;
  bool raw = false;
  bool json = false;
  std::vector<std::string> peers;  // replicate with these peers while reading
};

enum class cat_format { lines, raw, json };

cat_format format_of(const cat_args& a) {
  return a.json ? cat_format::json : a.raw ? cat_format::raw : cat_format::lines;
}

void put(const byte_buffer& b, uint64_t index, cat_format f) {
  if (f == cat_format::json) {
    std::cout
        << nlohmann::json{{"index", index}, {"byteLength", b.size()}, {"hex", to_hex(b)}}.dump()
        << '\n';
    return;
  }
  std::cout.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (f == cat_format::lines) std::cout.put('\n');
}

// Prints blocks [i, stop), advancing `i` past each printed block. On an error, the blocks before
// the failing one are printed first.
status print_blocks(feed_client& feed, uint64_t& i, uint64_t stop, const get_options& o,
                    cat_format raw) {
  while (i < stop) {
    uint64_t to = std::min(stop, i + batch);
    auto blocks = feed.get_batch(i, to, o);
    if (blocks) {
      uint64_t at = i;
      for (const auto& b : *blocks) put(b, at++, raw);
      i = to;
      continue;
    }
    for (; i < to; ++i) {  // one at a time, up to the block that fails
      auto b = feed.get(i, o);
      if (!b) return b.error();
      put(*b, i, raw);
    }
  }
  return status::ok();
}

status past_length(const char* what, uint64_t index, uint64_t length) {
  return make_error(errc::bad_index, std::string(what) + " " + std::to_string(index) +
                                         " is past the feed's length " + std::to_string(length));
}

// What changes when another process appends: the sizes of the files (data, tree and signatures
// are written before the bitfield) and the bitfield's modification time.
struct files_stamp {
  std::vector<int64_t> parts;
  bool operator!=(const files_stamp& o) const { return parts != o.parts; }
};

files_stamp stamp(const std::string& dir) {
  files_stamp s;
  for (const char* name : {"data", "tree", "signatures", "bitfield"}) {
    struct stat st {};
    if (::stat((dir + "/" + name).c_str(), &st) != 0) {
      s.parts.push_back(-1);
      continue;
    }
    s.parts.push_back(st.st_size);
    s.parts.push_back(st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  }
  return s;
}

// Local --live: print what is stored, then poll the files (every 100 ms) and reopen the feed
// when they changed (and at least once a second: a file time may not tick between two appends).
int cat_follow(caf::actor_system& sys, const cat_args& a, feed_client feed) {
  uint64_t i = a.start;
  uint64_t limit = a.end.value_or(UINT64_MAX);
  files_stamp seen = stamp(a.dir);
  auto reopened = clock_type::now();
  int failed_opens = 0;
  while (true) {
    auto info = feed.info();
    if (!info) return fail(info.error());
    if (status s = print_blocks(feed, i, std::min(limit, info->length), {false, 0}, format_of(a));
        !s) {
      feed.close();
      return fail(s);
    }
    std::cout.flush();
    if (i >= limit) break;
    bool due = false;
    while (!due) {
      if (stop_requested(100)) {
        feed.close();
        return stopped_exit_code();
      }
      files_stamp now = stamp(a.dir);
      due = now != seen || clock_type::now() - reopened >= std::chrono::seconds(1);
      if (due) seen = now;
    }
    feed.close();
    reopened = clock_type::now();
    auto next = open_dir(sys, a.dir, access::read_only);
    // A writer may be between two of its file writes: try again (for up to ~5 s).
    while (!next && ++failed_opens < 50) {
      if (stop_requested(100)) return stopped_exit_code();
      next = open_dir(sys, a.dir, access::read_only);
    }
    if (!next) return fail(next.error());
    failed_opens = 0;
    feed = std::move(*next);
  }
  feed.close();
  return 0;
}

// --peer: a sparse replication that fetches the printed blocks. Waits in steps of 200 ms so that
// a stop signal and the loss of every peer are noticed.
int cat_peer(caf::actor_system& sys, const cat_args& a, feed_client& feed) {
  auto info = feed.info();
  if (!info) return fail(info.error());
  caf::scoped_actor self{sys};
  peer_watch peers(self);
  net_host_options ho;
  ho.noise_keys = net_host::random_keys();
  ho.live = a.live;
  ho.observer = peers.observer();
  net_session net(sys, ho);
  hash_t dkey = net.registry->add(info->key, caf::actor_cast<caf::actor>(feed.actor()));
  auto finish = [&](int code) {
    peers.quiet();
    feed.close();
    return code;
  };
  auto stopped_or = [&](const status& s) {
    return finish(stop_signal() ? stopped_exit_code() : fail(s));
  };
  if (status s = peers.dial(*net.host, feed, a.peers, dkey); !s) return finish(fail(s));
  if (status s = peers.wait_open(feed, std::chrono::seconds(30)); !s) return stopped_or(s);
  // A non-live peer ends its channel as soon as we want nothing from it: hold it with the range
  // we print (what we would fetch anyway) while we learn its length.
  download_request hold;
  hold.start = a.start;
  hold.end = a.end.value_or(UINT64_MAX);
  hold.linear = true;
  auto held = feed.download(hold);
  if (!held) return finish(fail(held.error()));
  auto up = await_update(feed, peers, {});  // learn the peers' length; nothing newer is fine
  if (!up && up.error().code() != errc::unavailable) return stopped_or(up.error());
  info = feed.info();
  if (!info) return finish(fail(info.error()));
  const uint64_t length = info->length;
  if (!a.live && hold.end > length) {  // no further than what the peers proved
    uint64_t wide = *held;
    hold.end = std::max(a.start, length);
    held = feed.download(hold);
    (void)feed.undownload(wide);
    if (!held) return finish(fail(held.error()));
  }
  if (!a.live && a.start > length) return finish(fail(past_length("--start", a.start, length)));
  uint64_t limit = a.end ? *a.end : (a.live ? UINT64_MAX : length);
  if (!a.live) limit = std::min(limit, length);
  get_options wait{true, 200};
  for (uint64_t i = a.start; i < limit;) {
    uint64_t stop = std::min(limit, i + batch);
    if (a.live) {  // read what exists in batches; wait for one block at a time beyond it
      auto now = feed.info();
      if (!now) return finish(fail(now.error()));
      stop = now->length > i ? std::min(stop, now->length) : i + 1;
    }
    status s = print_blocks(feed, i, stop, wait, format_of(a));
    std::cout.flush();
    if (s.code() == errc::timeout) {
      peers.poll(0);
      if (stop_requested(0)) return finish(stopped_exit_code());
      if (peers.alive() == 0) {
        return finish(
            fail(errc::unavailable, "no peer is left that can supply block " + std::to_string(i)));
      }
      continue;
    }
    if (!s) return stopped_or(s);
  }
  if (!a.live && a.end && *a.end > length)
    return finish(fail(past_length("--end", *a.end, length)));
  return finish(a.live ? stopped_exit_code() : 0);
}

int run_cat(caf::actor_system& sys, const cat_args& a) {
  if (!a.peers.empty()) {
    feed_actor_options ao;
    ao.replication.sparse = true;  // download only what is printed
    auto feed = open_dir(sys, a.dir, access::read_write, {}, ao);
    if (!feed) return fail(feed.error());
    return cat_peer(sys, a, *feed);
  }
  auto feed = open_dir(sys, a.dir, access::read_only);
  if (!feed) return fail(feed.error());
  if (a.live) return cat_follow(sys, a, std::move(*feed));
  auto info = feed->info();
  if (!info) return fail(info.error());
  uint64_t i = a.start;
  status s = a.start > info->length
                 ? past_length("--start", a.start, info->length)
                 : print_blocks(*feed, i, std::min(a.end.value_or(info->length), info->length),
                                {false, 0}, format_of(a));
  if (s && a.end && *a.end > info->length) s = past_length("--end", *a.end, info->length);
  feed->close();
  return s ? 0 : fail(s);
}

}  // namespace

void add_cat(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand(
      "cat", "print blocks, each followed by a newline (--raw: byte for byte, no separator)");
  auto a = std::make_shared<cat_args>();
  auto end = std::make_shared<uint64_t>(0);
  auto online = std::make_shared<online_args>();
  cmd->add_option("DIR", a->dir, "feed directory (with --node: the feed's name)")->required();
  add_index_option(cmd, "--start", a->start, "first block");
  auto* end_opt = add_index_option(cmd, "--end", *end, "end block (exclusive)");
  cmd->add_flag("--live", a->live, "keep printing new blocks until SIGINT/SIGTERM");
  auto* raw = cmd->add_flag("--raw", a->raw, "write the blocks byte for byte, without separators");
  cmd->add_flag("--json", a->json, "one JSON object per block: index, byteLength, hex")
      ->excludes(raw);
  cmd->add_option("--peer", a->peers, "HOST:PORT to fetch missing blocks from (repeatable)");
  add_online_options(cmd, *online);
  cmd->callback([a, end, end_opt, online, &run] {
    if (end_opt->count() > 0) a->end = *end;
    check_range(a->start, a->end);
    if (goes_online(*online, a->dir)) {
      if (!a->peers.empty()) usage_error("--peer is for a feed folder, not --node");
      online_cat o{a->dir, a->start, a->end, a->live, a->raw};
      run = [o, online](caf::actor_system&) { return run_online_cat(*online, o); };
      return;
    }
    run = [a](caf::actor_system& sys) { return run_cat(sys, *a); };
  });
}

}  // namespace ddb::cli
