// Test fixture: a plugin written against the raw C ABI 1.0 (no wrapper; its table ends before
// on_error) whose on_message lets a C++ exception escape for payload "throw", and answers
// anything else with "ok". The host must load it, catch the exception, log it and shut the
// extension down without taking the node with it.
#include <cstddef>
#include <stdexcept>
#include <string>

#include "ddatabase/extension.h"

namespace {

struct state {
  const ddb_host_v1* host;
};

int init(const ddb_host_v1* host, const char*, void** out) {
  *out = new state{host};
  return DDB_OK;
}
void destroy(void* p) {
  delete static_cast<state*>(p);
}
int on_message(void* p, const ddb_feed_info* feed, const ddb_peer_info* peer, const uint8_t* data,
               size_t len) {
  auto* s = static_cast<state*>(p);
  std::string text(reinterpret_cast<const char*>(data), len);
  if (text == "throw") throw std::runtime_error("boom");
  const char ok[] = "ok";
  return s->host->send(s->host->ctx, feed->key, peer->id, reinterpret_cast<const uint8_t*>(ok), 2);
}
// A table as a plugin built against ABI 1.0 has it: it ends before on_error, and its
// struct_size says so (the host must load it and never read past it).
const ddb_plugin_v1 table = {DDB_PLUGIN_ABI_VERSION,
                             offsetof(ddb_plugin_v1, on_error),
                             "test/throwing",
                             DDB_ENCODING_UTF8,
                             &init,
                             &destroy,
                             &on_message,
                             nullptr,
                             nullptr,
                             nullptr,
                             nullptr};
}  // namespace

extern "C" DDB_PLUGIN_EXPORT const ddb_plugin_v1* ddb_plugin_entry_v1(void) {
  return &table;
}
