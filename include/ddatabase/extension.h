/* ddatabase replication extensions: the plugin C ABI, version 1.
 *
 * A plugin is a shared library that exports one function,
 *
 *     DDB_PLUGIN_EXPORT const ddb_plugin_v1* ddb_plugin_entry_v1(void);
 *
 * returning a table that lives as long as the library (a static constant). The node loads the
 * library (by path, from its YAML `extensions:` list), checks `abi_version` and `struct_size`,
 * calls `init` once per configured extension, and then calls the handlers whenever a peer of
 * one of the extension's feeds sends it a message, joins or leaves, or the feed grows.
 *
 * The wire format is the reference's (ddatabase registerExtension / abstract-extension): the
 * extension's name is announced in the Options message of every feed channel, and each message
 * travels in an Extension message (type 15). Payloads are opaque bytes; `encoding` declares what
 * they hold, and the host drops (and logs) incoming payloads that are not valid for it (UTF-8
 * text, or one JSON value), as the reference's onerror does. Peers that never announced the name
 * ignore the messages.
 *
 * Threading and lifetime: all calls into one instance come from one actor, one at a time, never
 * concurrently. The host callbacks may only be called from inside a call into the plugin (init,
 * a handler, or a completion of get/append), on that thread. Pointers passed to a handler are
 * valid until it returns.
 *
 * Growing the ABI: later versions of version 1 only append fields to ddb_host_v1 and
 * ddb_plugin_v1; each side reads a field only when the other's struct_size covers it
 * (DDB_V1_HAS). A plugin built against an older header keeps loading.
 *
 * Errors: handlers return DDB_OK or a negative DDB_ERR_* code; the host logs a failure and keeps
 * the extension running. A C++ exception must not leave a handler (the C++ wrapper in
 * extension.hpp catches them). If one does, the host catches it, logs it, unregisters the
 * extension from all feeds and destroys it: the node keeps running. A crash inside a plugin
 * (a signal such as SIGSEGV, or abort()) cannot be contained in-process and takes the node down:
 * run untrusted extensions in a separate node.
 */
#ifndef DDATABASE_EXTENSION_H
#define DDATABASE_EXTENSION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DDB_PLUGIN_ABI_VERSION 1u
#define DDB_PLUGIN_ENTRY_NAME_V1 "ddb_plugin_entry_v1"

#if defined(_WIN32)
#define DDB_PLUGIN_EXPORT __declspec(dllexport)
#else
#define DDB_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* What payloads hold (the reference's 'binary', 'utf-8' and 'json' encodings). */
typedef enum ddb_encoding {
  DDB_ENCODING_BINARY = 0,
  DDB_ENCODING_UTF8 = 1,
  DDB_ENCODING_JSON = 2
} ddb_encoding;

typedef enum ddb_log_level {
  DDB_LOG_DEBUG = 0,
  DDB_LOG_INFO = 1,
  DDB_LOG_WARNING = 2,
  DDB_LOG_ERROR = 3
} ddb_log_level;

/* Return codes of handlers and host callbacks. */
#define DDB_OK 0
#define DDB_ERR_INVALID (-1)   /* bad argument: unknown feed, payload not valid for the encoding */
#define DDB_ERR_FAILED (-2)    /* the operation failed */
#define DDB_ERR_EXCEPTION (-3) /* a C++ exception was caught (set by the C++ wrapper) */

/* Whether a table `t` (with its struct_size) is long enough to hold `field`. */
#define DDB_V1_HAS(t, type, field) \
  ((t)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* Completions of the host's get and append: called once, later, from a call into the plugin of
 * their own (never from inside get or append), unless the instance is destroyed first. `status`
 * is DDB_OK or DDB_ERR_FAILED (no such block here, the feed is not writable, storage failed);
 * `data` is valid until the completion returns. */
typedef void (*ddb_get_done)(void* user, int status, uint64_t index, const uint8_t* data,
                             size_t len);
typedef void (*ddb_append_done)(void* user, int status, uint64_t index);

/* The feed a call concerns; `key` identifies it in host callbacks. */
typedef struct ddb_feed_info {
  uint8_t key[32]; /* the feed's public key */
  uint64_t length; /* its verified length when the host made the call */
  uint64_t byte_length;
  int writable; /* nonzero: this node holds the secret key */
} ddb_feed_info;

/* A peer of that feed. `id` names it in host callbacks; it is unique within the node while the
 * connection lasts. */
typedef struct ddb_peer_info {
  uint64_t id;
  uint8_t remote_public_key[32]; /* the remote's Noise static key (zero without Noise) */
  const char* remote_address;    /* "HOST:PORT" or a transport-specific string; never NULL */
} ddb_peer_info;

/* What the host offers an instance. Valid from init until destroy returns. */
typedef struct ddb_host_v1 {
  uint32_t abi_version; /* DDB_PLUGIN_ABI_VERSION */
  uint32_t struct_size; /* sizeof(ddb_host_v1) of the host; later versions only append */
  void* ctx;            /* pass as the first argument of every callback */
  /* One message to one peer of the feed. DDB_ERR_INVALID: unknown feed or invalid payload. */
  int (*send)(void* ctx, const uint8_t feed_key[32], uint64_t peer, const uint8_t* data,
              size_t len);
  /* One message to every peer of the feed. */
  int (*broadcast)(void* ctx, const uint8_t feed_key[32], const uint8_t* data, size_t len);
  /* Ask the feed to fetch a length >= min_length from its peers (the seed API's update()). */
  int (*update)(void* ctx, const uint8_t feed_key[32], uint64_t min_length);
  /* A line for the node's log (level: ddb_log_level). */
  void (*log)(void* ctx, int level, const char* text);
  /* --- appended in 1.1 (check DDB_V1_HAS(host, ddb_host_v1, get)) --- */
  /* Reads block `index` of the feed if this node has it (no waiting for the network), then
   * calls done(user, ...). DDB_ERR_INVALID (and no completion): unknown feed or no `done`. */
  int (*get)(void* ctx, const uint8_t feed_key[32], uint64_t index, ddb_get_done done, void* user);
  /* Appends one block to the feed (this node must hold its secret key), then calls
   * done(user, status, index of the new block); `done` may be NULL. */
  int (*append)(void* ctx, const uint8_t feed_key[32], const uint8_t* data, size_t len,
                ddb_append_done done, void* user);
} ddb_host_v1;

/* The plugin's table. Required entries: name, init, destroy, on_message. Optional: NULL. */
typedef struct ddb_plugin_v1 {
  uint32_t abi_version; /* DDB_PLUGIN_ABI_VERSION */
  uint32_t struct_size; /* sizeof(ddb_plugin_v1) */
  const char* name;     /* the default wire name (a node's config may rename it) */
  int encoding;         /* ddb_encoding */
  /* Creates an instance from the node's `config:` mapping as JSON text ("{}" when absent) and
   * stores it in *instance. Returns DDB_OK, or an error after logging why. */
  int (*init)(const ddb_host_v1* host, const char* config_json, void** instance);
  void (*destroy)(void* instance);
  /* A message from `peer` on `feed`. */
  int (*on_message)(void* instance, const ddb_feed_info* feed, const ddb_peer_info* peer,
                    const uint8_t* data, size_t len);
  /* A peer joined (its channel is open both ways: messages can be sent to it) or left. */
  int (*on_peer_add)(void* instance, const ddb_feed_info* feed, const ddb_peer_info* peer);
  int (*on_peer_remove)(void* instance, const ddb_feed_info* feed, const ddb_peer_info* peer);
  /* The extension was registered on `feed`, or the feed's length changed. */
  int (*on_feed_update)(void* instance, const ddb_feed_info* feed);
  /* --- appended in 1.1 (optional) --- */
  /* A message from `peer` was dropped because it is not valid for `encoding` (the seed API's
   * onerror); `reason` says why. */
  int (*on_error)(void* instance, const ddb_feed_info* feed, const ddb_peer_info* peer,
                  const char* reason);
} ddb_plugin_v1;

typedef const ddb_plugin_v1* (*ddb_plugin_entry_v1_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DDATABASE_EXTENSION_H */
