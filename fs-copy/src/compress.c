/* zstd for blobs and unpacked files; one reusable context per thread. */
#include "fc_internal.h"

#include <zstd.h>

static _Thread_local ZSTD_CCtx *fc_cctx;
static _Thread_local ZSTD_DCtx *fc_dctx;

void
lb_fscopy__zstd_thread_done(void)
{
	ZSTD_freeCCtx(fc_cctx);
	ZSTD_freeDCtx(fc_dctx);
	fc_cctx = NULL;
	fc_dctx = NULL;
}

void
lb_fscopy__thread_done(void)
{
	lb_fscopy__zstd_thread_done();
	lb_fscopy__pack_thread_done();
}

int
lb_fscopy__zstd_compress(const void *in, size_t n, fc_buf *out, int level)
{
	size_t bound = ZSTD_compressBound(n), got;
	int rc;

	if (!fc_cctx && !(fc_cctx = ZSTD_createCCtx()))
		return lb_fscopy__err(LB_ENOMEM, "cannot create a zstd context");
	rc = lb_fscopy__buf_reserve(out, bound + 1);
	if (rc < 0)
		return rc;
	got = ZSTD_compressCCtx(fc_cctx, out->data + out->len, bound, in, n, level);
	if (ZSTD_isError(got))
		return lb_fscopy__err(LB_EIO, "zstd compression failed: %s", ZSTD_getErrorName(got));
	out->len += got;
	return 0;
}

int
lb_fscopy__zstd_decompress(const void *in, size_t n, fc_buf *out, size_t expect)
{
	unsigned long long size = expect;
	size_t got;
	int rc;

	if (!fc_dctx && !(fc_dctx = ZSTD_createDCtx()))
		return lb_fscopy__err(LB_ENOMEM, "cannot create a zstd context");
	if (!expect) {
		size = ZSTD_getFrameContentSize(in, n);
		if (size == ZSTD_CONTENTSIZE_ERROR)
			return lb_fscopy__err(LB_ECORRUPT, "not zstd data");
		if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
			/* streaming decode */
			ZSTD_inBuffer ib = {in, n, 0};
			ZSTD_DCtx_reset(fc_dctx, ZSTD_reset_session_only);
			for (;;) {
				ZSTD_outBuffer ob;
				size_t r;
				rc = lb_fscopy__buf_reserve(out, 1 << 20);
				if (rc < 0)
					return rc;
				ob.dst = out->data + out->len;
				ob.size = out->cap - out->len - 1;
				ob.pos = 0;
				r = ZSTD_decompressStream(fc_dctx, &ob, &ib);
				if (ZSTD_isError(r))
					return lb_fscopy__err(LB_ECORRUPT, "zstd: %s",
					                      ZSTD_getErrorName(r));
				out->len += ob.pos;
				if (r == 0)
					break;
				if (ib.pos == ib.size && ob.pos < ob.size)
					return lb_fscopy__err(LB_ECORRUPT, "truncated zstd data");
			}
			out->data[out->len] = 0;
			return 0;
		}
	}
	rc = lb_fscopy__buf_reserve(out, (size_t) size + 1);
	if (rc < 0)
		return rc;
	got = ZSTD_decompressDCtx(fc_dctx, out->data + out->len, (size_t) size, in, n);
	if (ZSTD_isError(got))
		return lb_fscopy__err(LB_ECORRUPT, "zstd decompression failed: %s",
		                      ZSTD_getErrorName(got));
	if (expect && got != expect)
		return lb_fscopy__err(LB_ECORRUPT, "blob decompressed to %zu bytes, index says %zu",
		                      got, expect);
	out->len += got;
	out->data[out->len] = 0;
	return 0;
}
