/*
 * Helpers for reading a plugin's config map. The keys, defaults and most sentences are each
 * plugin's own; what is here is checked the same way by all of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lb_psup.h"

int
lb_psup_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int
lb_psup_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return LB_EINVAL;
	*out = (int) v;
	return 0;
}

int
lb_psup_check_ca_pem(lb_psup_op *op, const char *v)
{
	if (*v && strstr(v, "-----BEGIN CERTIFICATE-----") == NULL)
		return lb_psup_fail(op, LB_EINVAL,
		                    "config caCert does not hold a PEM certificate "
		                    "(-----BEGIN CERTIFICATE-----); pass the CA bundle's "
		                    "content, not its path");
	return 0;
}
