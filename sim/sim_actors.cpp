#include "sim/sim_actors.hpp"

#include <map>

#include <caf/all.hpp>

#include "messages/atoms.hpp"
#include "messages/feed_messages.hpp"
#include "messages/inspect.hpp"
#include "messages/peer_messages.hpp"
#include "sim/rng.hpp"
#include "sim/world.hpp"
#include "wire/messages.hpp"

namespace ddb::sim {

namespace {

using tick_atom = caf::atom_constant<caf::atom("sim_tick")>;
constexpr tick_atom tick_v{};

duration period_of(double rate) {
  if (rate <= 0) return std::chrono::hours(24 * 365);
  return duration(static_cast<int64_t>(1e9 / rate));
}

}  // namespace

caf::actor spawn_observer(caf::actor_system& sys, world* w, int n, int f, uint64_t inc,
                          caf::actor feed) {
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->request(feed, caf::infinite, ddb_sub_atom_v, caf::actor_cast<caf::actor>(self))
        .then([] {}, [](caf::error&) {});
    return {
        [=](ddb_event_atom, const feed_event& ev) { w->on_feed_event(n, f, inc, ev); },
    };
  });
}

caf::actor spawn_writer(caf::actor_system& sys, world* w, int n, int f, uint64_t inc,
                        caf::actor feed, const workload_spec& load, bool fork) {
  auto r = std::make_shared<rng>(
      rng::substream(w->seed(), "writer", static_cast<uint64_t>(n) << 20 | inc));
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    duration first =
        load.start > w->sim().elapsed() ? load.start - w->sim().elapsed() : period_of(load.rate);
    self->delayed_send(self, first, tick_v);
    return {
        [=](tick_atom) {
          if (w->sim().elapsed() > load.until) return;
          self->delayed_send(self, period_of(load.rate), tick_v);
          node_feed* nf = w->find(n, f, inc);
          if (nf == nullptr || nf->append_in_flight) return;
          uint64_t count = r->between(load.batch_min, load.batch_max);
          uint64_t start = nf->next_index;
          block_list blocks;
          for (uint64_t i = 0; i < count; ++i)
            blocks.push_back(w->content(f, fork).block(start + i));
          nf->append_in_flight = true;
          self->request(feed, caf::infinite, ddb_append_atom_v, std::move(blocks))
              .then([=](uint64_t at) { w->on_appended(n, f, inc, at, count); },
                    [=](caf::error& e) { w->on_append_failed(n, f, inc, to_string(e)); });
        },
    };
  });
}

caf::actor spawn_reader(caf::actor_system& sys, world* w, int n, int f, uint64_t inc,
                        caf::actor feed, const workload_spec& load) {
  auto r = std::make_shared<rng>(
      rng::substream(w->seed(), "reader", static_cast<uint64_t>(n) << 20 | inc));
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->delayed_send(self, period_of(load.read_rate), tick_v);
    return {
        [=](tick_atom) {
          self->delayed_send(self, period_of(load.read_rate), tick_v);
          uint64_t known = w->checks().acked(w->spec().feeds[static_cast<size_t>(f)].writer, f);
          if (known == 0) return;
          uint64_t index = r->below(known);
          get_options o;
          o.wait = true;
          o.timeout_ms = 10000;
          self->request(feed, caf::infinite, ddb_get_atom_v, index, o)
              .then([=](const byte_buffer& data) { w->on_read(n, f, index, data); },
                    [](caf::error&) {});
        },
    };
  });
}

namespace {

void flip(byte_buffer& b, rng& r) {
  if (!b.empty()) b[r.below(b.size())] ^= static_cast<uint8_t>(1u << r.below(8));
}

void tamper(wire_frames& frames, adversary_kind kind, rng& r) {
  for (auto& fr : frames) {
    if (fr.type != static_cast<uint8_t>(wire::message_type::data)) continue;
    auto m = wire::decode_data(byte_view(fr.body));
    if (!m) continue;
    if (kind == adversary_kind::bad_signature && m->signature) flip(*m->signature, r);
    if (kind == adversary_kind::wrong_nodes && !m->nodes.empty()) {
      auto& h = m->nodes[r.below(m->nodes.size())].hash;
      h[r.below(h.size())] ^= 0x01;
    }
    if (kind == adversary_kind::bad_data && m->value) flip(*m->value, r);
    fr.body = wire::encode(*m);
  }
}

// Between the feed actor and one real peer actor: corrupts what the feed sends.
caf::behavior tamper_peer(caf::event_based_actor* self, caf::actor peer, adversary_kind kind,
                          std::shared_ptr<rng> r) {
  return {
      [=](ddb_send_atom a, const hash_t& dkey, wire_frames& frames) {
        tamper(frames, kind, *r);
        self->send(peer, a, dkey, std::move(frames));
      },
      [=](ddb_end_atom a, const hash_t& dkey) { self->send(peer, a, dkey); },
      [=](ddb_kick_atom a, const hash_t& dkey, const std::string& why) {
        self->send(peer, a, dkey, why);
      },
  };
}

}  // namespace

caf::actor spawn_tamper_proxy(caf::actor_system& sys, caf::actor feed, adversary_kind kind,
                              uint64_t seed) {
  auto r = std::make_shared<rng>(rng::substream(seed, "tamper"));
  auto proxies = std::make_shared<std::map<uint64_t, caf::actor>>();
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->set_exit_handler([](caf::exit_msg&) {});  // children ending; a kill still ends us
    return {
        [=](ddb_attach_atom a, caf::actor peer, uint64_t id, peer_info info) {
          auto q = self->spawn<caf::linked>(tamper_peer, peer, kind, r);
          (*proxies)[id] = q;
          self->delegate(feed, a, q, id, std::move(info));
        },
        [=](ddb_ropen_atom a, uint64_t id) { self->send(feed, a, id); },
        [=](ddb_wire_atom a, uint64_t id, wire_frames& frames) {
          self->send(feed, a, id, std::move(frames));
        },
        [=](ddb_sent_atom a, uint64_t id, uint64_t bytes) { self->send(feed, a, id, bytes); },
        [=](ddb_detach_atom a, uint64_t id, std::string& why) {
          self->send(feed, a, id, std::move(why));
          auto it = proxies->find(id);
          if (it != proxies->end()) {
            self->send_exit(it->second, caf::exit_reason::user_shutdown);
            proxies->erase(it);
          }
        },
    };
  });
}

}  // namespace ddb::sim
