#define BOOST_TEST_MODULE key_file
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <fstream>
#include <string>

#include "core/key_file.hpp"
#include "node/node.hpp"
#include "tests/support/temp_dir.hpp"

// The one reader of keys and seeds named by path (core/key_file.hpp): only regular files, at most
// 4 KiB, never an all-zero key; and the files it creates are 0600 in 0700 directories. Every
// refusal returns at once (a FIFO is opened non-blocking, /dev/zero is never read).
namespace {

using namespace ddb;
using ddb::test::temp_dir;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

void check_refused(const result<key_bytes>& r, const std::string& path, const std::string& why) {
  BOOST_REQUIRE_MESSAGE(!r.has_value(), path + " was accepted");
  BOOST_CHECK(r.error().code() == errc::invalid_argument);
  const std::string& msg = r.error().message();
  BOOST_CHECK_MESSAGE(msg.rfind(path + ":", 0) == 0 && msg.find(why) != std::string::npos,
                      "message: " + msg);
}

const std::string hex_key = std::string(62, '0') + "2a";

}  // namespace

BOOST_AUTO_TEST_CASE(keys_read_raw_or_hex) {
  temp_dir tmp;
  std::string raw(32, '\0');
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>(i + 1);
  write_file(tmp / "raw", raw);
  auto k = read_key_file(tmp / "raw");
  BOOST_REQUIRE(k.has_value());
  BOOST_CHECK_EQUAL((*k)[0], 1);
  BOOST_CHECK_EQUAL((*k)[31], 32);

  write_file(tmp / "hex", "\n  " + hex_key + "  \n");
  auto h = read_key_file(tmp / "hex");
  BOOST_REQUIRE(h.has_value());
  BOOST_CHECK_EQUAL((*h)[31], 0x2a);
  BOOST_CHECK_EQUAL((*h)[0], 0);

  auto missing = read_key_file(tmp / "nope");
  BOOST_REQUIRE(!missing.has_value());
  BOOST_CHECK(missing.error().code() == errc::not_found);
}

BOOST_AUTO_TEST_CASE(only_regular_files_are_read) {
  temp_dir tmp;
  check_refused(read_key_file(tmp.str()), tmp.str(), "is a directory");
  const std::string fifo = tmp / "fifo";
  BOOST_REQUIRE_EQUAL(::mkfifo(fifo.c_str(), 0600), 0);
  check_refused(read_key_file(fifo), fifo, "is a FIFO");  // returns: nobody writes the FIFO
  check_refused(read_key_file("/dev/zero"), "/dev/zero", "is a character device");
  check_refused(read_key_file("/dev/null"), "/dev/null", "is a character device");
}

BOOST_AUTO_TEST_CASE(size_is_capped) {
  temp_dir tmp;
  write_file(tmp / "big", std::string(key_file_max_bytes + 1, 'a'));
  check_refused(read_key_file(tmp / "big"), tmp / "big", "larger than 4096 bytes");
  write_file(tmp / "ok", std::string(key_file_max_bytes - 64, ' ') + hex_key);  // at the cap
  BOOST_CHECK(read_key_file(tmp / "ok").has_value());
  write_file(tmp / "short", "short");
  check_refused(read_key_file(tmp / "short"), tmp / "short", "expected a 32-byte key");
}

BOOST_AUTO_TEST_CASE(all_zero_keys_are_refused) {
  temp_dir tmp;
  write_file(tmp / "raw0", std::string(32, '\0'));
  check_refused(read_key_file(tmp / "raw0"), tmp / "raw0", "all zeros");
  write_file(tmp / "hex0", std::string(64, '0') + "\n");
  check_refused(read_key_file(tmp / "hex0"), tmp / "hex0", "all zeros");
  status s = write_key_file(tmp / "new0", key_bytes{});
  BOOST_CHECK(s.code() == errc::invalid_argument);
  BOOST_CHECK(!std::ifstream(tmp / "new0").is_open());
}

BOOST_AUTO_TEST_CASE(created_key_files_are_private) {
  temp_dir tmp;
  mode_t old = ::umask(022);  // the usual umask: 0644 files, 0755 directories by default
  key_bytes key{};
  key[3] = 3;
  const std::string path = tmp / "a/b/seed";
  status s = write_key_file(path, key);
  ::umask(old);
  BOOST_REQUIRE_MESSAGE(s.is_ok(), s.to_string());
  BOOST_CHECK_EQUAL(mode_of(path), 0600u);
  BOOST_CHECK_EQUAL(mode_of(tmp / "a"), 0700u);
  BOOST_CHECK_EQUAL(mode_of(tmp / "a/b"), 0700u);
  auto back = read_key_file(path);
  BOOST_REQUIRE(back.has_value());
  BOOST_CHECK(*back == key);
  key[3] = 4;
  BOOST_CHECK(write_key_file(path, key).code() == errc::invalid_argument);  // never overwritten
  BOOST_CHECK((*read_key_file(path))[3] == 3);
}

BOOST_AUTO_TEST_CASE(noise_seeds_use_the_same_reader) {
  temp_dir tmp;
  mode_t old = ::umask(022);
  auto created = load_noise_keys(tmp / "store/noise.key");
  ::umask(old);
  BOOST_REQUIRE_MESSAGE(created.has_value(), created.error().to_string());
  BOOST_CHECK_EQUAL(mode_of(tmp / "store/noise.key"), 0600u);
  BOOST_CHECK_EQUAL(mode_of(tmp / "store"), 0700u);
  auto again = load_noise_keys(tmp / "store/noise.key");
  BOOST_REQUIRE(again.has_value());
  BOOST_CHECK(again->public_key == created->public_key);

  for (const char* bad : {"/dev/zero", "/dev/null"}) {
    auto r = load_noise_keys(bad);
    BOOST_REQUIRE_MESSAGE(!r.has_value(), std::string(bad) + " gave a Noise key");
    BOOST_CHECK(r.error().code() == errc::invalid_argument);
  }
  auto dir = load_noise_keys(tmp.str());
  BOOST_REQUIRE(!dir.has_value());
  BOOST_CHECK(dir.error().code() == errc::invalid_argument);
  write_file(tmp / "zero.key", std::string(32, '\0'));
  auto zero = load_noise_keys(tmp / "zero.key");
  BOOST_REQUIRE(!zero.has_value());
  BOOST_CHECK(zero.error().message().find("all zeros") != std::string::npos);
}
