/* YAML (libyaml) to cJSON: for kubeconfigs, manifests and config files. Reusable by any
 * layer. Scalars follow YAML 1.2 core schema as Kubernetes' sigs.k8s.io/yaml does: plain
 * null/~/empty -> null, true/false -> bool, integers and floats -> number, everything
 * else (and every quoted scalar) -> string. Anchors/aliases are resolved. */
#ifndef LB_KUBE_YAML_JSON_H
#define LB_KUBE_YAML_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parse the first document of @text (@len bytes). @what names the source in errors
 * ("kubeconfig /root/.kube/config"): "<what>: line 3 column 5: <problem>". */
int lb_yaml_to_json(const char *text, size_t len, const char *what, cJSON **json_out);
/* Every document of a multi-document stream, as a JSON array. */
int lb_yaml_to_json_all(const char *text, size_t len, const char *what, cJSON **array_out);
/* Read and parse a file. */
int lb_yaml_file_to_json(const char *path, cJSON **json_out);

#endif
