#define BOOST_TEST_MODULE feed_integrity
#include <boost/test/unit_test.hpp>

#include "storage/fault_env.hpp"
#include "tests/unit/feed_test_util.hpp"

using namespace ddb;
using namespace ddb::test;

namespace {

// Every block readable and every signature(i) verifying for the index it names.
void check_consistent(feed& f, const std::vector<std::string>& want) {
  BOOST_REQUIRE_EQUAL(f.length(), want.size());
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < want.size(); ++i) {
    auto g = f.get(i);
    BOOST_REQUIRE_MESSAGE(g, "get " << i << ": " << g.error().to_string());
    BOOST_TEST(str(*g) == want[i], "block " << i);
    bytes += want[i].size();
    auto s = f.signature(i);
    BOOST_REQUIRE_MESSAGE(s, "signature " << i << ": " << s.error().to_string());
    BOOST_TEST(s->index >= i);
    auto v = f.verify(s->index, s->signature);
    BOOST_REQUIRE(v);
    BOOST_TEST(*v, "signature(" << i << ") -> " << s->index << " does not verify");
  }
  BOOST_TEST(f.byte_length() == bytes);
}

// Forwards to another env; erase() fails while `fail_erase` is set.
class erase_failing_env final : public env {
 public:
  erase_failing_env(std::unique_ptr<env> base, std::shared_ptr<bool> fail)
      : base_(std::move(base)), fail_(std::move(fail)) {}
  result<std::unique_ptr<random_access_file>> open(const std::string& name,
                                                   const open_options& o) override {
    auto f = base_->open(name, o);
    if (!f) return f.error();
    return std::unique_ptr<random_access_file>(std::make_unique<file>(std::move(*f), fail_));
  }
  bool exists(const std::string& name) override { return base_->exists(name); }
  status destroy() override { return base_->destroy(); }

 private:
  class file final : public random_access_file {
   public:
    file(std::unique_ptr<random_access_file> f, std::shared_ptr<bool> fail)
        : f_(std::move(f)), fail_(std::move(fail)) {}
    status read(uint64_t o, size_t n, uint8_t* out) override { return f_->read(o, n, out); }
    status write(uint64_t o, byte_view b) override { return f_->write(o, b); }
    status erase(uint64_t o, uint64_t n) override {
      if (*fail_) return make_error(errc::io_error, "erase fails");
      return f_->erase(o, n);
    }
    status truncate(uint64_t n) override { return f_->truncate(n); }
    result<uint64_t> size() override { return f_->size(); }
    status sync() override { return f_->sync(); }
    status close() override { return f_->close(); }

   private:
    std::unique_ptr<random_access_file> f_;
    std::shared_ptr<bool> fail_;
  };
  std::unique_ptr<env> base_;
  std::shared_ptr<bool> fail_;
};

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(audit_clean_feed, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"aaaa", "bbbb", ""})));
  BOOST_REQUIRE(f->append(bufs({"cccc"})));
  auto r = f->audit();
  BOOST_REQUIRE(r);
  BOOST_TEST(r->valid == 4u);
  BOOST_TEST(r->invalid == 0u);
  auto empty = open_feed(*std::make_unique<memory_backend>());
  auto e = empty->audit();
  BOOST_REQUIRE(e);
  BOOST_TEST(e->valid == 0u);
  BOOST_TEST(e->invalid == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(audit_clears_corrupted_blocks, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"aaaa", "bbbb", "cccc", "dddd"})));
  b.poke("data", 5, buf("X"));   // inside block 1
  b.poke("data", 15, buf("Y"));  // the last byte of block 3
  auto r = f->audit();
  BOOST_REQUIRE(r);
  BOOST_TEST(r->valid == 2u);
  BOOST_TEST(r->invalid == 2u);
  BOOST_TEST(f->has(0));
  BOOST_TEST(!f->has(1));
  BOOST_TEST(f->has(2));
  BOOST_TEST(!f->has(3));
  BOOST_TEST(f->downloaded() == 2u);
  BOOST_TEST(f->length() == 4u);
  BOOST_CHECK_EQUAL(code_of(f->get(1)), errc::unavailable);
  BOOST_CHECK_EQUAL(code_of(f->get(3)), errc::unavailable);
  auto g = f->get(2);
  BOOST_REQUIRE(g);
  BOOST_TEST(str(*g) == "cccc");
  // A second audit only looks at what is still stored.
  auto again = f->audit();
  BOOST_REQUIRE(again);
  BOOST_TEST(again->valid == 2u);
  BOOST_TEST(again->invalid == 0u);
  BOOST_REQUIRE(f->close());

  // The cleared bits are durable and the files open again.
  auto h = open_feed(b);
  BOOST_TEST(h->length() == 4u);
  BOOST_TEST(h->byte_length() == 16u);
  BOOST_TEST(!h->has(1));
  BOOST_TEST(h->has(2));
  BOOST_CHECK_EQUAL(code_of(h->get(1)), errc::unavailable);
  auto s = h->signature();
  BOOST_REQUIRE(s);
  auto v = h->verify(s->index, s->signature);
  BOOST_REQUIRE(v);
  BOOST_TEST(*v);
  auto a = h->append(bufs({"eeee"}));
  BOOST_REQUIRE(a);
  BOOST_TEST(*a == 4u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(audit_of_a_truncated_data_file, B, backends) {
  B b;
  {
    auto f = open_feed(b);
    BOOST_REQUIRE(f->append(bufs({"aaaa", "bbbb", "cccc"})));
  }
  {
    auto e = b.make();
    auto d = e->open("data", open_options{false, false});
    BOOST_REQUIRE(d);
    BOOST_REQUIRE((*d)->truncate(6));
  }
  auto f = open_feed(b);
  auto r = f->audit();
  BOOST_REQUIRE(r);
  BOOST_TEST(r->valid == 1u);
  BOOST_TEST(r->invalid == 2u);
  BOOST_TEST(f->has(0));
  BOOST_TEST(!f->has(1));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(clear_drops_blocks, B, backends) {
  B b;
  auto f = open_feed(b);
  BOOST_REQUIRE(f->append(bufs({"aa", "bb", "cc", "dd", "ee", "ff"})));
  BOOST_REQUIRE(f->clear(1, 3));
  BOOST_TEST(!f->has(1));
  BOOST_TEST(!f->has(2));
  BOOST_TEST(!f->has(0, 6));
  BOOST_TEST(f->has(3, 6));
  BOOST_TEST(f->downloaded() == 4u);
  BOOST_TEST(f->downloaded(0, 3) == 1u);
  BOOST_TEST(f->length() == 6u);
  BOOST_TEST(f->byte_length() == 12u);
  BOOST_CHECK_EQUAL(code_of(f->get(1)), errc::unavailable);
  BOOST_CHECK_EQUAL(code_of(f->get(2)), errc::unavailable);
  std::vector<byte_buffer> out;
  BOOST_CHECK_EQUAL(code_of(f->get_batch(0, 4, out)), errc::unavailable);
  BOOST_REQUIRE(f->get_batch(3, 6, out));
  BOOST_TEST(str(out[0]) == "dd");
  BOOST_TEST(str(out[2]) == "ff");
  for (uint64_t i : {0u, 3u, 4u, 5u}) BOOST_TEST(f->get(i).has_value(), "block " << i);
  // The data bytes are freed.
  auto data = b.bytes("data");
  BOOST_REQUIRE(data);
  BOOST_REQUIRE(data->size() >= 6u);
  BOOST_TEST(std::all_of(data->begin() + 2, data->begin() + 6, [](uint8_t x) { return x == 0; }));
  // Seeks and signatures still work (the tree is kept).
  auto s = f->seek(5);
  BOOST_REQUIRE(s);
  BOOST_TEST(s->index == 2u);
  BOOST_TEST(s->offset == 1u);
  auto sig = f->signature(1);
  BOOST_REQUIRE(sig);
  auto v = f->verify(sig->index, sig->signature);
  BOOST_REQUIRE(v);
  BOOST_TEST(*v);
  // Clamped and empty ranges.
  BOOST_REQUIRE(f->clear(5, 100));
  BOOST_TEST(!f->has(5));
  BOOST_REQUIRE(f->clear(4, 4));
  BOOST_TEST(f->has(4));
  BOOST_TEST(f->downloaded() == 3u);
  auto r = f->audit();
  BOOST_REQUIRE(r);
  BOOST_TEST(r->valid == 3u);
  BOOST_TEST(r->invalid == 0u);
  // Appending still works, and a reopen keeps the holes.
  auto a = f->append(bufs({"gg"}));
  BOOST_REQUIRE(a);
  BOOST_TEST(*a == 6u);
  BOOST_REQUIRE(f->close());
  auto g = open_feed(b);
  BOOST_TEST(g->length() == 7u);
  BOOST_TEST(g->downloaded() == 4u);
  BOOST_TEST(!g->has(1));
  BOOST_TEST(!g->has(5));
  auto last = g->get(6);
  BOOST_REQUIRE(last);
  BOOST_TEST(str(*last) == "gg");
}

// An append whose write fails (EIO or ENOSPC, at the first write to one of the files, torn or
// not) reports the error, changes nothing in memory, and the feed recovers fully.
void fault_case(std::unique_ptr<env> base, const std::string& file, errc with, bool torn) {
  BOOST_TEST_CONTEXT("fail " << file << " with " << to_string(with) << (torn ? " torn" : "")) {
    auto inj = make_fault_injector(std::move(base));
    auto opened = feed::open(make_fault_env(inj), {});
    BOOST_REQUIRE(opened);
    auto f = std::move(*opened);
    BOOST_REQUIRE(f->append(bufs({"a", "bb"})));
    BOOST_REQUIRE(f->append(bufs({"ccc"})));
    const auto roots = f->roots();

    fault_config cfg;
    cfg.seed = 7;
    cfg.fail_file = file;
    cfg.fail_at_write = 1;
    cfg.fail_with = with;
    cfg.torn = torn;
    inj->configure(cfg);
    auto failed = f->append(bufs({"dddd", "eeeee", "ffffff", "g"}));  // would sign index 6
    BOOST_CHECK_EQUAL(code_of(failed), with);
    BOOST_TEST(f->length() == 3u);
    BOOST_TEST(f->byte_length() == 6u);
    BOOST_TEST(!f->has(3));
    BOOST_TEST((f->roots() == roots));
    BOOST_CHECK_EQUAL(code_of(f->get(3)), errc::bad_index);

    inj->configure(fault_config{});
    std::vector<std::string> want{"a", "bb", "ccc"};
    for (const char* x : {"x", "yy"}) {
      auto a = f->append(bufs({x}));
      BOOST_REQUIRE_MESSAGE(a, a.error().to_string());
      BOOST_TEST(*a == want.size());
      want.push_back(x);
    }
    auto a = f->append(bufs({"z1", "z2", "z3"}));  // indexes 5..7: signs 7
    BOOST_REQUIRE(a);
    BOOST_TEST(*a == 5u);
    for (const char* x : {"z1", "z2", "z3"}) want.push_back(x);
    check_consistent(*f, want);
    BOOST_REQUIRE(f->close());

    auto reopened = feed::open(make_fault_env(inj), {});
    BOOST_REQUIRE_MESSAGE(reopened, reopened.error().to_string());
    auto& g = *reopened;
    check_consistent(*g, want);
    auto r = g->audit();
    BOOST_REQUIRE(r);
    BOOST_TEST(r->valid == want.size());
    BOOST_TEST(r->invalid == 0u);
  }
}

BOOST_AUTO_TEST_CASE(failed_append_recovers_memory) {
  for (const char* file : {"data", "tree", "signatures", "bitfield"}) {
    for (errc with : {errc::io_error, errc::no_space}) {
      for (bool torn : {false, true}) fault_case(make_memory_env(), file, with, torn);
    }
  }
}

BOOST_AUTO_TEST_CASE(failed_append_recovers_files) {
  for (const char* file : {"data", "tree", "signatures", "bitfield"}) {
    temp_dir dir{"ddb-fault"};
    fault_case(make_file_env(dir / "feed"), file, errc::io_error, true);
  }
}

BOOST_AUTO_TEST_CASE(failed_append_at_every_write) {
  // The Nth write of the batch (any file) fails; N beyond the batch's writes succeeds.
  for (uint64_t n = 1; n <= 8; ++n) {
    BOOST_TEST_CONTEXT("write " << n) {
      auto inj = make_fault_injector(make_memory_env());
      auto opened = feed::open(make_fault_env(inj), {});
      BOOST_REQUIRE(opened);
      auto f = std::move(*opened);
      BOOST_REQUIRE(f->append(bufs({"a", "b", "c"})));
      fault_config cfg;
      cfg.fail_at_write = n;
      inj->configure(cfg);
      auto r = f->append(bufs({"d", "e"}));
      std::vector<std::string> want{"a", "b", "c"};
      if (r) {
        want.push_back("d");
        want.push_back("e");
      } else {
        BOOST_CHECK_EQUAL(r.error().code(), errc::io_error);
        BOOST_TEST(f->length() == 3u);
      }
      inj->configure(fault_config{});
      BOOST_REQUIRE(f->append(bufs({"f"})));
      want.push_back("f");
      check_consistent(*f, want);
      BOOST_REQUIRE(f->close());
      auto g = feed::open(make_fault_env(inj), {});
      BOOST_REQUIRE(g);
      check_consistent(**g, want);
      auto audit = (*g)->audit();
      BOOST_REQUIRE(audit);
      BOOST_TEST(audit->invalid == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(full_disk_then_space_again) {
  auto inj = make_fault_injector(make_memory_env());
  auto opened = feed::open(make_fault_env(inj), {});
  BOOST_REQUIRE(opened);
  auto f = std::move(*opened);
  BOOST_REQUIRE(f->append(bufs({"a"})));
  fault_config cfg;
  cfg.fail_at_write = 1;
  cfg.fail_all_after = true;
  cfg.fail_with = errc::no_space;
  inj->configure(cfg);
  for (int i = 0; i < 3; ++i) {
    BOOST_CHECK_EQUAL(code_of(f->append(bufs({"bb", "cc"}))), errc::no_space);
    BOOST_TEST(f->length() == 1u);
  }
  inj->configure(fault_config{});
  BOOST_REQUIRE(f->append(bufs({"d"})));
  BOOST_REQUIRE(f->append(bufs({"e", "f", "g"})));
  check_consistent(*f, {"a", "d", "e", "f", "g"});
  BOOST_REQUIRE(f->close());
  auto g = feed::open(make_fault_env(inj), {});
  BOOST_REQUIRE(g);
  check_consistent(**g, {"a", "d", "e", "f", "g"});
}

BOOST_AUTO_TEST_CASE(stale_signature_is_zeroed_by_a_later_append) {
  // The failed batch's signature slot cannot be erased right away (erase fails too): the append
  // that later covers the slot must zero it.
  auto inj = make_fault_injector(make_memory_env());
  auto fail_erase = std::make_shared<bool>(false);
  auto make = [&] { return std::make_unique<erase_failing_env>(make_fault_env(inj), fail_erase); };
  auto opened = feed::open(make(), {});
  BOOST_REQUIRE(opened);
  auto f = std::move(*opened);
  BOOST_REQUIRE(f->append(bufs({"a"})));
  fault_config cfg;
  cfg.fail_file = "bitfield";  // data, tree and the signature of index 4 are written
  cfg.fail_at_write = 1;
  inj->configure(cfg);
  *fail_erase = true;
  BOOST_CHECK_EQUAL(code_of(f->append(bufs({"b", "c", "d", "e"}))), errc::io_error);
  inj->configure(fault_config{});
  *fail_erase = false;
  BOOST_REQUIRE(f->append(bufs({"x"})));
  BOOST_REQUIRE(f->append(bufs({"y", "z", "w", "v", "u"})));  // covers slot 4, signs 6
  check_consistent(*f, {"a", "x", "y", "z", "w", "v", "u"});
  auto s = f->signature(2);
  BOOST_REQUIRE(s);
  BOOST_TEST(s->index == 6u);
  BOOST_REQUIRE(f->close());
  auto g = feed::open(make(), {});
  BOOST_REQUIRE(g);
  check_consistent(**g, {"a", "x", "y", "z", "w", "v", "u"});
}
