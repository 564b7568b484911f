// The reply helpers shared by the control API's routes.
#include "control/api_context.hpp"

#include <caf/all.hpp>

#include "control/feed_calls.hpp"

namespace ddb::control {

void send_error(httplib::Response& res, int http_status, std::string_view code,
                const std::string& message) {
  json body = {{"error", {{"code", std::string(code)}, {"message", message}}}};
  res.status = http_status;
  res.set_content(body.dump() + "\n", "application/json");
}

void send_error(httplib::Response& res, const status& s) {
  int http = 500;
  switch (s.code()) {
    case errc::not_found:
      http = 404;
      break;
    case errc::not_writable:
      http = 409;
      break;
    case errc::invalid_argument:
    case errc::bad_index:
    case errc::block_too_large:
      http = 400;
      break;
    case errc::timeout:
      http = 504;
      break;
    case errc::closed:
    case errc::unavailable:
      http = 503;
      break;
    default:
      break;
  }
  send_error(res, http, to_string(s.code()), s.message());
}

void send_json(httplib::Response& res, const json& body, int http_status) {
  res.status = http_status;
  res.set_content(body.dump() + "\n", "application/json");
}

std::optional<node_feed_handle> find_feed_or_404(api_context& ctx, const std::string& name,
                                                 httplib::Response& res) {
  for (node_feed_handle& f : ctx.n.feed_handles())
    if (f.name == name) return std::move(f);
  send_error(res, 404, "not_found", "the node hosts no feed named \"" + name + "\"");
  return std::nullopt;
}

bool query_uint(const httplib::Request& req, httplib::Response& res, const char* name,
                std::optional<uint64_t>& out) {
  if (!req.has_param(name)) return true;
  std::string text = req.get_param_value(name);
  bool digits = !text.empty() && text.size() <= 20 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) {
    try {
      out = std::stoull(text);
      return true;
    } catch (const std::exception&) {
    }
  }
  send_error(res, 400, "invalid_argument",
             std::string("query parameter ") + name + ": expected a non-negative integer, got \"" +
                 text + "\"");
  return false;
}

swarm_stats swarm_stats_of(api_context& ctx) {
  swarm_stats st;
  caf::scoped_actor self{ctx.sys};
  self->request(ctx.n.swarm(), std::chrono::seconds(2), ddb_sstat_atom_v)
      .receive([&](swarm_stats& s) { st = std::move(s); }, [](caf::error&) {});
  return st;
}

uint64_t peers_of(const swarm_stats& st, const hash_t& dkey) {
  for (const auto& f : st.feeds)
    if (f.dkey == dkey) return f.peers;
  return 0;
}

json feed_object(api_context& ctx, const node_feed_handle& f, uint64_t peers) {
  json out = {{"name", f.name}, {"key", to_hex(f.key)}, {"mode", std::string(to_string(f.mode))},
              {"length", 0},    {"downloaded", 0},      {"byteLength", 0},
              {"peers", peers}};
  auto info = ask<feed_info>(ctx.sys, f.actor, call_timeout, ddb_info_atom_v);
  if (info) {
    out["length"] = info->length;
    out["downloaded"] = info->downloaded;
    out["byteLength"] = info->byte_length;
  }
  return out;
}

}  // namespace ddb::control
