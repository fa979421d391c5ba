/* Backup tarballs: gzip-compressed tar files of regular files only, as Velero writes them
 * (pkg/archive, pkg/backup: entries are regular files, mode 0755, no directory entries).
 *
 * The writer is thread-safe: parallel backup workers add entries to one open writer.
 * The reader streams entries to a callback and refuses anything unsafe before the callback
 * sees it: absolute paths, ".." components, symlinks, hardlinks, devices, FIFOs, and
 * decompression bombs (a cap on the total expanded size, on one entry, and on the ratio of
 * expanded to compressed bytes). The error names the entry.
 */
#ifndef LB_ARCHIVE_ARCHIVE_H
#define LB_ARCHIVE_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct lb_archive_writer lb_archive_writer;

/* Write a tar.gz to @fd (borrowed; not closed). */
int lb_archive_writer_open_fd(int fd, lb_archive_writer **out);
/* Add one regular file. Thread-safe. @path is relative ("resources/pods/..."). */
int lb_archive_writer_add(lb_archive_writer *w, const char *path, const void *data, size_t len);
/* Finish the stream (gzip trailer). Returns the first error of any add or of the close. */
int lb_archive_writer_finish(lb_archive_writer *w);
/* Entries written so far. */
uint64_t lb_archive_writer_count(lb_archive_writer *w);
void lb_archive_writer_free(lb_archive_writer *w); /* NULL-safe; does not finish */

typedef struct lb_archive_limits {
	uint64_t max_total_bytes; /* expanded tar stream; 0: 8 GiB */
	uint64_t max_entry_bytes; /* one entry; 0: 256 MiB */
	uint64_t max_entries;     /* 0: 10 million */
	uint32_t max_ratio;       /* expanded/compressed; 0: 500 (JSON backups stay far below) */
	uint64_t ratio_floor;     /* the ratio is checked only past this many expanded bytes;
	                             0: 64 MiB (small, very regular tarballs compress well) */
} lb_archive_limits;

/* Called per regular file with its whole content (borrowed for the call; NUL-terminated
 * at data[len]). Return non-zero to stop (the reader returns that value). */
typedef int (*lb_archive_entry_fn)(const char *path, const char *data, size_t len, void *ud);

/* Read a tar.gz from @fd (borrowed). @limits may be NULL (defaults). Errors: LB_ECORRUPT
 * for unsafe or malformed input ("backup tarball entry "../x": path leaves the archive"). */
int lb_archive_read_fd(int fd, const lb_archive_limits *limits, lb_archive_entry_fn fn, void *ud);
int lb_archive_read_file(const char *path,
                         const lb_archive_limits *limits,
                         lb_archive_entry_fn fn,
                         void *ud);

/* 0 if @path is a safe relative entry name, else LB_ECORRUPT with a message naming it. */
int lb_archive_check_path(const char *path);

#endif
