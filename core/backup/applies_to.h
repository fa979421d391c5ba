/* An item action's AppliesTo selector (backup_item_action.h), resolved once per backup or
 * restore: {"includedNamespaces","excludedNamespaces","includedResources",
 * "excludedResources","labelSelector"}. Velero's rule: an action that names namespaces
 * never applies to cluster-scoped items. */
#ifndef LB_BACKUP_APPLIES_TO_H
#define LB_BACKUP_APPLIES_TO_H

#include <cjson/cJSON.h>

#include "selector.h"

typedef struct lb_applies_to {
	lb_ns_filter ns;
	lb_res_filter res;
	lb_label_selector *labels;
	int names_namespaces;
} lb_applies_to;

/* @what names the action in errors. */
int lb_applies_to_parse(const char *selector_json, const char *what, lb_applies_to *out);
int lb_applies_to_match(const lb_applies_to *a,
                        const lb_res_names *r,
                        const char *ns,
                        const cJSON *labels);
void lb_applies_to_dispose(lb_applies_to *a);

#endif
