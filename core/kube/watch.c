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
	int error;

	if (!opts)
		opts = &none;
	timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 60000;
	snprintf(what, sizeof(what), "watch %s%s%s%s%s", gvr->resource,
	         gvr->group && *gvr->group ? "." : "", gvr->group ? gvr->group : "",
	         gvr->namespaced && ns && *ns ? " in namespace " : "",
	         gvr->namespaced && ns && *ns ? ns : "");
	if ((error = lb_kube_path(gvr, ns, NULL, NULL, path, sizeof(path))) < 0)
		return error;
	lb_buf_printf(&url, "%s?watch=true&allowWatchBookmarks=true&timeoutSeconds=%lld", path,
	              (long long) ((timeout_ms + 999) / 1000));
	if (opts->resource_version && *opts->resource_version) {
		lb_buf_puts(&url, "&resourceVersion=");
		lb_kube__urlencode(&url, opts->resource_version);
	}
	if (opts->label_selector && *opts->label_selector) {
		lb_buf_puts(&url, "&labelSelector=");
		lb_kube__urlencode(&url, opts->label_selector);
	}
	if (opts->field_selector && *opts->field_selector) {
		lb_buf_puts(&url, "&fieldSelector=");
		lb_kube__urlencode(&url, opts->field_selector);
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
