/* Structured logs: one line per event, `time=... level=... msg="..." key=value ...`, to
 * stderr (or a file set by lb_log_set_fd). Thread-safe. Never log credentials. */
#ifndef LB_UTIL_LOG_H
#define LB_UTIL_LOG_H

#include <lifeboat/plugin/host.h> /* LB_LOG_* levels */

void lb_log_set_level(int level);
int lb_log_get_level(void);
void lb_log_set_fd(int fd);
/* @fields is an already formatted "k=v k=v" tail (may be NULL); @fmt formats the msg. */
void lb_log_emit(int level, const char *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define lb_log_error(...) lb_log_emit(LB_LOG_ERROR, NULL, __VA_ARGS__)
#define lb_log_warn(...) lb_log_emit(LB_LOG_WARN, NULL, __VA_ARGS__)
#define lb_log_info(...) lb_log_emit(LB_LOG_INFO, NULL, __VA_ARGS__)
#define lb_log_debug(...) lb_log_emit(LB_LOG_DEBUG, NULL, __VA_ARGS__)

#endif
