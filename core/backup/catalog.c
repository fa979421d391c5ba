/* Backups as the storage location lists them. */
#include "catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/gzip.h"
#include "layout.h"
#include "util/error.h"

static int
loc_error(lb_location *loc, lb_call *call, int error, const char *what)
{
	return lb_error_set(error, "storage location \"%s\": %s: %s", lb_location_name(loc), what,
	                    *lb_call_error_message(call) ? lb_call_error_message(call)
	                                                 : lb_error_last(error));
}

int
lb_backup_catalog_get(lb_location *loc, lb_call *call, const char *name, cJSON **record_out)
{
	lb_buf b = LB_BUF_INIT;
	char key[1024];
	cJSON *rec;
	int error;

	if (!lb_layout_valid_name(name))
		return lb_error_set(LB_EINVAL, "\"%s\" is not a valid backup name", name);
	lb_layout_backup_record_key(key, sizeof(key), name);
	if ((error = lb_location_get_bytes(loc, call, key, &b)) < 0) {
		if (error == LB_ENOTFOUND)
			error = lb_error_set(LB_ENOTFOUND,
			                     "backup \"%s\" not found in storage location \"%s\"",
			                     name, lb_location_name(loc));
		else
			loc_error(loc, call, error, key);
		goto done;
	}
	rec = cJSON_Parse(b.ptr ? b.ptr : "");
	if (!rec || !cJSON_IsObject(rec)) {
		cJSON_Delete(rec);
		error = lb_error_set(LB_ECORRUPT, "%s: not a JSON Backup object", key);
		goto done;
	}
	*record_out = rec;
done:
	lb_buf_dispose(&b);
	return error;
}

int
lb_backup_catalog_list(lb_location *loc, lb_call *call, cJSON **records_out)
{
	lb_strlist prefixes = LB_STRLIST_INIT;
	cJSON *arr = cJSON_CreateArray();
	size_t i;
	int error;

	if ((error = lb_location_list(loc, call, "backups/", "/", &prefixes)) < 0) {
		loc_error(loc, call, error, "list backups/");
		goto done;
	}
	lb_strlist_sort(&prefixes);
	for (i = 0; i < prefixes.count; i++) {
		char name[512];
		const char *p = prefixes.items[i];
		size_t n;
		cJSON *rec = NULL;

		if (strncmp(p, "backups/", 8) == 0)
			p += 8;
		snprintf(name, sizeof(name), "%s", p);
		n = strlen(name);
		if (n && name[n - 1] == '/')
			name[n - 1] = '\0';
		if (lb_backup_catalog_get(loc, call, name, &rec) < 0)
			continue; /* incomplete or foreign: not a backup */
		cJSON_AddItemToArray(arr, rec);
	}
	*records_out = arr;
	arr = NULL;
	error = 0;
done:
	cJSON_Delete(arr);
	lb_strlist_dispose(&prefixes);
	return error;
}

int
lb_backup_catalog_get_gz(lb_location *loc, lb_call *call, const char *key, lb_buf *out)
{
	lb_buf gz = LB_BUF_INIT;
	int error;

	if ((error = lb_location_get_bytes(loc, call, key, &gz)) < 0) {
		if (error == LB_ENOTFOUND)
			lb_error_set(error, "%s not found in storage location \"%s\"", key,
			             lb_location_name(loc));
		else
			loc_error(loc, call, error, key);
		goto done;
	}
	error = lb_gunzip(gz.ptr, gz.len, 0, key, out);
done:
	lb_buf_dispose(&gz);
	return error;
}

int
lb_backup_catalog_put_gz(lb_location *loc, lb_call *call, const char *key, const char *text)
{
	lb_buf gz = LB_BUF_INIT;
	int error;

	if ((error = lb_gzip(text, strlen(text), &gz)) < 0)
		goto done;
	error = lb_location_put_bytes(loc, call, key, gz.ptr, gz.len);
	if (error < 0)
		lb_error_set(error, "upload %s: %s", key, lb_call_error_message(call));
done:
	lb_buf_dispose(&gz);
	return error;
}

int
lb_backup_catalog_download(lb_location *loc, lb_call *call, const char *name, const char *path)
{
	char key[1024], tmp[4200];
	cJSON *rec = NULL;
	int fd = -1, error;

	if ((error = lb_backup_catalog_get(loc, call, name, &rec)) < 0)
		return error;
	cJSON_Delete(rec);
	lb_layout_backup_key(key, sizeof(key), name, ".tar.gz");
	snprintf(tmp, sizeof(tmp), "%s.part", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return lb_error_errno(errno, "create %s", tmp);
	if ((error = lb_location_get(loc, call, key, fd)) < 0) {
		loc_error(loc, call, error, key);
		goto done;
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0) {
		error = lb_error_errno(errno, "write %s", path);
		goto done;
	}
done:
	close(fd);
	if (error < 0)
		unlink(tmp);
	return error;
}

int
lb_backup_catalog_delete(lb_location *loc, lb_call *call, const char *name)
{
	lb_strlist keys = LB_STRLIST_INIT;
	char key[1024], prefix[600];
	size_t i;
	int error;

	if (lb_location_read_only(loc))
		return lb_error_set(LB_EPERM,
		                    "storage location \"%s\" is ReadOnly: backup \"%s\" cannot be "
		                    "deleted there",
		                    lb_location_name(loc), name);
	if (!lb_layout_valid_name(name))
		return lb_error_set(LB_EINVAL, "\"%s\" is not a valid backup name", name);
	snprintf(prefix, sizeof(prefix), "backups/%s/", name);
	if ((error = lb_location_list(loc, call, prefix, NULL, &keys)) < 0) {
		loc_error(loc, call, error, prefix);
		goto done;
	}
	if (!keys.count) {
		error =
		    lb_error_set(LB_ENOTFOUND, "backup \"%s\" not found in storage location \"%s\"",
		                 name, lb_location_name(loc));
		goto done;
	}
	lb_layout_backup_record_key(key, sizeof(key), name);
	if ((error = lb_location_delete(loc, call, key)) < 0 && error != LB_ENOTFOUND) {
		loc_error(loc, call, error, key);
		goto done;
	}
	for (i = 0; i < keys.count; i++) {
		if (strcmp(keys.items[i], key) == 0)
			continue;
		if ((error = lb_location_delete(loc, call, keys.items[i])) < 0 &&
		    error != LB_ENOTFOUND) {
			loc_error(loc, call, error, keys.items[i]);
			goto done;
		}
	}
	error = 0;
done:
	lb_strlist_dispose(&keys);
	return error;
}
