// The storage actor and the feed actor's writes through it: batches are written in the order
// sent, each in the crash-safe order; a failed write refuses the rest of its generation; a
// block is answered, announced and served to waiting readers only after its batch is written;
// and the files are the bytes the synchronous engine writes.
#define BOOST_TEST_MODULE storage_actor
#include <condition_variable>
#include <future>

#include "actors/storage_actor.hpp"
#include "tests/actors/replication_fixture.hpp"

using namespace ddb;
using namespace ddb::reptest;

BOOST_TEST_GLOBAL_FIXTURE(init_sodium);

namespace {

// What a test sees of the files: each write (file and offset) in order, a gate that holds
// writes to one file until opened, and a failure to inject.
struct probe {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, uint64_t>> writes;
  std::string gate_file;  // "" = no gate
  bool gate_open = true;
  bool gate_entered = false;
  std::string fail_file;
  errc fail_with = errc::ok;

  void arm(const std::string& file) {
    std::lock_guard<std::mutex> lock(mu);
    gate_file = file;
    gate_open = false;
    gate_entered = false;
  }
  bool wait_entered() {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, wait_limit, [&] { return gate_entered; });
  }
  void open() {
    std::lock_guard<std::mutex> lock(mu);
    gate_open = true;
    cv.notify_all();
  }
  std::vector<std::pair<std::string, uint64_t>> taken() {
    std::lock_guard<std::mutex> lock(mu);
    return writes;
  }
};

class probe_file final : public random_access_file {
 public:
  probe_file(std::unique_ptr<random_access_file> f, std::string name, std::shared_ptr<probe> p)
      : f_(std::move(f)), name_(std::move(name)), p_(std::move(p)) {}
  status read(uint64_t o, size_t n, uint8_t* out) override { return f_->read(o, n, out); }
  status write(uint64_t o, byte_view b) override {
    {
      std::unique_lock<std::mutex> lock(p_->mu);
      if (p_->fail_with != errc::ok && name_ == p_->fail_file) {
        return make_error(p_->fail_with, "injected");
      }
      if (name_ == p_->gate_file && !p_->gate_open) {
        p_->gate_entered = true;
        p_->cv.notify_all();
        p_->cv.wait(lock, [&] { return p_->gate_open; });
      }
      p_->writes.emplace_back(name_, o);
    }
    return f_->write(o, b);
  }
  status erase(uint64_t o, uint64_t n) override { return f_->erase(o, n); }
  status truncate(uint64_t n) override { return f_->truncate(n); }
  result<uint64_t> size() override { return f_->size(); }
  status sync() override { return f_->sync(); }
  status close() override { return f_->close(); }

 private:
  std::unique_ptr<random_access_file> f_;
  std::string name_;
  std::shared_ptr<probe> p_;
};

class probe_env final : public env {
 public:
  probe_env(std::shared_ptr<memory_store> store, std::shared_ptr<probe> p)
      : e_(make_memory_env(std::move(store))), p_(std::move(p)) {}
  result<std::unique_ptr<random_access_file>> open(const std::string& name,
                                                   const open_options& o) override {
    auto f = e_->open(name, o);
    if (!f) return f.error();
    return std::unique_ptr<random_access_file>(new probe_file(std::move(*f), name, p_));
  }
  bool exists(const std::string& name) override { return e_->exists(name); }
  status destroy() override { return e_->destroy(); }

 private:
  std::unique_ptr<env> e_;
  std::shared_ptr<probe> p_;
};

// The bytes of every file of a feed in `store`.
std::map<std::string, byte_buffer> file_bytes(const std::shared_ptr<memory_store>& store) {
  std::map<std::string, byte_buffer> out;
  auto e = make_memory_env(store);
  for (const char* name : {"key", "secret_key", "tree", "data", "bitfield", "signatures"}) {
    open_options o;
    o.create = false;
    auto f = e->open(name, o);
    BOOST_REQUIRE_MESSAGE(f, name);
    auto size = (*f)->size();
    BOOST_REQUIRE(size);
    byte_buffer b(*size);
    if (*size > 0) BOOST_REQUIRE((*f)->read(0, b.size(), b.data()));
    out[name] = std::move(b);
  }
  return out;
}

// A batch of one block `text` at data offset `offset`: data, its leaf, a signature, and a page.
std::shared_ptr<write_batch> one_block_batch(uint64_t block, uint64_t offset,
                                             const std::string& text) {
  auto b = std::make_shared<write_batch>();
  b->data_offset = offset;
  b->data = buf(text);
  b->first_node = 2 * block;
  b->nodes.push_back(tree_node{2 * block, text.size(), crypto::leaf_hash(byte_view(b->data))});
  signature_t sig{};
  sig.fill(static_cast<uint8_t>(block + 1));
  b->signatures.emplace_back(block, sig);
  b->bitfield_pages.emplace_back(0, byte_buffer(bitfield::page_size, uint8_t(0x80 | block)));
  return b;
}

// The position of the first write of `file` at `offset` in `w` (w.size() when absent).
size_t pos(const std::vector<std::pair<std::string, uint64_t>>& w, const std::string& file,
           std::optional<uint64_t> offset = std::nullopt) {
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i].first == file && (!offset || w[i].second == *offset)) return i;
  }
  return w.size();
}

struct storage_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<probe> p = std::make_shared<probe>();
  std::shared_ptr<memory_store> store = make_memory_store();

  std::shared_ptr<feed_files> files() {
    auto f = feed_files::open(std::make_unique<probe_env>(store, p), feed_files_options{});
    BOOST_REQUIRE(f);
    return std::shared_ptr<feed_files>(std::move(*f));
  }
  // Sends every write first, then collects the replies in order (sequence or error code).
  std::vector<result<uint64_t>> write_all(storage_actor a, std::vector<storage_write> ws) {
    caf::scoped_actor self{sys};
    std::vector<caf::message_id> ids;
    std::vector<result<uint64_t>> out;
    for (auto& w : ws) {
      self->request(a, wait_limit, ddb_write_atom_v, w)
          .receive([&](uint64_t s) { out.emplace_back(s); },
                   [&](caf::error& e) { out.emplace_back(from_caf_error(e)); });
    }
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(batches_are_written_in_order_each_in_the_crash_safe_order,
                        storage_fixture) {
  auto a = sys.spawn(storage_behavior, files());
  auto before = p->taken().size();  // the headers
  auto replies = write_all(
      a, {{1, 0, one_block_batch(0, 0, "first")}, {2, 0, one_block_batch(1, 5, "second")}});
  BOOST_REQUIRE_EQUAL(replies.size(), 2u);
  BOOST_TEST(*replies[0] == 1u);
  BOOST_TEST(*replies[1] == 2u);
  auto all = p->taken();
  std::vector<std::pair<std::string, uint64_t>> w(all.begin() + static_cast<long>(before),
                                                  all.end());
  // First batch: data, tree, signatures, then the bitfield; all of it before the second's.
  const size_t d0 = pos(w, "data", 0), d1 = pos(w, "data", 5);
  const size_t t0 = pos(w, "tree"), s0 = pos(w, "signatures"), b0 = pos(w, "bitfield");
  BOOST_TEST(d0 < t0);
  BOOST_TEST(t0 < s0);
  BOOST_TEST(s0 < b0);
  BOOST_TEST(b0 < d1);
  BOOST_TEST(d1 < w.size());
  // The second batch's page is what the file holds.
  auto bytes = file_bytes(store);
  BOOST_TEST(bytes["data"].size() == 11u);
  BOOST_TEST(str(bytes["data"]) == "firstsecond");
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(a_failed_write_refuses_the_rest_of_its_generation, storage_fixture) {
  auto a = sys.spawn(storage_behavior, files());
  {
    std::lock_guard<std::mutex> lock(p->mu);
    p->fail_file = "data";
    p->fail_with = errc::no_space;
  }
  auto replies = write_all(a, {{1, 0, one_block_batch(0, 0, "first")}});
  BOOST_REQUIRE_EQUAL(replies.size(), 1u);
  BOOST_TEST(code_of(replies[0]) == errc::no_space);
  {
    std::lock_guard<std::mutex> lock(p->mu);
    p->fail_with = errc::ok;  // the disk has room again
  }
  auto before = p->taken().size();
  // The same generation stays refused (its pages would show the failed block); nothing written.
  replies = write_all(a, {{2, 0, one_block_batch(1, 5, "second")}});
  BOOST_TEST(code_of(replies[0]) == errc::no_space);
  BOOST_TEST(p->taken().size() == before);
  // A new generation (the feed actor rolled the failed batch back) is written.
  replies = write_all(a, {{3, 1, one_block_batch(0, 0, "again")}});
  BOOST_TEST(*replies[0] == 3u);
  BOOST_TEST(str(file_bytes(store)["data"]) == "again");
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(an_append_is_answered_and_announced_only_after_its_write, storage_fixture) {
  auto client = feed_client::open(sys, std::make_unique<probe_env>(store, p));
  BOOST_REQUIRE(client);
  event_log log(sys);
  BOOST_REQUIRE(client->subscribe(log.handle()));
  p->arm("bitfield");
  auto before = p->taken().size();
  feed_actor actor = client->actor();
  auto reply = std::async(std::launch::async, [&] {
    caf::scoped_actor self{sys};
    std::optional<result<uint64_t>> out;
    self->request(actor, wait_limit, ddb_append_atom_v, make_blocks(3))
        .receive([&](uint64_t i) { out.emplace(i); },
                 [&](caf::error& e) { out.emplace(from_caf_error(e)); });
    return *out;
  });
  BOOST_REQUIRE(p->wait_entered());
  // The storage actor is inside the bitfield write: data, tree and signatures are written...
  auto w = p->taken();
  w.erase(w.begin(), w.begin() + static_cast<long>(before));
  BOOST_TEST(pos(w, "data") < pos(w, "tree"));
  BOOST_TEST(pos(w, "tree") < pos(w, "signatures"));
  BOOST_TEST(pos(w, "signatures") < w.size());
  // ... and neither the reply nor the append event can have been sent yet.
  BOOST_TEST((reply.wait_for(0ms) == std::future_status::timeout));
  log.drain();
  BOOST_TEST(log.count(feed_event_type::append) == 0u);
  p->open();
  auto first = reply.get();
  BOOST_REQUIRE(first);
  BOOST_TEST(*first == 0u);
  BOOST_REQUIRE(log.wait_count(feed_event_type::append, 1));
  auto got = client->get(2);
  BOOST_REQUIRE(got);
  BOOST_TEST(str(*got) == str(make_blocks(3)[2]));
  BOOST_TEST(client->close().is_ok());
}

BOOST_FIXTURE_TEST_CASE(appended_files_are_the_bytes_the_synchronous_engine_writes,
                        storage_fixture) {
  crypto::key_pair kp = crypto::generate_key_pair(random_source{});
  feed_options o;
  o.secret_key = kp.secret_key;
  const std::vector<block_list> batches = {make_blocks(5, "a"), make_blocks(1, "b"),
                                           make_blocks(300, "c"), make_blocks(2, "d")};
  auto through_actor = make_memory_store();
  {
    auto client = feed_client::open(sys, make_memory_env(through_actor), o);
    BOOST_REQUIRE(client);
    for (const auto& b : batches) BOOST_REQUIRE(client->append(b));
    BOOST_REQUIRE(client->clear(2, 4));
    BOOST_REQUIRE(client->close());
  }
  auto direct = make_memory_store();
  {
    auto f = feed::open(make_memory_env(direct), o);
    BOOST_REQUIRE(f);
    for (const auto& b : batches) BOOST_REQUIRE((*f)->append(b));
    BOOST_REQUIRE((*f)->clear(2, 4));
    BOOST_REQUIRE((*f)->close());
  }
  auto a = file_bytes(through_actor);
  auto b = file_bytes(direct);
  for (const auto& [name, bytes] : b) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(bytes.size() > 0u);
      BOOST_TEST((a[name] == bytes));
    }
  }
}

// A follower's storage actor held inside its first bitfield write: the received blocks are
// staged or being written, and the feed actor (free meanwhile) neither counts nor announces them;
// a get that does not wait is served from the batch. Once written, everything follows.
BOOST_FIXTURE_TEST_CASE(a_replicated_block_is_announced_only_after_its_write, fixture) {
  auto blocks = make_blocks(40);
  auto& w = writer(blocks);
  auto p = std::make_shared<probe>();
  auto store = make_memory_store();
  feed_options o;
  o.key = w.key;
  auto t = std::make_unique<test_feed>();
  t->store = store;
  auto c = feed_client::open(sys, std::make_unique<probe_env>(store, p), o);
  BOOST_REQUIRE(c);
  t->client = std::make_unique<feed_client>(std::move(*c));
  t->key = w.key;
  t->dkey = w.dkey;
  t->log = std::make_unique<event_log>(sys);
  BOOST_REQUIRE(t->client->subscribe(t->log->handle()));
  feeds.push_back(std::move(t));
  test_feed& f = *feeds.back();

  p->arm("bitfield");
  auto& a = node();
  a.serve(w);
  auto& b = node({}, false);
  b.serve(f);
  dial(b, a, {f.dkey});
  BOOST_REQUIRE(p->wait_entered());

  auto has = ask<bool>(f, ddb_has_atom_v, uint64_t(0), uint64_t(1));
  BOOST_REQUIRE(has);
  BOOST_TEST(!*has);
  auto info = f->info();
  BOOST_REQUIRE(info);
  BOOST_TEST(info->downloaded == 0u);
  BOOST_TEST(info->length == 0u);
  f.log->drain();
  BOOST_TEST(f.log->count(feed_event_type::download) == 0u);
  auto early = f->get(0, get_options{false, 0});  // from the batch being written
  BOOST_REQUIRE_MESSAGE(early, early.error().to_string());
  BOOST_TEST(str(*early) == str(blocks[0]));

  p->open();
  BOOST_REQUIRE(synced(f, 40));
  BOOST_TEST(same_blocks(w, f));
  BOOST_REQUIRE(f.log->wait_count(feed_event_type::download, 40));
}

// The seed's 'error' event: a follower whose storage fails while writing replicated blocks
// publishes error (the code and message of the failure), then close; a get waiting for a block
// fails with the same code, and nothing of the failed batch is announced.
BOOST_FIXTURE_TEST_CASE(a_failed_replicated_write_is_an_error_event_then_close, fixture) {
  auto blocks = make_blocks(20);
  auto& w = writer(blocks);
  auto p = std::make_shared<probe>();
  p->fail_file = "data";
  p->fail_with = errc::no_space;
  auto store = make_memory_store();
  feed_options o;
  o.key = w.key;
  auto t = std::make_unique<test_feed>();
  t->store = store;
  auto c = feed_client::open(sys, std::make_unique<probe_env>(store, p), o);
  BOOST_REQUIRE(c);
  t->client = std::make_unique<feed_client>(std::move(*c));
  t->key = w.key;
  t->dkey = w.dkey;
  t->log = std::make_unique<event_log>(sys);
  BOOST_REQUIRE(t->client->subscribe(t->log->handle()));
  feeds.push_back(std::move(t));
  test_feed& f = *feeds.back();

  std::promise<void> parked;
  auto waiting = std::async(std::launch::async,
                            [&] { return f->get(5, get_options{}, [&] { parked.set_value(); }); });
  BOOST_REQUIRE(parked.get_future().wait_for(wait_limit) == std::future_status::ready);
  auto& a = node();
  a.serve(w);
  auto& b = node({}, false);
  b.serve(f);
  dial(b, a, {f.dkey});

  BOOST_REQUIRE(f.log->wait_count(feed_event_type::close, 1));
  BOOST_REQUIRE_EQUAL(f.log->count(feed_event_type::error), 1u);
  size_t error_at = 0, close_at = 0;
  for (size_t i = 0; i < f.log->events.size(); ++i) {
    if (f.log->events[i].type == feed_event_type::error) error_at = i;
    if (f.log->events[i].type == feed_event_type::close) close_at = i;
  }
  const feed_event& err = f.log->events[error_at];
  BOOST_TEST(error_at < close_at);
  BOOST_TEST(err.code == errc::no_space);
  BOOST_TEST(err.message.find("injected") != std::string::npos, err.message);
  BOOST_TEST(f.log->count(feed_event_type::download) == 0u);
  auto got = waiting.get();
  BOOST_REQUIRE(!got);
  BOOST_TEST(got.error().code() == errc::no_space, got.error().to_string());
}
