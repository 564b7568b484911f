#pragma once
// Feed actors with extensions on CAF's deterministic test coordinator (the simulator's setup):
// two feed actors joined by relay actors that stand in for peer actors, log sinks, recording
// extension actors, and a request helper. No threads, no wall clock.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/extension_host.hpp"
#include "actors/feed_actor.hpp"
#include "messages/errors.hpp"
#include "storage/env.hpp"
#include "tests/support/node.hpp"

namespace ddb::test {

struct log_sink {
  std::vector<extension_log> lines;
  bool has(const std::string& text) const {
    for (const auto& l : lines) {
      if (l.text.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string dump() const {
    std::string out;
    for (const auto& l : lines)
      out += l.extension + "[" + std::to_string(l.level) + "] " + l.text + "\n";
    return out;
  }
};

struct ext_record {
  std::vector<extension_in> msgs;
  std::vector<extension_peer> peers;
  std::vector<extension_feed> feeds;
};

inline extension_actor::behavior_type recorder(extension_actor::pointer,
                                               std::shared_ptr<ext_record> r) {
  return {
      [=](ddb_extmsg_atom, const extension_in& m) { r->msgs.push_back(m); },
      [=](ddb_extpr_atom, const extension_peer& p) { r->peers.push_back(p); },
      [=](ddb_extfd_atom, const extension_feed& f) { r->feeds.push_back(f); },
  };
}

inline caf::behavior sink_actor(caf::event_based_actor*, std::shared_ptr<log_sink> sink) {
  return {[=](ddb_extlog_atom, const extension_log& l) { sink->lines.push_back(l); }};
}

// Stands in for a peer actor: what `from`'s feed sends goes to `to` as peer `to_peer`.
inline caf::behavior relay(caf::event_based_actor* self, feed_actor to, uint64_t to_peer) {
  return {
      [=](ddb_send_atom, const hash_t&, wire_frames& frames) {
        self->send(to, ddb_wire_atom_v, to_peer, std::move(frames));
      },
      [=](ddb_end_atom, const hash_t&) {},
      [=](ddb_kick_atom, const hash_t&, const std::string&) {},
  };
}

inline byte_buffer bytes(const std::string& s) {
  return byte_buffer(s.begin(), s.end());
}
inline std::string text(const byte_buffer& b) {
  return std::string(b.begin(), b.end());
}

// Where the example and test plugins are built (build/plugins, beside build/ddatabase).
inline std::string plugin_path(const std::string& stem) {
  return (std::filesystem::path(ddb_bin()).parent_path() / "plugins" / ("lib" + stem + ".so"))
      .string();
}

struct sim_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::vector<caf::actor> actors;  // shut down at the end

  sim_fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }
  ~sim_fixture() {
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  void run() {
    sched->run();
    sched->advance_time(caf::timespan{0});
    sched->run();
  }

  template <class Handle>
  Handle keep(Handle h) {
    actors.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  feed_actor open_feed(std::optional<public_key> key = std::nullopt, bool sparse = false) {
    feed_options o;
    o.key = key;
    auto f = feed::open(make_memory_env(), o);
    BOOST_REQUIRE(f);
    feed_actor_options ao;
    ao.detached = false;
    ao.replication.sparse = sparse;
    return keep(spawn_feed_actor(*sys, std::move(*f), ao));
  }

  std::shared_ptr<log_sink> sink(caf::actor& out) {
    auto s = std::make_shared<log_sink>();
    out = keep(sys->spawn(sink_actor, s));
    return s;
  }

  std::shared_ptr<ext_record> record(extension_actor& out) {
    auto r = std::make_shared<ext_record>();
    out = keep(sys->spawn(recorder, r));
    return r;
  }

  // Connects feed a with feed b, both channels open. Peer ids are unique in the fixture: the
  // first connect makes b peer 1 of a, and a peer 2 of b. Returns a's id for b.
  uint64_t connect(const feed_actor& a, const feed_actor& b) {
    const uint64_t id_a = next_peer++, id_b = next_peer++;
    auto ra = keep(sys->spawn(relay, b, id_b));
    auto rb = keep(sys->spawn(relay, a, id_a));
    peer_info ia;
    ia.initiator = true;
    ia.live = true;
    peer_info ib;
    ib.live = true;
    ib.remote_address = "relay-a";
    caf::anon_send(a, ddb_attach_atom_v, ra, id_a, ia);
    caf::anon_send(b, ddb_attach_atom_v, rb, id_b, ib);
    caf::anon_send(a, ddb_ropen_atom_v, id_a);
    caf::anon_send(b, ddb_ropen_atom_v, id_b);
    run();
    return id_a;
  }
  uint64_t next_peer = 1;

  // Sends a request and runs until its reply: the value, or the error.
  template <class T, class Handle, class... Ts>
  result<T> ask(const Handle& h, Ts... xs) {
    auto out = std::make_shared<std::optional<result<T>>>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(h, caf::infinite, xs...)
          .then([=](T v) { out->emplace(std::move(v)); },
                [=](caf::error& e) { out->emplace(from_caf_error(e)); });
    });
    run();
    BOOST_REQUIRE(out->has_value());
    return std::move(**out);
  }

  status ask_void(const feed_actor& h, ddb_extreg_atom a, std::string name, extension_actor ext) {
    auto out = std::make_shared<std::optional<status>>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(h, caf::infinite, a, name, ext)
          .then([=]() { out->emplace(status::ok()); },
                [=](caf::error& e) { out->emplace(from_caf_error(e)); });
    });
    run();
    BOOST_REQUIRE(out->has_value());
    return **out;
  }

  uint64_t length(const feed_actor& f) {
    auto i = ask<feed_info>(f, ddb_info_atom_v);
    BOOST_REQUIRE(i);
    return i->length;
  }
};

}  // namespace ddb::test
