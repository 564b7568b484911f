#define BOOST_TEST_MODULE wire_handshake
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "core/types.hpp"
#include "tests/support/node.hpp"
#include "wire/channels.hpp"
#include "wire/handshake.hpp"
#include "wire/messages.hpp"

// The ddatabase handshake in memory (our initiator against our responder) and against the
// reference (tests/unit/gen/wire_ref_peer.js in a child process over stdin/stdout).
namespace {

using namespace ddb;
using namespace ddb::wire;

struct init_fixture {
  init_fixture() { BOOST_REQUIRE(sodium_init() >= 0); }
};
BOOST_TEST_GLOBAL_FIXTURE(init_fixture);

random_source seeded_rng(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return random_source([gen](uint8_t* out, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((*gen)());
  });
}

handshake_options options(bool initiator, uint64_t seed) {
  handshake_options o;
  o.initiator = initiator;
  auto rng = seeded_rng(seed);
  noise::key32 s{};
  rng.fill(s.data(), s.size());
  o.static_keys = noise::dh_key_pair_from_secret(s);
  rng.fill(o.nonce.data(), o.nonce.size());
  o.rng = rng;
  return o;
}

// Delivers `bytes` to `to` in pieces of at most `piece` bytes; returns its replies.
byte_buffer deliver(handshake& to, const byte_buffer& bytes, size_t piece) {
  byte_buffer replies;
  for (size_t pos = 0; pos < bytes.size(); pos += piece) {
    size_t n = std::min(piece, bytes.size() - pos);
    auto r = to.recv(byte_view(bytes.data() + pos, n));
    BOOST_REQUIRE_MESSAGE(r, r.error().to_string());
    replies.insert(replies.end(), r->begin(), r->end());
  }
  return replies;
}

BOOST_AUTO_TEST_CASE(in_memory_handshake_then_xor_and_capabilities) {
  for (size_t piece : {size_t{1}, size_t{7}, size_t{1000}}) {
    handshake a(options(true, 1));
    handshake b(options(false, 2));
    auto first = a.start();
    BOOST_REQUIRE(first);
    BOOST_CHECK(b.start()->empty());
    byte_buffer m2 = deliver(b, *first, piece);
    BOOST_CHECK(!b.is_complete());
    byte_buffer m3 = deliver(a, m2, piece);
    BOOST_CHECK(a.is_complete());
    // The transport bytes that follow the last handshake message end up in overflow().
    transport_cipher ta(a.outcome());
    byte_buffer hello = {'h', 'e', 'l', 'l', 'o'};
    byte_buffer wire_hello = hello;
    ta.encrypt(wire_hello);
    m3.insert(m3.end(), wire_hello.begin(), wire_hello.end());
    BOOST_CHECK(deliver(b, m3, piece).empty());
    BOOST_REQUIRE(b.is_complete());

    const auto& ra = a.outcome();
    const auto& rb = b.outcome();
    BOOST_CHECK(ra.split.tx == rb.split.rx && ra.split.rx == rb.split.tx);
    BOOST_CHECK(ra.handshake_hash == rb.handshake_hash);
    BOOST_CHECK(ra.remote_nonce == rb.local_nonce && rb.remote_nonce == ra.local_nonce);
    BOOST_CHECK(ra.remote_static == options(false, 2).static_keys.public_key);

    transport_cipher tb(rb);
    byte_buffer got = b.take_overflow();
    tb.decrypt(got);
    BOOST_CHECK(got == hello);
    // Streams stay in sync across arbitrary splits in both directions.
    std::mt19937_64 rng(piece);
    for (int i = 0; i < 50; ++i) {
      byte_buffer msg(rng() % 300);
      for (auto& x : msg) x = static_cast<uint8_t>(rng());
      byte_buffer w = msg;
      tb.encrypt(w);
      BOOST_CHECK(w != msg || msg.empty());
      ta.decrypt(w);
      BOOST_REQUIRE(w == msg);
    }
    byte_buffer key(32, 0x42);
    for (const char* ns : {"ddatabase", "hypercore"}) {
      hash_t ca = capability(key, ra.split, ns);
      BOOST_CHECK(ca == remote_capability(key, rb.split, ns));
      BOOST_CHECK(verify_remote_capability(ca, key, rb.split, ns));
      BOOST_CHECK(!verify_remote_capability(ca, key, ra.split, ns));
      BOOST_CHECK(!verify_remote_capability(ca, byte_buffer(32, 0x43), rb.split, ns));
    }
    BOOST_CHECK(capability(key, ra.split, "ddatabase") != capability(key, ra.split, "hypercore"));
  }
}

BOOST_AUTO_TEST_CASE(xsalsa20_stream_matches_one_shot) {
  noise::key32 k{};
  k.fill(9);
  stream_nonce n{};
  n.fill(3);
  byte_buffer data(1000, 0);
  byte_buffer expected = data;
  crypto_stream_xsalsa20_xor(expected.data(), expected.data(), expected.size(), n.data(), k.data());
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    xsalsa20_stream s(k, n);
    byte_buffer d = data;
    size_t pos = 0;
    while (pos < d.size()) {
      size_t take = std::min<size_t>(rng() % 130, d.size() - pos);
      s.apply(d.data() + pos, take);
      pos += take;
    }
    BOOST_REQUIRE(d == expected);
    BOOST_CHECK_EQUAL(s.offset(), 1000u);
  }
}

BOOST_AUTO_TEST_CASE(malformed_handshake_input) {
  handshake b(options(false, 3));
  BOOST_REQUIRE(b.start());
  auto r = b.recv(byte_buffer{0x05, 1, 2, 3, 4, 5});  // a 5-byte "message": too short for e
  BOOST_CHECK(!r);
  BOOST_CHECK(b.failed());
  handshake c(options(false, 4));
  BOOST_REQUIRE(c.start());
  BOOST_CHECK(!c.recv(byte_buffer{0xff, 0xff, 0x7f}));  // length over 65535
  handshake d(options(true, 5));
  BOOST_CHECK(!d.recv(byte_buffer{0x00}));  // recv before start
}

BOOST_AUTO_TEST_CASE(tampered_transcript_fails) {
  handshake a(options(true, 6));
  handshake b(options(false, 7));
  byte_buffer m1 = *a.start();
  BOOST_REQUIRE(b.start());
  byte_buffer m2 = deliver(b, m1, 1000);
  m2[m2.size() - 1] ^= 0x80;  // flip a bit in the payload tag
  BOOST_CHECK(!a.recv(m2));
  BOOST_CHECK(a.failed());
}

// --- against the reference ---

// node wire_ref_peer.js in a child process; we talk to it over its stdin/stdout.
class ref_peer {
 public:
  ref_peer(bool initiator, const std::string& key_hex, const std::string& ns) {
    ::signal(SIGPIPE, SIG_IGN);
    // If our own stdin/stdout/stderr are closed, pipe2 could hand out 0..2 and the dup2 calls
    // below would clobber them: occupy them first.
    for (int fd = 0; fd <= 2; ++fd) {
      if (::fcntl(fd, F_GETFD) == -1) ::open("/dev/null", O_RDWR);
    }
    std::string script = test::source_dir() + "/tests/unit/gen/wire_ref_peer.js";
    std::string node_path = "NODE_PATH=" + test::interop_dir() + "/node_modules";
    std::vector<std::string> args = {test::node_binary(), script, initiator ? "1" : "0", key_hex,
                                     ns};
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) return;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::putenv(node_path.data());
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
  }
  ~ref_peer() {
    if (pid_ > 0) finish();
  }

  bool started() const { return pid_ > 0; }

  bool send(const byte_buffer& bytes) {
    size_t pos = 0;
    while (pos < bytes.size()) {
      ssize_t n = ::write(in_, bytes.data() + pos, bytes.size() - pos);
      if (n <= 0) return false;
      pos += static_cast<size_t>(n);
    }
    return true;
  }

  // Waits up to 15 s for bytes on the child's stdout; false on EOF or timeout.
  bool receive(byte_buffer& chunk) {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, 15000) <= 0) return false;
    uint8_t buf[65536];
    ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) return false;
    chunk.insert(chunk.end(), buf, buf + n);
    return true;
  }

  struct outcome {
    int exit_code = -1;
    std::string err;
  };
  // Closes the child's stdin, drains its output and reaps it (SIGKILL after 15 s).
  outcome finish() {
    outcome o;
    if (pid_ <= 0) return o;
    ::close(in_);
    byte_buffer ignored;
    while (receive(ignored)) ignored.clear();
    char buf[4096];
    pollfd p{err_, POLLIN, 0};
    while (::poll(&p, 1, 15000) > 0) {
      ssize_t n = ::read(err_, buf, sizeof buf);
      if (n <= 0) break;
      o.err.append(buf, static_cast<size_t>(n));
    }
    ::kill(pid_, SIGKILL);  // no-op when it has already exited
    int st = 0;
    ::waitpid(pid_, &st, 0);
    o.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    ::close(out_);
    ::close(err_);
    pid_ = -1;
    result_ = o;
    return o;
  }
  const outcome& last() const { return result_; }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  outcome result_;
};

void run_against_reference(bool we_initiate, const char* ns, bool corrupt_capability) {
  if (!test::reference_available()) {
    BOOST_WARN_MESSAGE(false, "reference not installed: interop check skipped");
    return;
  }
  BOOST_TEST_MESSAGE("reference peer: we_initiate=" << we_initiate << " ns=" << ns);
  byte_buffer feed_key(32);
  for (size_t i = 0; i < feed_key.size(); ++i) feed_key[i] = static_cast<uint8_t>(i * 7 + 1);
  hash_t dk{};
  // Discovery key: BLAKE2b-256 of the namespace, keyed with the feed key.
  crypto_generichash(dk.data(), dk.size(), reinterpret_cast<const uint8_t*>(ns), std::strlen(ns),
                     feed_key.data(), feed_key.size());
  ref_peer peer(!we_initiate, to_hex(feed_key), ns);
  BOOST_REQUIRE_MESSAGE(peer.started(), "cannot start node");

  handshake_options opts = options(we_initiate, 99);
  handshake h(opts);
  BOOST_REQUIRE(peer.send(*h.start()));
  while (!h.is_complete()) {
    byte_buffer chunk;
    if (!peer.receive(chunk)) {
      // (Boost evaluates message operands eagerly, so finish() cannot go in the message.)
      auto o = peer.finish();
      BOOST_FAIL("reference ended: exit " << o.exit_code << " " << o.err);
    }
    auto reply = h.recv(chunk);
    BOOST_REQUIRE_MESSAGE(reply, reply.error().to_string());
    BOOST_REQUIRE(peer.send(*reply));
  }
  transport_cipher tc(h.outcome());
  frame_decoder frames;
  bool saw_open = false;
  bool saw_have = false;
  uint64_t their_channel = 0;
  auto on_frame = [&](const frame_event& e) {
    if (e.keep_alive) return;
    auto m = decode_message(e.type, e.body);
    BOOST_REQUIRE_MESSAGE(m, m.error().to_string());
    if (auto* open = std::get_if<open_message>(&*m)) {
      saw_open = true;
      their_channel = e.channel;
      BOOST_CHECK(open->discovery_key == byte_buffer(dk.begin(), dk.end()));
      BOOST_REQUIRE(open->capability);
      BOOST_CHECK(verify_remote_capability(*open->capability, feed_key, h.outcome().split, ns));
      open_message ours{byte_buffer(dk.begin(), dk.end()), std::nullopt};
      hash_t cap = capability(feed_key, h.outcome().split, ns);
      if (corrupt_capability) cap[0] ^= 1;
      ours.capability = byte_buffer(cap.begin(), cap.end());
      byte_buffer out = encode_frame(0, 0, encode(ours));
      tc.encrypt(out);
      BOOST_REQUIRE(peer.send(out));
    } else if (auto* have = std::get_if<have_message>(&*m)) {
      saw_have = have->start == 4242 && have->length_or_default() == 7;
      BOOST_CHECK_EQUAL(e.channel, their_channel);
    }
  };
  byte_buffer chunk = h.take_overflow();
  while (true) {
    tc.decrypt(chunk);
    BOOST_REQUIRE(frames.feed(chunk, on_frame));
    if (saw_have) break;
    chunk.clear();
    if (!peer.receive(chunk)) break;
  }
  auto done = peer.finish();
  BOOST_TEST_MESSAGE("reference stderr: " << done.err);
  BOOST_CHECK(saw_open);
  std::string our_key = to_hex(opts.static_keys.public_key);
  BOOST_CHECK_MESSAGE(done.err.find("remote=" + our_key) != std::string::npos, done.err);
  std::string hash = to_hex(h.outcome().handshake_hash);
  BOOST_CHECK_MESSAGE(done.err.find("hash=" + hash) != std::string::npos, done.err);
  std::string their_key = to_hex(h.outcome().remote_static);
  BOOST_CHECK_MESSAGE(done.err.find("local=" + their_key) != std::string::npos, done.err);
  if (corrupt_capability) {
    BOOST_CHECK(!saw_have);
    BOOST_CHECK_EQUAL(done.exit_code, 2);
    BOOST_CHECK(done.err.find("Invalid remote channel capability") != std::string::npos);
  } else {
    BOOST_CHECK(saw_have);
    BOOST_CHECK_EQUAL(done.exit_code, 0);
    BOOST_CHECK(done.err.find("verified") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(reference_accepts_our_capability_as_responder) {
  run_against_reference(false, "ddatabase", false);
}
BOOST_AUTO_TEST_CASE(reference_accepts_our_capability_as_initiator) {
  run_against_reference(true, "ddatabase", false);
}
BOOST_AUTO_TEST_CASE(reference_rejects_a_wrong_capability) {
  run_against_reference(true, "ddatabase", true);
}
BOOST_AUTO_TEST_CASE(hypercore_namespace_interop) {
  run_against_reference(false, "hypercore", false);
  run_against_reference(true, "hypercore", true);
}

}  // namespace
