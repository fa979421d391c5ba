/*
 * lifeboat.io/minio: MinIO and other self-hosted S3 servers. The same S3 client as
 * lifeboat.io/aws (aws-s3/client) with MinIO's defaults: path-style buckets, region
 * us-east-1, s3Url required with an explicit scheme (plain HTTP only when it says http://).
 */
#include <lifeboat/plugin/sdk.h>
#include "lb_s3_store.h"

LB_PLUGIN_DECLARE("lifeboat.io/minio", "0.1.0");

static int
minio_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	return lb_s3_store_init(LB_S3_FLAVOR_MINIO, call, config, self_out);
}

static const lb_object_store_methods minio_methods =
    LB_S3_STORE_METHODS("lifeboat.io/minio", minio_init);

int
lb_plugin_init(lb_registrar *reg)
{
	return lb_register_object_store(reg, &minio_methods);
}
