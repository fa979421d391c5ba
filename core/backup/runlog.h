/* The log a backup or a restore stores as <name>-logs.gz, in Velero's logrus text format:
 * time="<RFC 3339>" level=<level> msg="<message>" <kind>=velero/<name>
 * Each line also goes to the engine's log, at its level. */
#ifndef LB_BACKUP_RUNLOG_H
#define LB_BACKUP_RUNLOG_H

#include <pthread.h>
#include <stdarg.h>

#include "util/buf.h"

/* Append one line to @log under @mu. @kind: "backup" or "restore"; @level: "info",
 * "warning" or "error". */
void lb_runlog_vadd(lb_buf *log,
                    pthread_mutex_t *mu,
                    const char *kind,
                    const char *name,
                    const char *level,
                    const char *fmt,
                    va_list ap) __attribute__((format(printf, 6, 0)));

#endif
