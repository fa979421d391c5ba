/* JSON to YAML text. */
#include "yaml_print.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int
needs_quotes(const char *s)
{
	const char *p;

	if (!*s || isspace((unsigned char) s[0]) || isspace((unsigned char) s[strlen(s) - 1]))
		return 1;
	if (strchr("-?:,[]{}#&*!|>'\"%@`~", s[0]))
		return 1;
	if (!strcmp(s, "true") || !strcmp(s, "false") || !strcmp(s, "null") || !strcmp(s, "yes") ||
	    !strcmp(s, "no") || !strcmp(s, "on") || !strcmp(s, "off"))
		return 1;
	for (p = s; *p; p++)
		if (*p == ':' || *p == '#' || *p == '\n' || (unsigned char) *p < 0x20)
			return 1;
	for (p = s; *p && (isdigit((unsigned char) *p) || *p == '.' || *p == 'e' || *p == '+' ||
	                   *p == '-');
	     p++)
		;
	return !*p;
}

static void
scalar(const cJSON *j, lb_buf *out)
{
	const char *p;

	if (cJSON_IsString(j)) {
		if (!needs_quotes(j->valuestring)) {
			lb_buf_puts(out, j->valuestring);
			return;
		}
		lb_buf_puts(out, "\"");
		for (p = j->valuestring; *p; p++) {
			if (*p == '"' || *p == '\\')
				lb_buf_printf(out, "\\%c", *p);
			else if (*p == '\n')
				lb_buf_puts(out, "\\n");
			else if ((unsigned char) *p < 0x20)
				lb_buf_printf(out, "\\x%02x", (unsigned char) *p);
			else
				lb_buf_put(out, p, 1);
		}
		lb_buf_puts(out, "\"");
	} else if (cJSON_IsNumber(j)) {
		if (j->valuedouble == (double) (long long) j->valuedouble)
			lb_buf_printf(out, "%lld", (long long) j->valuedouble);
		else
			lb_buf_printf(out, "%g", j->valuedouble);
	} else if (cJSON_IsTrue(j)) {
		lb_buf_puts(out, "true");
	} else if (cJSON_IsFalse(j)) {
		lb_buf_puts(out, "false");
	} else if (cJSON_IsArray(j)) {
		lb_buf_puts(out, "[]");
	} else if (cJSON_IsObject(j)) {
		lb_buf_puts(out, "{}");
	} else {
		lb_buf_puts(out, "null");
	}
}

static int
is_block(const cJSON *j)
{
	return (cJSON_IsObject(j) || cJSON_IsArray(j)) && j->child;
}

static void
emit(const cJSON *j, int indent, lb_buf *out)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, j)
	{
		lb_buf_printf(out, "%*s", indent, "");
		if (cJSON_IsArray(j)) {
			lb_buf_puts(out, "- ");
			if (cJSON_IsObject(c) && c->child) {
				/* first key on the dash line */
				lb_buf b = LB_BUF_INIT;

				emit(c, indent + 2, &b);
				lb_buf_puts(out, b.ptr + indent + 2);
				lb_buf_dispose(&b);
				continue;
			}
		} else {
			cJSON key = {0};

			key.type = cJSON_String;
			key.valuestring = c->string;
			scalar(&key, out);
			lb_buf_puts(out, ":");
			if (!is_block(c))
				lb_buf_puts(out, " ");
		}
		if (is_block(c)) {
			lb_buf_puts(out, "\n");
			emit(c, indent + 2, out);
		} else {
			scalar(c, out);
			lb_buf_puts(out, "\n");
		}
	}
}

int
lb_json_print_yaml(const cJSON *json, lb_buf *out)
{
	if (!is_block(json)) {
		scalar(json, out);
		return lb_buf_puts(out, "\n");
	}
	emit(json, 0, out);
	return 0;
}
