/* Routes the supervisor's location calls to core/store when that layer exists; stubs
 * answering LB_EUNSUPPORTED otherwise. Tests install their own hooks. */
#include "rpc/location_fwd.h"

#include <stdatomic.h>
#include <stddef.h>

#if __has_include("store/location.h")
#include "store/location.h"
#define LB_HAVE_STORE_LOCATION 1
#endif

#ifdef LB_HAVE_STORE_LOCATION
static const lb_location_hooks default_hooks = {
    lb_location_put, lb_location_get, lb_location_exists, lb_location_list, lb_location_delete,
};
#else
static int
stub_put(struct lb_location *loc, lb_call *call, const char *key, int fd, int64_t size)
{
	(void) loc, (void) key, (void) fd, (void) size;
	return lb_call_set_error(call, LB_EUNSUPPORTED, "storage locations are not available");
}

static int
stub_get(struct lb_location *loc, lb_call *call, const char *key, int fd)
{
	(void) loc, (void) key, (void) fd;
	return lb_call_set_error(call, LB_EUNSUPPORTED, "storage locations are not available");
}

static int
stub_exists(struct lb_location *loc, lb_call *call, const char *key, int *exists_out)
{
	(void) loc, (void) key, (void) exists_out;
	return lb_call_set_error(call, LB_EUNSUPPORTED, "storage locations are not available");
}

static int
stub_list(struct lb_location *loc,
          lb_call *call,
          const char *prefix,
          const char *delimiter,
          lb_strlist *out)
{
	(void) loc, (void) prefix, (void) delimiter, (void) out;
	return lb_call_set_error(call, LB_EUNSUPPORTED, "storage locations are not available");
}

static int
stub_delete(struct lb_location *loc, lb_call *call, const char *key)
{
	(void) loc, (void) key;
	return lb_call_set_error(call, LB_EUNSUPPORTED, "storage locations are not available");
}

static const lb_location_hooks default_hooks = {stub_put, stub_get, stub_exists, stub_list,
                                                stub_delete};
#endif

static _Atomic(const lb_location_hooks *) hooks = NULL;

const lb_location_hooks *
lb_location_hooks_get(void)
{
	const lb_location_hooks *h = atomic_load(&hooks);

	return h ? h : &default_hooks;
}

void
lb_location_hooks_set(const lb_location_hooks *h)
{
	atomic_store(&hooks, h);
}
