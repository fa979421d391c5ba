#include "fs.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "error.h"

int
lb_mkdirs(const char *path, unsigned mode)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int) sizeof(tmp))
		return lb_error_set(LB_EINVAL, "path too long: %s", path);
	for (char *p = tmp + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(tmp, (mode_t) mode) < 0 && errno != EEXIST)
			return lb_error_errno(errno, "cannot create directory %s", tmp);
		*p = c;
		if (!c)
			return 0;
	}
}
