/* Whole-buffer gzip with zlib. */
#include "gzip.h"

#include <string.h>
#include <zlib.h>

#include "util/error.h"

int
lb_gzip(const void *data, size_t len, lb_buf *out)
{
	z_stream z;
	int r, error = 0;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return lb_error_set(LB_ENOMEM, "gzip: out of memory");
	z.next_in = (Bytef *) data;
	z.avail_in = (uInt) len;
	do {
		if ((error = lb_buf_grow(out, 65536)) < 0)
			goto done;
		z.next_out = (Bytef *) out->ptr + out->len;
		z.avail_out = (uInt) (out->cap - out->len - 1);
		r = deflate(&z, Z_FINISH);
		out->len = (size_t) ((char *) z.next_out - out->ptr);
		out->ptr[out->len] = '\0';
		if (r == Z_STREAM_ERROR) {
			error = lb_error_set(LB_EIO, "gzip: compression failed");
			goto done;
		}
	} while (r != Z_STREAM_END);
done:
	deflateEnd(&z);
	return error;
}

int
lb_gunzip(const void *data, size_t len, size_t max_out, const char *what, lb_buf *out)
{
	z_stream z;
	size_t start = out->len;
	int r, error = 0;

	if (!max_out)
		max_out = (size_t) 1 << 30;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return lb_error_set(LB_ENOMEM, "gunzip: out of memory");
	z.next_in = (Bytef *) data;
	z.avail_in = (uInt) len;
	do {
		if (out->len - start > max_out) {
			error = lb_error_set(
			    LB_ECORRUPT,
			    "%s: expands past %zu bytes (decompression bomb?), refused", what,
			    max_out);
			goto done;
		}
		if ((error = lb_buf_grow(out, 65536)) < 0)
			goto done;
		z.next_out = (Bytef *) out->ptr + out->len;
		z.avail_out = (uInt) (out->cap - out->len - 1);
		r = inflate(&z, Z_NO_FLUSH);
		out->len = (size_t) ((char *) z.next_out - out->ptr);
		out->ptr[out->len] = '\0';
		if (r != Z_OK && r != Z_STREAM_END) {
			error = lb_error_set(LB_ECORRUPT, "%s: not valid gzip data (%s)", what,
			                     z.msg ? z.msg : "truncated");
			goto done;
		}
		if (r == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			error = lb_error_set(LB_ECORRUPT, "%s: truncated gzip data", what);
			goto done;
		}
	} while (r != Z_STREAM_END);
done:
	inflateEnd(&z);
	return error;
}
