/* Engine-side proxies (OpenSSH mm_* style): method tables with the SDK's own signatures
 * whose entries marshal the arguments into a CALL frame and wait for the ANSWER. */
#ifndef LB_PROXY_PROXY_H
#define LB_PROXY_PROXY_H

#include <cjson/cJSON.h>

#include "supervise/manager.h"
#include "supervise/plugin.h"

/* What a handle's self points to. */
typedef struct lb_proxy {
	union {
		lb_object_store_handle os;
		lb_volume_snapshotter_handle vs;
		lb_backup_item_action_handle bia;
		lb_restore_item_action_handle ria;
		lb_volume_copier_handle vc;
	} h;
	lb_instance *inst; /* NULL once destroyed */
} lb_proxy;

int lb_proxy__open(lb_plugin_manager *mgr,
                   int kind,
                   const char *name,
                   const lb_config *config,
                   lb_call *call,
                   lb_proxy **out);
void lb_proxy__destroy(void *self);
void lb_proxy__close(lb_proxy *px);
/* Invoke @mid on the proxy @self; @req is consumed. */
int lb_proxy__call(void *self, lb_call *call, int mid, cJSON *req, int fd, cJSON **ans_out);
/* Outputs, written only on success. */
int lb_proxy__text(const cJSON *ans, const char *field, lb_buf *out);
int lb_proxy__items(const cJSON *ans, lb_strlist *out);
cJSON *lb_proxy__req(void);
void lb_proxy__str(cJSON *req, const char *field, const char *value);

#endif
