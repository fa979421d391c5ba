/* The log of a backup or a restore. */
#include "runlog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "util/log.h"
#include "util/time.h"

void
lb_runlog_vadd(lb_buf *log,
               pthread_mutex_t *mu,
               const char *kind,
               const char *name,
               const char *level,
               const char *fmt,
               va_list ap)
{
	char msg[2048], ts[32];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	lb_time_rfc3339(time(NULL), ts, sizeof(ts));
	pthread_mutex_lock(mu);
	lb_buf_printf(log, "time=\"%s\" level=%s msg=\"%s\" %s=%s/%s\n", ts, level, msg, kind,
	              LB_VELERO_NAMESPACE, name);
	pthread_mutex_unlock(mu);
	lb_log_emit(strcmp(level, "error") == 0     ? LB_LOG_ERROR
	            : strcmp(level, "warning") == 0 ? LB_LOG_WARN
	                                            : LB_LOG_DEBUG,
	            NULL, "%s", msg);
}
