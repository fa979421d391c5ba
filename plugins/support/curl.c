/*
 * libcurl pieces every request needs: the common handle options, a capped response buffer,
 * and writing a streamed body to the caller's fd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lb_psup.h"

void
lb_psup_curl_setup(CURL *h,
                   int64_t connect_timeout_ms,
                   int64_t stall_timeout_ms,
                   const char *ca_pem,
                   int insecure_tls)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long) connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long) (stall_timeout_ms / 1000));
	if (ca_pem) {
		struct curl_blob blob = {(void *) ca_pem, strlen(ca_pem), CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (insecure_tls) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

int
lb_psup_buf_append(char **buf, size_t *len, size_t *cap, size_t max, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		while (ncap < *len + n + 1)
			ncap *= 2;
		if (ncap > max)
			return -1;
		char *q = realloc(*buf, ncap);
		if (q == NULL)
			return -1;
		*buf = q;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

int
lb_psup_write_all(int fd, const void *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, (const char *) p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		off += (size_t) w;
	}
	return 0;
}
