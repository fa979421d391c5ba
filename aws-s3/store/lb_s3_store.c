/*
 * ObjectStore methods (plugin-api object_store.h) over the S3 client. The host hooks
 * (plugins/support store.c) are called only from the method's own thread; the client's worker
 * threads never see them.
 */
#include <stdlib.h>
#include <string.h>
#include "lb_psup_store.h"
#include "lb_s3_store.h"

struct lb_object_store {
	lb_s3_client *client;
	lb_s3_flavor flavor;
};

static int
finish(lb_call *call, lb_s3_op *op, int rc)
{
	return lb_psup_store_finish(call, op, rc, "S3 call failed");
}

int
lb_s3_store_init(lb_s3_flavor flavor,
                 lb_call *call,
                 const lb_config *config,
                 lb_object_store **self_out)
{
	lb_s3_op op;
	lb_s3_options o = {0};
	lb_s3_creds cr = {0};
	lb_object_store *self = NULL;
	int error;
	lb_psup_op_init(&op, call);
	if ((error = lb_s3_options_parse(flavor, config ? config->items : NULL,
	                                 config ? config->count : 0, &o, &op)) < 0)
		goto done;
	if ((error = lb_s3_creds_load(&o, &cr, &op)) < 0)
		goto done;
	if ((self = calloc(1, sizeof(*self))) == NULL) {
		error = lb_psup_fail(&op, LB_ENOMEM, "out of memory");
		goto done;
	}
	self->flavor = flavor;
	if ((error = lb_s3_client_new(&o, &cr, &self->client, &op)) < 0)
		goto done;
	*self_out = self;
	self = NULL;
done:
	free(self);
	lb_s3_options_free(&o);
	lb_s3_creds_free(&cr);
	return finish(call, &op, error);
}

int
lb_s3_store_put(lb_object_store *self,
                lb_call *call,
                const char *bucket,
                const char *key,
                int body_fd,
                int64_t size)
{
	lb_s3_op op;
	lb_psup_op_init(&op, call);
	return finish(call, &op, lb_s3_put(self->client, &op, bucket, key, body_fd, size));
}

int
lb_s3_store_exists(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *exists_out)
{
	lb_s3_op op;
	int exists = 0, rc;
	lb_psup_op_init(&op, call);
	rc = lb_s3_head(self->client, &op, bucket, key, &exists);
	if (rc == 0)
		*exists_out = exists;
	return finish(call, &op, rc);
}

int
lb_s3_store_get(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int sink_fd)
{
	lb_s3_op op;
	lb_psup_op_init(&op, call);
	return finish(call, &op, lb_s3_get(self->client, &op, bucket, key, sink_fd));
}

int
lb_s3_store_list_prefixes(lb_object_store *self,
                          lb_call *call,
                          const char *bucket,
                          const char *prefix,
                          const char *delimiter,
                          lb_strlist *prefixes_out)
{
	lb_s3_op op;
	lb_psup_op_init(&op, call);
	if (delimiter == NULL || *delimiter == '\0')
		return lb_set_error(call, LB_EINVAL, "list_common_prefixes needs a delimiter");
	return finish(call, &op,
	              lb_s3_list(self->client, &op, bucket, prefix, delimiter, lb_psup_strlist_add,
	                         prefixes_out));
}

int
lb_s3_store_list_objects(lb_object_store *self,
                         lb_call *call,
                         const char *bucket,
                         const char *prefix,
                         lb_strlist *keys_out)
{
	lb_s3_op op;
	lb_psup_op_init(&op, call);
	return finish(
	    call, &op,
	    lb_s3_list(self->client, &op, bucket, prefix, NULL, lb_psup_strlist_add, keys_out));
}

int
lb_s3_store_delete(lb_object_store *self, lb_call *call, const char *bucket, const char *key)
{
	lb_s3_op op;
	lb_psup_op_init(&op, call);
	return finish(call, &op, lb_s3_delete(self->client, &op, bucket, key));
}

int
lb_s3_store_signed_url(lb_object_store *self,
                       lb_call *call,
                       const char *bucket,
                       const char *key,
                       int64_t ttl_ms,
                       lb_buf *url_out)
{
	lb_s3_op op;
	char *url = NULL;
	int rc;
	lb_psup_op_init(&op, call);
	rc = lb_s3_presign(self->client, &op, bucket, key, ttl_ms, 0, &url);
	if (rc == 0)
		rc = lb_buf_append_str(url_out, url);
	free(url);
	return finish(call, &op, rc);
}

void
lb_s3_store_destroy(lb_object_store *self)
{
	if (self == NULL)
		return;
	lb_s3_client_free(self->client);
	free(self);
}
