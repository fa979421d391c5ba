/* Tarball writer (libarchive: pax-restricted tar = plain ustar unless a name needs more,
 * gzip filter), entries as Velero writes them: regular files, mode 0755. */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/error.h"

struct lb_archive_writer {
	struct archive *a;
	struct archive_entry *entry; /* reused, under mu */
	pthread_mutex_t mu;
	int error;
	uint64_t count;
	time_t mtime;
};

int
lb_archive_writer_open_fd(int fd, lb_archive_writer **out)
{
	lb_archive_writer *w = calloc(1, sizeof(*w));
	int error = LB_ENOMEM;

	if (!w)
		return lb_error_set(LB_ENOMEM, "tarball writer: out of memory");
	pthread_mutex_init(&w->mu, NULL);
	w->mtime = time(NULL);
	w->a = archive_write_new();
	w->entry = archive_entry_new();
	if (!w->a || !w->entry)
		goto fail;
	if (archive_write_add_filter_gzip(w->a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, fd) != ARCHIVE_OK) {
		error = lb_error_set(LB_EIO, "tarball writer: %s", archive_error_string(w->a));
		goto fail;
	}
	*out = w;
	return 0;
fail:
	lb_archive_writer_free(w);
	return error;
}

int
lb_archive_writer_add(lb_archive_writer *w, const char *path, const void *data, size_t len)
{
	int error;

	if ((error = lb_archive_check_path(path)) < 0)
		return error;
	pthread_mutex_lock(&w->mu);
	if (w->error) {
		error = w->error;
		goto done;
	}
	archive_entry_clear(w->entry);
	archive_entry_set_pathname(w->entry, path);
	archive_entry_set_filetype(w->entry, AE_IFREG);
	archive_entry_set_perm(w->entry, 0755);
	archive_entry_set_size(w->entry, (la_int64_t) len);
	archive_entry_set_mtime(w->entry, w->mtime, 0);
	if (archive_write_header(w->a, w->entry) != ARCHIVE_OK ||
	    (len && archive_write_data(w->a, data, len) != (la_ssize_t) len)) {
		error = w->error = lb_error_set(LB_EIO, "tarball: write entry \"%s\": %s", path,
		                                archive_error_string(w->a));
		goto done;
	}
	w->count++;
	error = 0;
done:
	pthread_mutex_unlock(&w->mu);
	return error;
}

uint64_t
lb_archive_writer_count(lb_archive_writer *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->mu);
	n = w->count;
	pthread_mutex_unlock(&w->mu);
	return n;
}

int
lb_archive_writer_finish(lb_archive_writer *w)
{
	int error;

	pthread_mutex_lock(&w->mu);
	error = w->error;
	if (!error && archive_write_close(w->a) != ARCHIVE_OK)
		error = w->error =
		    lb_error_set(LB_EIO, "tarball: finish: %s", archive_error_string(w->a));
	pthread_mutex_unlock(&w->mu);
	return error;
}

void
lb_archive_writer_free(lb_archive_writer *w)
{
	if (!w)
		return;
	if (w->entry)
		archive_entry_free(w->entry);
	if (w->a)
		archive_write_free(w->a);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
