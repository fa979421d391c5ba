/*
 * lifeboat.io/aws (also velero.io/aws): Amazon S3 and S3-compatible servers, configured with
 * the keys of Velero's AWS plugin. The work is done by the S3 client in client/.
 */
#include <lifeboat/plugin/sdk.h>
#include "lb_s3_store.h"

LB_PLUGIN_DECLARE("lifeboat.io/aws", "0.1.0");

static int
aws_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	return lb_s3_store_init(LB_S3_FLAVOR_AWS, call, config, self_out);
}

static const lb_object_store_methods aws_methods = LB_S3_STORE_METHODS("lifeboat.io/aws", aws_init);

int
lb_plugin_init(lb_registrar *reg)
{
	return lb_register_object_store(reg, &aws_methods);
}
