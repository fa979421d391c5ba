/* Watch: ?watch=true streams one JSON event per line ({"type":..., "object":...}); each is
 * handed to the callback as it arrives. */
#include "kube_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

typedef struct watch_state {
	lb_buf line;
	lb_kube_event_fn fn;
	void *ud;
	int stopped;
	int error;
} watch_state;

static int
dispatch(watch_state *w, const char *text, size_t len)
{
	cJSON *ev = cJSON_ParseWithLength(text, len);
	const char *type;
	int rc = 0;

	if (!ev) {
		w->error =
		    lb_error_set(LB_EPROTO, "watch: the server sent a line that is not JSON");
		return 1;
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "type"));
	if (type)
		rc = w->fn(type, cJSON_GetObjectItemCaseSensitive(ev, "object"), w->ud);
	cJSON_Delete(ev);
	return rc;
}

static size_t
on_stream(char *data, size_t size, size_t nmemb, void *ud)
{
	watch_state *w = ud;
	size_t n = size * nmemb;
	size_t start = 0;

	if (w->stopped)
		return 0;
	if (lb_buf_put(&w->line, data, n) < 0)
		return 0;
	for (size_t i = 0; i < w->line.len; i++) {
		if (w->line.ptr[i] != '\n')
			continue;
		if (i > start && dispatch(w, w->line.ptr + start, i - start) != 0) {
			w->stopped = 1;
			return 0;
		}
		start = i + 1;
	}
	if (start) {
		memmove(w->line.ptr, w->line.ptr + start, w->line.len - start);
		w->line.len -= start;
		w->line.ptr[w->line.len] = '\0';
	}
	return n;
}

int
lb_kube_watch(lb_kube_client *c,
              const lb_kube_gvr *gvr,
              const char *ns,
              const lb_kube_watch_options *opts,
              lb_kube_event_fn fn,
              void *ud)
{
	lb_kube_watch_options none = {0};
	lb_kube_http_req req = {0};
	watch_state w = {LB_BUF_INIT, fn, ud, 0, 0};
	char path[1024], what[600];
	lb_buf url = LB_BUF_INIT;
	int64_t timeout_ms;
	int error, first = 0;

	if (!opts)
		opts = &none;
	timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 60000;
	lb_kube__describe(what, sizeof(what), "watch", gvr, ns, NULL, NULL);
	if ((error = lb_kube_path(gvr, ns, NULL, NULL, path, sizeof(path))) < 0)
		return error;
	lb_buf_printf(&url, "%s?watch=true&allowWatchBookmarks=true&timeoutSeconds=%lld", path,
	              (long long) ((timeout_ms + 999) / 1000));
	if (lb_kube__query_add(&url, &first, "resourceVersion", opts->resource_version) < 0 ||
	    lb_kube__query_add(&url, &first, "labelSelector", opts->label_selector) < 0 ||
	    lb_kube__query_add(&url, &first, "fieldSelector", opts->field_selector) < 0) {
		error = LB_ENOMEM;
		goto done;
	}
	req.method = "GET";
	req.path = url.ptr;
	req.what = what;
	req.timeout_ms = timeout_ms + 2000; /* the server ends it first; this is a backstop */
	req.no_retry = 1;
	req.stream_fn = on_stream;
	req.stream_ud = &w;
	req.stop = opts->stop;
	if (!url.ptr) {
		error = LB_ENOMEM;
		goto done;
	}
	error = lb_kube__http(c, &req, NULL);
	if (error == 0 && w.error < 0)
		error = w.error;
	/* a last event without its newline when the stream ended */
	if (error == 0 && !w.stopped && w.line.len)
		dispatch(&w, w.line.ptr, w.line.len);
done:
	lb_buf_dispose(&url);
	lb_buf_dispose(&w.line);
	return error;
}
