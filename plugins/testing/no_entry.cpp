// Test fixture: a shared library without the plugin entry point.
#include "ddatabase/extension.h"

extern "C" DDB_PLUGIN_EXPORT int ddb_plugin_entry_v0(void) {
  return 0;
}
