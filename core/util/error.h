/* Engine-side errors: lb_error_code values (plugin-api errors.h) plus a thread-local
 * message, libgit2 style. Library code sets the message and returns the code; only the
 * CLI and the supervisor print it. */
#ifndef LB_UTIL_ERROR_H
#define LB_UTIL_ERROR_H

#include <lifeboat/plugin/errors.h>

const char *lb_strerror(int code);
const char *lb_errname(int code);

/* Set the message of the last error on this thread and return @code. */
int lb_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Map errno @err to a code and set "<what>: <strerror(err)>"; returns the code. */
int lb_error_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The code an errno value maps to. */
int lb_error_code_from_errno(int err);
/* The message of the last error on this thread, or the code's default text. Never NULL. */
const char *lb_error_last(int code);
void lb_error_clear(void);

#endif
