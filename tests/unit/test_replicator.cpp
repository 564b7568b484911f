#define BOOST_TEST_MODULE replicator
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "feed/feed.hpp"
#include "protocol/replicator.hpp"
#include "storage/env.hpp"

// Two or more replicators wired back to back in memory: frames produced for a peer are fed to
// the other side's replicator, until nothing moves. No network, no actors.

using namespace ddb;
using namespace ddb::replication;

namespace {

struct node {
  std::unique_ptr<feed> f;
  std::unique_ptr<replicator> r;
  std::vector<replicator_event> events;
};

std::unique_ptr<feed> open_feed(std::optional<public_key> key = std::nullopt) {
  feed_options o;
  o.key = key;
  auto f = feed::open(make_memory_env(), o);
  BOOST_REQUIRE(f);
  return std::move(*f);
}

// A writer holding `blocks` and an empty clone of its feed, each with a replicator and the other
// opened as its peer (the clone knows the writer as peer 1, the writer the clone as peer 2), for
// tests that carry the frames between them by hand.
template <class Blocks>
std::pair<node, node> wired(const Blocks& blocks) {
  node w{open_feed(), nullptr, {}};
  BOOST_REQUIRE(w.f->append(blocks));
  node c{open_feed(w.f->key()), nullptr, {}};
  w.r = std::make_unique<replicator>(*w.f, replicator_options{});
  c.r = std::make_unique<replicator>(*c.f, replicator_options{});
  c.r->add_peer(1, peer_info{});
  w.r->add_peer(2, peer_info{});
  c.r->remote_open(1);
  w.r->remote_open(2);
  return {std::move(w), std::move(c)};
}

// Carries frames from w to c (through `tamper`, which may alter them) and c's answers back,
// until c drops w or nothing moves; returns whether c dropped w. For pairs made by wired().
template <class Tamper>
bool carry(node& w, node& c, Tamper tamper) {
  for (int round = 0; round < 1000; ++round) {
    std::vector<outgoing> out;
    std::vector<replicator_event> ev;
    w.r->take(out, ev);
    for (auto& o : out) {
      tamper(o.frames);
      c.r->on_frames(1, o.frames);
    }
    c.r->take(out, ev);
    for (const auto& e : ev) {
      if (e.kind == event_kind::drop_peer) return true;
    }
    if (out.empty()) return false;
    for (auto& o : out) w.r->on_frames(2, o.frames);
  }
  return false;
}

struct net {
  std::vector<node*> nodes;
  // link id -> (node a, node b); peer ids: on node a the peer is `2*link+1`, on b `2*link+2`.
  struct link {
    node* a;
    node* b;
  };
  std::vector<link> links;

  uint64_t connect(node& a, node& b, peer_info ia = {}, peer_info ib = {}) {
    uint64_t id = links.size();
    links.push_back({&a, &b});
    ia.initiator = true;
    a.r->add_peer(2 * id + 1, ia);
    b.r->add_peer(2 * id + 2, ib);
    a.r->remote_open(2 * id + 1);
    b.r->remote_open(2 * id + 2);
    return id;
  }

  // Delivers frames until quiet; returns the number of rounds.
  int run(int max_rounds = 100000) {
    int rounds = 0;
    for (; rounds < max_rounds; ++rounds) {
      bool moved = false;
      for (node* n : nodes) {
        std::vector<outgoing> out;
        std::vector<replicator_event> ev;
        n->r->take(out, ev);
        BOOST_REQUIRE(n->f->flush_puts());
        n->events.insert(n->events.end(), ev.begin(), ev.end());
        for (auto& o : out) {
          moved = true;
          uint64_t link_id = (o.peer - 1) / 2;
          bool from_a = o.peer % 2 == 1;
          node* to = from_a ? links[link_id].b : links[link_id].a;
          to->r->on_frames(from_a ? 2 * link_id + 2 : 2 * link_id + 1, o.frames);
        }
      }
      if (!moved) break;
    }
    return rounds;
  }
};

std::vector<byte_buffer> make_blocks(uint64_t n, size_t size, uint64_t salt = 0) {
  std::vector<byte_buffer> out;
  for (uint64_t i = 0; i < n; ++i) {
    byte_buffer b(size);
    for (size_t j = 0; j < size; ++j) b[j] = static_cast<uint8_t>((i + salt) * 13 + j);
    out.push_back(b);
  }
  return out;
}

bool has_event(const node& n, event_kind k) {
  for (const auto& e : n.events) {
    if (e.kind == k) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_clone_downloads_everything) {
  node w{open_feed(), nullptr, {}};
  auto blocks = make_blocks(1000, 100);
  BOOST_REQUIRE(w.f->append(blocks));
  node c{open_feed(w.f->key()), nullptr, {}};
  w.r = std::make_unique<replicator>(*w.f, replicator_options{});
  c.r = std::make_unique<replicator>(*c.f, replicator_options{});
  net n;
  for (node* x : {&w, &c}) n.nodes.push_back(x);
  n.connect(c, w);
  n.run();
  BOOST_TEST(c.f->length() == 1000u);
  BOOST_TEST(c.f->downloaded() == 1000u);
  for (uint64_t i = 0; i < 1000; i += 97) BOOST_TEST(*c.f->get(i) == blocks[i]);
  auto sig = c.f->signature();
  BOOST_REQUIRE(sig);
  BOOST_TEST(*c.f->verify(sig->index, sig->signature));
  BOOST_TEST(has_event(c, event_kind::sync));
  BOOST_TEST(c.r->totals().downloaded_blocks == 1000u);
  BOOST_TEST(w.r->totals().uploaded_blocks == 1000u);
  BOOST_TEST(c.f->audit()->invalid == 0u);
}

BOOST_AUTO_TEST_CASE(live_follower_gets_new_appends) {
  node w{open_feed(), nullptr, {}};
  BOOST_REQUIRE(w.f->append(make_blocks(10, 50)));
  node c{open_feed(w.f->key()), nullptr, {}};
  w.r = std::make_unique<replicator>(*w.f, replicator_options{});
  c.r = std::make_unique<replicator>(*c.f, replicator_options{});
  net n;
  for (node* x : {&w, &c}) n.nodes.push_back(x);
  peer_info live;
  live.live = true;
  n.connect(c, w, live, live);
  n.run();
  BOOST_TEST(c.f->length() == 10u);
  for (int round = 0; round < 5; ++round) {
    auto first = w.f->append(make_blocks(7, 50, 100 + round));
    BOOST_REQUIRE(first);
    w.r->on_local_append(*first, 7);
    n.run();
    BOOST_TEST(c.f->length() == w.f->length());
    BOOST_TEST(c.f->downloaded() == w.f->length());
  }
}

BOOST_AUTO_TEST_CASE(sparse_follower_fetches_only_what_it_asks) {
  node w{open_feed(), nullptr, {}};
  auto blocks = make_blocks(500, 64);
  BOOST_REQUIRE(w.f->append(blocks));
  node c{open_feed(w.f->key()), nullptr, {}};
  replicator_options sparse;
  sparse.sparse = true;
  w.r = std::make_unique<replicator>(*w.f, replicator_options{});
  c.r = std::make_unique<replicator>(*c.f, sparse);
  net n;
  for (node* x : {&w, &c}) n.nodes.push_back(x);
  n.connect(c, w);
  n.run();
  BOOST_TEST(c.f->downloaded(0, 500) == 0u);
  range_request r;
  r.start = 100;
  r.end = 150;
  uint64_t id = c.r->download(r);
  n.run();
  BOOST_TEST(c.f->downloaded(0, 500) == 50u);
  BOOST_TEST(c.f->has(100, 150));
  bool done = false;
  for (const auto& e : c.events) done |= e.kind == event_kind::selection_done && e.index == id;
  BOOST_TEST(done);
  c.r->prioritize(420);
  n.run();
  BOOST_TEST(c.f->has(420));
  BOOST_TEST(*c.f->get(420) == blocks[420]);
  BOOST_TEST(c.f->downloaded(0, 500) == 51u);
  // Cleared blocks are fetched again when asked (the reference never re-downloads them).
  BOOST_REQUIRE(c.f->clear(100, 110));
  c.r->on_local_clear(100, 110);
  BOOST_TEST(!c.f->has(105));
  c.r->prioritize(105);
  n.run();
  BOOST_TEST(c.f->has(105));
}

BOOST_AUTO_TEST_CASE(update_learns_length_without_data) {
  node w{open_feed(), nullptr, {}};
  BOOST_REQUIRE(w.f->append(make_blocks(33, 10)));
  node c{open_feed(w.f->key()), nullptr, {}};
  replicator_options sparse;
  sparse.sparse = true;
  w.r = std::make_unique<replicator>(*w.f, replicator_options{});
  c.r = std::make_unique<replicator>(*c.f, sparse);
  net n;
  for (node* x : {&w, &c}) n.nodes.push_back(x);
  n.connect(c, w);
  c.r->want_length(1);
  n.run();
  BOOST_TEST(c.f->length() == 33u);
  BOOST_TEST(c.f->downloaded() == 0u);
  BOOST_TEST(c.r->settled());
}

BOOST_AUTO_TEST_CASE(chain_and_mesh_converge) {
  node w{open_feed(), nullptr, {}};
  auto blocks = make_blocks(300, 80);
  BOOST_REQUIRE(w.f->append(blocks));
  std::vector<std::unique_ptr<node>> followers;
  for (int i = 0; i < 3; ++i) {
    followers.push_back(std::make_unique<node>(node{open_feed(w.f->key()), nullptr, {}}));
  }
  w.r = std::make_unique<replicator>(*w.f, replicator_options{});
  for (auto& f : followers) f->r = std::make_unique<replicator>(*f->f, replicator_options{});
  net n;
  for (node* x : {&w, followers[0].get(), followers[1].get(), followers[2].get()})
    n.nodes.push_back(x);
  peer_info live;
  live.live = true;
  // chain w -> f0 -> f1, and a mesh edge f1 <-> f2, f2 <-> f0
  n.connect(*followers[0], w, live, live);
  n.connect(*followers[1], *followers[0], live, live);
  n.connect(*followers[2], *followers[1], live, live);
  n.connect(*followers[2], *followers[0], live, live);
  n.run();
  for (auto& f : followers) {
    BOOST_TEST(f->f->length() == 300u);
    BOOST_TEST(f->f->downloaded() == 300u);
    BOOST_TEST(*f->f->get(299) == blocks[299]);
  }
}

BOOST_AUTO_TEST_CASE(tampered_data_is_never_written_and_peer_dropped) {
  auto [w, c] = wired(make_blocks(20, 40));
  bool dropped = carry(w, c, [](std::vector<wire_frame>& frames) {
    for (auto& fr : frames) {
      if (fr.type == 9) fr.body[fr.body.size() - 1] ^= 1;  // corrupt every Data message
    }
  });
  BOOST_TEST(dropped);
  BOOST_REQUIRE(c.f->flush_puts());
  BOOST_TEST(c.f->downloaded(0, 20) == 0u);
  BOOST_TEST(c.r->peer_count() == 0u);
}

BOOST_AUTO_TEST_CASE(large_blocks_hashed_as_a_batch_are_still_verified_one_by_one) {
  // Batches of 64 KiB blocks have their leaves hashed together (on two threads); a block altered
  // in the middle of such a batch is still refused and never written, and the rest is correct.
  auto blocks = make_blocks(24, 64 * 1024);
  auto [w, c] = wired(blocks);
  uint64_t corrupted = UINT64_MAX;
  size_t largest_batch = 0;
  bool dropped = carry(w, c, [&](std::vector<wire_frame>& frames) {
    size_t data = 0;
    for (auto& fr : frames) {
      if (fr.type != 9) continue;
      if (++data == 3 && corrupted == UINT64_MAX) {
        auto m = wire::decode_data(byte_view(fr.body));
        BOOST_REQUIRE(m);
        BOOST_REQUIRE(m->value);
        corrupted = m->index;
        fr.body[fr.body.size() / 2] ^= 1;  // inside the value
      }
    }
    largest_batch = std::max(largest_batch, data);
  });
  BOOST_TEST(dropped);
  BOOST_TEST(largest_batch >= 3u);
  BOOST_REQUIRE(corrupted < 24u);
  BOOST_REQUIRE(c.f->flush_puts());
  BOOST_TEST(!c.f->has(corrupted));

  // A clean connection finishes the clone.
  c.r->add_peer(3, peer_info{});
  w.r->add_peer(4, peer_info{});
  c.r->remote_open(3);
  w.r->remote_open(4);
  for (int round = 0; round < 1000; ++round) {
    std::vector<outgoing> out;
    std::vector<replicator_event> ev;
    bool moved = false;
    w.r->take(out, ev);
    for (auto& o : out) {
      if (o.peer != 4) continue;
      moved = true;
      c.r->on_frames(3, o.frames);
    }
    c.r->take(out, ev);
    BOOST_REQUIRE(c.f->flush_puts());
    for (auto& o : out) {
      if (o.peer != 3) continue;
      moved = true;
      w.r->on_frames(4, o.frames);
    }
    if (!moved) break;
  }
  BOOST_TEST(c.f->downloaded() == 24u);
  for (uint64_t i = 0; i < 24; ++i) BOOST_TEST(*c.f->get(i) == blocks[i]);
  BOOST_TEST(c.f->audit()->invalid == 0u);
}
