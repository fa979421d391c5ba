/* Shape checks of the JSON documents item actions and snapshotters return (the shapes are
 * documented in backup_item_action.h and restore_item_action.h). Each returns NULL when the
 * document is valid, else a sentence saying what is wrong (static or in @why). */
#ifndef LB_CONFORMANCE_JSON_CHECK_H
#define LB_CONFORMANCE_JSON_CHECK_H

#include <stddef.h>

const char *lb_kit_check_selector(const char *json, char *why, size_t len);
const char *lb_kit_check_bia_output(const char *json, char *why, size_t len);
const char *lb_kit_check_ria_output(const char *json, char *why, size_t len);
const char *lb_kit_check_progress(const char *json, char *why, size_t len);
/* Any JSON object (a PersistentVolume from set_volume_id ...). */
const char *lb_kit_check_object(const char *json, char *why, size_t len);

#endif
