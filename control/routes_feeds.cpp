// /v1/feeds: list, add (write or follow), remove, and one feed's info (docs/api.md).
#include <algorithm>

#include "control/api_context.hpp"
#include "control/feed_calls.hpp"

namespace ddb::control {

namespace {

// The body of POST /v1/feeds as a runtime feed; false (and a 400 reply) when malformed.
bool parse_new_feed(const httplib::Request& req, httplib::Response& res, runtime_feed& out) {
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    send_error(res, 400, "invalid_argument", "expected a JSON object: {\"name\", \"mode\", ...}");
    return false;
  }
  for (const auto& [k, v] : j.items()) {
    if (k != "name" && k != "mode" && k != "key" && k != "sparse" && k != "live") {
      send_error(res, 400, "invalid_argument", "unknown field \"" + k + "\"");
      return false;
    }
  }
  if (!j.contains("name") || !j["name"].is_string() ||
      !valid_feed_name(j["name"].get<std::string>())) {
    send_error(res, 400, "invalid_argument", "name: expected 1 to 64 of [a-z0-9_-]");
    return false;
  }
  out.name = j["name"].get<std::string>();
  std::string mode =
      j.contains("mode") && j["mode"].is_string() ? j["mode"].get<std::string>() : "";
  if (!parse_feed_mode(mode, out.mode)) {
    send_error(res, 400, "invalid_argument", "mode: expected \"write\" or \"follow\"");
    return false;
  }
  bool follow = out.mode == feed_mode::follow;
  for (const char* k : {"key", "sparse", "live"}) {
    if (j.contains(k) && !follow) {
      send_error(res, 400, "invalid_argument", std::string(k) + ": only follow feeds take it");
      return false;
    }
  }
  if (!follow) return true;
  byte_buffer bytes;
  std::string hex = j.contains("key") && j["key"].is_string() ? j["key"].get<std::string>() : "";
  if (hex.size() != 64 || !from_hex(hex, bytes)) {
    send_error(res, 400, "invalid_argument", "key: expected 64 hex characters");
    return false;
  }
  public_key key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());
  out.key = key;
  for (const char* k : {"sparse", "live"}) {
    if (j.contains(k) && !j[k].is_boolean()) {
      send_error(res, 400, "invalid_argument", std::string(k) + ": expected true or false");
      return false;
    }
  }
  out.sparse = j.value("sparse", false);
  out.live = j.value("live", true);
  return true;
}

void list_feeds(api_context& ctx, httplib::Response& res) {
  swarm_stats st = swarm_stats_of(ctx);
  json out = json::array();
  for (const node_feed_handle& f : ctx.n.feed_handles())
    out.push_back(feed_object(ctx, f, peers_of(st, f.dkey)));
  send_json(res, out);
}

void add_feed(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  runtime_feed rf;
  if (!parse_new_feed(req, res, rf)) return;
  std::lock_guard<std::mutex> lock(ctx.runtime_mutex);
  for (const node_feed_handle& f : ctx.n.feed_handles()) {
    if (f.name == rf.name || (rf.key && f.key == *rf.key)) {
      send_error(res, 409, "conflict",
                 f.name == rf.name ? "the node already hosts a feed named \"" + rf.name + "\""
                                   : "the node already follows this key as \"" + f.name + "\"");
      return;
    }
  }
  auto stored = load_runtime_feeds(ctx.n.config().storage);
  if (!stored) return send_error(res, stored.error());
  auto added = ctx.n.add_feed(to_feed_config(ctx.n.config(), rf));
  if (!added) return send_error(res, added.error());
  record_added(*stored, rf);
  if (status s = save_runtime_feeds(ctx.n.config().storage, *stored); !s) {
    (void)ctx.n.remove_feed(rf.name, false);  // not hosted unless it survives a restart
    return send_error(res, s);
  }
  send_json(res, feed_object(ctx, *added, 0), 201);
}

void remove_feed(api_context& ctx, const httplib::Request& req, httplib::Response& res,
                 const std::string& name) {
  std::string flag = req.has_param("deleteData") ? req.get_param_value("deleteData") : "0";
  if (flag != "0" && flag != "1" && flag != "true" && flag != "false") {
    return send_error(res, 400, "invalid_argument", "deleteData: expected 0 or 1");
  }
  bool delete_data = flag == "1" || flag == "true";
  std::lock_guard<std::mutex> lock(ctx.runtime_mutex);
  if (!find_feed_or_404(ctx, name, res)) return;
  auto stored = load_runtime_feeds(ctx.n.config().storage);
  if (!stored) return send_error(res, stored.error());
  if (status s = ctx.n.remove_feed(name, delete_data); !s) return send_error(res, s);
  record_removed(*stored, name, ctx.yaml_feeds.count(name) > 0);
  if (status s = save_runtime_feeds(ctx.n.config().storage, *stored); !s) return send_error(res, s);
  send_json(res, {{"removed", name}, {"dataDeleted", delete_data}});
}

// The keys of offline `ddatabase info DIR --json`.
void feed_info_reply(api_context& ctx, httplib::Response& res, const std::string& name) {
  auto f = find_feed_or_404(ctx, name, res);
  if (!f) return;
  auto info = ask<feed_info>(ctx.sys, f->actor, call_timeout, ddb_info_atom_v);
  if (!info) return send_error(res, info.error());
  bool signature_valid = false;
  if (info->length > 0) {
    auto sig = ask<signature_reply>(ctx.sys, f->actor, call_timeout, ddb_sig_atom_v, latest_index);
    if (sig) {
      auto ok =
          ask<bool>(ctx.sys, f->actor, call_timeout, ddb_verify_atom_v, sig->index, sig->signature);
      signature_valid = ok && *ok;
    }
  }
  send_json(res, {{"key", to_hex(info->key)},
                  {"discoveryKey", to_hex(info->discovery_key)},
                  {"length", info->length},
                  {"byteLength", info->byte_length},
                  {"downloaded", info->downloaded},
                  {"writable", info->writable},
                  {"signatureValid", signature_valid}});
}

}  // namespace

void add_feed_routes(httplib::Server& server, api_context& ctx) {
  server.Get("/v1/feeds",
             [&ctx](const httplib::Request&, httplib::Response& res) { list_feeds(ctx, res); });
  server.Post("/v1/feeds", [&ctx](const httplib::Request& req, httplib::Response& res) {
    add_feed(ctx, req, res);
  });
  server.Get(R"(/v1/feeds/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    feed_info_reply(ctx, res, req.matches[1]);
  });
  server.Delete(R"(/v1/feeds/([^/]+))",
                [&ctx](const httplib::Request& req, httplib::Response& res) {
                  remove_feed(ctx, req, res, req.matches[1]);
                });
}

}  // namespace ddb::control
