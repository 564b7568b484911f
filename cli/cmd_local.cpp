// Local subcommands: create, append, info, audit (cat: cli/cmd_cat.cpp). Only create makes a
// feed; the others fail with not_found on a folder without one, creating nothing.
#include <unistd.h>

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/line_reader.hpp"
#include "cli/online.hpp"
#include "cli/signals.hpp"

namespace ddb::cli {

namespace {

constexpr size_t stdin_batch_blocks = 4096;
constexpr size_t stdin_batch_bytes = 4 << 20;

struct append_args {
  std::string dir;
  std::vector<std::string> blocks;
  std::string file;
  size_t block_size = 64 * 1024;
  bool progress = false;
  bool json = false;  // lengths as {"length": N}
};

std::string length_line(uint64_t length, bool json) {
  return json ? nlohmann::json{{"length", length}}.dump() : std::to_string(length);
}

// Writes one batch; with --progress prints the length once it is written.
status write_batch(feed_client& feed, block_list& batch, const append_args& a, uint64_t& length) {
  if (batch.empty()) return status::ok();
  size_t n = batch.size();
  auto first = feed.append(std::move(batch));
  batch.clear();
  if (!first) return first.error();
  length = *first + n;
  if (a.progress) std::cout << length_line(length, a.json) << std::endl;  // a crash test reads it
  return status::ok();
}

int run_append(caf::actor_system& sys, const append_args& a) {
  auto feed = open_dir(sys, a.dir, access::read_write);
  if (!feed) return fail(feed.error());
  auto info = feed->info();
  if (!info) return fail(info.error());
  uint64_t length = info->length;
  block_list batch;
  status st;
  if (!a.blocks.empty()) {
    for (const auto& b : a.blocks) batch.emplace_back(b.begin(), b.end());
    st = write_batch(*feed, batch, a, length);
  } else if (!a.file.empty()) {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) return fail(errc::io_error, "cannot read " + a.file);
    byte_buffer chunk(a.block_size);
    size_t pending_bytes = 0;
    while (st && in && !stop_requested(0)) {
      in.read(reinterpret_cast<char*>(chunk.data()), static_cast<std::streamsize>(chunk.size()));
      auto got = static_cast<size_t>(in.gcount());
      if (got == 0) break;
      batch.emplace_back(chunk.begin(), chunk.begin() + got);
      pending_bytes += got;
      if (pending_bytes >= stdin_batch_bytes) {
        st = write_batch(*feed, batch, a, length);
        pending_bytes = 0;
      }
    }
    if (st) st = write_batch(*feed, batch, a, length);
  } else {
    line_reader lines(STDIN_FILENO);
    size_t pending_bytes = 0;
    bool more = true;
    while (st && more && !stop_requested(0)) {
      more = lines.read_some(batch, pending_bytes, stdin_batch_blocks - batch.size());
      if (!lines.error()) st = lines.error();
      if (st && (batch.size() >= stdin_batch_blocks || pending_bytes >= stdin_batch_bytes)) {
        st = write_batch(*feed, batch, a, length);
        pending_bytes = 0;
      }
    }
    if (st) st = write_batch(*feed, batch, a, length);
  }
  if (!st) {
    feed->close();
    return fail(st);
  }
  std::cout << length_line(length, a.json) << "\n";
  status closed = feed->close();
  if (!closed) return fail(closed);
  return stop_signal() ? stopped_exit_code() : 0;
}

int run_info(caf::actor_system& sys, const std::string& dir, bool json) {
  auto feed = open_dir(sys, dir, access::read_only);
  if (!feed) return fail(feed.error());
  auto info = feed->info();
  if (!info) return fail(info.error());
  bool signature_valid = false;
  if (info->length > 0) {
    auto sig = feed->signature();
    if (sig) {
      auto ok = feed->verify(sig->index, sig->signature);
      signature_valid = ok && *ok;
    }
  }
  nlohmann::json out = {
      {"key", to_hex(info->key)},         {"discoveryKey", to_hex(info->discovery_key)},
      {"length", info->length},           {"byteLength", info->byte_length},
      {"downloaded", info->downloaded},   {"writable", info->writable},
      {"signatureValid", signature_valid}};
  if (json) {
    std::cout << out.dump() << "\n";
  } else {
    for (auto& [k, v] : out.items()) std::cout << k << ": " << v << "\n";
  }
  feed->close();
  return 0;
}

int run_audit(caf::actor_system& sys, const std::string& dir, bool json) {
  auto feed = open_dir(sys, dir, access::read_write);  // clears the blocks that fail
  if (!feed) return fail(feed.error());
  auto report = feed->audit();
  if (!report) return fail(report.error());
  if (json) {
    std::cout << nlohmann::json{{"valid", report->valid}, {"invalid", report->invalid}}.dump()
              << "\n";
  } else {
    std::cout << "valid: " << report->valid << "\ninvalid: " << report->invalid << "\n";
  }
  feed->close();
  return 0;
}

}  // namespace

void add_create(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand(
      "create", "create a feed in DIR (or NAME on a running node) and print its public key");
  auto dir = std::make_shared<std::string>();
  auto online = std::make_shared<online_args>();
  cmd->add_option("DIR", *dir, "feed directory (with --node: the feed's name)")->required();
  add_online_options(cmd, *online);
  cmd->callback([dir, online, &run] {
    if (goes_online(*online, *dir)) {
      run = [dir, online](caf::actor_system&) { return run_online_create(*online, *dir); };
      return;
    }
    run = [dir](caf::actor_system& sys) {
      auto feed = open_dir(sys, *dir, access::create);
      if (!feed) return fail(feed.error());
      auto info = feed->info();
      if (!info) return fail(info.error());
      std::cout << to_hex(info->key) << "\n";
      feed->close();
      return 0;
    };
  });
}

void add_append(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("append", "append blocks (arguments, stdin lines or a file)");
  auto a = std::make_shared<append_args>();
  auto online = std::make_shared<online_args>();
  cmd->add_option("DIR", a->dir, "feed directory (with --node: the feed's name)")->required();
  cmd->add_option("BLOCK", a->blocks, "blocks to append (one per argument)");
  cmd->add_option("--file", a->file, "append the contents of a file")->check(CLI::ExistingFile);
  cmd->add_option("--block-size", a->block_size, "block size for --file")
      ->check(CLI::Range(size_t{1}, size_t{max_block_size}));
  cmd->add_flag("--progress", a->progress, "print the length after every written batch");
  cmd->add_flag("--json", a->json, "print lengths as JSON objects: {\"length\": N}");
  add_online_options(cmd, *online);
  cmd->callback([a, online, &run] {
    // Reading stdin blocks: a stop signal ends the command within 300 ms even then (the batches
    // written so far stay).
    set_stop_grace(std::chrono::milliseconds(300));
    if (goes_online(*online, a->dir)) {
      if (a->progress) usage_error("--progress is for a feed folder, not --node");
      online_append o{a->dir, a->blocks, a->file, a->block_size};
      run = [o, online](caf::actor_system&) { return run_online_append(*online, o); };
      return;
    }
    run = [a](caf::actor_system& sys) { return run_append(sys, *a); };
  });
}

void add_info(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("info", "print what is known about a feed");
  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto online = std::make_shared<online_args>();
  cmd->add_option("DIR", *dir, "feed directory (with --node: the feed's name)")->required();
  cmd->add_flag("--json", *json, "one JSON object");
  add_online_options(cmd, *online);
  cmd->callback([=, &run] {
    if (goes_online(*online, *dir)) {
      run = [=](caf::actor_system&) { return run_online_info(*online, *dir, *json); };
      return;
    }
    run = [=](caf::actor_system& sys) { return run_info(sys, *dir, *json); };
  });
}

void add_audit(CLI::App& app, runner& run) {
  auto* cmd = app.add_subcommand("audit", "re-hash every stored block; clear invalid ones");
  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("DIR", *dir, "feed directory")->required();
  cmd->add_flag("--json", *json, "one JSON object");
  cmd->callback(
      [=, &run] { run = [=](caf::actor_system& sys) { return run_audit(sys, *dir, *json); }; });
}

}  // namespace ddb::cli
