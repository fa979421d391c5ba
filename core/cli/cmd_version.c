#include "cli.h"
#include "commands.h"

#include <lifeboat/plugin/sdk.h>

#ifndef LB_VERSION
#define LB_VERSION "0.0.0"
#endif

int
lb_cmd_version(lb_cli *cli)
{
	(void) cli;
	printf("Client:\n\tVersion: %s\n\tPlugin SDK: %s (protocol %d)\n",
	       LB_VERSION,
	       LB_SDK_VERSION_STRING,
	       LB_PLUGIN_PROTOCOL);
	/* The server version is added by the Kubernetes client (core/kube). */
	return LB_EXIT_OK;
}
