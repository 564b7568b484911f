#define BOOST_TEST_MODULE replicator_ext
#include <boost/test/unit_test.hpp>

#include "feed/feed.hpp"
#include "protocol/replicator.hpp"
#include "storage/env.hpp"
#include "wire/messages.hpp"

// Extension names in Options and Extension messages between two replicators in memory, with the
// reference's id mapping (abstract-extension): the sender's sorted index, resolved by name.

using namespace ddb;
using namespace ddb::replication;

namespace {

struct side {
  std::unique_ptr<feed> f;
  std::unique_ptr<replicator> r;
  std::vector<replicator_event> events;
  std::vector<outgoing> sent;  // everything this side produced, in order
};

std::unique_ptr<feed> open_feed(std::optional<public_key> key = std::nullopt) {
  feed_options o;
  o.key = key;
  auto f = feed::open(make_memory_env(), o);
  BOOST_REQUIRE(f);
  return std::move(*f);
}

// a's peer id for b is 1, b's peer id for a is 2.
struct pair_net {
  side a, b;
  pair_net() {
    a.f = open_feed();
    b.f = open_feed(a.f->key());
    a.r = std::make_unique<replicator>(*a.f, replicator_options{});
    b.r = std::make_unique<replicator>(*b.f, replicator_options{});
  }
  void connect() {
    peer_info ia;
    ia.initiator = true;
    a.r->add_peer(1, ia);
    b.r->add_peer(2, peer_info{});
    a.r->remote_open(1);
    b.r->remote_open(2);
  }
  void run() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      for (side* s : {&a, &b}) {
        std::vector<outgoing> out;
        std::vector<replicator_event> ev;
        s->r->take(out, ev);
        s->events.insert(s->events.end(), ev.begin(), ev.end());
        for (auto& o : out) {
          moved = true;
          s->sent.push_back(o);
          if (s == &a)
            b.r->on_frames(2, o.frames);
          else
            a.r->on_frames(1, o.frames);
        }
      }
      if (!moved) return;
    }
  }
};

std::vector<std::pair<std::string, std::string>> received(const side& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : s.events) {
    if (e.kind != event_kind::extension) continue;
    out.emplace_back(e.name, std::string(e.payload.begin(), e.payload.end()));
  }
  return out;
}

byte_view text(const std::string& s) {
  return byte_view(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::vector<wire::extension_message> extension_frames(const side& s) {
  std::vector<wire::extension_message> out;
  for (const auto& o : s.sent) {
    for (const auto& f : o.frames) {
      if (f.type == 15) out.push_back(*wire::decode_extension(byte_view(f.body)));
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(options_announce_sorted_names_without_ack) {
  pair_net n;
  n.a.r->set_extensions({"zeta", "echo", "alpha", "echo"});
  BOOST_TEST((n.a.r->extensions() == std::vector<std::string>{"alpha", "echo", "zeta"}));
  n.connect();
  n.run();
  // Options is the first frame a sends, ack=false present as the reference encodes it.
  BOOST_REQUIRE(!n.a.sent.empty());
  const wire_frame& first = n.a.sent.front().frames.front();
  BOOST_TEST(first.type == 1);
  wire::options_message want;
  want.extensions = {"alpha", "echo", "zeta"};
  want.ack = false;
  BOOST_TEST(first.body == wire::encode(want));
  BOOST_TEST((n.b.r->remote_extensions(2) == std::vector<std::string>{"alpha", "echo", "zeta"}));
  // b has no extensions and no ack: it sends no Options at all.
  for (const auto& o : n.b.sent) {
    for (const auto& f : o.frames) BOOST_TEST(f.type != 1);
  }
}

BOOST_AUTO_TEST_CASE(ids_are_the_senders_and_resolve_by_name) {
  pair_net n;
  n.a.r->set_extensions({"alpha", "echo"});
  n.b.r->set_extensions({"echo", "zeta"});
  n.connect();
  n.run();
  BOOST_REQUIRE(n.a.r->send_extension(1, "echo", text("from a")));
  BOOST_TEST(n.b.r->send_extension(2, "echo", text("from b")).is_ok());
  BOOST_TEST(n.b.r->broadcast_extension("zeta", text("a lacks zeta")) == 1u);
  BOOST_TEST(n.a.r->broadcast_extension("alpha", text("b lacks alpha")) == 1u);
  n.run();
  auto at_b = received(n.b);
  auto at_a = received(n.a);
  BOOST_REQUIRE(at_b.size() == 1u);
  BOOST_TEST(at_b[0].first == "echo");
  BOOST_TEST(at_b[0].second == "from a");
  BOOST_REQUIRE(at_a.size() == 1u);
  BOOST_TEST(at_a[0].first == "echo");
  BOOST_TEST(at_a[0].second == "from b");
  // On the wire: a's "echo" is its index 1, b's is its index 0.
  auto fa = extension_frames(n.a);
  auto fb = extension_frames(n.b);
  BOOST_REQUIRE(fa.size() == 2u);
  BOOST_TEST(fa[0].id == 1u);
  BOOST_TEST(fa[1].id == 0u);  // alpha
  BOOST_REQUIRE(fb.size() == 2u);
  BOOST_TEST(fb[0].id == 0u);
  BOOST_TEST(fb[1].id == 1u);  // zeta
}

BOOST_AUTO_TEST_CASE(errors_and_early_messages) {
  pair_net n;
  n.a.r->set_extensions({"echo"});
  BOOST_TEST((n.a.r->send_extension(1, "echo", text("x")).code() == errc::not_found));
  BOOST_TEST((n.a.r->send_extension(1, "nope", text("x")).code() == errc::invalid_argument));
  BOOST_TEST(n.a.r->broadcast_extension("nope", text("x")) == 0u);
  // b registers "echo" only after the channel opened: a message before b's Options is dropped,
  // and b's late Options (re-announced on change) make the next one arrive.
  n.connect();
  n.run();
  BOOST_REQUIRE(n.a.r->send_extension(1, "echo", text("early")));
  n.run();
  BOOST_TEST(received(n.b).empty());
  n.b.r->set_extensions({"echo"});
  n.run();
  BOOST_REQUIRE(n.a.r->send_extension(1, "echo", text("late")));
  n.b.r->send_extension(2, "echo", text("back"));
  n.run();
  BOOST_REQUIRE(received(n.b).size() == 1u);
  BOOST_TEST(received(n.b)[0].second == "late");
  BOOST_REQUIRE(received(n.a).size() == 1u);
  BOOST_TEST(received(n.a)[0].second == "back");
  // An id past the sender's list is ignored, not fatal.
  wire_frame bogus;
  bogus.type = 15;
  wire::encode(wire::extension_message{7, byte_buffer{1, 2}}, bogus.body);
  n.b.r->on_frames(2, wire_frames{bogus});
  BOOST_TEST(n.b.r->peer_count() == 1u);
}

BOOST_AUTO_TEST_CASE(ack_peer_still_gets_options_with_ack) {
  pair_net n;
  peer_info ia;
  ia.ack = true;
  n.a.r->add_peer(1, ia);
  n.b.r->add_peer(2, peer_info{});
  n.a.r->set_extensions({"echo"});
  n.a.r->remote_open(1);
  n.b.r->remote_open(2);
  n.run();
  auto o = wire::decode_options(byte_view(n.a.sent.front().frames.front().body));
  BOOST_REQUIRE(o);
  BOOST_TEST(o->ack.value_or(false));
  BOOST_TEST((o->extensions == std::vector<std::string>{"echo"}));
}
