/*
 * The ObjectStore methods over the S3 client, shared by the aws and minio plugins: each
 * plugin only supplies its name and its flavor of config validation.
 */
#ifndef LB_S3_STORE_H
#define LB_S3_STORE_H

#include <lifeboat/plugin/sdk.h>
#include "lb_s3.h"

int lb_s3_store_init(lb_s3_flavor flavor,
                     lb_call *call,
                     const lb_config *config,
                     lb_object_store **self_out);
int lb_s3_store_put(lb_object_store *self,
                    lb_call *call,
                    const char *bucket,
                    const char *key,
                    int body_fd,
                    int64_t size);
int lb_s3_store_exists(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int *exists_out);
int lb_s3_store_get(
    lb_object_store *self, lb_call *call, const char *bucket, const char *key, int sink_fd);
int lb_s3_store_list_prefixes(lb_object_store *self,
                              lb_call *call,
                              const char *bucket,
                              const char *prefix,
                              const char *delimiter,
                              lb_strlist *prefixes_out);
int lb_s3_store_list_objects(lb_object_store *self,
                             lb_call *call,
                             const char *bucket,
                             const char *prefix,
                             lb_strlist *keys_out);
int lb_s3_store_delete(lb_object_store *self, lb_call *call, const char *bucket, const char *key);
int lb_s3_store_signed_url(lb_object_store *self,
                           lb_call *call,
                           const char *bucket,
                           const char *key,
                           int64_t ttl_ms,
                           lb_buf *url_out);
void lb_s3_store_destroy(lb_object_store *self);

#define LB_S3_STORE_METHODS(NAME, INIT)                                                            \
	{                                                                                          \
		LB_OBJECT_STORE_METHODS_HEADER, (NAME), (INIT), lb_s3_store_put,                   \
		    lb_s3_store_exists, lb_s3_store_get, lb_s3_store_list_prefixes,                \
		    lb_s3_store_list_objects, lb_s3_store_delete, lb_s3_store_signed_url,          \
		    lb_s3_store_destroy                                                            \
	}

#endif
