/* usage: kube_list_bench KUBECONFIG NAMESPACE PAGE_SIZE RUNS
 * Lists every configmap of NAMESPACE RUNS times with lb_kube_list and prints one line per
 * run: items, wall seconds, objects/s, and the simulator's own handler seconds for those
 * requests (from its /sim/v1/stats, reset before each run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube.h"
#include "util/error.h"
#include "util/time.h"

static int
count(const cJSON *item, void *ud)
{
	(void) item;
	(*(size_t *) ud)++;
	return 0;
}

int
main(int argc, char **argv)
{
	lb_kube_options o = {0};
	lb_kube_gvr cm = {"", "v1", "configmaps", 1};
	lb_kube_client *c = NULL;
	int error, runs;

	if (argc != 5) {
		fprintf(stderr, "usage: %s KUBECONFIG NAMESPACE PAGE_SIZE RUNS\n", argv[0]);
		return 2;
	}
	o.kubeconfig = argv[1];
	o.page_size = atoi(argv[3]);
	o.qps = -1; /* measure the transfer, not the client-side limiter */
	runs = atoi(argv[4]);
	if ((error = lb_kube_client_new(&o, &c)) < 0) {
		fprintf(stderr, "%s\n", lb_error_last(error));
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		lb_kube_list_result res;
		cJSON *stats = NULL;
		size_t n = 0;
		int64_t t0;
		double secs, sim;

		lb_kube_request(c, "DELETE", "/sim/v1/stats", NULL, NULL, NULL);
		t0 = lb_now_us();
		if ((error = lb_kube_list(c, &cm, argv[2], NULL, count, &n, &res)) < 0) {
			fprintf(stderr, "%s\n", lb_error_last(error));
			return 1;
		}
		secs = (double) (lb_now_us() - t0) / 1e6;
		if ((error = lb_kube_request(c, "GET", "/sim/v1/stats", NULL, NULL, &stats)) < 0) {
			fprintf(stderr, "%s\n", lb_error_last(error));
			return 1;
		}
		sim = cJSON_GetObjectItem(stats, "handlerSeconds")->valuedouble;
		printf(
		    "{\"items\": %zu, \"pages\": %d, \"seconds\": %.3f, \"objects_per_s\": %.0f, "
		    "\"sim_seconds\": %.3f, \"sim_share\": %.2f}\n",
		    n, res.pages, secs, (double) n / secs, sim, sim / secs);
		fflush(stdout);
		cJSON_Delete(stats);
	}
	lb_kube_client_free(c);
	return 0;
}
