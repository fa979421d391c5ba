/*
 * Lifeboat plugin SDK: error codes.
 *
 * One X-macro table gives the enum, lb_strerror() and lb_errname() (libuv style).
 * 0 is success, every failure is negative. A human-readable message travels with the
 * call (see lb_host_api.set_error in host.h); codes are for programs, messages for people.
 *
 * Codes are part of the ABI: never renumber, only append.
 */
#ifndef LIFEBOAT_PLUGIN_ERRORS_H
#define LIFEBOAT_PLUGIN_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* XX(NAME, value, "default message") */
#define LB_ERROR_MAP(XX)                                                                           \
	XX(OK, 0, "success")                                                                       \
	XX(ERROR, -1, "unspecified error")                                                         \
	XX(ENOTFOUND, -2, "not found")                                                             \
	XX(EEXISTS, -3, "already exists")                                                          \
	XX(EINVAL, -4, "invalid argument or configuration")                                        \
	XX(ETIMEDOUT, -5, "deadline exceeded")                                                     \
	XX(ECRASHED, -6, "plugin process crashed or exited")                                       \
	XX(ECANCELED, -7, "canceled")                                                              \
	XX(EPROTO, -8, "protocol violation")                                                       \
	XX(EIO, -9, "input/output error")                                                          \
	XX(ENOMEM, -10, "out of memory")                                                           \
	XX(EPERM, -11, "permission denied")                                                        \
	XX(EUNSUPPORTED, -12, "operation not supported")                                           \
	XX(EVERSION, -13, "incompatible version")                                                  \
	XX(EAGAIN, -14, "temporary failure, try again")                                            \
	XX(ECONFLICT, -15, "conflict")                                                             \
	XX(EAUTH, -16, "authentication refused")                                                   \
	XX(ECORRUPT, -17, "data is corrupt")

#define LB_ERROR_ENUM_ENTRY_(name, val, msg) LB_##name = (val),
typedef enum lb_error_code { LB_ERROR_MAP(LB_ERROR_ENUM_ENTRY_) LB_ERROR_MIN_ = -18 } lb_error_code;
#undef LB_ERROR_ENUM_ENTRY_

#ifdef __cplusplus
}
#endif
#endif /* LIFEBOAT_PLUGIN_ERRORS_H */
