/* The loader: dlopen, magic block check before any other plugin code runs, bind, init. */
#include "host.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int
lb_host_load(lb_host *h, const char *path, char *msg, size_t msgsize)
{
	lb_plugin_magic_fn magic_fn;
	lb_plugin_bind_fn bind_fn;
	lb_plugin_init_fn init_fn;
	const lb_plugin_magic *mg;
	lb_plugin_magic copy;
	int error;

	h->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h->dl) {
		snprintf(msg, msgsize, "plugin '%s' could not be loaded: %s", h->file, dlerror());
		return LB_EINVAL;
	}
	*(void **) &magic_fn = dlsym(h->dl, LB_PLUGIN_MAGIC_SYMBOL);
	if (!magic_fn) {
		snprintf(
		    msg, msgsize,
		    "plugin '%s' has no magic block (%s): it was not built with the Lifeboat "
		    "plugin SDK; rebuild it with LB_PLUGIN_DECLARE() from <lifeboat/plugin/sdk.h>",
		    h->file, LB_PLUGIN_MAGIC_SYMBOL);
		return LB_EVERSION;
	}
	mg = magic_fn();
	if (!mg || mg->len < offsetof(lb_plugin_magic, name)) {
		snprintf(msg, msgsize,
		         "plugin '%s' has a malformed magic block (length %u, need at least %zu): "
		         "rebuild it against SDK %d.x",
		         h->file, mg ? mg->len : 0, offsetof(lb_plugin_magic, name), LB_SDK_MAJOR);
		return LB_EVERSION;
	}
	/* Copy what we use before anything else can happen to the mapping. */
	memset(&copy, 0, sizeof(copy));
	memcpy(&copy, mg, mg->len < sizeof(copy) ? mg->len : sizeof(copy));
	if (copy.protocol != LB_PLUGIN_PROTOCOL) {
		snprintf(
		    msg, msgsize,
		    "plugin '%s' speaks plugin protocol %u, engine speaks %d: rebuild the plugin "
		    "against SDK %d.x or upgrade Lifeboat",
		    h->file, copy.protocol, LB_PLUGIN_PROTOCOL, LB_SDK_MAJOR);
		return LB_EVERSION;
	}
	if (copy.sdk_major != LB_SDK_MAJOR) {
		snprintf(
		    msg, msgsize,
		    "plugin '%s' was built for SDK %u.x, engine provides %s: rebuild the plugin "
		    "against SDK %d.x or %s Lifeboat",
		    h->file, copy.sdk_major, LB_SDK_VERSION_STRING, LB_SDK_MAJOR,
		    copy.sdk_major > LB_SDK_MAJOR ? "upgrade" : "use an older");
		return LB_EVERSION;
	}
	if (copy.ptr_size != sizeof(void *)) {
		snprintf(msg, msgsize,
		         "plugin '%s' was built with %u-byte pointers, engine uses %zu: rebuild it "
		         "for this architecture",
		         h->file, copy.ptr_size, sizeof(void *));
		return LB_EVERSION;
	}
	if (mg->len < sizeof(lb_plugin_magic) || !copy.name || !*copy.name) {
		snprintf(msg, msgsize,
		         "plugin '%s' has no name in its magic block: use "
		         "LB_PLUGIN_DECLARE(\"<domain>/<name>\", \"<version>\")",
		         h->file);
		return LB_EVERSION;
	}
	snprintf(h->name, sizeof(h->name), "%s", copy.name);
	snprintf(h->version, sizeof(h->version), "%s", copy.version ? copy.version : "");
	h->sdk_major = copy.sdk_major;
	h->sdk_minor = copy.sdk_minor;

	*(void **) &bind_fn = dlsym(h->dl, LB_PLUGIN_BIND_SYMBOL);
	*(void **) &init_fn = dlsym(h->dl, LB_PLUGIN_INIT_SYMBOL);
	if (!bind_fn || !init_fn) {
		snprintf(msg, msgsize,
		         "plugin '%s' does not export %s: rebuild it with "
		         "LB_PLUGIN_DECLARE() and define lb_plugin_init()",
		         h->file, !bind_fn ? LB_PLUGIN_BIND_SYMBOL : LB_PLUGIN_INIT_SYMBOL);
		return LB_EVERSION;
	}
	bind_fn(&lb__host_api);
	h->registering = 1;
	error = init_fn((lb_registrar *) h);
	h->registering = 0;
	if (error < 0 || h->reg_error[0]) {
		snprintf(msg, msgsize, "plugin '%s' (%s) failed to initialise: %s", h->file,
		         h->name,
		         h->reg_error[0] ? h->reg_error : "lb_plugin_init returned an error");
		return error < 0 ? error : LB_EINVAL;
	}
	if (h->nimpls == 0) {
		snprintf(msg, msgsize,
		         "plugin '%s' (%s) registered no implementations in "
		         "lb_plugin_init",
		         h->file, h->name);
		return LB_EINVAL;
	}
	return 0;
}
