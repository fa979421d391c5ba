/*
 * lifeboat.io/gcp (alias velero.io/gcp): the ObjectStore on Google Cloud Storage's JSON API,
 * over the small client in client/. Config keys are Velero's GCP plugin's; see docs/GCS.md.
 */
#include <stdlib.h>
#include <string.h>
#include <lifeboat/plugin/sdk.h>
#include "lb_gcs.h"
#include "lb_psup_store.h"

LB_PLUGIN_DECLARE("lifeboat.io/gcp", "0.1.0");

struct lb_object_store {
	lb_gcs_client *client;
};

static int
finish(lb_call *call, lb_gcs_op *op, int rc)
{
	return lb_psup_store_finish(call, op, rc, "GCS call failed");
}

static int
gcp_init(lb_call *call, const lb_config *config, lb_object_store **self_out)
{
	lb_gcs_op op;
	lb_gcs_options o = {0};
	lb_gcs_key key = {0};
	lb_object_store *self = NULL;
	const char *kf;
	int error;
	lb_psup_op_init(&op, call);
	if ((error = lb_gcs_options_parse(config ? config->items : NULL, config ? config->count : 0,
	                                  &o, &op)) < 0)
		goto done;
	kf = o.credentials_file ? o.credentials_file : getenv("GOOGLE_APPLICATION_CREDENTIALS");
	if (kf && *kf) {
		if ((error = lb_gcs_key_load(kf, &key, &op)) < 0)
			goto done;
	} else {
		lb_psup_logf(
		    &op, LB_LOG_WARN,
		    "no credentialsFile and no GOOGLE_APPLICATION_CREDENTIALS: requests to the "
		    "store go out without credentials");
	}
	if ((self = calloc(1, sizeof(*self))) == NULL) {
		error = lb_psup_fail(&op, LB_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = lb_gcs_client_new(&o, &key, &self->client, &op)) < 0)
		goto done;
	*self_out = self;
	self = NULL;
done:
	free(self);
	lb_gcs_options_free(&o);
	lb_gcs_key_free(&key);
	return finish(call, &op, error);
}

static int
gcp_put(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int fd, int64_t size)
{
	lb_gcs_op op;
	lb_psup_op_init(&op, call);
	return finish(call, &op, lb_gcs_put(self->client, &op, bucket, key, fd, size));
}

static int
gcp_exists(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *out)
{
	lb_gcs_op op;
	int exists = 0, rc;
	lb_psup_op_init(&op, call);
	if ((rc = lb_gcs_exists(self->client, &op, bucket, key, &exists)) == 0)
		*out = exists;
	return finish(call, &op, rc);
}

static int
gcp_get(lb_object_store *self, lb_call *call, const char *bucket, const char *key, int fd)
{
	lb_gcs_op op;
	lb_psup_op_init(&op, call);
	return finish(call, &op, lb_gcs_get(self->client, &op, bucket, key, fd));
}

static int
gcp_list_prefixes(lb_object_store *self,
                  lb_call *call,
                  const char *bucket,
                  const char *prefix,
                  const char *delimiter,
                  lb_strlist *out)
{
	lb_gcs_op op;
	lb_psup_op_init(&op, call);
	if (delimiter == NULL || *delimiter == '\0')
		return lb_set_error(call, LB_EINVAL, "list_common_prefixes needs a delimiter");
	return finish(
	    call, &op,
	    lb_gcs_list(self->client, &op, bucket, prefix, delimiter, lb_psup_strlist_add, out));
}

static int
gcp_list_objects(
    lb_object_store *self, lb_call *call, const char *bucket, const char *prefix, lb_strlist *out)
{
	lb_gcs_op op;
	lb_psup_op_init(&op, call);
	return finish(
	    call, &op,
	    lb_gcs_list(self->client, &op, bucket, prefix, NULL, lb_psup_strlist_add, out));
}

static int
gcp_delete(lb_object_store *self, lb_call *call, const char *bucket, const char *key)
{
	lb_gcs_op op;
	lb_psup_op_init(&op, call);
	return finish(call, &op, lb_gcs_delete(self->client, &op, bucket, key));
}

static int
gcp_signed_url(lb_object_store *self,
               lb_call *call,
               const char *bucket,
               const char *key,
               int64_t ttl_ms,
               lb_buf *url_out)
{
	lb_gcs_op op;
	char *url = NULL;
	int rc;
	lb_psup_op_init(&op, call);
	if ((rc = lb_gcs_client_sign_url(self->client, &op, bucket, key, ttl_ms, &url)) == 0)
		rc = lb_buf_append_str(url_out, url);
	free(url);
	return finish(call, &op, rc);
}

static void
gcp_destroy(lb_object_store *self)
{
	if (self == NULL)
		return;
	lb_gcs_client_free(self->client);
	free(self);
}

static const lb_object_store_methods gcp_methods = {
    LB_OBJECT_STORE_METHODS_HEADER,
    "lifeboat.io/gcp",
    gcp_init,
    gcp_put,
    gcp_exists,
    gcp_get,
    gcp_list_prefixes,
    gcp_list_objects,
    gcp_delete,
    gcp_signed_url,
    gcp_destroy,
};

int
lb_plugin_init(lb_registrar *reg)
{
	return lb_register_object_store(reg, &gcp_methods);
}
