#include "methods.h"

#include <string.h>

#define LB_METHOD_DESC_(id, name, kind, cls, flags, bit) {name, kind, cls, flags, bit},
const lb_method_desc lb_methods[LB_METHOD_COUNT_] = {LB_METHOD_MAP(LB_METHOD_DESC_)};
#undef LB_METHOD_DESC_

int
lb_method_lookup(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < LB_METHOD_COUNT_; i++)
		if (!strcmp(lb_methods[i].name, name))
			return i;
	return -1;
}
