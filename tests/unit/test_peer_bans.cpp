#define BOOST_TEST_MODULE peer_bans
#include <boost/test/unit_test.hpp>

#include "net/peer_bans.hpp"

// net/peer_bans.hpp: keys and hosts banned until a time the owner passes in; a banned host is in
// the transport's address_bans until lifted.
namespace {

using namespace std::chrono_literals;
using ddb::peer_bans;

const peer_bans::time_point t0{};

ddb::public_key key_of(uint8_t b) {
  ddb::public_key k{};
  k.fill(b);
  return k;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_ban_holds_key_and_host_until_it_ends) {
  auto transport = std::make_shared<ddb::address_bans>();
  peer_bans bans(transport);
  BOOST_TEST(bans.ban(key_of(1), "127.0.0.2", t0, 3s));
  BOOST_TEST(bans.key_banned(key_of(1), t0 + 2s));
  BOOST_TEST(!bans.key_banned(key_of(2), t0 + 2s));
  BOOST_TEST(bans.host_banned("127.0.0.2", t0 + 2s));
  BOOST_TEST(!bans.host_banned("127.0.0.1", t0 + 2s));
  BOOST_TEST(transport->banned("127.0.0.2"));
  BOOST_TEST(bans.size(t0 + 2s) == 2u);
  BOOST_TEST(!bans.key_banned(key_of(1), t0 + 3s));
  BOOST_TEST(!bans.host_banned("127.0.0.2", t0 + 3s));
  bans.lift_host("127.0.0.2", t0 + 3s);
  BOOST_TEST(!transport->banned("127.0.0.2"));
  BOOST_TEST(bans.size(t0 + 3s) == 0u);
}

BOOST_AUTO_TEST_CASE(a_later_ban_outlives_the_first_lift) {
  auto transport = std::make_shared<ddb::address_bans>();
  peer_bans bans(transport);
  BOOST_TEST(bans.ban(std::nullopt, "127.0.0.2", t0, 3s));
  BOOST_TEST(bans.ban(std::nullopt, "127.0.0.2", t0 + 2s, 3s));
  bans.lift_host("127.0.0.2", t0 + 3s);  // the first ban's timer
  BOOST_TEST(transport->banned("127.0.0.2"));
  BOOST_TEST(bans.host_banned("127.0.0.2", t0 + 4s));
  bans.lift_host("127.0.0.2", t0 + 5s);
  BOOST_TEST(!transport->banned("127.0.0.2"));
  BOOST_TEST(!bans.host_banned("127.0.0.2", t0 + 5s));
}

BOOST_AUTO_TEST_CASE(no_length_no_host_ban) {
  auto transport = std::make_shared<ddb::address_bans>();
  peer_bans bans(transport);
  BOOST_TEST(!bans.ban(key_of(1), "127.0.0.2", t0, 0s));
  BOOST_TEST(!bans.ban(key_of(1), "", t0, 3s));  // no host: the key only
  BOOST_TEST(bans.key_banned(key_of(1), t0 + 1s));
  BOOST_TEST(!transport->banned("127.0.0.2"));
  BOOST_TEST(transport->size() == 0u);
}
