/* Velero's resource modifiers (internal/resourcemodifiers; velero-and-peers.md §3):
 *
 *   version: v1
 *   resourceModifierRules:
 *   - conditions:
 *       groupResource: persistentvolumeclaims      # glob: "*.apps", "deployments.apps"
 *       resourceNameRegex: "^mysql.*$"
 *       namespaces: [bar, foo]
 *       labelSelector: {matchLabels: {app: x}}
 *       matches: [{path: /spec/storageClassName, value: premium}]
 *     patches:          [{operation: replace, path: /spec/storageClassName, value: gp3}]
 *     mergePatches:     [{patchData: '{"metadata":{"labels":{"a":"b"}}}'}]
 *     strategicPatches: [{patchData: '...'}]
 *
 * Conditions are evaluated against the object before any patch of that rule; rules apply
 * in order, after the item actions. Also accepted: a ConfigMap manifest whose single data
 * key holds the YAML (how Velero takes it). */
#ifndef LB_RESTORE_MODIFIERS_H
#define LB_RESTORE_MODIFIERS_H

#include <cjson/cJSON.h>

typedef struct lb_modifiers lb_modifiers;

int lb_modifiers_load(const char *path, lb_modifiers **out);
int lb_modifiers_parse(const char *text, size_t len, const char *what, lb_modifiers **out);
/* Apply every matching rule to *@obj (group-resource @gr, namespace @ns or ""). Returns the
 * number of rules applied, or <0 with a message naming the rule. */
int lb_modifiers_apply(const lb_modifiers *m, const char *gr, const char *ns, cJSON **obj);
void lb_modifiers_free(lb_modifiers *m);

#endif
