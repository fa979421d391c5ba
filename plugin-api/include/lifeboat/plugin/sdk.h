/*
 * Lifeboat plugin SDK: the one header a plugin includes.
 *
 * A plugin is a shared object built only against these headers. It:
 *   1. writes LB_PLUGIN_DECLARE("<dns-subdomain>/<name>", "<version>") once, in one file;
 *   2. defines  LB_PLUGIN_EXPORT int lb_plugin_init(lb_registrar *reg)  and registers its
 *      implementations there with lb_register_object_store() and friends
 *      (lb_register_volume_copier() since SDK 1.1).
 *
 * The loader (in a child process, never in the engine) dlopen()s the .so, calls
 * lb_plugin_magic_v1() and checks the magic block before any other plugin code runs, then
 * lb_plugin_bind_v1(host), then lb_plugin_init(reg). See plugin-api/docs/PLUGIN-ABI.md.
 */
#ifndef LIFEBOAT_PLUGIN_SDK_H
#define LIFEBOAT_PLUGIN_SDK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "host.h"
#include "object_store.h"
#include "volume_snapshotter.h"
#include "backup_item_action.h"
#include "restore_item_action.h"
#include "volume_copier.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Framing and handshake version; a bump is incompatible (docs/PROTOCOL.md). */
#define LB_PLUGIN_PROTOCOL 1
/** SDK major: must match the engine's exactly. */
#define LB_SDK_MAJOR 1
/** SDK minor: something was appended. Older and newer minors both load. */
#define LB_SDK_MINOR 1
#define LB_SDK_VERSION_STRING "1.1"

#if defined(__GNUC__) || defined(__clang__)
#define LB_PLUGIN_EXPORT __attribute__((visibility("default")))
#define LB_PLUGIN_HIDDEN __attribute__((visibility("hidden")))
#else
#define LB_PLUGIN_EXPORT
#define LB_PLUGIN_HIDDEN
#endif

#ifdef __cplusplus
#define LB_EXTERN_C extern "C"
#else
#define LB_EXTERN_C
#endif

/** The magic block, checked before any other plugin code runs. Fields only grow at the end;
 *  @c len comes first so that any engine can read the rest safely. */
typedef struct lb_plugin_magic {
	uint32_t len;        /**< sizeof(lb_plugin_magic) as the plugin was built */
	uint32_t protocol;   /**< LB_PLUGIN_PROTOCOL */
	uint32_t sdk_major;  /**< LB_SDK_MAJOR */
	uint32_t sdk_minor;  /**< LB_SDK_MINOR */
	uint32_t ptr_size;   /**< sizeof(void *) */
	uint32_t reserved;   /**< 0 */
	const char *name;    /**< plugin name, "<dns-subdomain>/<name>" */
	const char *version; /**< the plugin's own version string */
} lb_plugin_magic;

#define LB_PLUGIN_MAGIC_SYMBOL "lb_plugin_magic_v1"
#define LB_PLUGIN_BIND_SYMBOL "lb_plugin_bind_v1"
#define LB_PLUGIN_INIT_SYMBOL "lb_plugin_init"

typedef const lb_plugin_magic *(*lb_plugin_magic_fn)(void);
typedef void (*lb_plugin_bind_fn)(const lb_host_api *host);
typedef int (*lb_plugin_init_fn)(lb_registrar *reg);

/** The host table, set by lb_plugin_bind_v1() before lb_plugin_init(). One per plugin. */
extern LB_PLUGIN_HIDDEN const lb_host_api *lb__host;

/* A function, not data: dlsym is only reliable for functions (PostgreSQL's lesson). The
 * trailing extern lets the macro take a semicolon. */
#define LB_PLUGIN_DECLARE(NAME, VERSION)                                                           \
	LB_PLUGIN_HIDDEN const lb_host_api *lb__host;                                              \
	LB_EXTERN_C LB_PLUGIN_EXPORT const lb_plugin_magic *lb_plugin_magic_v1(void);              \
	const lb_plugin_magic *lb_plugin_magic_v1(void)                                            \
	{                                                                                          \
		static const lb_plugin_magic magic = {sizeof(lb_plugin_magic),                    \
						      LB_PLUGIN_PROTOCOL,                          \
						      LB_SDK_MAJOR,                                \
						      LB_SDK_MINOR,                                \
						      (uint32_t) sizeof(void *),                   \
						      0,                                           \
						      (NAME),                                      \
						      (VERSION)};                                  \
		return &magic;                                                                     \
	}                                                                                          \
	LB_EXTERN_C LB_PLUGIN_EXPORT void lb_plugin_bind_v1(const lb_host_api *host);              \
	void lb_plugin_bind_v1(const lb_host_api *host)                                            \
	{                                                                                          \
		lb__host = host;                                                                   \
	}                                                                                          \
	extern int lb_plugin_no_such_variable_

/** Every plugin defines this; it registers implementations and returns 0 or an error. */
LB_PLUGIN_EXPORT int lb_plugin_init(lb_registrar *reg);

/** Nonzero when the host table has member @p m (inside its size and non-NULL). */
#define LB_HOST_HAS(m)                                                                             \
	(lb__host != NULL && offsetof(lb_host_api, m) + sizeof(lb__host->m) <= lb__host->struct_size && \
	 lb__host->m != NULL)

#ifndef LB_SDK_NO_SHORTCUTS
/* Shortcuts so plugin code reads like ordinary calls (sqlite3ext.h style). */
#define lb_log(call, level, ...) lb__host->log((call), (level), __VA_ARGS__)
#define lb_set_error(call, code, ...) lb__host->set_error((call), (code), __VA_ARGS__)
#define lb_progress(call, done, total, unit) lb__host->progress((call), (done), (total), (unit))
#define lb_cancelled(call) lb__host->cancelled(call)
#define lb_deadline_left_ms(call) lb__host->deadline_left_ms(call)
#define lb_config_get(config, key) lb__host->config_get((config), (key))
#define lb_strlist_append(list, s) lb__host->strlist_append((list), (s))
#define lb_buf_append(buf, data, len) lb__host->buf_append((buf), (data), (len))
#define lb_buf_append_str(buf, s) lb__host->buf_append((buf), (s), strlen(s))
#define lb_register_object_store(reg, m) lb__host->register_object_store((reg), (m))
#define lb_register_volume_snapshotter(reg, m) lb__host->register_volume_snapshotter((reg), (m))
#define lb_register_backup_item_action(reg, m) lb__host->register_backup_item_action((reg), (m))
#define lb_register_restore_item_action(reg, m) lb__host->register_restore_item_action((reg), (m))
#define lb_location_put(call, key, fd, size) lb__host->location_put((call), (key), (fd), (size))
#define lb_location_get(call, key, fd) lb__host->location_get((call), (key), (fd))
#define lb_location_exists(call, key, out) lb__host->location_exists((call), (key), (out))
#define lb_location_list(call, prefix, delim, out)                                                 \
	lb__host->location_list((call), (prefix), (delim), (out))
#define lb_location_delete(call, key) lb__host->location_delete((call), (key))
/* abi_minor >= 1 members: test LB_HOST_HAS(strlist_get) etc. first when the plugin must also
 * load on a 1.0 host. */
#define lb_strlist_count(list) lb__host->strlist_count(list)
#define lb_strlist_get(list, i) lb__host->strlist_get((list), (i))
#define lb_register_volume_copier(reg, m) lb__host->register_volume_copier((reg), (m))
#define lb_strlist_new() lb__host->strlist_new()
#define lb_strlist_free(list) lb__host->strlist_free(list)
#endif

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_SDK_H */
