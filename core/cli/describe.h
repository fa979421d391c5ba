/* What `backup` and `restore` describe alike: Velero's results, resource list and item
 * operations sections, gzipped side files, `-o json|yaml` documents, and the JSON lookups
 * their tables use. */
#ifndef LB_CLI_DESCRIBE_H
#define LB_CLI_DESCRIBE_H

#include <cjson/cJSON.h>

#include "store/location.h"

/* The string at o[a] (or o[a][b]); NULL when it is missing or not a string. */
const char *lb_describe_str(const cJSON *o, const char *a, const char *b);
/* The number at o[a] (or o[a][b]); 0 when it is missing or not a number. */
double lb_describe_num(const cJSON *o, const char *a, const char *b);

/* Print @doc as YAML (@format "yaml") or as indented JSON. Returns LB_EXIT_OK. */
int lb_describe_print_doc(const cJSON *doc, const char *format);

/* Each prints its section from the gzipped JSON object at @key; nothing when the object is
 * missing or not JSON. */
void lb_describe_results(lb_location *loc, lb_call *call, const char *key);
void lb_describe_resource_list(lb_location *loc, lb_call *call, const char *key);
/* @action_key: "backupItemAction" or "restoreItemAction". */
void
lb_describe_operations(lb_location *loc, lb_call *call, const char *key, const char *action_key);

#endif
