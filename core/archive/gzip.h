/* Whole-buffer gzip, for the small side files of a backup (-logs.gz, -results.gz,
 * -resource-list.json.gz, ...). */
#ifndef LB_ARCHIVE_GZIP_H
#define LB_ARCHIVE_GZIP_H

#include <stddef.h>

#include "util/buf.h"

/* Append the gzip of @data to @out. */
int lb_gzip(const void *data, size_t len, lb_buf *out);
/* Append the expansion of gzip @data to @out; refuses more than @max_out bytes
 * (0: 1 GiB) as a decompression bomb. @what names the input in errors. */
int lb_gunzip(const void *data, size_t len, size_t max_out, const char *what, lb_buf *out);

#endif
