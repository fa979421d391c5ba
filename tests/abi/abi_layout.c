/*
 * ABI layout test: pins sizeof and offsetof of every SDK struct on x86_64 (LP64).
 *
 * The SDK structs are the ABI contract (plugin-api/docs/PLUGIN-ABI.md). If this test fails,
 * a struct changed shape: that is only allowed by appending members at the end, behind a
 * new minor fence. Then add the new members and the new size here, bump the struct's
 * ABI_MINOR and LB_SDK_MINOR, and add a change-log entry to PLUGIN-ABI.md. Never edit an
 * existing offset to make this pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lifeboat/plugin/sdk.h>

#define PIN_SIZE(type, n) assert_int_equal(sizeof(type), (n))
#define PIN_OFF(type, member, n) assert_int_equal(offsetof(type, member), (n))

static void
test_plugin_magic(void **state)
{
	(void) state;
	PIN_SIZE(lb_plugin_magic, 40);
	PIN_OFF(lb_plugin_magic, len, 0);
	PIN_OFF(lb_plugin_magic, protocol, 4);
	PIN_OFF(lb_plugin_magic, sdk_major, 8);
	PIN_OFF(lb_plugin_magic, sdk_minor, 12);
	PIN_OFF(lb_plugin_magic, ptr_size, 16);
	PIN_OFF(lb_plugin_magic, reserved, 20);
	PIN_OFF(lb_plugin_magic, name, 24);
	PIN_OFF(lb_plugin_magic, version, 32);
}

static void
test_host_api(void **state)
{
	(void) state;
	PIN_SIZE(lb_host_api, 184);
	PIN_OFF(lb_host_api, struct_size, 0);
	PIN_OFF(lb_host_api, abi_minor, 4);
	PIN_OFF(lb_host_api, log, 8);
	PIN_OFF(lb_host_api, set_error, 16);
	PIN_OFF(lb_host_api, progress, 24);
	PIN_OFF(lb_host_api, cancelled, 32);
	PIN_OFF(lb_host_api, deadline_left_ms, 40);
	PIN_OFF(lb_host_api, config_get, 48);
	PIN_OFF(lb_host_api, strlist_append, 56);
	PIN_OFF(lb_host_api, buf_append, 64);
	PIN_OFF(lb_host_api, register_object_store, 72);
	PIN_OFF(lb_host_api, register_volume_snapshotter, 80);
	PIN_OFF(lb_host_api, register_backup_item_action, 88);
	PIN_OFF(lb_host_api, register_restore_item_action, 96);
	PIN_OFF(lb_host_api, location_put, 104);
	PIN_OFF(lb_host_api, location_get, 112);
	PIN_OFF(lb_host_api, location_exists, 120);
	PIN_OFF(lb_host_api, location_list, 128);
	PIN_OFF(lb_host_api, location_delete, 136);
	/* abi_minor 1 (SDK 1.1); a 1.0 host table is 144 bytes. */
	PIN_OFF(lb_host_api, strlist_count, 144);
	PIN_OFF(lb_host_api, strlist_get, 152);
	PIN_OFF(lb_host_api, register_volume_copier, 160);
	PIN_OFF(lb_host_api, strlist_new, 168);
	PIN_OFF(lb_host_api, strlist_free, 176);
}

static void
test_kv(void **state)
{
	(void) state;
	PIN_SIZE(lb_kv, 16);
	PIN_OFF(lb_kv, key, 0);
	PIN_OFF(lb_kv, value, 8);
}

static void
test_config(void **state)
{
	(void) state;
	PIN_SIZE(lb_config, 16);
	PIN_OFF(lb_config, count, 0);
	PIN_OFF(lb_config, reserved, 4);
	PIN_OFF(lb_config, items, 8);
}

static void
test_object_store_methods(void **state)
{
	(void) state;
	PIN_SIZE(lb_object_store_methods, 88);
	PIN_OFF(lb_object_store_methods, struct_size, 0);
	PIN_OFF(lb_object_store_methods, abi_minor, 4);
	PIN_OFF(lb_object_store_methods, name, 8);
	PIN_OFF(lb_object_store_methods, init, 16);
	PIN_OFF(lb_object_store_methods, put_object, 24);
	PIN_OFF(lb_object_store_methods, object_exists, 32);
	PIN_OFF(lb_object_store_methods, get_object, 40);
	PIN_OFF(lb_object_store_methods, list_common_prefixes, 48);
	PIN_OFF(lb_object_store_methods, list_objects, 56);
	PIN_OFF(lb_object_store_methods, delete_object, 64);
	PIN_OFF(lb_object_store_methods, create_signed_url, 72);
	PIN_OFF(lb_object_store_methods, destroy, 80);
}

static void
test_volume_snapshotter_methods(void **state)
{
	(void) state;
	PIN_SIZE(lb_volume_snapshotter_methods, 80);
	PIN_OFF(lb_volume_snapshotter_methods, struct_size, 0);
	PIN_OFF(lb_volume_snapshotter_methods, abi_minor, 4);
	PIN_OFF(lb_volume_snapshotter_methods, name, 8);
	PIN_OFF(lb_volume_snapshotter_methods, init, 16);
	PIN_OFF(lb_volume_snapshotter_methods, create_volume_from_snapshot, 24);
	PIN_OFF(lb_volume_snapshotter_methods, get_volume_id, 32);
	PIN_OFF(lb_volume_snapshotter_methods, set_volume_id, 40);
	PIN_OFF(lb_volume_snapshotter_methods, get_volume_info, 48);
	PIN_OFF(lb_volume_snapshotter_methods, create_snapshot, 56);
	PIN_OFF(lb_volume_snapshotter_methods, delete_snapshot, 64);
	PIN_OFF(lb_volume_snapshotter_methods, destroy, 72);
}

static void
test_backup_item_action_methods(void **state)
{
	(void) state;
	PIN_SIZE(lb_backup_item_action_methods, 64);
	PIN_OFF(lb_backup_item_action_methods, struct_size, 0);
	PIN_OFF(lb_backup_item_action_methods, abi_minor, 4);
	PIN_OFF(lb_backup_item_action_methods, name, 8);
	PIN_OFF(lb_backup_item_action_methods, init, 16);
	PIN_OFF(lb_backup_item_action_methods, applies_to, 24);
	PIN_OFF(lb_backup_item_action_methods, execute, 32);
	PIN_OFF(lb_backup_item_action_methods, progress, 40);
	PIN_OFF(lb_backup_item_action_methods, cancel, 48);
	PIN_OFF(lb_backup_item_action_methods, destroy, 56);
}

static void
test_restore_item_action_methods(void **state)
{
	(void) state;
	PIN_SIZE(lb_restore_item_action_methods, 72);
	PIN_OFF(lb_restore_item_action_methods, struct_size, 0);
	PIN_OFF(lb_restore_item_action_methods, abi_minor, 4);
	PIN_OFF(lb_restore_item_action_methods, name, 8);
	PIN_OFF(lb_restore_item_action_methods, init, 16);
	PIN_OFF(lb_restore_item_action_methods, applies_to, 24);
	PIN_OFF(lb_restore_item_action_methods, execute, 32);
	PIN_OFF(lb_restore_item_action_methods, progress, 40);
	PIN_OFF(lb_restore_item_action_methods, cancel, 48);
	PIN_OFF(lb_restore_item_action_methods, are_additional_items_ready, 56);
	PIN_OFF(lb_restore_item_action_methods, destroy, 64);
}

static void
test_volume_copier_methods(void **state)
{
	(void) state;
	PIN_SIZE(lb_volume_copier_methods, 56);
	PIN_OFF(lb_volume_copier_methods, struct_size, 0);
	PIN_OFF(lb_volume_copier_methods, abi_minor, 4);
	PIN_OFF(lb_volume_copier_methods, name, 8);
	PIN_OFF(lb_volume_copier_methods, init, 16);
	PIN_OFF(lb_volume_copier_methods, backup, 24);
	PIN_OFF(lb_volume_copier_methods, restore, 32);
	PIN_OFF(lb_volume_copier_methods, maintain, 40);
	PIN_OFF(lb_volume_copier_methods, destroy, 48);
}

/* Versions the layouts above belong to: a bump without updating this file fails here. */
static void
test_versions(void **state)
{
	(void) state;
	assert_int_equal(LB_PLUGIN_PROTOCOL, 1);
	assert_int_equal(LB_SDK_MAJOR, 1);
	assert_int_equal(LB_SDK_MINOR, 1);
	assert_int_equal(LB_HOST_API_ABI_MINOR, 1);
	assert_int_equal(LB_OBJECT_STORE_ABI_MINOR, 0);
	assert_int_equal(LB_VOLUME_SNAPSHOTTER_ABI_MINOR, 0);
	assert_int_equal(LB_BACKUP_ITEM_ACTION_ABI_MINOR, 0);
	assert_int_equal(LB_RESTORE_ITEM_ACTION_ABI_MINOR, 0);
	assert_int_equal(LB_VOLUME_COPIER_ABI_MINOR, 0);
}

/* Error codes are ABI too: never renumber. */
static void
test_error_codes(void **state)
{
	(void) state;
#define PIN_CODE(name, val, msg) assert_int_equal(LB_##name, (val));
	LB_ERROR_MAP(PIN_CODE)
#undef PIN_CODE
	assert_int_equal(LB_ENOTFOUND, -2);
	assert_int_equal(LB_EINVAL, -4);
	assert_int_equal(LB_ETIMEDOUT, -5);
	assert_int_equal(LB_ECRASHED, -6);
	assert_int_equal(LB_EUNSUPPORTED, -12);
	assert_int_equal(LB_ECORRUPT, -17);
	assert_int_equal(LB_ERROR_MIN_, -18);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plugin_magic),
	    cmocka_unit_test(test_host_api),
	    cmocka_unit_test(test_kv),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_object_store_methods),
	    cmocka_unit_test(test_volume_snapshotter_methods),
	    cmocka_unit_test(test_backup_item_action_methods),
	    cmocka_unit_test(test_restore_item_action_methods),
	    cmocka_unit_test(test_volume_copier_methods),
	    cmocka_unit_test(test_versions),
	    cmocka_unit_test(test_error_codes),
	};
#if !defined(__x86_64__) || !defined(__LP64__)
	/* The pinned numbers are for x86_64; other targets are skipped, not guessed. */
	return 0;
#endif
	return cmocka_run_group_tests_name("abi_layout", tests, NULL, NULL);
}
