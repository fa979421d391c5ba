/* bench/plugin-rpc: round-trip latency of ObjectStore.ObjectExists to a forked plugin
 * (p50/p99) and throughput of a 1 GiB PutObject through the boundary into a null store.
 * Bytes cross as a file descriptor (memfd); frames carry only the header and JSON.
 *
 * Usage: bench_plugin_rpc [calls (100000)] [MiB (1024)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "supervise/manager.h"
#include "util/error.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	long mib = argc > 2 ? atol(argv[2]) : 1024;
	lb_plugin_settings s;
	lb_plugin_manager *mgr = NULL;
	lb_object_store_handle *h = NULL;
	lb_call *call = lb_call_new(NULL);
	int64_t *lat = calloc((size_t) calls, sizeof(*lat)), t0, t1;
	int exists, fd, error;
	size_t bytes = (size_t) mib << 20;

	lb_plugin_settings_init(&s);
	s.host_path = LB_BENCH_HOST_PATH;
	s.children = 1;
	if ((error = lb_plugins_start(&s, &mgr)) < 0 ||
	    (error = lb_plugins_add_file(mgr, LB_BENCH_NULL_STORE, NULL)) < 0 ||
	    (error = lb_plugins_open_object_store(mgr, "test.lifeboat.io/null-store", NULL, call,
	                                          &h)) < 0) {
		fprintf(stderr, "bench: %s %s\n", lb_error_last(error),
		        lb_call_error_message(call));
		return 1;
	}
	for (long i = 0; i < 1000; i++) /* warm up */
		h->m->object_exists(h->self, call, "b", "k", &exists);
	for (long i = 0; i < calls; i++) {
		t0 = now_ns();
		error = h->m->object_exists(h->self, call, "b", "k", &exists);
		lat[i] = now_ns() - t0;
		if (error < 0) {
			fprintf(stderr, "bench: %s\n", lb_call_error_message(call));
			return 1;
		}
	}
	qsort(lat, (size_t) calls, sizeof(*lat), cmp64);
	printf("ObjectExists round trip, %ld calls: p50 %.1f us, p99 %.1f us, max %.1f us\n", calls,
	       lat[calls / 2] / 1e3, lat[calls * 99 / 100] / 1e3, lat[calls - 1] / 1e3);

	/* A memfd of the given size; pages are touched once so the bench reads real memory. */
	fd = memfd_create("bench-body", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t) bytes) < 0) {
		perror("memfd");
		return 1;
	}
	{
		char chunk[1 << 16];

		memset(chunk, 'x', sizeof(chunk));
		for (size_t off = 0; off < bytes; off += sizeof(chunk))
			if (pwrite(fd, chunk, sizeof(chunk), (off_t) off) !=
			    (ssize_t) sizeof(chunk))
				return perror("pwrite"), 1;
	}
	for (int rep = 0; rep < 3; rep++) {
		lseek(fd, 0, SEEK_SET);
		t0 = now_ns();
		error = h->m->put_object(h->self, call, "b", "big", fd, (int64_t) bytes);
		t1 = now_ns();
		if (error < 0) {
			fprintf(stderr, "bench: %s\n", lb_call_error_message(call));
			return 1;
		}
		printf("PutObject %ld MiB into the null store: %.2f s, %.2f GB/s\n", mib,
		       (t1 - t0) / 1e9, bytes / ((t1 - t0) / 1e9) / 1e9);
	}
	close(fd);
	lb_object_store_handle_close(h);
	lb_plugins_stop(mgr);
	lb_call_free(call);
	free(lat);
	return 0;
}
