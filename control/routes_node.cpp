// /v1/status, /v1/peers and /metrics (Prometheus text format): the node as a whole.
#include <map>
#include <sstream>

#include "control/api_context.hpp"
#include "control/feed_calls.hpp"
#include "control/node_sample.hpp"
#include "swarm/dht_discovery.hpp"

namespace ddb::control {

namespace {

double uptime_seconds(api_context& ctx) {
  return std::chrono::duration<double>(ctx.sys.clock().now() - ctx.started).count();
}

void status_reply(api_context& ctx, httplib::Response& res) {
  swarm_stats st = swarm_stats_of(ctx);
  auto feeds = sample_feeds(ctx, st);
  replication::transfer_stats t = totals_of(feeds);
  const node_config& cfg = ctx.n.config();
  json discovery = {{"staticPeers", cfg.swarm.static_peers}, {"dht", nullptr}};
  if (dht_discovery* d = ctx.n.dht()) {
    std::string host = cfg.swarm.dht.listen.substr(0, cfg.swarm.dht.listen.rfind(':'));
    discovery["dht"] = host + ":" + std::to_string(d->dht_port());
  }
  send_json(res, {{"name", cfg.name},
                  {"version", ctx.version},
                  {"uptimeSeconds", static_cast<uint64_t>(uptime_seconds(ctx))},
                  {"listen", ctx.n.listen_address()},
                  {"publicKey", to_hex(ctx.n.noise_public_key())},
                  {"discovery", discovery},
                  {"totals",
                   {{"feeds", feeds.size()},
                    {"peers", st.remotes},
                    {"connections", st.connections},
                    {"uploadedBytes", t.uploaded_bytes},
                    {"downloadedBytes", t.downloaded_bytes}}}});
}

void peers_reply(api_context& ctx, httplib::Response& res) {
  auto feeds = sample_feeds(ctx, swarm_stats_of(ctx));
  json out = json::array();
  for (const auto& [key, r] : peer_rows(feeds)) {
    peer_rates::rate rate = ctx.rates ? ctx.rates->of(key) : peer_rates::rate{};
    out.push_back({{"address", r.address},
                   {"remotePublicKey", key},
                   {"feeds", r.feeds},
                   {"uploadedBytes", r.counts.uploaded_bytes},
                   {"downloadedBytes", r.counts.downloaded_bytes},
                   {"uploadedBlocks", r.counts.uploaded_blocks},
                   {"downloadedBlocks", r.counts.downloaded_blocks},
                   {"uploadRate", static_cast<uint64_t>(rate.up)},
                   {"downloadRate", static_cast<uint64_t>(rate.down)}});
  }
  send_json(res, out);
}

// Label values: backslash, quote and newline escaped (feed names and keys never need it).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class metrics_text {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  }
  void sample(const char* name, const std::string& labels, uint64_t value) {
    out_ << name << (labels.empty() ? "" : "{" + labels + "}") << " " << value << "\n";
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

void metrics_reply(api_context& ctx, httplib::Response& res) {
  swarm_stats st = swarm_stats_of(ctx);
  auto feeds = sample_feeds(ctx, st);
  replication::transfer_stats t = totals_of(feeds);
  metrics_text m;
  auto feed_labels = [](const feed_sample& f) {
    return "feed=\"" + label(f.feed.name) + "\",key=\"" + to_hex(f.feed.key) + "\"";
  };
  struct per_feed {
    const char* name;
    const char* type;
    const char* help;
    uint64_t (*value)(const feed_sample&);
  };
  const per_feed families[] = {
      {"ddatabase_feed_length", "gauge", "Blocks in the feed (its verified length).",
       [](const feed_sample& f) { return f.info.length; }},
      {"ddatabase_feed_downloaded_blocks", "gauge", "Blocks of the feed stored on this node.",
       [](const feed_sample& f) { return f.info.downloaded; }},
      {"ddatabase_feed_byte_length", "gauge", "Bytes in the feed's blocks.",
       [](const feed_sample& f) { return f.info.byte_length; }},
      {"ddatabase_feed_peers", "gauge", "Connections replicating the feed.",
       [](const feed_sample& f) { return f.peers; }},
      {"ddatabase_feed_uploaded_bytes_total", "counter", "Block bytes of the feed sent to peers.",
       [](const feed_sample& f) { return f.stats.totals.uploaded_bytes; }},
      {"ddatabase_feed_downloaded_bytes_total", "counter",
       "Block bytes of the feed received from peers.",
       [](const feed_sample& f) { return f.stats.totals.downloaded_bytes; }},
  };
  for (const per_feed& fam : families) {
    m.family(fam.name, fam.type, fam.help);
    for (const feed_sample& f : feeds) m.sample(fam.name, feed_labels(f), fam.value(f));
  }
  m.family("ddatabase_feeds", "gauge", "Feeds the node hosts.");
  m.sample("ddatabase_feeds", "", feeds.size());
  m.family("ddatabase_peers", "gauge", "Distinct remote nodes connected.");
  m.sample("ddatabase_peers", "", st.remotes);
  m.family("ddatabase_connections", "gauge", "Live peer connections (handshakes included).");
  m.sample("ddatabase_connections", "", st.connections);
  m.family("ddatabase_uploaded_bytes_total", "counter", "Block bytes sent to peers, all feeds.");
  m.sample("ddatabase_uploaded_bytes_total", "", t.uploaded_bytes);
  m.family("ddatabase_downloaded_bytes_total", "counter",
           "Block bytes received from peers, all feeds.");
  m.sample("ddatabase_downloaded_bytes_total", "", t.downloaded_bytes);
  auto rows = peer_rows(feeds);
  m.family("ddatabase_peer_uploaded_bytes_total", "counter",
           "Block bytes sent to one remote node (connected now), all feeds.");
  for (const auto& [key, r] : rows)
    m.sample("ddatabase_peer_uploaded_bytes_total", "peer=\"" + key + "\"",
             r.counts.uploaded_bytes);
  m.family("ddatabase_peer_downloaded_bytes_total", "counter",
           "Block bytes received from one remote node (connected now), all feeds.");
  for (const auto& [key, r] : rows)
    m.sample("ddatabase_peer_downloaded_bytes_total", "peer=\"" + key + "\"",
             r.counts.downloaded_bytes);
  m.family("ddatabase_uptime_seconds", "gauge", "Seconds since the node started.");
  m.sample("ddatabase_uptime_seconds", "", static_cast<uint64_t>(uptime_seconds(ctx)));
  res.status = 200;
  res.set_content(m.str(), "text/plain; version=0.0.4");
}

}  // namespace

void add_node_routes(httplib::Server& server, api_context& ctx) {
  server.Get("/v1/status",
             [&ctx](const httplib::Request&, httplib::Response& res) { status_reply(ctx, res); });
  server.Get("/v1/peers",
             [&ctx](const httplib::Request&, httplib::Response& res) { peers_reply(ctx, res); });
  server.Get("/metrics",
             [&ctx](const httplib::Request&, httplib::Response& res) { metrics_reply(ctx, res); });
}

}  // namespace ddb::control
