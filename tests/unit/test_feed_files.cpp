#define BOOST_TEST_MODULE feed_files
#include <boost/test/unit_test.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "storage/fault_env.hpp"
#include "storage/feed_files.hpp"
#include "storage/format.hpp"

using namespace ddb;

namespace ddb {
inline std::ostream& boost_test_print_type(std::ostream& os, errc c) {
  return os << to_string(c);
}
}  // namespace ddb

namespace {

// Headers written by the reference (tests/unit/gen/dump_headers.js).
const char* const tree_header_hex =
    "0502570200002807424c414b4532620000000000000000000000000000000000";
const char* const signatures_header_hex =
    "0502570100004007456432353531390000000000000000000000000000000000";
const char* const bitfield_header_hex =
    "05025700000e0000000000000000000000000000000000000000000000000000";

// The reference's tree file after appending "a" .. "f" (tests/unit/gen/dump_feed.js).
const char* const reference_tree_hex =
    "0502570200002807424c414b4532620000000000000000000000000000000000"
    "ab27d45f509274ce0d08f4f09ba2d0e0d8df61a0c2a78932e81b5ef26ef398df0000000000000001"
    "064321a8413be8c604599689e2c7a59367b031b598bceeeb16556a8f3252e0de0000000000000002"
    "94c17054005942a002c7c39fbb9c6183518691fb401436f1a2f329b380230af80000000000000001"
    "8dfe81d576464773f848b9aba1c886fde57a49c283ab57f4a297d976d986651e0000000000000004"
    "1d2fadc9ce604c7e592949edc964e45aaa10990d7ee53328439ef9b2cf8aa6ff0000000000000001"
    "3a8dcc74e80b8314e8e13e1e462358cf58cf5fc4413a9b18a891ffacc551c3950000000000000002"
    "2828647a654a712738e35f49d1c05c676010be0b33882affc1d1e7e9fee59d400000000000000001"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "baac70b6d38243efa028ee977c462e4bec73d21d09ceb8cc16f4d4b1ee228a450000000000000001"
    "d1b021632c7fab84544053379112ca7b165bb21283821816c5b6c89ff7f78e2d0000000000000002"
    "d2ab421cece792033058787a5ba72f3a701fddc25540d5924e9819d7c12e02f20000000000000001";

byte_buffer unhex(const char* hex) {
  byte_buffer out;
  BOOST_REQUIRE(from_hex(hex, out));
  return out;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/ddb_ff_XXXXXX";
  BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
  return std::string(tmpl) + "/feed";
}

// A feed's files in a memory store, with raw access to the bytes around feed_files.
struct mem {
  std::shared_ptr<memory_store> store = make_memory_store();

  result<std::unique_ptr<feed_files>> open(feed_files_options o = {}) {
    return feed_files::open(make_memory_env(store), o);
  }
  std::unique_ptr<feed_files> must_open(feed_files_options o = {}) {
    auto ff = open(o);
    BOOST_REQUIRE_MESSAGE(ff.has_value(), ff.error().to_string());
    return std::move(*ff);
  }
  byte_buffer raw(const std::string& name) {
    auto f = make_memory_env(store)->open(name, {});
    BOOST_REQUIRE(f.has_value());
    byte_buffer out(static_cast<size_t>(*(*f)->size()));
    BOOST_REQUIRE((*f)->read(0, out.size(), out.data()).is_ok());
    return out;
  }
  void put_raw(const std::string& name, uint64_t offset, byte_view bytes) {
    auto f = make_memory_env(store)->open(name, {});
    BOOST_REQUIRE(f.has_value());
    BOOST_REQUIRE((*f)->write(offset, bytes).is_ok());
  }
};

tree_node make_node(uint64_t index, uint64_t size) {
  tree_node n;
  n.index = index;
  n.size = size;
  for (size_t i = 0; i < n.hash.size(); ++i) n.hash[i] = uint8_t(index * 31 + i + 1);
  return n;
}

signature_t make_sig(uint64_t slot) {
  signature_t s;
  for (size_t i = 0; i < s.size(); ++i) s[i] = uint8_t(slot + i + 1);
  return s;
}

byte_buffer page_with_blocks(bitfield& bits, uint64_t page,
                             std::initializer_list<uint64_t> blocks) {
  for (uint64_t b : blocks) bits.set(b, true);
  byte_buffer out(bitfield::page_size);
  bits.write_page(page, out.data());
  return out;
}

write_batch sample_batch() {
  write_batch b;
  b.data_offset = 3;
  b.data = byte_view(std::string_view("hello")).to_buffer();
  b.first_node = 4;
  for (uint64_t i = 4; i < 7; ++i) b.nodes.push_back(make_node(i, i + 1));
  for (uint64_t s : {2, 3, 7}) b.signatures.emplace_back(s, make_sig(s));
  bitfield bits;
  b.bitfield_pages.emplace_back(0, page_with_blocks(bits, 0, {1, 2}));
  b.bitfield_pages.emplace_back(1, page_with_blocks(bits, 1, {8193}));
  b.bitfield_pages.emplace_back(3, page_with_blocks(bits, 3, {3 * 8192 + 5}));
  return b;
}

void check_sample(feed_files& ff) {
  uint8_t data[5];
  BOOST_TEST(ff.read_data(3, 5, data).is_ok());
  BOOST_TEST(std::string(data, data + 5) == "hello");
  std::vector<std::optional<tree_node>> nodes;
  BOOST_TEST(ff.read_nodes(3, 6, nodes).is_ok());
  BOOST_REQUIRE(nodes.size() == 6u);
  BOOST_TEST(!nodes[0].has_value());
  for (uint64_t i = 4; i < 7; ++i) {
    BOOST_REQUIRE(nodes[i - 3].has_value());
    BOOST_TEST((*nodes[i - 3] == make_node(i, i + 1)));
  }
  BOOST_TEST(!nodes[4].has_value());  // beyond the end of the file
  for (uint64_t s : {2, 3, 7}) BOOST_TEST((ff.read_signature(s)->value() == make_sig(s)));
  for (uint64_t s : {0, 4, 6, 8, 100}) BOOST_TEST(!ff.read_signature(s)->has_value());
  bitfield bits;
  BOOST_TEST(ff.load_bitfield(bits).is_ok());
  BOOST_TEST(bits.get(1));
  BOOST_TEST(bits.get(2));
  BOOST_TEST(!bits.get(3));
  BOOST_TEST(bits.get(8193));
  BOOST_TEST(bits.get(3 * 8192 + 5));
  BOOST_TEST(!bits.get(2 * 8192));
}

}  // namespace

BOOST_AUTO_TEST_CASE(headers_match_the_reference) {
  mem m;
  m.must_open();
  BOOST_TEST(to_hex(m.raw("tree")) == tree_header_hex);
  BOOST_TEST(to_hex(m.raw("signatures")) == signatures_header_hex);
  BOOST_TEST(to_hex(m.raw("bitfield")) == bitfield_header_hex);
  BOOST_TEST(m.raw("data").empty());
  BOOST_TEST(m.raw("key").empty());
  BOOST_TEST(m.raw("secret_key").empty());
}

BOOST_AUTO_TEST_CASE(file_env_round_trip_and_headers) {
  std::string dir = temp_dir();
  {
    auto ff = feed_files::open(make_file_env(dir), {});
    BOOST_REQUIRE(ff.has_value());
    BOOST_TEST((*ff)->write(sample_batch()).is_ok());
  }
  auto ff = feed_files::open(make_file_env(dir), {});
  BOOST_REQUIRE(ff.has_value());
  check_sample(**ff);
  std::FILE* f = std::fopen((dir + "/tree").c_str(), "rb");
  BOOST_REQUIRE(f != nullptr);
  uint8_t h[32];
  BOOST_REQUIRE(std::fread(h, 1, 32, f) == 32u);
  std::fclose(f);
  BOOST_TEST(to_hex(byte_view(h, 32)) == tree_header_hex);
  BOOST_TEST((*ff)->destroy().is_ok());
  struct stat st {};
  BOOST_TEST(::stat(dir.c_str(), &st) != 0);
}

BOOST_AUTO_TEST_CASE(memory_round_trip) {
  mem m;
  BOOST_TEST(m.must_open()->write(sample_batch()).is_ok());
  check_sample(*m.must_open());
}

BOOST_AUTO_TEST_CASE(reads_the_reference_tree_and_bitfield) {
  mem m;
  m.put_raw("tree", 0, unhex(reference_tree_hex));
  // Page 0 as the reference wrote it: data bits of blocks 0-5, tree bits of nodes 0-6 and 8-10,
  // and its index summaries.
  byte_buffer page(bitfield::page_size, 0);
  page[0] = 0xfc;
  page[1024] = 0xfe;
  page[1025] = 0xe0;
  byte_buffer index = unhex("4040004000000040");
  std::copy(index.begin(), index.end(), page.begin() + 3072);
  m.put_raw("bitfield", 0, unhex(bitfield_header_hex));
  m.put_raw("bitfield", 32, page);
  auto ff = m.must_open();
  std::vector<std::optional<tree_node>> nodes;
  BOOST_TEST(ff->read_nodes(0, 12, nodes).is_ok());
  const uint64_t sizes[] = {1, 2, 1, 4, 1, 2, 1, 0, 1, 2, 1, 0};
  for (uint64_t i = 0; i < 12; ++i) {
    BOOST_TEST(nodes[i].has_value() == (sizes[i] != 0), "node " << i);
    if (nodes[i]) BOOST_TEST(nodes[i]->size == sizes[i]);
  }
  BOOST_TEST(to_hex(nodes[0]->hash) ==
             "ab27d45f509274ce0d08f4f09ba2d0e0d8df61a0c2a78932e81b5ef26ef398df");
  bitfield bits;
  BOOST_TEST(ff->load_bitfield(bits).is_ok());
  for (uint64_t b = 0; b < 6; ++b) BOOST_TEST(bits.get(b));
  BOOST_TEST(!bits.get(6));
  BOOST_TEST(bits.get_tree(10));
  BOOST_TEST(!bits.get_tree(7));
  byte_buffer again(bitfield::page_size);
  bits.write_page(0, again.data());
  BOOST_TEST((again == page));
  BOOST_TEST(to_hex(m.raw("tree")) == reference_tree_hex);  // opening rewrote nothing
}

BOOST_AUTO_TEST_CASE(corrupted_headers_are_reported) {
  struct poke {
    const char* file;
    size_t offset;
    uint8_t value;
  };
  const poke pokes[] = {{"tree", 0, 0x06},    {"tree", 3, 1},       {"tree", 4, 1},
                        {"tree", 6, 41},      {"tree", 8, 'b'},     {"tree", 20, 1},
                        {"signatures", 1, 0}, {"signatures", 7, 6}, {"bitfield", 2, 0x58},
                        {"bitfield", 3, 2},   {"bitfield", 7, 1}};
  for (const poke& p : pokes) {
    mem m;
    m.must_open();
    m.put_raw(p.file, p.offset, byte_view(&p.value, 1));
    auto ff = m.open();
    BOOST_REQUIRE_MESSAGE(!ff.has_value(), p.file << " byte " << p.offset);
    BOOST_TEST(ff.error().code() == errc::corruption);
    BOOST_TEST(ff.error().message().find(p.file) != std::string::npos, ff.error().message());
  }
}

BOOST_AUTO_TEST_CASE(truncated_header_is_corruption) {
  for (const char* file : {"tree", "signatures", "bitfield"}) {
    mem m;
    m.put_raw(file, 0, unhex("05025702"));
    auto ff = m.open();
    BOOST_REQUIRE(!ff.has_value());
    BOOST_TEST(ff.error().code() == errc::corruption);
    BOOST_TEST_MESSAGE(ff.error().to_string());
  }
}

BOOST_AUTO_TEST_CASE(bitfield_keeps_the_page_size_of_the_file) {
  mem m;
  byte_buffer header = unhex(bitfield_header_hex);
  header[5] = 0x04;  // 1024-byte pages
  header[6] = 0x00;
  m.put_raw("bitfield", 0, header);
  auto ff = m.must_open();
  BOOST_TEST(m.raw("bitfield") == header);
  bitfield bits;
  status s = ff->load_bitfield(bits);
  BOOST_TEST(s.code() == errc::corruption);  // our bitfield only has 3584-byte pages
  BOOST_TEST_MESSAGE(s.to_string());
}

BOOST_AUTO_TEST_CASE(create_if_missing_off) {
  mem m;
  feed_files_options o;
  o.create_if_missing = false;
  auto ff = m.open(o);
  BOOST_REQUIRE(!ff.has_value());
  BOOST_TEST(ff.error().code() == errc::not_found);
  BOOST_TEST(!make_memory_env(m.store)->exists("tree"));
  m.put_raw("key", 0, byte_buffer(32, 0));  // an all-zero key stores nothing either
  BOOST_TEST(m.open(o).error().code() == errc::not_found);
  public_key pk{};
  pk[0] = 9;
  BOOST_TEST(m.must_open()->write_key(pk).is_ok());
  BOOST_TEST((m.must_open(o)->read_key()->value() == pk));
}

BOOST_AUTO_TEST_CASE(keys_and_store_secret_key) {
  mem m;
  public_key pk{};
  secret_key sk{};
  pk.fill(1);
  sk.fill(2);
  {
    feed_files_options o;
    o.store_secret_key = false;
    auto ff = m.must_open(o);
    BOOST_TEST(!ff->read_key()->has_value());
    BOOST_TEST(ff->write_key(pk).is_ok());
    BOOST_TEST(ff->write_secret_key(sk).is_ok());
    BOOST_TEST(!ff->read_secret_key()->has_value());
  }
  auto ff = m.must_open();
  BOOST_TEST((ff->read_key()->value() == pk));
  BOOST_TEST(ff->write_secret_key(sk).is_ok());
  BOOST_TEST((ff->read_secret_key()->value() == sk));
}

BOOST_AUTO_TEST_CASE(overwrite_discards_everything) {
  mem m;
  {
    auto ff = m.must_open();
    BOOST_TEST(ff->write_key(public_key{1}).is_ok());
    BOOST_TEST(ff->write(sample_batch()).is_ok());
  }
  feed_files_options o;
  o.overwrite = true;
  auto ff = m.must_open(o);
  BOOST_TEST(!ff->read_key()->has_value());
  BOOST_TEST(!ff->read_node(4)->has_value());
  BOOST_TEST(!ff->read_signature(2)->has_value());
  BOOST_TEST(m.raw("data").empty());
  BOOST_TEST(to_hex(m.raw("bitfield")) == bitfield_header_hex);
}

BOOST_AUTO_TEST_CASE(writer_lock) {
  mem m;
  auto first = m.must_open();
  auto second = m.open();
  BOOST_REQUIRE(!second.has_value());
  BOOST_TEST(second.error().code() == errc::locked);
  feed_files_options reader;
  reader.writer_lock = false;
  m.must_open(reader);
  BOOST_TEST(first->close().is_ok());
  m.must_open();
}

std::string op_name(const fault_op& op) {
  static const char* kinds[] = {"open", "read", "write", "erase", "truncate", "sync", "close"};
  return std::string(kinds[static_cast<int>(op.kind)]) + " " + op.file;
}

BOOST_AUTO_TEST_CASE(one_write_per_file_in_crash_consistent_order) {
  fault_config cfg;
  cfg.record_ops = true;
  auto inj = make_fault_injector(make_memory_env(), cfg);
  auto ff = feed_files::open(make_fault_env(inj), {});
  BOOST_REQUIRE(ff.has_value());
  inj->clear_ops();
  write_batch b = sample_batch();
  b.signatures.erase(b.signatures.begin() + 2);  // slots 2, 3: one run
  b.bitfield_pages.pop_back();                   // pages 0, 1: one run
  b.sync = true;
  BOOST_TEST((*ff)->write(b).is_ok());
  std::vector<std::string> got;
  for (const fault_op& op : inj->ops()) got.push_back(op_name(op));
  // The bitfield goes last, all or nothing: its undo record first (pages 0 and 1 lay beyond the
  // file, so nothing is read for it), then the pages, then the journal is emptied.
  std::vector<std::string> want = {"write data",
                                   "write tree",
                                   "write signatures",
                                   "sync data",
                                   "sync tree",
                                   "sync signatures",
                                   "open bitfield.journal",
                                   "write bitfield.journal",
                                   "sync bitfield.journal",
                                   "write bitfield",
                                   "sync bitfield",
                                   "truncate bitfield.journal",
                                   "sync bitfield.journal"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
  auto ops = inj->ops();
  BOOST_TEST(ops[1].offset == format::tree_offset(4));
  BOOST_TEST(ops[1].length == 3u * 40);
  BOOST_TEST(ops[7].length == 8u + 8u + 32u);  // an undo record without pages
  BOOST_TEST(ops[9].length == 2u * bitfield::page_size);
  inj->clear_ops();
  BOOST_TEST((*ff)->write(sample_batch()).is_ok());  // no sync; split runs
  got.clear();
  for (const fault_op& op : inj->ops()) got.push_back(op_name(op));
  // Pages 0 and 1 are in the file now: the undo record holds what they were (one read each).
  want = {"write data",
          "write tree",
          "write signatures",
          "write signatures",
          "read bitfield",
          "read bitfield",
          "write bitfield.journal",
          "write bitfield",
          "write bitfield",
          "truncate bitfield.journal"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(scattered_parents_follow_the_run) {
  fault_config cfg;
  cfg.record_ops = true;
  auto inj = make_fault_injector(make_memory_env(), cfg);
  auto ff = feed_files::open(make_fault_env(inj), {});
  BOOST_REQUIRE(ff.has_value());
  inj->clear_ops();
  write_batch b;  // blocks 2, 3 appended after 0, 1: nodes 4..6 and the parent 3
  b.first_node = 4;
  for (uint64_t i = 4; i < 7; ++i) b.nodes.push_back(make_node(i, 1));
  b.scattered_nodes.push_back(make_node(3, 4));
  b.signatures.emplace_back(3, make_sig(3));
  BOOST_TEST((*ff)->write(b).is_ok());
  auto ops = inj->ops();
  BOOST_REQUIRE(ops.size() == 3u);
  BOOST_TEST(ops[0].offset == format::tree_offset(4));
  BOOST_TEST(ops[1].offset == format::tree_offset(3));
  BOOST_TEST(ops[1].length == 40u);
  BOOST_TEST(ops[2].file == "signatures");
  BOOST_TEST(((*ff)->read_node(3)->value() == make_node(3, 4)));
  BOOST_TEST(((*ff)->read_node(6)->value() == make_node(6, 1)));
}

BOOST_AUTO_TEST_CASE(rejects_a_bad_batch_before_writing) {
  mem m;
  auto ff = m.must_open();
  write_batch b = sample_batch();
  b.nodes[1].index = 9;
  BOOST_TEST(ff->write(b).code() == errc::invalid_argument);
  b = sample_batch();
  b.bitfield_pages[0].second.resize(10);
  BOOST_TEST(ff->write(b).code() == errc::invalid_argument);
  BOOST_TEST(m.raw("data").empty());
}

BOOST_AUTO_TEST_CASE(erase_and_short_reads) {
  mem m;
  auto ff = m.must_open();
  BOOST_TEST(ff->write(sample_batch()).is_ok());
  BOOST_TEST(ff->erase_signatures(2, 4).is_ok());
  BOOST_TEST(!ff->read_signature(2)->has_value());
  BOOST_TEST(!ff->read_signature(3)->has_value());
  BOOST_TEST(ff->read_signature(7)->has_value());
  BOOST_TEST(ff->erase_data(3, 2).is_ok());
  uint8_t buf[8];
  BOOST_TEST(ff->read_data(3, 5, buf).is_ok());
  BOOST_TEST(buf[0] == 0);
  BOOST_TEST(buf[2] == 'l');
  BOOST_TEST(ff->read_data(4, 8, buf).code() == errc::bad_index);
}

BOOST_AUTO_TEST_CASE(bitfield_loading_edges) {
  mem m;
  m.must_open();
  bitfield src;
  byte_buffer page2 = page_with_blocks(src, 2, {2 * 8192 + 7});
  m.put_raw("bitfield", 32 + 2 * bitfield::page_size, page2);        // pages 0 and 1 stay zero
  m.put_raw("bitfield", 32 + 3 * bitfield::page_size, unhex("80"));  // a torn last page
  bitfield bits;
  BOOST_TEST(m.must_open()->load_bitfield(bits).is_ok());
  BOOST_TEST(bits.get(2 * 8192 + 7));
  BOOST_TEST(bits.get(3 * 8192));
  BOOST_TEST(!bits.get(3 * 8192 + 1));
  BOOST_TEST(bits.page_count() == 2u);  // zero pages 0 and 1 were skipped
}

BOOST_AUTO_TEST_CASE(closed_and_destroyed) {
  mem m;
  auto ff = m.must_open();
  BOOST_TEST(ff->close().is_ok());
  BOOST_TEST(ff->read_node(0).error().code() == errc::closed);
  BOOST_TEST(ff->write(sample_batch()).code() == errc::closed);
  auto other = m.must_open();
  BOOST_TEST(other->destroy().is_ok());
  BOOST_TEST(!make_memory_env(m.store)->exists("tree"));
}

BOOST_AUTO_TEST_CASE(synced_batches_survive_a_crash) {
  auto inj = make_fault_injector(make_memory_env());
  auto ff = feed_files::open(make_fault_env(inj), {});
  BOOST_REQUIRE(ff.has_value());
  BOOST_TEST((*ff)->sync().is_ok());  // headers are durable
  write_batch b = sample_batch();
  b.sync = true;
  BOOST_TEST((*ff)->write(b).is_ok());
  write_batch lost;
  lost.first_node = 20;
  lost.nodes.push_back(make_node(20, 1));
  BOOST_TEST((*ff)->write(lost).is_ok());
  BOOST_TEST(inj->simulate_crash().is_ok());
  auto again = feed_files::open(make_fault_env(inj), {});
  BOOST_REQUIRE_MESSAGE(again.has_value(), again.error().to_string());
  check_sample(**again);
  BOOST_TEST(!(*again)->read_node(20)->has_value());
}

// Opens a directory the reference wrote (skipped when node or the reference is missing).
BOOST_AUTO_TEST_CASE(opens_a_reference_feed_directory) {
  const char* src = std::getenv("DDB_SOURCE_DIR");
  const char* interop = std::getenv("DDB_INTEROP_DIR");
  struct stat st {};
  if (src == nullptr || interop == nullptr ||
      ::stat((std::string(interop) + "/node_modules/ddatabase").c_str(), &st) != 0 ||
      std::system("node --version >/dev/null 2>&1") != 0) {
    BOOST_TEST_MESSAGE("node or the reference is not installed: skipped");
    return;
  }
  std::string dir = temp_dir();
  std::string cmd = "NODE_PATH=" + std::string(interop) + "/node_modules node " + src +
                    "/tests/unit/gen/dump_feed.js " + dir + " >/dev/null";
  BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
  auto ff = feed_files::open(make_file_env(dir), {});
  BOOST_REQUIRE_MESSAGE(ff.has_value(), ff.error().to_string());
  BOOST_TEST((*ff)->read_key()->has_value());
  BOOST_TEST((*ff)->read_secret_key()->has_value());
  uint8_t data[6];
  BOOST_TEST((*ff)->read_data(0, 6, data).is_ok());
  BOOST_TEST(std::string(data, data + 6) == "abcdef");
  BOOST_TEST(to_hex((*ff)->read_node(0)->value().hash) ==
             "ab27d45f509274ce0d08f4f09ba2d0e0d8df61a0c2a78932e81b5ef26ef398df");
  BOOST_TEST((*ff)->read_signature(5)->has_value());
  BOOST_TEST(!(*ff)->read_signature(4)->has_value());
  bitfield bits;
  BOOST_TEST((*ff)->load_bitfield(bits).is_ok());
  BOOST_TEST(bits.count(0, 100) == 6u);
  BOOST_TEST((*ff)->destroy().is_ok());
}
