/* Registration: normalise each methods table once at the boundary (copy min(sizes) into a
 * zeroed struct, accept older minors, ignore a newer plugin's unknown tail, refuse missing
 * required methods by name). Nothing else in the host looks at versions. */
#include "host.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rpc/methods.h"

/* Size of each interface at abi_minor 0: a table must be at least this long. */
#define OS_V0_SIZE (offsetof(lb_object_store_methods, destroy) + sizeof(void (*)(void)))
#define VS_V0_SIZE (offsetof(lb_volume_snapshotter_methods, destroy) + sizeof(void (*)(void)))
#define BIA_V0_SIZE (offsetof(lb_backup_item_action_methods, destroy) + sizeof(void (*)(void)))
#define RIA_V0_SIZE (offsetof(lb_restore_item_action_methods, destroy) + sizeof(void (*)(void)))
#define VC_V0_SIZE (offsetof(lb_volume_copier_methods, destroy) + sizeof(void (*)(void)))

static const char *const kind_names[] = {"ObjectStore", "VolumeSnapshotter", "BackupItemAction",
                                         "RestoreItemAction", "VolumeCopier"};

static int refuse(lb_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
refuse(lb_host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->reg_error, sizeof(h->reg_error), fmt, ap);
	va_end(ap);
	return LB_EINVAL;
}

static int
valid_name(const char *s)
{
	const char *slash;

	if (!s || !*s || !(slash = strchr(s, '/')) || slash == s || !slash[1])
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char) *p) && !strchr("-._/", *p))
			return 0;
	return strchr(slash + 1, '/') == NULL;
}

#define REQUIRE(dst, field)                                                                        \
	do {                                                                                       \
		if (!(dst)->field)                                                                 \
			return refuse(h, "%s '%s': missing required method '" #field "'",          \
			              kind_names[kind], name);                                     \
	} while (0)

/* Bitmask of non-NULL members after name, in declaration order (bit = index). */
static uint32_t
method_bits(const void *table, size_t first, size_t size)
{
	uint32_t bits = 0;
	int bit = 0;

	for (size_t off = first; off + sizeof(void (*)(void)) <= size;
	     off += sizeof(void (*)(void))) {
		void (*fn)(void);

		memcpy(&fn, (const char *) table + off, sizeof(fn));
		if (fn)
			bits |= 1u << bit;
		bit++;
	}
	return bits;
}

int
lb_host_register(lb_host *h, int kind, const void *methods)
{
	const struct {
		uint32_t struct_size, abi_minor;
		const char *name;
	} *hdr = methods;
	static const size_t v0[] = {OS_V0_SIZE, VS_V0_SIZE, BIA_V0_SIZE, RIA_V0_SIZE, VC_V0_SIZE};
	static const size_t cur[] = {
	    sizeof(lb_object_store_methods),       sizeof(lb_volume_snapshotter_methods),
	    sizeof(lb_backup_item_action_methods), sizeof(lb_restore_item_action_methods),
	    sizeof(lb_volume_copier_methods)};
	lb_host_impl *impl;
	const char *name;

	if (!h->registering)
		return refuse(h, "register_* called outside lb_plugin_init");
	if (!methods)
		return refuse(h, "register_* called with a NULL table");
	if (kind < 0 || kind >= (int) (sizeof(v0) / sizeof(v0[0])))
		return refuse(h, "unknown interface kind %d", kind);
	name = hdr->name ? hdr->name : "(null)";
	if (!valid_name(hdr->name))
		return refuse(h,
		              "%s name '%s' is malformed: use '<dns-subdomain>/<name>', e.g. "
		              "'example.com/store'",
		              kind_names[kind], name);
	if (hdr->struct_size < v0[kind]) {
		snprintf(h->reg_error, sizeof(h->reg_error),
		         "%s '%s': methods table is %u bytes, shorter than the %zu bytes of "
		         "abi_minor 0: rebuild the plugin against SDK %d.x",
		         kind_names[kind], name, hdr->struct_size, v0[kind], LB_SDK_MAJOR);
		return LB_EINVAL;
	}
	if (h->nimpls >= LB_HOST_MAX_IMPLS)
		return refuse(h, "%s '%s': too many implementations in one plugin",
		              kind_names[kind], name);
	for (int i = 0; i < h->nimpls; i++)
		if (h->impls[i].kind == kind && !strcmp(h->impls[i].name, hdr->name))
			return refuse(h, "%s '%s' registered twice", kind_names[kind], name);
	impl = &h->impls[h->nimpls];
	memset(impl, 0, sizeof(*impl));
	memcpy(&impl->m, methods, hdr->struct_size < cur[kind] ? hdr->struct_size : cur[kind]);
	impl->kind = kind;
	impl->name = hdr->name;
	impl->abi_minor = hdr->abi_minor;
	impl->bits = method_bits(methods, offsetof(lb_object_store_methods, init),
	                         hdr->struct_size < cur[kind] ? hdr->struct_size : cur[kind]);
	switch (kind) {
	case 0: {
		lb_object_store_methods *m = &impl->m.os;

		REQUIRE(m, init);
		REQUIRE(m, put_object);
		REQUIRE(m, object_exists);
		REQUIRE(m, get_object);
		REQUIRE(m, list_common_prefixes);
		REQUIRE(m, list_objects);
		REQUIRE(m, delete_object);
		REQUIRE(m, destroy);
		break;
	}
	case 1: {
		lb_volume_snapshotter_methods *m = &impl->m.vs;

		REQUIRE(m, init);
		REQUIRE(m, create_volume_from_snapshot);
		REQUIRE(m, get_volume_id);
		REQUIRE(m, set_volume_id);
		REQUIRE(m, get_volume_info);
		REQUIRE(m, create_snapshot);
		REQUIRE(m, delete_snapshot);
		REQUIRE(m, destroy);
		break;
	}
	case 2: {
		lb_backup_item_action_methods *m = &impl->m.bia;

		REQUIRE(m, applies_to);
		REQUIRE(m, execute);
		REQUIRE(m, destroy);
		break;
	}
	case 3: {
		lb_restore_item_action_methods *m = &impl->m.ria;

		REQUIRE(m, applies_to);
		REQUIRE(m, execute);
		REQUIRE(m, destroy);
		break;
	}
	case 4: {
		lb_volume_copier_methods *m = &impl->m.vc;

		REQUIRE(m, init);
		REQUIRE(m, backup);
		REQUIRE(m, restore);
		REQUIRE(m, destroy);
		break;
	}
	default:
		return refuse(h, "unknown interface kind %d", kind);
	}
	h->nimpls++;
	return 0;
}
