#define BOOST_TEST_MODULE feed_actor
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/feed_client.hpp"
#include "messages/errors.hpp"
#include "storage/env.hpp"

using namespace ddb;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

constexpr auto event_timeout = std::chrono::seconds(10);

byte_buffer buf(const std::string& s) {
  return byte_buffer(s.begin(), s.end());
}
std::string str(const byte_buffer& b) {
  return std::string(b.begin(), b.end());
}

template <class T>
errc code_of(const result<T>& r) {
  return r ? errc::ok : r.error().code();
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<memory_store> store = make_memory_store();
  std::vector<feed_actor> spawned;

  ~fixture() {
    // Never leave a feed actor alive: ~actor_system would wait for it forever.
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  feed_client open(feed_options o = {}, feed_actor_options ao = {}) {
    auto c = feed_client::open(sys, make_memory_env(store), std::move(o), ao);
    BOOST_REQUIRE_MESSAGE(c, "open: " << c.error().to_string());
    spawned.push_back(c->actor());
    return std::move(*c);
  }

  // The engine's view of the closed feed's files.
  std::unique_ptr<feed> reopen_engine() {
    auto f = feed::open(make_memory_env(store), {});
    BOOST_REQUIRE_MESSAGE(f, "reopen: " << f.error().to_string());
    return std::move(*f);
  }

  // Receives the reply of a get/head/batch request sent earlier from `self`.
  template <class T, class Handle>
  result<T> await(Handle& h) {
    std::optional<result<T>> out;
    h.receive([&](T& v) { out.emplace(std::move(v)); },
              [&](caf::error& e) { out.emplace(from_caf_error(e)); });
    return std::move(*out);
  }
};

// The number of distinct signature slots of a feed.
size_t count_signatures(feed& f) {
  std::set<uint64_t> slots;
  for (uint64_t i = 0; i < f.length(); ++i) {
    auto s = f.signature(i);
    BOOST_REQUIRE(s);
    auto v = f.verify(s->index, s->signature);
    BOOST_REQUIRE(v);
    BOOST_TEST(*v, "signature(" << i << ") -> " << s->index);
    slots.insert(s->index);
  }
  return slots.size();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(feed_actor_suite, fixture)

BOOST_AUTO_TEST_CASE(basic_requests_through_the_client) {
  auto c = open();
  auto i0 = c.append(block_list{buf("hello")});
  BOOST_REQUIRE(i0);
  BOOST_TEST(*i0 == 0u);
  auto i1 = c.append(block_list{buf("a"), buf("bc"), buf("")});
  BOOST_REQUIRE(i1);
  BOOST_TEST(*i1 == 1u);
  auto g = c.get(2);
  BOOST_REQUIRE(g);
  BOOST_TEST(str(*g) == "bc");
  auto batch = c.get_batch(0, 4);
  BOOST_REQUIRE(batch);
  BOOST_REQUIRE(batch->size() == 4u);
  BOOST_TEST(str((*batch)[0]) == "hello");
  BOOST_TEST(str((*batch)[3]) == "");
  auto head = c.head();
  BOOST_REQUIRE(head);
  BOOST_TEST(str(*head) == "");
  auto info = c.info();
  BOOST_REQUIRE(info);
  BOOST_TEST(info->length == 4u);
  BOOST_TEST(info->byte_length == 8u);
  BOOST_TEST(info->downloaded == 4u);
  BOOST_TEST(info->writable);
  BOOST_TEST(info->readable);
  auto has = c.has(0, 4);
  BOOST_REQUIRE(has);
  BOOST_TEST(*has);
  auto seek = c.seek(6);
  BOOST_REQUIRE(seek);
  BOOST_TEST(seek->index == 2u);
  BOOST_TEST(seek->offset == 0u);
  auto sig = c.signature(1);
  BOOST_REQUIRE(sig);
  BOOST_TEST(sig->index == 3u);  // the batch signs only its last block
  auto ok = c.verify(sig->index, sig->signature);
  BOOST_REQUIRE(ok);
  BOOST_TEST(*ok);
  auto roots = c.root_hashes(3);
  BOOST_REQUIRE(roots);
  BOOST_TEST(crypto::verify_roots(*roots, 4, sig->signature, info->key));
  BOOST_REQUIRE(c.clear(1, 2));
  auto dl = c.downloaded(0, 4);
  BOOST_REQUIRE(dl);
  BOOST_TEST(*dl == 3u);
  BOOST_CHECK_EQUAL(code_of(c.get(1, get_options{false, 0})), errc::unavailable);
  auto audit = c.audit();
  BOOST_REQUIRE(audit);
  BOOST_TEST(audit->valid == 3u);
  BOOST_TEST(audit->invalid == 0u);
  BOOST_CHECK_EQUAL(code_of(c.append(block_list{byte_buffer(max_block_size + 1)})),
                    errc::block_too_large);
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(read_only_feed_refuses_appends) {
  feed_options o;
  o.key = crypto::generate_key_pair().public_key;
  auto c = open(o);
  BOOST_CHECK_EQUAL(code_of(c.append(block_list{buf("x")})), errc::not_writable);
  auto info = c.info();
  BOOST_REQUIRE(info);
  BOOST_TEST(!info->writable);
  BOOST_TEST(info->length == 0u);
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(concurrent_appends_are_grouped) {
  // The first batch's signing waits until every thread has sent all its appends, so everything
  // after the first batch is queued in the mailbox and must be grouped into one more batch.
  std::promise<void> open_gate;
  std::shared_future<void> gate = open_gate.get_future().share();
  std::atomic<int> signs{0};
  feed_options o;
  o.crypto.sign = [gate, &signs](byte_view msg, const secret_key& sk) -> result<signature_t> {
    ++signs;
    if (gate.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      return make_error(errc::timeout, "the test never opened the gate");
    }
    return crypto::sign(msg, sk);
  };
  auto c = open(o);

  constexpr int threads = 4;
  constexpr int per_thread = 30;
  struct sent {
    std::string tag;
    size_t blocks = 0;
    uint64_t index = 0;
    bool ok = false;
  };
  std::vector<std::vector<sent>> results(threads);
  std::atomic<int> done_sending{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      caf::scoped_actor self{sys};
      std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>> handles;
      auto& mine = results[t];
      for (int k = 0; k < per_thread; ++k) {
        sent s;
        s.tag = "t" + std::to_string(t) + "-" + std::to_string(k);
        s.blocks = 1 + k % 3;
        block_list blocks;
        for (size_t b = 0; b < s.blocks; ++b)
          blocks.push_back(buf(s.tag + "/" + std::to_string(b)));
        mine.push_back(s);
        handles.push_back(self->request(caf::actor_cast<caf::actor>(c.actor()), caf::infinite,
                                        ddb_append_atom_v, std::move(blocks)));
      }
      ++done_sending;
      for (int k = 0; k < per_thread; ++k) {
        handles[k].receive(
            [&](uint64_t index) {
              mine[k].index = index;
              mine[k].ok = true;
            },
            [&](caf::error&) { mine[k].ok = false; });
      }
    });
  }
  while (done_sending.load() < threads) std::this_thread::yield();
  open_gate.set_value();
  for (auto& th : pool) th.join();

  uint64_t total = 0;
  std::set<uint64_t> starts;
  for (auto& mine : results) {
    for (auto& s : mine) {
      BOOST_REQUIRE_MESSAGE(s.ok, s.tag << " failed");
      total += s.blocks;
      BOOST_TEST(starts.insert(s.index).second, "index " << s.index << " given twice");
    }
  }
  auto info = c.info();
  BOOST_REQUIRE(info);
  BOOST_TEST(info->length == total);
  for (auto& mine : results) {
    for (auto& s : mine) {
      auto got = c.get_batch(s.index, s.index + s.blocks);
      BOOST_REQUIRE(got);
      for (size_t b = 0; b < s.blocks; ++b) {
        BOOST_TEST(str((*got)[b]) == s.tag + "/" + std::to_string(b));
      }
    }
  }
  BOOST_TEST(signs.load() <= 2);
  auto early = c.signature(0);
  BOOST_REQUIRE(early);
  BOOST_REQUIRE(c.close());
  auto f = reopen_engine();
  BOOST_TEST(f->length() == total);
  size_t sigs = count_signatures(*f);
  BOOST_TEST(sigs <= 2u);
  BOOST_TEST(sigs < static_cast<size_t>(threads * per_thread));
}

BOOST_AUTO_TEST_CASE(concurrent_clients_append_consistently) {
  auto c = open();
  constexpr int threads = 4;
  constexpr int per_thread = 40;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> got(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      feed_client mine(sys, c.actor());
      for (int k = 0; k < per_thread; ++k) {
        std::string v = std::to_string(t) + ":" + std::to_string(k);
        auto r = mine.append(block_list{buf(v)});
        if (r) got[t].emplace_back(*r, v);
      }
    });
  }
  for (auto& th : pool) th.join();
  std::set<uint64_t> seen;
  for (auto& mine : got) {
    BOOST_REQUIRE_EQUAL(mine.size(), static_cast<size_t>(per_thread));
    uint64_t last = 0;
    for (size_t k = 0; k < mine.size(); ++k) {
      auto& [index, v] = mine[k];
      BOOST_TEST(seen.insert(index).second);
      if (k > 0) BOOST_TEST(index > last);  // one thread's appends stay in order
      last = index;
      auto b = c.get(index);
      BOOST_REQUIRE(b);
      BOOST_TEST(str(*b) == v);
    }
  }
  auto info = c.info();
  BOOST_REQUIRE(info);
  BOOST_TEST(info->length == static_cast<uint64_t>(threads * per_thread));
  BOOST_REQUIRE(c.close());
  auto f = reopen_engine();
  BOOST_TEST(count_signatures(*f) >= 1u);
}

BOOST_AUTO_TEST_CASE(get_waits_for_a_future_block) {
  auto c = open();
  BOOST_REQUIRE(c.append(block_list{buf("zero")}));
  caf::scoped_actor self{sys};
  auto one = self->request(c.actor(), caf::infinite, ddb_get_atom_v, uint64_t{2}, get_options{});
  auto many = self->request(c.actor(), caf::infinite, ddb_batch_atom_v, uint64_t{0}, uint64_t{3},
                            get_options{});
  BOOST_REQUIRE(c.append(block_list{buf("one"), buf("two")}));
  auto r = await<byte_buffer>(one);
  BOOST_REQUIRE_MESSAGE(r, r.error().to_string());
  BOOST_TEST(str(*r) == "two");
  auto rs = await<block_list>(many);
  BOOST_REQUIRE(rs);
  BOOST_REQUIRE(rs->size() == 3u);
  BOOST_TEST(str((*rs)[1]) == "one");
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(get_times_out) {
  auto c = open();
  auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_EQUAL(code_of(c.get(0, get_options{true, 50})), errc::timeout);
  BOOST_TEST((std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50)));
  BOOST_CHECK_EQUAL(code_of(c.get_batch(0, 2, get_options{true, 20})), errc::timeout);
  BOOST_CHECK_EQUAL(code_of(c.head(get_options{true, 20})), errc::timeout);
  // The timed-out waits are gone: a later append is fine and a late timer hurts nothing.
  BOOST_REQUIRE(c.append(block_list{buf("x")}));
  auto g = c.get(0, get_options{true, 50});
  BOOST_REQUIRE(g);
  BOOST_TEST(str(*g) == "x");
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(cancel_fails_a_waiting_get) {
  auto c = open();
  caf::scoped_actor self{sys};
  auto inside = self->request(c.actor(), caf::infinite, ddb_get_atom_v, uint64_t{3}, get_options{});
  auto outside =
      self->request(c.actor(), caf::infinite, ddb_get_atom_v, uint64_t{9}, get_options{});
  auto range = self->request(c.actor(), caf::infinite, ddb_batch_atom_v, uint64_t{0}, uint64_t{5},
                             get_options{});
  BOOST_REQUIRE(c.cancel(2, 4));
  auto r = await<byte_buffer>(inside);
  BOOST_CHECK_EQUAL(code_of(r), errc::cancelled);
  auto rr = await<block_list>(range);
  BOOST_CHECK_EQUAL(code_of(rr), errc::cancelled);
  // The get outside the cancelled range still waits and is answered.
  block_list ten;
  for (int i = 0; i < 10; ++i) ten.push_back(buf("b" + std::to_string(i)));
  BOOST_REQUIRE(c.append(ten));
  auto o = await<byte_buffer>(outside);
  BOOST_REQUIRE(o);
  BOOST_TEST(str(*o) == "b9");
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(get_without_wait_fails_at_once) {
  auto c = open();
  auto r = c.get(0, get_options{false, 0});
  BOOST_TEST((code_of(r) == errc::bad_index || code_of(r) == errc::unavailable));
  BOOST_CHECK_EQUAL(code_of(c.get_batch(0, 1, get_options{false, 0})), errc::bad_index);
  BOOST_CHECK_EQUAL(code_of(c.head(get_options{false, 0})), errc::bad_index);
  BOOST_REQUIRE(c.append(block_list{buf("x")}));
  BOOST_CHECK_EQUAL(code_of(c.get(5, get_options{false, 0})), errc::bad_index);
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(head_waits_for_the_first_append) {
  auto c = open();
  caf::scoped_actor self{sys};
  auto h = self->request(c.actor(), caf::infinite, ddb_head_atom_v, get_options{});
  BOOST_REQUIRE(c.append(block_list{buf("first"), buf("second")}));
  auto r = await<byte_buffer>(h);
  BOOST_REQUIRE(r);
  BOOST_TEST(str(*r) == "second");
  auto again = c.head();
  BOOST_REQUIRE(again);
  BOOST_TEST(str(*again) == "second");
  BOOST_REQUIRE(c.close());
}

BOOST_AUTO_TEST_CASE(subscribers_see_appends_and_close) {
  auto c = open();
  caf::scoped_actor sub{sys};
  BOOST_REQUIRE(c.subscribe(caf::actor_cast<caf::actor>(sub)));
  BOOST_REQUIRE(c.append(block_list{buf("ab"), buf("cde")}));
  BOOST_REQUIRE(c.append(block_list{buf("f")}));
  std::vector<feed_event> events;
  // The next append or close event (sync events may come in between).
  auto next = [&] {
    for (;;) {
      std::optional<feed_event> got;
      sub->receive([&](ddb_event_atom, const feed_event& ev) { got = ev; },
                   caf::after(event_timeout) >> [] {});
      BOOST_REQUIRE_MESSAGE(got, "no event");
      if (got->type == feed_event_type::sync) continue;
      events.push_back(*got);
      return;
    }
  };
  next();
  next();
  BOOST_TEST((events[0].type == feed_event_type::append));
  BOOST_TEST(events[0].length == 2u);
  BOOST_TEST(events[0].byte_length == 5u);
  BOOST_TEST((events[1].type == feed_event_type::append));
  BOOST_TEST(events[1].length == 3u);
  BOOST_TEST(events[1].byte_length == 6u);
  BOOST_REQUIRE(c.close());
  next();
  BOOST_TEST((events[2].type == feed_event_type::close));
}

BOOST_AUTO_TEST_CASE(close_fails_pending_waits_and_later_requests) {
  auto c = open();
  BOOST_REQUIRE(c.append(block_list{buf("x")}));
  caf::scoped_actor self{sys};
  auto w = self->request(c.actor(), caf::infinite, ddb_get_atom_v, uint64_t{4}, get_options{});
  auto wb = self->request(c.actor(), caf::infinite, ddb_batch_atom_v, uint64_t{0}, uint64_t{3},
                          get_options{});
  BOOST_REQUIRE(c.close());
  BOOST_CHECK_EQUAL(code_of(await<byte_buffer>(w)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(await<block_list>(wb)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(c.get(0)), errc::closed);
  BOOST_CHECK_EQUAL(code_of(c.append(block_list{buf("y")})), errc::closed);
  BOOST_CHECK_EQUAL(code_of(c.info()), errc::closed);
  // What was appended before the close is stored.
  auto f = reopen_engine();
  BOOST_TEST(f->length() == 1u);
}

BOOST_AUTO_TEST_CASE(appends_queued_before_close_are_written) {
  auto c = open();
  caf::scoped_actor self{sys};
  auto a = self->request(c.actor(), caf::infinite, ddb_append_atom_v, block_list{buf("q")});
  BOOST_REQUIRE(c.close());
  std::optional<uint64_t> index;
  a.receive([&](uint64_t i) { index = i; }, [&](caf::error&) {});
  BOOST_REQUIRE(index);
  BOOST_TEST(*index == 0u);
  auto f = reopen_engine();
  BOOST_TEST(f->length() == 1u);
}

BOOST_AUTO_TEST_CASE(destroy_storage_through_the_actor) {
  auto c = open();
  BOOST_REQUIRE(c.append(block_list{buf("x")}));
  BOOST_REQUIRE(c.destroy_storage());
  BOOST_TEST(!make_memory_env(store)->exists("data"));
  BOOST_CHECK_EQUAL(code_of(c.get(0)), errc::closed);
}

BOOST_AUTO_TEST_SUITE_END()
