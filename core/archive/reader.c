/* Tarball reader with the safety checks Velero's extract-to-disk reader needs (zip-slip)
 * and a few more (links, devices, bombs). Nothing is written to disk: entries go to the
 * callback one by one. */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/error.h"

int
lb_archive_check_path(const char *path)
{
	const char *p = path, *seg;
	size_t n;

	if (!path || !*path)
		return lb_error_set(LB_ECORRUPT, "backup tarball entry with an empty name");
	if (path[0] == '/')
		return lb_error_set(LB_ECORRUPT,
		                    "backup tarball entry \"%s\": absolute path refused", path);
	while (*p) {
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t) (p - seg);
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			return lb_error_set(LB_ECORRUPT,
			                    "backup tarball entry \"%s\": \"..\" path leaves the "
			                    "archive, refused",
			                    path);
		if (*p)
			p++;
	}
	if (strchr(path, '\\'))
		return lb_error_set(LB_ECORRUPT,
		                    "backup tarball entry \"%s\": backslash in path refused", path);
	return 0;
}

static void
limits_fill(lb_archive_limits *l, const lb_archive_limits *in)
{
	if (in)
		*l = *in;
	else
		memset(l, 0, sizeof(*l));
	if (!l->max_total_bytes)
		l->max_total_bytes = 8ULL << 30;
	if (!l->max_entry_bytes)
		l->max_entry_bytes = 256ULL << 20;
	if (!l->max_entries)
		l->max_entries = 10000000ULL;
	if (!l->max_ratio)
		l->max_ratio = 500;
	if (!l->ratio_floor)
		l->ratio_floor = 64ULL << 20;
}

static const char *
type_name(mode_t t)
{
	switch (t) {
	case AE_IFLNK:
		return "symbolic link";
	case AE_IFCHR:
		return "character device";
	case AE_IFBLK:
		return "block device";
	case AE_IFIFO:
		return "FIFO";
	case AE_IFSOCK:
		return "socket";
	case AE_IFDIR:
		return "directory";
	default:
		return "special file";
	}
}

static int
check_bomb(struct archive *a, const lb_archive_limits *l, uint64_t expanded, const char *path)
{
	la_int64_t raw = archive_filter_bytes(a, -1);

	if (expanded > l->max_total_bytes)
		return lb_error_set(
		    LB_ECORRUPT,
		    "backup tarball entry \"%s\": expanded size passes the limit of "
		    "%llu bytes (decompression bomb?), refused",
		    path, (unsigned long long) l->max_total_bytes);
	if (expanded > l->ratio_floor && raw > 0 &&
	    expanded / (uint64_t) raw > (uint64_t) l->max_ratio)
		return lb_error_set(
		    LB_ECORRUPT,
		    "backup tarball entry \"%s\": expands %llu times its compressed "
		    "size (limit %u; decompression bomb?), refused",
		    path, (unsigned long long) (expanded / (uint64_t) raw), l->max_ratio);
	return 0;
}

int
lb_archive_read_fd(int fd, const lb_archive_limits *limits, lb_archive_entry_fn fn, void *ud)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	lb_archive_limits l;
	lb_buf data = LB_BUF_INIT;
	uint64_t expanded = 0, entries = 0;
	int error = 0, r;

	limits_fill(&l, limits);
	if (!a)
		return lb_error_set(LB_ENOMEM, "tarball reader: out of memory");
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
		error =
		    lb_error_set(LB_ECORRUPT, "backup tarball: not a gzip-compressed tar file: %s",
		                 archive_error_string(a));
		goto done;
	}
	for (;;) {
		const char *path;
		la_int64_t size;
		mode_t type;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			error = lb_error_set(LB_ECORRUPT, "backup tarball: after %llu entries: %s",
			                     (unsigned long long) entries, archive_error_string(a));
			goto done;
		}
		path = archive_entry_pathname(e);
		if (!path)
			path = "";
		if ((error = lb_archive_check_path(path)) < 0)
			goto done;
		if (++entries > l.max_entries) {
			error = lb_error_set(LB_ECORRUPT,
			                     "backup tarball entry \"%s\": more than %llu entries, "
			                     "refused",
			                     path, (unsigned long long) l.max_entries);
			goto done;
		}
		if (archive_entry_hardlink(e)) {
			error = lb_error_set(
			    LB_ECORRUPT, "backup tarball entry \"%s\": hard link to \"%s\" refused",
			    path, archive_entry_hardlink(e));
			goto done;
		}
		type = archive_entry_filetype(e);
		if (type == AE_IFDIR) {
			expanded += 512;
			continue; /* Velero writes none; harmless when others do */
		}
		if (type != AE_IFREG) {
			error =
			    lb_error_set(LB_ECORRUPT,
			                 "backup tarball entry \"%s\": %s refused (only regular "
			                 "files are allowed)",
			                 path, type_name(type));
			goto done;
		}
		size = archive_entry_size(e);
		if (size < 0 || (uint64_t) size > l.max_entry_bytes) {
			error = lb_error_set(LB_ECORRUPT,
			                     "backup tarball entry \"%s\": %lld bytes passes the "
			                     "per-entry limit of %llu, refused",
			                     path, (long long) size,
			                     (unsigned long long) l.max_entry_bytes);
			goto done;
		}
		expanded += 512 + (uint64_t) size;
		if ((error = check_bomb(a, &l, expanded, path)) < 0)
			goto done;
		lb_buf_clear(&data);
		if ((error = lb_buf_grow(&data, (size_t) size)) < 0)
			goto done;
		for (;;) {
			char chunk[65536];
			la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));

			if (n == 0)
				break;
			if (n < 0) {
				error = lb_error_set(LB_ECORRUPT, "backup tarball entry \"%s\": %s",
				                     path, archive_error_string(a));
				goto done;
			}
			if (data.len + (size_t) n > (size_t) size) {
				error = lb_error_set(LB_ECORRUPT,
				                     "backup tarball entry \"%s\": more data than "
				                     "its header says",
				                     path);
				goto done;
			}
			lb_buf_put(&data, chunk, (size_t) n);
		}
		if ((error = check_bomb(a, &l, expanded, path)) < 0)
			goto done;
		if ((error = fn(path, data.ptr ? data.ptr : "", data.len, ud)) != 0)
			goto done;
	}
done:
	lb_buf_dispose(&data);
	archive_read_free(a);
	return error;
}

int
lb_archive_read_file(const char *path,
                     const lb_archive_limits *limits,
                     lb_archive_entry_fn fn,
                     void *ud)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), error;

	if (fd < 0)
		return lb_error_errno(errno, "open backup tarball %s", path);
	error = lb_archive_read_fd(fd, limits, fn, ud);
	close(fd);
	return error;
}
