/* Print JSON as YAML (for `-o yaml`): block style, strings quoted when they would not read
 * back as the same string. */
#ifndef LB_BACKUP_YAML_PRINT_H
#define LB_BACKUP_YAML_PRINT_H

#include <cjson/cJSON.h>

#include "util/buf.h"

int lb_json_print_yaml(const cJSON *json, lb_buf *out);

#endif
