// Test fixture: a plugin built for a future ABI version (the loader must refuse it).
#include "ddatabase/extension.h"

namespace {
int init(const ddb_host_v1*, const char*, void** out) {
  *out = nullptr;
  return DDB_OK;
}
void destroy(void*) {}
int on_message(void*, const ddb_feed_info*, const ddb_peer_info*, const uint8_t*, size_t) {
  return DDB_OK;
}
const ddb_plugin_v1 table = {DDB_PLUGIN_ABI_VERSION + 1,
                             sizeof(ddb_plugin_v1),
                             "test/bad-abi",
                             DDB_ENCODING_BINARY,
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
