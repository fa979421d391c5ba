/* The Backup object as Velero stores it in velero-backup.json (apiVersion velero.io/v1,
 * kind Backup; velero-and-peers.md §2.1 lists the status fields Velero needs), and the
 * small helpers it needs: RFC 3339 times and Go durations ("720h0m0s"). */
#ifndef LB_BACKUP_RECORD_H
#define LB_BACKUP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#define LB_VELERO_NAMESPACE "velero"
#define LB_DEFAULT_TTL_MS ((int64_t) 720 * 3600 * 1000)

/* "2006-01-02T15:04:05Z" (UTC). */
void lb_time_rfc3339(time_t t, char *buf, size_t size);
/* Parse RFC 3339 (Z or offset); -1 when malformed. */
time_t lb_time_parse_rfc3339(const char *s);
/* Go duration: "720h", "1h30m", "90s", "720h0m0s". LB_EINVAL names the input. */
int lb_duration_parse(const char *s, int64_t *ms_out);
void lb_duration_format(int64_t ms, char *buf, size_t size);
/* A random RFC 4122 v4 UUID. */
void lb_uuid4(char buf[37]);

/* Phases (Velero's names). */
#define LB_PHASE_NEW "New"
#define LB_PHASE_IN_PROGRESS "InProgress"
#define LB_PHASE_COMPLETED "Completed"
#define LB_PHASE_PARTIALLY_FAILED "PartiallyFailed"
#define LB_PHASE_FAILED "Failed"
#define LB_PHASE_FAILED_VALIDATION "FailedValidation"

#endif
