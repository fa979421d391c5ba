/* Tree blobs: {"nodes":[...]}\n, nodes serialised with restic's field names and order. */
#include "fc_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
lb_fscopy__time_fmt(int64_t ns, char out[64])
{
	time_t s = (time_t) (ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
	long frac = (long) (ns - (int64_t) s * 1000000000);
	struct tm tm;
	char fr[16] = "", tz[40];
	long off;
	int i;

	localtime_r(&s, &tm);
	off = tm.tm_gmtoff;
	if (frac) {
		snprintf(fr, sizeof(fr), ".%09ld", frac);
		for (i = (int) strlen(fr) - 1; fr[i] == '0'; i--)
			fr[i] = 0;
	}
	if (off == 0)
		snprintf(tz, sizeof(tz), "Z");
	else
		snprintf(tz, sizeof(tz), "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
		         labs(off) % 3600 / 60);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, fr, tz);
}

int
lb_fscopy__time_parse(const char *s, int64_t *ns_out)
{
	struct tm tm = {0};
	int64_t frac = 0, scale = 100000000;
	long off = 0;
	const char *p;
	time_t t;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return lb_fscopy__err(LB_ECORRUPT, "bad timestamp '%s'", s ? s : "");
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		sscanf(p + 1, "%2d:%2d", &hh, &mm);
		off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) - off;
	*ns_out = (int64_t) t * 1000000000 + frac;
	return 0;
}

void
lb_fscopy__node_free(fc_node *n)
{
	size_t i;

	free(n->name);
	free(n->user);
	free(n->group);
	free(n->linktarget);
	free(n->content);
	for (i = 0; i < n->n_xattrs; i++) {
		free(n->xattr_names[i]);
		lb_fscopy__buf_free(&n->xattr_values[i]);
	}
	free(n->xattr_names);
	free(n->xattr_values);
	memset(n, 0, sizeof(*n));
}

void
lb_fscopy__tree_free(fc_tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		lb_fscopy__node_free(&t->nodes[i]);
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}


/* restic stores node names Go-quoted (strconv.Quote without the outer quotes) inside the
 * JSON string, so that names that are not UTF-8 survive: "a\xffb" for the bytes a, 0xff, b. */
static int
utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
	int len, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t) len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
go_quote(const char *s, size_t n, fc_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *) s;
	size_t i = 0;
	int rc = 0;

	while (i < n && rc == 0) {
		uint32_t c;
		int l = utf8_len(p + i, n - i, &c);
		char e[12];
		if (l == 0) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[p[i] >> 4];
			e[3] = hex[p[i] & 15];
			rc = lb_fscopy__buf_put(out, e, 4);
			i++;
			continue;
		}
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char) c;
			rc = lb_fscopy__buf_put(out, e, 2);
		} else if (c >= 0x20 && c < 0x7f) {
			rc = lb_fscopy__buf_put(out, p + i, 1);
		} else if (c == 7 || c == 8 || c == 12 || c == 10 || c == 13 || c == 9 || c == 11) {
			e[0] = '\\';
			e[1] = "abtnvfr"[c == 7 ? 0 : c == 8 ? 1 : c == 9 ? 2 : c == 10 ? 3 : c == 11 ? 4 : c == 12 ? 5 : 6];
			rc = lb_fscopy__buf_put(out, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof(e), "\\x%02x", c);
			rc = lb_fscopy__buf_put(out, e, 4);
		} else if ((c >= 0x80 && c < 0xa0) || c == 0xad) {
			snprintf(e, sizeof(e), "\\u%04x", c);
			rc = lb_fscopy__buf_put(out, e, 6);
		} else {
			rc = lb_fscopy__buf_put(out, p + i, (size_t) l);
		}
		i += (size_t) l;
	}
	return rc;
}

static size_t
put_utf8(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char) c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char) (0xc0 | c >> 6);
		o[1] = (char) (0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char) (0xe0 | c >> 12);
		o[1] = (char) (0x80 | (c >> 6 & 0x3f));
		o[2] = (char) (0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char) (0xf0 | c >> 18);
	o[1] = (char) (0x80 | (c >> 12 & 0x3f));
	o[2] = (char) (0x80 | (c >> 6 & 0x3f));
	o[3] = (char) (0x80 | (c & 0x3f));
	return 4;
}

/* strconv.Unquote of a quoted body, in place. */
static int
go_unquote(char *s, size_t *len_out)
{
	char *o = s, *p = s;

	while (*p) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'a': *o++ = 7; p++; break;
		case 'b': *o++ = 8; p++; break;
		case 'f': *o++ = 12; p++; break;
		case 'n': *o++ = 10; p++; break;
		case 'r': *o++ = 13; p++; break;
		case 't': *o++ = 9; p++; break;
		case 'v': *o++ = 11; p++; break;
		case '\\': case '"': case '\'': *o++ = *p++; break;
		case 'x': case 'u': case 'U': {
			int digits = *p == 'x' ? 2 : *p == 'u' ? 4 : 8, i;
			uint32_t c = 0;
			char kind = *p++;
			for (i = 0; i < digits; i++, p++) {
				int h = (*p >= '0' && *p <= '9') ? *p - '0' : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 : -1;
				if (h < 0)
					return lb_fscopy__err(LB_ECORRUPT, "bad escape in node name");
				c = c << 4 | (uint32_t) h;
			}
			if (kind == 'x')
				*o++ = (char) c;
			else
				o += put_utf8(c, o);
			break;
		}
		default:
			if (*p >= '0' && *p <= '7' && p[1] && p[2]) {
				*o++ = (char) ((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
				p += 3;
				break;
			}
			return lb_fscopy__err(LB_ECORRUPT, "bad escape in node name");
		}
	}
	*o = 0;
	*len_out = (size_t) (o - s);
	return 0;
}

static const char *const type_names[] = {"file", "dir", "symlink", "dev", "chardev", "fifo",
                                         "socket"};

static int
put_time(fc_buf *b, const char *name, int64_t ns)
{
	char t[64];

	lb_fscopy__time_fmt(ns, t);
	return lb_fscopy__buf_printf(b, ",\"%s\":\"%s\"", name, t);
}

static int
node_serialize(const fc_node *n, fc_buf *b)
{
	char hex[65];
	size_t i;
	int rc;

	fc_buf q = {0};

	rc = go_quote(n->name, n->name_len, &q);
	rc = rc ? rc : lb_fscopy__buf_puts(b, "{\"name\":");
	rc = rc ? rc : lb_fscopy__buf_json_str(b, q.data ? (char *) q.data : "", q.len);
	lb_fscopy__buf_free(&q);
	rc = rc ? rc : lb_fscopy__buf_printf(b, ",\"type\":\"%s\"", type_names[n->type]);
	if (!rc && n->mode)
		rc = lb_fscopy__buf_printf(b, ",\"mode\":%u", n->mode);
	rc = rc ? rc : put_time(b, "mtime", n->mtime_ns);
	rc = rc ? rc : put_time(b, "atime", n->atime_ns);
	rc = rc ? rc : put_time(b, "ctime", n->ctime_ns);
	rc = rc ? rc : lb_fscopy__buf_printf(b, ",\"uid\":%u,\"gid\":%u", n->uid, n->gid);
	if (!rc && n->user && *n->user) {
		rc = lb_fscopy__buf_puts(b, ",\"user\":");
		rc = rc ? rc : lb_fscopy__buf_json_str(b, n->user, strlen(n->user));
	}
	if (!rc && n->group && *n->group) {
		rc = lb_fscopy__buf_puts(b, ",\"group\":");
		rc = rc ? rc : lb_fscopy__buf_json_str(b, n->group, strlen(n->group));
	}
	if (!rc && n->inode)
		rc = lb_fscopy__buf_printf(b, ",\"inode\":%llu", (unsigned long long) n->inode);
	if (!rc && n->device_id)
		rc = lb_fscopy__buf_printf(b, ",\"device_id\":%llu",
		                           (unsigned long long) n->device_id);
	if (!rc && n->size)
		rc = lb_fscopy__buf_printf(b, ",\"size\":%llu", (unsigned long long) n->size);
	if (!rc && n->links)
		rc = lb_fscopy__buf_printf(b, ",\"links\":%llu", (unsigned long long) n->links);
	if (!rc && n->linktarget && n->linktarget_len) {
		rc = lb_fscopy__buf_puts(b, ",\"linktarget\":");
		rc = rc ? rc : lb_fscopy__buf_json_str(b, n->linktarget, n->linktarget_len);
	}
	if (!rc && n->n_xattrs) {
		rc = lb_fscopy__buf_puts(b, ",\"extended_attributes\":[");
		for (i = 0; !rc && i < n->n_xattrs; i++) {
			char *v = NULL;
			rc = lb_fscopy__buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
			rc = rc ? rc
			        : lb_fscopy__buf_json_str(b, n->xattr_names[i],
			                                  strlen(n->xattr_names[i]));
			rc = rc ? rc
			        : lb_fscopy__b64_enc(n->xattr_values[i].data, n->xattr_values[i].len,
			                             &v);
			rc = rc ? rc : lb_fscopy__buf_printf(b, ",\"value\":\"%s\"}", v);
			free(v);
		}
		rc = rc ? rc : lb_fscopy__buf_puts(b, "]");
	}
	if (!rc && n->device)
		rc = lb_fscopy__buf_printf(b, ",\"device\":%llu", (unsigned long long) n->device);
	if (!rc && n->type == FC_NODE_FILE) {
		rc = lb_fscopy__buf_puts(b, ",\"content\":[");
		for (i = 0; !rc && i < n->n_content; i++) {
			lb_fscopy__hex(n->content + 32 * i, 32, hex);
			rc = lb_fscopy__buf_printf(b, "%s\"%s\"", i ? "," : "", hex);
		}
		rc = rc ? rc : lb_fscopy__buf_puts(b, "]");
	} else if (!rc) {
		rc = lb_fscopy__buf_puts(b, ",\"content\":null");
	}
	if (!rc && n->has_subtree) {
		lb_fscopy__hex(n->subtree, 32, hex);
		rc = lb_fscopy__buf_printf(b, ",\"subtree\":\"%s\"", hex);
	}
	return rc ? rc : lb_fscopy__buf_puts(b, "}");
}

static int
node_cmp(const void *a, const void *b)
{
	const fc_node *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

int
lb_fscopy__tree_serialize(const fc_tree *t, fc_buf *out)
{
	size_t i;
	int rc;

	qsort(t->nodes, t->n, sizeof(fc_node), node_cmp);
	rc = lb_fscopy__buf_puts(out, "{\"nodes\":[");
	for (i = 0; !rc && i < t->n; i++) {
		if (i)
			rc = lb_fscopy__buf_puts(out, ",");
		rc = rc ? rc : node_serialize(&t->nodes[i], out);
	}
	return rc ? rc : lb_fscopy__buf_puts(out, "]}\n");
}

static uint64_t
num(cJSON *o, const char *name)
{
	cJSON *f = cJSON_GetObjectItem(o, name);

	return cJSON_IsNumber(f) ? (uint64_t) f->valuedouble : 0;
}

static char *
str_dup(cJSON *o, const char *name, size_t *len_out)
{
	cJSON *f = cJSON_GetObjectItem(o, name);
	char *s;

	if (!cJSON_IsString(f))
		return NULL;
	s = strdup(f->valuestring);
	if (s && len_out)
		*len_out = strlen(s);
	return s;
}

static int
node_parse(cJSON *o, fc_node *n)
{
	cJSON *f, *e;
	size_t i;
	int rc;

	f = cJSON_GetObjectItem(o, "name");
	if (!cJSON_IsString(f))
		return lb_fscopy__err(LB_ECORRUPT, "tree node without a name");
	n->name = str_dup(o, "name", &n->name_len);
	if (!n->name)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	rc = go_unquote(n->name, &n->name_len);
	if (rc < 0)
		return rc;
	f = cJSON_GetObjectItem(o, "type");
	n->type = -1;
	for (i = 0; cJSON_IsString(f) && i < sizeof(type_names) / sizeof(*type_names); i++)
		if (strcmp(f->valuestring, type_names[i]) == 0)
			n->type = (int) i;
	if (n->type < 0)
		return lb_fscopy__err(LB_ECORRUPT, "tree node '%s' has unknown type", n->name);
	n->mode = (uint32_t) num(o, "mode");
	if ((f = cJSON_GetObjectItem(o, "mtime")))
		lb_fscopy__time_parse(cJSON_GetStringValue(f), &n->mtime_ns);
	if ((f = cJSON_GetObjectItem(o, "atime")))
		lb_fscopy__time_parse(cJSON_GetStringValue(f), &n->atime_ns);
	if ((f = cJSON_GetObjectItem(o, "ctime")))
		lb_fscopy__time_parse(cJSON_GetStringValue(f), &n->ctime_ns);
	n->uid = (uint32_t) num(o, "uid");
	n->gid = (uint32_t) num(o, "gid");
	n->user = str_dup(o, "user", NULL);
	n->group = str_dup(o, "group", NULL);
	n->inode = num(o, "inode");
	n->device_id = num(o, "device_id");
	n->size = num(o, "size");
	n->links = num(o, "links");
	n->device = num(o, "device");
	n->linktarget = str_dup(o, "linktarget", &n->linktarget_len);
	f = cJSON_GetObjectItem(o, "content");
	if (cJSON_IsArray(f)) {
		size_t cnt = (size_t) cJSON_GetArraySize(f);
		n->content = malloc(cnt * 32 + 1);
		if (!n->content)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		i = 0;
		cJSON_ArrayForEach(e, f)
		{
			rc = lb_fscopy__unhex(cJSON_GetStringValue(e), n->content + 32 * i, 32);
			if (rc < 0)
				return rc;
			i++;
		}
		n->n_content = cnt;
	}
	f = cJSON_GetObjectItem(o, "subtree");
	if (cJSON_IsString(f)) {
		rc = lb_fscopy__unhex(f->valuestring, n->subtree, 32);
		if (rc < 0)
			return rc;
		n->has_subtree = 1;
	}
	f = cJSON_GetObjectItem(o, "extended_attributes");
	if (cJSON_IsArray(f) && cJSON_GetArraySize(f) > 0) {
		size_t cnt = (size_t) cJSON_GetArraySize(f);
		n->xattr_names = calloc(cnt, sizeof(char *));
		n->xattr_values = calloc(cnt, sizeof(fc_buf));
		if (!n->xattr_names || !n->xattr_values)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		cJSON_ArrayForEach(e, f)
		{
			const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(e, "value"));
			uint8_t *raw = NULL;
			size_t rl = 0;
			n->xattr_names[n->n_xattrs] = str_dup(e, "name", NULL);
			if (v && lb_fscopy__b64_dec(v, &raw, &rl) == 0) {
				n->xattr_values[n->n_xattrs].data = raw;
				n->xattr_values[n->n_xattrs].len = rl;
				n->xattr_values[n->n_xattrs].cap = rl;
			}
			n->n_xattrs++;
		}
	}
	return 0;
}

int
lb_fscopy__tree_parse(const uint8_t *json, size_t len, fc_tree *out)
{
	cJSON *j = cJSON_ParseWithLength((const char *) json, len), *nodes, *e;
	int rc = 0;
	size_t cnt;

	memset(out, 0, sizeof(*out));
	nodes = cJSON_GetObjectItem(j, "nodes");
	if (!j || !(cJSON_IsArray(nodes) || cJSON_IsNull(nodes))) {
		rc = lb_fscopy__err(LB_ECORRUPT, "tree blob is not valid JSON with \"nodes\"");
		goto done;
	}
	cnt = cJSON_IsArray(nodes) ? (size_t) cJSON_GetArraySize(nodes) : 0;
	out->nodes = calloc(cnt + 1, sizeof(fc_node));
	if (!out->nodes) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	out->cap = cnt + 1;
	cJSON_ArrayForEach(e, nodes)
	{
		rc = node_parse(e, &out->nodes[out->n]);
		out->n++;
		if (rc < 0)
			goto done;
	}
done:
	cJSON_Delete(j);
	if (rc < 0)
		lb_fscopy__tree_free(out);
	return rc;
}

int
lb_fscopy__tree_load(lb_fscopy_repo *r, const uint8_t id[FC_ID_LEN], fc_tree *out)
{
	fc_buf b = {0};
	int rc = lb_fscopy__blob_load(r, id, 1, &b);

	if (rc == 0)
		rc = lb_fscopy__tree_parse(b.data, b.len, out);
	lb_fscopy__buf_free(&b);
	return rc;
}
