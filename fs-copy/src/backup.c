/* Backup: walk a tree, chunk changed files (FastCDC), hash on this thread and hand new blobs
 * to the packer's workers; unchanged files (size, mtime, ctime, inode equal to the parent
 * snapshot's node) reuse the parent's content list without being read. */
#include "fc_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>


#define GO_DIR (1u << 31)
#define GO_SYMLINK (1u << 27)
#define GO_DEVICE (1u << 26)
#define GO_PIPE (1u << 25)
#define GO_SOCKET (1u << 24)
#define GO_SETUID (1u << 23)
#define GO_SETGID (1u << 22)
#define GO_CHARDEV (1u << 21)
#define GO_STICKY (1u << 20)

typedef struct bk {
	lb_fscopy_repo *r;
	fc_packer *pk;
	lb_fscopy_backup_stats st;
	uint8_t *win; /* read window, 2 * FC_CHUNK_MAX */
	uint32_t last_uid, last_gid;
	char last_user[64], last_group[64];
	int have_user, have_group;
	int64_t start_ms, last_report_ms;
	int64_t files_total, bytes_total;
	int err;
	int soft; /* the last error concerns one entry only */
} bk;

#define SOFT(b, x) ((b)->soft = 1, (x))

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
report(bk *b, int force)
{
	lb_fscopy_progress p;
	int64_t t;

	if (!b->r->progress)
		return 0;
	t = now_ms();
	if (!force && t - b->last_report_ms < 200)
		return 0;
	b->last_report_ms = t;
	p.phase = "backup";
	p.files_done = b->st.files;
	p.bytes_done = b->st.bytes_read + 0;
	p.files_total = b->files_total;
	p.bytes_total = b->bytes_total;
	p.elapsed_ms = t - b->start_ms;
	if (b->r->progress(b->r->progress_ctx, &p))
		return lb_fscopy__err(LB_ECANCELED, "backup canceled");
	return 0;
}

uint32_t
lb_fscopy__go_mode(mode_t m)
{
	uint32_t g = m & 0777;

	if (m & S_ISUID)
		g |= GO_SETUID;
	if (m & S_ISGID)
		g |= GO_SETGID;
	if (m & S_ISVTX)
		g |= GO_STICKY;
	if (S_ISDIR(m))
		g |= GO_DIR;
	else if (S_ISLNK(m))
		g |= GO_SYMLINK;
	else if (S_ISFIFO(m))
		g |= GO_PIPE;
	else if (S_ISSOCK(m))
		g |= GO_SOCKET;
	else if (S_ISBLK(m))
		g |= GO_DEVICE;
	else if (S_ISCHR(m))
		g |= GO_DEVICE | GO_CHARDEV;
	return g;
}

static void
fill_owner(bk *b, fc_node *n)
{
	if (!b->have_user || b->last_uid != n->uid) {
		struct passwd *pw = getpwuid(n->uid);
		snprintf(b->last_user, sizeof(b->last_user), "%s", pw ? pw->pw_name : "");
		b->last_uid = n->uid;
		b->have_user = 1;
	}
	if (!b->have_group || b->last_gid != n->gid) {
		struct group *gr = getgrgid(n->gid);
		snprintf(b->last_group, sizeof(b->last_group), "%s", gr ? gr->gr_name : "");
		b->last_gid = n->gid;
		b->have_group = 1;
	}
	n->user = *b->last_user ? strdup(b->last_user) : NULL;
	n->group = *b->last_group ? strdup(b->last_group) : NULL;
}

/* Through fd when there is one (files and directories are opened anyway: no second path
 * lookup), else by path without following a symlink. */
static int
fill_xattrs(int fd, const char *path, fc_node *n)
{
	char list[4096], *k;
	ssize_t len = fd >= 0 ? flistxattr(fd, list, sizeof(list))
	                      : llistxattr(path, list, sizeof(list));
	size_t cnt = 0;

	if (len <= 0)
		return 0;
	for (k = list; k < list + len; k += strlen(k) + 1)
		cnt++;
	n->xattr_names = calloc(cnt, sizeof(char *));
	n->xattr_values = calloc(cnt, sizeof(fc_buf));
	if (!n->xattr_names || !n->xattr_values)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	for (k = list; k < list + len; k += strlen(k) + 1) {
		uint8_t v[65536];
		ssize_t vl = fd >= 0 ? fgetxattr(fd, k, v, sizeof(v)) : lgetxattr(path, k, v, sizeof(v));
		if (vl < 0)
			continue;
		n->xattr_names[n->n_xattrs] = strdup(k);
		lb_fscopy__buf_put(&n->xattr_values[n->n_xattrs], v, (size_t) vl);
		n->n_xattrs++;
	}
	return 0;
}

/* setxattr changes ctime: an entry whose inode and ctime match the parent snapshot's node
 * has the parent's extended attributes, which saves a path lookup per entry. */
static int
copy_xattrs(fc_node *n, const fc_node *pn)
{
	size_t i;

	if (!pn->n_xattrs)
		return 0;
	n->xattr_names = calloc(pn->n_xattrs, sizeof(char *));
	n->xattr_values = calloc(pn->n_xattrs, sizeof(fc_buf));
	if (!n->xattr_names || !n->xattr_values)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	for (i = 0; i < pn->n_xattrs; i++) {
		n->xattr_names[i] = strdup(pn->xattr_names[i]);
		if (!n->xattr_names[i] ||
		    lb_fscopy__buf_put(&n->xattr_values[i], pn->xattr_values[i].data,
		                       pn->xattr_values[i].len) < 0)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		n->n_xattrs++;
	}
	return 0;
}

static int
str_eq(const char *a, const char *b)
{
	return (a ? a : "")[0] == (b ? b : "")[0] && strcmp(a ? a : "", b ? b : "") == 0;
}

/* Everything a tree blob records about the entry is equal (the directory's tree can then be
 * the parent's tree blob, without serialising and hashing it again). */
static int
node_same(const fc_node *n, const fc_node *pn)
{
	size_t i;

	if (n->type != pn->type || n->mode != pn->mode || n->mtime_ns != pn->mtime_ns ||
	    n->atime_ns != pn->atime_ns || n->ctime_ns != pn->ctime_ns || n->uid != pn->uid ||
	    n->gid != pn->gid || n->inode != pn->inode || n->device_id != pn->device_id ||
	    n->size != pn->size || n->links != pn->links || n->device != pn->device ||
	    n->name_len != pn->name_len || memcmp(n->name, pn->name, n->name_len) != 0 ||
	    n->linktarget_len != pn->linktarget_len || n->n_content != pn->n_content ||
	    n->has_subtree != pn->has_subtree || n->n_xattrs != pn->n_xattrs ||
	    !str_eq(n->user, pn->user) || !str_eq(n->group, pn->group))
		return 0;
	if (n->linktarget_len && memcmp(n->linktarget, pn->linktarget, n->linktarget_len) != 0)
		return 0;
	if (n->n_content && memcmp(n->content, pn->content, 32 * n->n_content) != 0)
		return 0;
	if (n->has_subtree && memcmp(n->subtree, pn->subtree, 32) != 0)
		return 0;
	for (i = 0; i < n->n_xattrs; i++)
		if (strcmp(n->xattr_names[i], pn->xattr_names[i]) != 0 ||
		    n->xattr_values[i].len != pn->xattr_values[i].len ||
		    memcmp(n->xattr_values[i].data, pn->xattr_values[i].data,
		           n->xattr_values[i].len) != 0)
			return 0;
	return 1;
}

static void
fill_stat(bk *b, fc_node *n, const struct stat *st)
{
	n->mode = lb_fscopy__go_mode(st->st_mode);
	n->mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	n->atime_ns = (int64_t) st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec;
	n->ctime_ns = (int64_t) st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->inode = st->st_ino;
	n->device_id = st->st_dev;
	n->links = st->st_nlink;
	fill_owner(b, n);
	if (S_ISDIR(st->st_mode))
		n->type = FC_NODE_DIR;
	else if (S_ISLNK(st->st_mode))
		n->type = FC_NODE_SYMLINK;
	else if (S_ISFIFO(st->st_mode))
		n->type = FC_NODE_FIFO;
	else if (S_ISSOCK(st->st_mode))
		n->type = FC_NODE_SOCKET;
	else if (S_ISBLK(st->st_mode))
		n->type = FC_NODE_DEV;
	else if (S_ISCHR(st->st_mode))
		n->type = FC_NODE_CHARDEV;
	else
		n->type = FC_NODE_FILE;
	if (n->type == FC_NODE_FILE)
		n->size = (uint64_t) st->st_size;
	if (n->type == FC_NODE_DEV || n->type == FC_NODE_CHARDEV)
		n->device = st->st_rdev;
}

static int
add_content(fc_node *n, const uint8_t id[32])
{
	if ((n->n_content & 63) == 0) {
		uint8_t *c = realloc(n->content, (n->n_content + 64) * 32);
		if (!c)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		n->content = c;
	}
	memcpy(n->content + 32 * n->n_content++, id, 32);
	return 0;
}

/* Hash one blob; queue it when new. Takes ownership of data. */
static int
emit_blob(bk *b, int type, uint8_t *data, size_t len, uint8_t id_out[32])
{
	lb_fscopy__sha256(data, len, id_out);
	if (lb_fscopy__packer_claim(b->pk, type, id_out)) {
		free(data);
		return 0;
	}
	b->st.blobs_added++;
	return lb_fscopy__packer_add(b->pk, type, id_out, data, len);
}

static int
zero_chunks(bk *b, fc_node *n, uint64_t len)
{
	static uint8_t zmax_id[32];
	static int have_zmax;
	uint8_t id[32];
	int rc;

	while (len) {
		size_t c = len > FC_CHUNK_MAX ? FC_CHUNK_MAX : (size_t) len;
		if (c == FC_CHUNK_MAX && have_zmax &&
		    lb_fscopy__packer_claim(b->pk, 0, zmax_id)) {
			memcpy(id, zmax_id, 32);
		} else {
			uint8_t *z = calloc(1, c);
			if (!z)
				return lb_fscopy__err(LB_ENOMEM, "out of memory");
			rc = emit_blob(b, 0, z, c, id);
			if (rc < 0)
				return rc;
			if (c == FC_CHUNK_MAX) {
				memcpy(zmax_id, id, 32);
				have_zmax = 1;
			}
		}
		rc = add_content(n, id);
		if (rc < 0)
			return rc;
		len -= c;
		b->st.bytes_read += (int64_t) c;
	}
	return 0;
}

static int
read_full(int fd, uint8_t *p, size_t n, off_t off, size_t *got)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, p + done, n - done, off + (off_t) done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += (size_t) r;
	}
	*got = done;
	return 0;
}

/* Chunk the data range [off, end) of fd. */
static int
chunk_range(bk *b, fc_node *n, int fd, const char *path, off_t off, off_t end)
{
	size_t have = 0, start = 0, got;
	int eof = 0, rc;
	uint8_t id[32];

	while (!eof || have > start) {
		if (!eof && have - start < FC_CHUNK_MAX) {
			size_t want;
			if (start) {
				memmove(b->win, b->win + start, have - start);
				have -= start;
				start = 0;
			}
			want = 2 * (size_t) FC_CHUNK_MAX - have;
			if ((off_t) want > end - off)
				want = (size_t) (end - off);
			rc = read_full(fd, b->win + have, want, off, &got);
			if (rc < 0)
				return SOFT(b, lb_fscopy__errno(-rc, "cannot read %s", path));
			off += (off_t) got;
			have += got;
			if (got < want || off >= end)
				eof = 1;
			b->st.bytes_read += (int64_t) got;
			rc = lb_fscopy__check_cancel(b->r);
			rc = rc ? rc : report(b, 0);
			if (rc < 0)
				return rc;
		}
		if (have == start)
			break;
		{
			size_t c = lb_fscopy__chunk_cut(b->win + start, have - start);
			uint8_t *data;
			if (!eof && c == have - start && c < FC_CHUNK_MAX)
				continue; /* need more data */
			data = malloc(c);
			if (!data)
				return lb_fscopy__err(LB_ENOMEM, "out of memory");
			memcpy(data, b->win + start, c);
			rc = emit_blob(b, 0, data, c, id);
			rc = rc ? rc : add_content(n, id);
			if (rc < 0)
				return rc;
			start += c;
		}
	}
	return 0;
}

static int
read_file(bk *b, fc_node *n, int dirfd, const char *name, const char *path,
          const struct stat *st, int want_xattrs)
{
	int fd, rc = 0;
	uint8_t id[32];

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return SOFT(b, lb_fscopy__errno(errno, "cannot open %s", path));
	if (want_xattrs && (rc = fill_xattrs(fd, path, n)) < 0)
		goto done;
	if (st->st_size == 0)
		goto done;
	if (st->st_size <= FC_CHUNK_MIN) {
		size_t got = 0;
		uint8_t *data = malloc((size_t) st->st_size);
		if (!data) {
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
			goto done;
		}
		rc = read_full(fd, data, (size_t) st->st_size, 0, &got);
		if (rc < 0 || got != (size_t) st->st_size) {
			free(data);
			rc = SOFT(b, lb_fscopy__errno(rc < 0 ? -rc : EIO, "cannot read %s (changed while "
			                                          "reading?)",
			                      path));
			goto done;
		}
		b->st.bytes_read += (int64_t) got;
		rc = emit_blob(b, 0, data, got, id);
		rc = rc ? rc : add_content(n, id);
		goto done;
	}
	if ((uint64_t) st->st_blocks * 512 < (uint64_t) st->st_size) {
		/* sparse: chunk data extents, emit holes as zero chunks without reading them */
		off_t pos = 0;
		while (pos < st->st_size && rc == 0) {
			off_t data = lseek(fd, pos, SEEK_DATA), hole;
			if (data < 0)
				data = st->st_size;
			if (data > pos)
				rc = zero_chunks(b, n, (uint64_t) (data - pos));
			if (rc < 0 || data >= st->st_size)
				break;
			hole = lseek(fd, data, SEEK_HOLE);
			if (hole < 0 || hole > st->st_size)
				hole = st->st_size;
			rc = chunk_range(b, n, fd, path, data, hole);
			pos = hole;
		}
	} else {
		rc = chunk_range(b, n, fd, path, 0, st->st_size);
	}
done:
	close(fd);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	const fc_node *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static const fc_node *
find_node(const fc_tree *t, const char *name)
{
	fc_node key;

	if (!t || !t->n)
		return NULL;
	key.name = (char *) name;
	key.name_len = strlen(name);
	return bsearch(&key, t->nodes, t->n, sizeof(fc_node), name_cmp);
}

static int tree_push(fc_tree *t, fc_node **out);
static int
tree_push(fc_tree *t, fc_node **out)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		fc_node *v = realloc(t->nodes, cap * sizeof(fc_node));
		if (!v)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		t->nodes = v;
		t->cap = cap;
	}
	*out = &t->nodes[t->n++];
	memset(*out, 0, sizeof(fc_node));
	return 0;
}

static int save_tree(bk *b, fc_tree *t, uint8_t id_out[32]);
static int walk_dir(bk *b, int dirfd, const char *path, const uint8_t *parent_tree,
                    uint8_t id_out[32]);

/* Fill node n for the entry name in dirfd (path is for messages and xattrs); *same_out tells
 * whether it equals the parent snapshot's node. */

static int
do_entry(bk *b, fc_node *n, int dirfd, const char *name, const char *path,
         const fc_tree *ptree, int *same_out)
{
	struct stat st;
	const fc_node *pn;
	int rc = 0, xparent;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return SOFT(b, lb_fscopy__errno(errno, "cannot stat %s", path));
	n->name_len = strlen(name);
	n->name = malloc(n->name_len + 1);
	if (!n->name)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	memcpy(n->name, name, n->name_len + 1);
	fill_stat(b, n, &st);
	pn = find_node(ptree, name);
	xparent = pn && pn->type == n->type && pn->inode == n->inode && pn->ctime_ns == n->ctime_ns;
	if (xparent)
		rc = copy_xattrs(n, pn);
	else if (n->type != FC_NODE_FILE && n->type != FC_NODE_DIR)
		rc = fill_xattrs(-1, path, n); /* files and directories: once opened */
	if (rc < 0)
		return rc;
	switch (n->type) {
	case FC_NODE_DIR: {
		int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return SOFT(b, lb_fscopy__errno(errno, "cannot open directory %s", path));
		if (!xparent && (rc = fill_xattrs(sub, path, n)) < 0) {
			close(sub);
			return rc;
		}
		rc = walk_dir(b, sub, path, pn && pn->type == FC_NODE_DIR && pn->has_subtree
		                                    ? pn->subtree
		                                    : NULL,
		              n->subtree);
		n->has_subtree = 1;
		b->st.dirs++;
		break;
	}
	case FC_NODE_SYMLINK: {
		char t[PATH_MAX];
		ssize_t l = readlinkat(dirfd, name, t, sizeof(t) - 1);
		if (l < 0)
			return SOFT(b, lb_fscopy__errno(errno, "cannot read link %s", path));
		n->linktarget = malloc((size_t) l + 1);
		if (!n->linktarget)
			return lb_fscopy__err(LB_ENOMEM, "out of memory");
		memcpy(n->linktarget, t, (size_t) l);
		n->linktarget[l] = 0;
		n->linktarget_len = (size_t) l;
		break;
	}
	case FC_NODE_FILE:
		b->st.files++;
		if (pn && pn->type == FC_NODE_FILE && pn->size == n->size &&
		    pn->mtime_ns == n->mtime_ns && pn->ctime_ns == n->ctime_ns &&
		    pn->inode == n->inode && (pn->n_content || !n->size)) {
			size_t i;
			int all = 1;
			for (i = 0; i < pn->n_content && all; i++)
				all = lb_fscopy__packer_has(b->pk, 0, pn->content + 32 * i);
			if (all) {
				n->content = malloc(pn->n_content * 32 + 1);
				if (!n->content)
					return lb_fscopy__err(LB_ENOMEM, "out of memory");
				memcpy(n->content, pn->content, pn->n_content * 32);
				n->n_content = pn->n_content;
				b->st.files_unchanged++;
				break;
			}
		}
		rc = read_file(b, n, dirfd, name, path, &st, !xparent);
		break;
	default:
		break;
	}
	*same_out = rc == 0 && pn && node_same(n, pn);
	if (rc == 0)
		rc = report(b, 0);
	return rc;
}

static int
walk_dir(bk *b, int dirfd, const char *path, const uint8_t *parent_tree, uint8_t id_out[32])
{
	fc_tree t = {0}, pt = {0};
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	char sub[PATH_MAX];
	size_t plen = strlen(path);
	int rc = 0, have_pt = 0, all_same;

	if (!d) {
		close(dirfd);
		return SOFT(b, lb_fscopy__errno(errno, "cannot list %s", path));
	}
	if (parent_tree) {
		if (lb_fscopy__tree_load(b->r, parent_tree, &pt) == 0) {
			have_pt = 1;
			qsort(pt.nodes, pt.n, sizeof(fc_node), name_cmp);
		}
	}
	all_same = have_pt;
	if (plen >= sizeof(sub) - 1)
		plen = sizeof(sub) - 2;
	memcpy(sub, path, plen);
	sub[plen] = '/';
	while ((de = readdir(d))) {
		fc_node *n;
		size_t nl;
		int same = 0;
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == 0 || (de->d_name[1] == '.' && de->d_name[2] == 0)))
			continue;
		nl = strlen(de->d_name);
		if (plen + 1 + nl >= sizeof(sub))
			nl = sizeof(sub) - plen - 2; /* for messages only; lookups use dirfd */
		memcpy(sub + plen + 1, de->d_name, nl);
		sub[plen + 1 + nl] = 0;
		rc = tree_push(&t, &n);
		if (rc < 0)
			break;
		rc = do_entry(b, n, dirfd, de->d_name, sub, have_pt ? &pt : NULL, &same);
		all_same = all_same && same;
		if (rc < 0 && !b->soft)
			break;
		if (rc < 0) {
			b->soft = 0;
			/* unreadable entry: warn and leave it out, like restic */
			fprintf(stderr, "fs-copy: warning: %s\n", lb_fscopy_errmsg());
			b->st.errors++;
			lb_fscopy__node_free(n);
			t.n--;
			rc = 0;
		}
	}
	if (rc == 0 && all_same && t.n == pt.n && b->pk && parent_tree &&
	    lb_fscopy__packer_has(b->pk, 1, parent_tree)) {
		/* nothing changed in this directory: its tree is the parent's tree blob */
		memcpy(id_out, parent_tree, 32);
	} else if (rc == 0) {
		rc = save_tree(b, &t, id_out);
	}
	closedir(d);
	lb_fscopy__tree_free(&t);
	if (have_pt)
		lb_fscopy__tree_free(&pt);
	return rc;
}

static int
save_tree(bk *b, fc_tree *t, uint8_t id_out[32])
{
	fc_buf js = {0};
	int rc = lb_fscopy__tree_serialize(t, &js);

	if (rc == 0) {
		uint8_t *data = js.data;
		js.data = NULL;
		rc = emit_blob(b, 1, data, js.len, id_out);
	}
	lb_fscopy__buf_free(&js);
	return rc;
}

typedef struct orphan_ctx {
	bk *b;
	int64_t recovered;
} orphan_ctx;

static int
recover_pack(void *ctx, const char *key)
{
	orphan_ctx *o = ctx;
	lb_fscopy_repo *r = o->b->r;
	const char *base = strrchr(key, '/');
	fc_pack_entry *e = NULL;
	size_t n = 0, i;
	uint8_t pid[32];
	char k[80];
	uint32_t pn;
	int rc;

	base = base ? base + 1 : key;
	if (lb_fscopy__unhex(base, pid, 32) < 0)
		return 0;
	pn = lb_fscopy__index_npacks(r->index);
	if (lb_fscopy__index_pack(r->index, pid) != pn)
		return 0; /* already indexed */
	lb_fscopy__pack_key(pid, k);
	rc = lb_fscopy__pack_read_header(r, k, &e, &n);
	if (rc < 0) {
		fprintf(stderr, "fs-copy: warning: unindexed pack %s is unreadable, not reused: "
		                "%s\n",
		        k, lb_fscopy_errmsg());
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		fc_blob_loc l = {0};
		memcpy(l.id, e[i].id, 32);
		l.pack = pn;
		l.offset = e[i].offset;
		l.length = e[i].length;
		l.raw_len = e[i].raw_len;
		l.type = e[i].type;
		rc = lb_fscopy__index_add(r->index, &l);
	}
	free(e);
	if (rc == 0)
		rc = lb_fscopy__packer_adopt(o->b->pk, pn);
	o->recovered++;
	return rc;
}

static void
prescan(bk *b, int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	struct stat st;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (sub >= 0)
				prescan(b, sub);
		} else if (S_ISREG(st.st_mode)) {
			b->files_total++;
			b->bytes_total += st.st_size;
		}
	}
	closedir(d);
}

static int
same_paths(const fc_snapshot *s, const char *path)
{
	return s->n_paths == 1 && strcmp(s->paths[0], path) == 0;
}

int
lb_fscopy_backup(lb_fscopy_repo *r, const lb_fscopy_backup_opts *o,
                 lb_fscopy_backup_stats *stats_out)
{
	bk b = {0};
	fc_lock *lk = NULL;
	fc_snapshot *snaps = NULL, *parent = NULL, snap = {0};
	size_t nsnaps = 0, i, ncomp = 0;
	char abs[PATH_MAX], host[256] = "", rel[PATH_MAX], *comp[256], *save = NULL, *tok;
	uint8_t cur_parent[32], *ptree = NULL, root_id[32];
	orphan_ctx oc;
	struct passwd *pw;
	struct timespec ts;
	int rc, fd = -1;

	if (!o || o->n_paths != 1)
		return lb_fscopy__err(LB_EINVAL, "backup takes exactly one path");
	if (!realpath(o->paths[0], abs))
		return lb_fscopy__errno(errno, "cannot resolve %s", o->paths[0]);
	if (o->hostname)
		snprintf(host, sizeof(host), "%s", o->hostname);
	else
		gethostname(host, sizeof(host) - 1);
	b.r = r;
	b.start_ms = now_ms();
	b.files_total = b.bytes_total = -1;
	clock_gettime(CLOCK_REALTIME, &ts);

	rc = lb_fscopy__lock(r, 0, &lk);
	if (rc < 0)
		return rc;
	rc = lb_fscopy__index_load(r, NULL, NULL);
	if (rc < 0)
		goto done;
	rc = lb_fscopy__snapshots_load(r, &snaps, &nsnaps);
	if (rc < 0)
		goto done;
	if (o->parent && strcmp(o->parent, "none") != 0) {
		rc = lb_fscopy__snapshot_find(snaps, nsnaps, o->parent, NULL, &parent);
		if (rc < 0)
			goto done;
	} else if (!o->parent) {
		for (i = nsnaps; i-- > 0;) {
			if (snaps[i].hostname && strcmp(snaps[i].hostname, host) == 0 &&
			    same_paths(&snaps[i], abs)) {
				parent = &snaps[i];
				break;
			}
		}
	}
	b.win = malloc(2 * (size_t) FC_CHUNK_MAX);
	b.pk = lb_fscopy__packer_new(r, o->threads > 0 ? o->threads
	                                               : (int) sysconf(_SC_NPROCESSORS_ONLN));
	if (!b.win || !b.pk) {
		rc = lb_fscopy__err(LB_ENOMEM, "cannot start the backup workers");
		goto done;
	}
	oc.b = &b;
	oc.recovered = 0;
	rc = r->be->list(r->be, "data", recover_pack, &oc);
	if (rc < 0)
		goto done;
	if (oc.recovered)
		fprintf(stderr, "fs-copy: reusing %lld pack(s) left by an interrupted backup\n",
		        (long long) oc.recovered);

	/* The snapshot tree holds the path as given (restic's layout): "." is the root itself,
	 * "a/b" and "/x/y" are nested directories. */
	snprintf(rel, sizeof(rel), "%s", o->paths[0][0] == '/' ? abs : o->paths[0]);
	for (tok = strtok_r(rel, "/", &save); tok && ncomp < 256; tok = strtok_r(NULL, "/", &save))
		if (strcmp(tok, ".") != 0)
			comp[ncomp++] = tok;
	if (parent) {
		memcpy(cur_parent, parent->tree, 32);
		ptree = cur_parent;
	}
	if (r->progress) {
		int pfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		b.files_total = b.bytes_total = 0;
		if (pfd >= 0)
			prescan(&b, pfd);
	}
	{
		/* descend the parent along the components, then back the new trees up */
		uint8_t (*pids)[32] = calloc(ncomp + 1, 32);
		int *have = calloc(ncomp + 1, sizeof(int));
		struct stat st;
		size_t k;
		char pre[PATH_MAX];
		if (!pids || !have) {
			free(pids);
			free(have);
			rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
			goto done;
		}
		if (ptree) {
			memcpy(pids[0], ptree, 32);
			have[0] = 1;
		}
		for (k = 0; k < ncomp && have[k]; k++) {
			fc_tree t = {0};
			const fc_node *n;
			if (lb_fscopy__tree_load(r, pids[k], &t) < 0)
				break;
			qsort(t.nodes, t.n, sizeof(fc_node), name_cmp);
			n = find_node(&t, comp[k]);
			if (n && n->type == FC_NODE_DIR && n->has_subtree) {
				memcpy(pids[k + 1], n->subtree, 32);
				have[k + 1] = 1;
			}
			lb_fscopy__tree_free(&t);
		}
		if (lstat(abs, &st) < 0) {
			rc = lb_fscopy__errno(errno, "cannot stat %s", abs);
		} else if (S_ISDIR(st.st_mode)) {
			fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				rc = lb_fscopy__errno(errno, "cannot open %s", abs);
			else
				rc = walk_dir(&b, fd, abs, have[ncomp] ? pids[ncomp] : NULL,
				              root_id);
			fd = -1;
			b.st.dirs++;
		} else {
			rc = lb_fscopy__err(LB_EINVAL, "%s is not a directory", abs);
		}
		/* wrap the target in its path components, innermost first */
		for (k = ncomp; rc == 0 && k-- > 0;) {
			fc_tree t = {0};
			fc_node *n;
			size_t m, up = 0;
			/* path of component k: drop (ncomp - 1 - k) trailing components of abs */
			snprintf(pre, sizeof(pre), "%s", abs);
			for (m = 0; m < ncomp - 1 - k; m++) {
				char *sl = strrchr(pre, '/');
				if (sl && sl != pre)
					*sl = 0;
				up++;
			}
			rc = tree_push(&t, &n);
			if (rc == 0 && lstat(pre, &st) < 0)
				rc = lb_fscopy__errno(errno, "cannot stat %s", pre);
			if (rc == 0) {
				n->name = strdup(comp[k]);
				n->name_len = strlen(comp[k]);
				fill_stat(&b, n, &st);
				memcpy(n->subtree, root_id, 32);
				n->has_subtree = 1;
				rc = save_tree(&b, &t, root_id);
			}
			lb_fscopy__tree_free(&t);
			(void) up;
		}
		free(pids);
		free(have);
	}
	if (rc < 0)
		goto done;
	rc = lb_fscopy__packer_finish(b.pk);
	if (rc < 0)
		goto done;
	snap.time_ns = (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
	memcpy(snap.tree, root_id, 32);
	if (parent) {
		snap.has_parent = 1;
		snprintf(snap.parent, sizeof(snap.parent), "%s", parent->id);
	}
	snap.paths = (char *[]){abs};
	snap.n_paths = 1;
	snap.hostname = host;
	pw = getpwuid(getuid());
	snap.username = pw ? pw->pw_name : NULL;
	snap.tags = (char **) o->tags;
	snap.n_tags = o->n_tags;
	rc = lb_fscopy__snapshot_save(r, &snap);
	if (rc < 0)
		goto done;
	report(&b, 1);
	{
		uint64_t added, stored, blobs;
		lb_fscopy__packer_stats(b.pk, &added, &stored, &blobs);
		b.st.bytes_added = (int64_t) added;
		b.st.bytes_stored = (int64_t) stored;
	}
	snprintf(b.st.snapshot_id, sizeof(b.st.snapshot_id), "%s", snap.id);
	if (stats_out)
		*stats_out = b.st;
done:
	lb_fscopy__packer_free(b.pk);
	free(b.win);
	for (i = 0; i < nsnaps; i++)
		lb_fscopy__snapshot_free(&snaps[i]);
	free(snaps);
	lb_fscopy__unlock(lk);
	return rc;
}
