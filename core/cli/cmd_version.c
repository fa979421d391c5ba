#include "cli.h"
#include "commands.h"

#include <stdlib.h>

#include <lifeboat/plugin/sdk.h>

#include "kube/kube.h"
#include "util/error.h"

#ifndef LB_VERSION
#define LB_VERSION "0.0.0"
#endif

/* The server part: asked only when a cluster is configured. A failure is an error only
 * when the user named a cluster (--kubeconfig, --context or $KUBECONFIG); otherwise the
 * client version alone is the answer. */
static int
print_server(lb_cli *cli)
{
	const char *env = getenv("KUBECONFIG");
	int explicit = cli->kubeconfig || cli->context || (env && *env);
	lb_kube_options o = {0};
	lb_kube_client *c = NULL;
	const char *git, *platform;
	cJSON *v = NULL;
	int error;

	o.kubeconfig = cli->kubeconfig;
	o.context = cli->context;
	o.timeout_ms = 10000;
	o.max_retries = -1;
	if ((error = lb_kube_client_new(&o, &c)) < 0 ||
	    (error = lb_kube_server_version(c, &v)) < 0) {
		lb_kube_client_free(c);
		if (!explicit)
			return LB_EXIT_OK;
		return lb_cli_fail("%s", lb_error_last(error));
	}
	git = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "gitVersion"));
	platform = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "platform"));
	printf("Server:\n\tVersion: %s\n\tPlatform: %s\n\tURL: %s\n",
	       git ? git : "(unknown)",
	       platform ? platform : "(unknown)",
	       lb_kube_client_server(c));
	cJSON_Delete(v);
	lb_kube_client_free(c);
	return LB_EXIT_OK;
}

int
lb_cmd_version(lb_cli *cli)
{
	printf("Client:\n\tVersion: %s\n\tPlugin SDK: %s (protocol %d)\n",
	       LB_VERSION,
	       LB_SDK_VERSION_STRING,
	       LB_PLUGIN_PROTOCOL);
	fflush(stdout);
	return print_server(cli);
}
