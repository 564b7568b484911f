#include "sim/metrics.hpp"

#include <cstdio>

#include "core/assert.hpp"
#include "messages/feed_messages.hpp"
#include "sim/world.hpp"

namespace ddb::sim {

metrics_recorder::metrics_recorder(std::ostream& out, int nodes, duration interval)
    : out_(out),
      interval_(interval),
      next_(interval),
      downloaded_(static_cast<size_t>(nodes)),
      bytes_in_(static_cast<size_t>(nodes)),
      bytes_out_(static_cast<size_t>(nodes)),
      mailbox_peak_(static_cast<size_t>(nodes)),
      peers_(static_cast<size_t>(nodes)) {
  DDB_ASSERT(interval.count() > 0);
  out_ << "time_s,node,up,length,downloaded,bytes_in,bytes_out,peers,mailbox_peak\n";
}

void metrics_recorder::on_event(const trace_event& e) {
  if (e.kind == trace_kind::delivery) {
    if (e.node >= 0) bytes_out_[static_cast<size_t>(e.node)] += e.b;
    if (e.peer >= 0) bytes_in_[static_cast<size_t>(e.peer)] += e.b;
  } else if (e.kind == trace_kind::feed && e.node >= 0 &&
             e.b == static_cast<uint64_t>(feed_event_type::download)) {
    downloaded_[static_cast<size_t>(e.node)]++;
  }
}

void metrics_recorder::advance(duration t, world& w) {
  while (next_ <= t) {
    sample(next_, w);
    next_ += interval_;
  }
}

void metrics_recorder::sample(duration at, world& w) {
  w.net().connection_counts(peers_);
  char line[256];
  for (const node_state& nd : w.nodes()) {
    auto i = static_cast<size_t>(nd.id);
    uint64_t length = 0;
    for (const node_feed& nf : nd.feeds) length += nd.up ? nf.length : 0;
    int n =
        std::snprintf(line, sizeof line, "%.3f,%d,%d,%llu,%llu,%llu,%llu,%d,%zu\n", to_seconds(at),
                      nd.id, nd.up ? 1 : 0, static_cast<unsigned long long>(length),
                      static_cast<unsigned long long>(downloaded_[i]),
                      static_cast<unsigned long long>(bytes_in_[i]),
                      static_cast<unsigned long long>(bytes_out_[i]), peers_[i], mailbox_peak_[i]);
    out_.write(line, n);
    mailbox_peak_[i] = 0;
    ++rows_;
  }
}

}  // namespace ddb::sim
