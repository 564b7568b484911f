#define BOOST_TEST_MODULE transfer_switches
#include "tests/actors/replication_fixture.hpp"

// The switches that stop a transfer (the reference's setUploading / setDownloading and the
// replicate options `upload` / `download`): with one off, no block moves over a live session;
// turned back on, the clone completes over the same connection.
using namespace ddb;
using namespace ddb::reptest;

BOOST_TEST_GLOBAL_FIXTURE(init_sodium);

namespace {

// How long a switched-off transfer is watched for blocks that should not move.
constexpr auto quiet_window = std::chrono::milliseconds(1500);

net_host_options live_opts() {
  net_host_options o;
  o.live = true;
  return o;
}

// A writer of 40 blocks on a node with `serving`, and its clone on a node with `cloning` that
// dials it over loopback; `before_dial(writer, clone)` sets switches first. Once the channel is
// open, nothing may arrive at the clone for quiet_window.
struct switches : fixture {
  test_feed* w = nullptr;
  test_feed* c = nullptr;

  void connect_and_stay_quiet(net_host_options serving, net_host_options cloning,
                              const std::function<void(test_feed&, test_feed&)>& before_dial) {
    w = &writer(make_blocks(40));
    auto& a = node(serving);
    a.serve(*w);
    c = &clone(*w);
    if (before_dial) before_dial(*w, *c);
    auto& b = node(cloning, false);
    b.serve(*c);
    dial(b, a, {c->dkey});
    BOOST_REQUIRE(c->log->wait_count(feed_event_type::peer_open, 1));
    std::this_thread::sleep_for(quiet_window);
    BOOST_TEST(c->downloaded() == 0u);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(set_uploading_false_stops_the_writer_and_true_resumes_it, switches) {
  connect_and_stay_quiet(live_opts(), live_opts(), [](test_feed& writer, test_feed&) {
    BOOST_REQUIRE(writer.client->set_uploading(false));
  });
  BOOST_TEST(w->log->count(feed_event_type::upload) == 0u);

  BOOST_REQUIRE(w->client->set_uploading(true));
  BOOST_REQUIRE(synced(*c, 40));
  BOOST_TEST(same_blocks(*w, *c));
}

BOOST_FIXTURE_TEST_CASE(set_downloading_false_stops_the_clone_and_true_resumes_it, switches) {
  connect_and_stay_quiet(live_opts(), live_opts(), [](test_feed&, test_feed& clone) {
    BOOST_REQUIRE(clone.client->set_downloading(false));
  });

  BOOST_REQUIRE(c->client->set_downloading(true));
  BOOST_REQUIRE(synced(*c, 40));
  BOOST_TEST(same_blocks(*w, *c));
}

BOOST_FIXTURE_TEST_CASE(replicate_with_upload_false_serves_nothing, switches) {
  net_host_options no_upload = live_opts();
  no_upload.upload = false;
  connect_and_stay_quiet(no_upload, live_opts(), {});
  BOOST_TEST(w->log->count(feed_event_type::upload) == 0u);
}

BOOST_FIXTURE_TEST_CASE(replicate_with_download_false_fetches_nothing, switches) {
  net_host_options no_download = live_opts();
  no_download.download = false;
  connect_and_stay_quiet(live_opts(), no_download, {});
  BOOST_TEST(w->log->count(feed_event_type::upload) == 0u);
}
