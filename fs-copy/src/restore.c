/* Restore: the main thread walks the snapshot's trees, creates directories, links and special
 * files, and creates each regular file; worker threads fill files from the packs (zero blobs
 * are skipped so sparse files stay sparse) and set their metadata. Directory metadata is set
 * last, deepest first. */
#include "fc_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define GO_SETUID (1u << 23)
#define GO_SETGID (1u << 22)
#define GO_STICKY (1u << 20)

typedef struct rjob {
	int fd;
	char *path;
	fc_node node;
} rjob;

typedef struct hl_entry {
	uint64_t dev, ino;
	char *path;
} hl_entry;

typedef struct dir_meta {
	char *path;
	fc_node node;
} dir_meta;

typedef struct rs {
	lb_fscopy_repo *r;
	const lb_fscopy_restore_opts *o;
	pthread_mutex_t mu;
	pthread_cond_t cv_job, cv_space, cv_idle;
	rjob *q;
	size_t qcap, qhead, qlen;
	int busy, stop;
	int err;
	char errmsg[1024];
	int64_t files, bytes;
	hl_entry *hl;
	size_t nhl, hlcap;
	dir_meta *dirs;
	size_t ndirs, dircap;
	int chown_ok;
	int64_t start_ms, last_ms;
} rs;

static mode_t
unix_perm(uint32_t m)
{
	mode_t p = m & 0777;

	if (m & GO_SETUID)
		p |= S_ISUID;
	if (m & GO_SETGID)
		p |= S_ISGID;
	if (m & GO_STICKY)
		p |= S_ISVTX;
	return p;
}

static void
ns_to_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t) (ns / 1000000000);
	ts->tv_nsec = (long) (ns % 1000000000);
	if (ts->tv_nsec < 0) {
		ts->tv_nsec += 1000000000;
		ts->tv_sec--;
	}
}

static void
set_err(rs *s, int rc)
{
	pthread_mutex_lock(&s->mu);
	if (!s->err) {
		s->err = rc;
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", lb_fscopy_errmsg());
	}
	pthread_mutex_unlock(&s->mu);
}

static int
all_zero(const uint8_t *p, size_t n)
{
	static const uint8_t z[4096];

	while (n >= sizeof(z)) {
		if (memcmp(p, z, sizeof(z)) != 0)
			return 0;
		p += sizeof(z);
		n -= sizeof(z);
	}
	return memcmp(p, z, n) == 0;
}

/* Blobs this large are read from the local pack with direct I/O: the packs were written
 * around the page cache, and filling it on the way back costs ~1.7 CPU-s per GiB here. Small
 * blobs (small files, trees) keep the cache. */
#define FC_DIRECT_READ_MIN (256u << 10)

typedef struct pack_fds {
	uint32_t pack[16];
	int fd[16];
	int dfd[16];   /* O_DIRECT descriptor of the same pack; -1 not opened, -2 unsupported */
	uint8_t *dbuf; /* page-aligned read buffer for direct reads */
	size_t dcap;
} pack_fds;

/* The blob's bytes through a direct read of the page-aligned range around it; NULL when
 * direct I/O is not possible here (the caller then reads through the page cache). */
static const uint8_t *
direct_read(pack_fds *pf, int slot, const fc_blob_loc *l)
{
	uint64_t start = l->offset & ~(uint64_t) (FC_DIRECT_ALIGN - 1);
	uint64_t end = ((uint64_t) l->offset + l->length + FC_DIRECT_ALIGN - 1) &
	               ~(uint64_t) (FC_DIRECT_ALIGN - 1);
	size_t n = (size_t) (end - start);
	ssize_t got;

	if (pf->dfd[slot] == -1) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", pf->fd[slot]);
		pf->dfd[slot] = open(p, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (pf->dfd[slot] < 0)
			pf->dfd[slot] = -2;
	}
	if (pf->dfd[slot] < 0)
		return NULL;
	if (n > pf->dcap) {
		void *m = NULL;
		if (posix_memalign(&m, FC_DIRECT_ALIGN, n) != 0)
			return NULL;
		free(pf->dbuf);
		pf->dbuf = m;
		pf->dcap = n;
	}
	got = pread(pf->dfd[slot], pf->dbuf, n, (off_t) start);
	if (got < 0 && errno == EINVAL) {
		close(pf->dfd[slot]);
		pf->dfd[slot] = -2;
		return NULL;
	}
	if (got < 0 || (uint64_t) got < l->offset - start + l->length)
		return NULL; /* let the buffered read report the problem */
	return pf->dbuf + (l->offset - start);
}

static int
blob_read(rs *s, pack_fds *pf, const uint8_t *id, fc_buf *enc, fc_buf *out)
{
	const fc_blob_loc *l = lb_fscopy__index_find(s->r->index, id, 0);
	char key[80], hex[65];
	int slot, rc;

	if (!l) {
		lb_fscopy__hex(id, 32, hex);
		return lb_fscopy__err(LB_ENOTFOUND, "data blob %s is not in the index", hex);
	}
	if (!s->r->be->open_read)
		return lb_fscopy__blob_load(s->r, id, 0, out);
	slot = (int) (l->pack & 15);
	if (pf->fd[slot] < 0 || pf->pack[slot] != l->pack) {
		if (pf->fd[slot] >= 0)
			close(pf->fd[slot]);
		if (pf->dfd[slot] >= 0)
			close(pf->dfd[slot]);
		pf->dfd[slot] = -1;
		lb_fscopy__pack_key(lb_fscopy__index_pack_id(s->r->index, l->pack), key);
		pf->fd[slot] = s->r->be->open_read(s->r->be, key);
		pf->pack[slot] = l->pack;
		if (pf->fd[slot] < 0)
			return pf->fd[slot];
	}
	if (l->length >= FC_DIRECT_READ_MIN) {
		const uint8_t *d = direct_read(pf, slot, l);
		if (d) {
			rc = lb_fscopy__blob_decode(s->r, d, l->length, l->raw_len, id, out);
			if (rc < 0) {
				lb_fscopy__pack_key(lb_fscopy__index_pack_id(s->r->index, l->pack), key);
				return lb_fscopy__err(rc, "%s: %s", key, lb_fscopy_errmsg());
			}
			return 0;
		}
	}
	enc->len = 0;
	rc = lb_fscopy__buf_reserve(enc, l->length);
	if (rc < 0)
		return rc;
	if (pread(pf->fd[slot], enc->data, l->length, l->offset) != (ssize_t) l->length) {
		lb_fscopy__pack_key(lb_fscopy__index_pack_id(s->r->index, l->pack), key);
		return lb_fscopy__err(LB_ECORRUPT, "%s: short read at offset %u", key, l->offset);
	}
	rc = lb_fscopy__blob_decode(s->r, enc->data, l->length, l->raw_len, id, out);
	if (rc < 0) {
		lb_fscopy__pack_key(lb_fscopy__index_pack_id(s->r->index, l->pack), key);
		return lb_fscopy__err(rc, "%s: %s", key, lb_fscopy_errmsg());
	}
	return 0;
}

static void
set_meta_fd(rs *s, int fd, const fc_node *n)
{
	struct timespec ts[2];
	size_t i;

	for (i = 0; i < n->n_xattrs; i++)
		fsetxattr(fd, n->xattr_names[i], n->xattr_values[i].data, n->xattr_values[i].len, 0);
	if (s->chown_ok)
		(void) !fchown(fd, n->uid, n->gid);
	fchmod(fd, unix_perm(n->mode));
	ns_to_ts(n->atime_ns, &ts[0]);
	ns_to_ts(n->mtime_ns, &ts[1]);
	futimens(fd, ts);
}

static int
fill_file(rs *s, rjob *j, pack_fds *pf, fc_buf *enc, fc_buf *out)
{
	uint64_t off = 0;
	size_t i;
	int rc = 0, holes = 0;

	for (i = 0; i < j->node.n_content; i++) {
		rc = blob_read(s, pf, j->node.content + 32 * i, enc, out);
		if (rc < 0)
			return lb_fscopy__err(rc, "restoring %s: %s", j->path, lb_fscopy_errmsg());
		if (all_zero(out->data, out->len)) {
			holes = 1;
		} else {
			size_t done = 0;
			while (done < out->len) {
				ssize_t w = pwrite(j->fd, out->data + done, out->len - done,
				                   (off_t) (off + done));
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					return lb_fscopy__errno(errno, "cannot write %s", j->path);
				done += (size_t) w;
			}
		}
		off += out->len;
		pthread_mutex_lock(&s->mu);
		s->bytes += (int64_t) out->len;
		pthread_mutex_unlock(&s->mu);
		if (s->err)
			return s->err;
	}
	if (off != j->node.size && j->node.size)
		return lb_fscopy__err(LB_ECORRUPT, "%s: content adds up to %llu bytes, the node says "
		                                   "%llu",
		                      j->path, (unsigned long long) off,
		                      (unsigned long long) j->node.size);
	if ((holes || off == 0) && ftruncate(j->fd, (off_t) off) < 0)
		return lb_fscopy__errno(errno, "cannot size %s", j->path);
	set_meta_fd(s, j->fd, &j->node);
	return 0;
}

static void *
worker(void *arg)
{
	rs *s = arg;
	fc_buf enc = {0}, out = {0};
	pack_fds pf;
	int i;

	memset(&pf, 0, sizeof(pf));
	for (i = 0; i < 16; i++)
		pf.fd[i] = pf.dfd[i] = -1;
	for (;;) {
		rjob j;
		int rc;

		pthread_mutex_lock(&s->mu);
		while (!s->qlen && !s->stop)
			pthread_cond_wait(&s->cv_job, &s->mu);
		if (!s->qlen && s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		j = s->q[s->qhead];
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qlen--;
		s->busy++;
		pthread_cond_signal(&s->cv_space);
		pthread_mutex_unlock(&s->mu);

		rc = s->err ? 0 : fill_file(s, &j, &pf, &enc, &out);
		if (rc < 0)
			set_err(s, rc);
		close(j.fd);
		free(j.path);
		lb_fscopy__node_free(&j.node);

		pthread_mutex_lock(&s->mu);
		s->files++;
		s->busy--;
		if (!s->busy && !s->qlen)
			pthread_cond_broadcast(&s->cv_idle);
		pthread_mutex_unlock(&s->mu);
	}
	for (i = 0; i < 16; i++) {
		if (pf.fd[i] >= 0)
			close(pf.fd[i]);
		if (pf.dfd[i] >= 0)
			close(pf.dfd[i]);
	}
	free(pf.dbuf);
	lb_fscopy__buf_free(&enc);
	lb_fscopy__buf_free(&out);
	lb_fscopy__thread_done();
	return NULL;
}

static int
progress(rs *s)
{
	struct timespec ts;
	lb_fscopy_progress p;
	int64_t t;

	if (!s->r->progress)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (t - s->last_ms < 200)
		return 0;
	s->last_ms = t;
	p.phase = "restore";
	p.files_done = s->files;
	p.bytes_done = s->bytes;
	p.files_total = p.bytes_total = -1;
	p.elapsed_ms = t - s->start_ms;
	if (s->r->progress(s->r->progress_ctx, &p))
		return lb_fscopy__err(LB_ECANCELED, "restore canceled");
	return 0;
}

static int
queue_file(rs *s, int fd, const char *path, fc_node *n)
{
	rjob *j;

	pthread_mutex_lock(&s->mu);
	while (s->qlen == s->qcap && !s->err)
		pthread_cond_wait(&s->cv_space, &s->mu);
	if (s->err) {
		pthread_mutex_unlock(&s->mu);
		close(fd);
		return lb_fscopy__err(s->err, "%s", s->errmsg);
	}
	j = &s->q[(s->qhead + s->qlen) % s->qcap];
	j->fd = fd;
	j->path = strdup(path);
	j->node = *n;
	memset(n, 0, sizeof(*n));
	s->qlen++;
	pthread_cond_signal(&s->cv_job);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int
rm_rf(int dirfd, const char *name)
{
	struct stat st;
	int rc = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = sub >= 0 ? fdopendir(sub) : NULL;
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				rm_rf(sub, de->d_name);
		if (d)
			closedir(d);
		else if (sub >= 0)
			close(sub);
		rc = unlinkat(dirfd, name, AT_REMOVEDIR);
	} else {
		rc = unlinkat(dirfd, name, 0);
	}
	return rc;
}

static int restore_tree(rs *s, const uint8_t *tree_id, const char *dir);

static int
restore_node(rs *s, int dirfd, const char *dir, fc_node *n)
{
	char path[PATH_MAX];
	struct stat st;
	int rc = 0, fd;
	int exists = fstatat(dirfd, n->name, &st, AT_SYMLINK_NOFOLLOW) == 0;

	if (memchr(n->name, '/', n->name_len) || strcmp(n->name, "..") == 0 ||
	    strcmp(n->name, ".") == 0 || !n->name_len)
		return lb_fscopy__err(LB_ECORRUPT, "snapshot holds an invalid name '%s' in %s",
		                      n->name, dir);
	snprintf(path, sizeof(path), "%s/%s", dir, n->name);
	if (exists && (n->type != FC_NODE_DIR || !S_ISDIR(st.st_mode)))
		rm_rf(dirfd, n->name);
	switch (n->type) {
	case FC_NODE_DIR:
		if (mkdirat(dirfd, n->name, 0700) < 0 && errno != EEXIST)
			return lb_fscopy__errno(errno, "cannot create directory %s", path);
		if (n->has_subtree) {
			rc = restore_tree(s, n->subtree, path);
			if (rc < 0)
				return rc;
		}
		if (s->ndirs == s->dircap) {
			size_t cap = s->dircap ? s->dircap * 2 : 64;
			dir_meta *v = realloc(s->dirs, cap * sizeof(*v));
			if (!v)
				return lb_fscopy__err(LB_ENOMEM, "out of memory");
			s->dirs = v;
			s->dircap = cap;
		}
		s->dirs[s->ndirs].path = strdup(path);
		s->dirs[s->ndirs].node = *n;
		memset(n, 0, sizeof(*n));
		s->ndirs++;
		return 0;
	case FC_NODE_SYMLINK: {
		struct timespec ts[2];
		if (symlinkat(n->linktarget ? n->linktarget : "", dirfd, n->name) < 0)
			return lb_fscopy__errno(errno, "cannot create symlink %s", path);
		if (s->chown_ok)
			(void) !fchownat(dirfd, n->name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW);
		ns_to_ts(n->atime_ns, &ts[0]);
		ns_to_ts(n->mtime_ns, &ts[1]);
		utimensat(dirfd, n->name, ts, AT_SYMLINK_NOFOLLOW);
		s->files++;
		return 0;
	}
	case FC_NODE_FILE:
		if (n->links > 1) {
			size_t i;
			for (i = 0; i < s->nhl; i++) {
				if (s->hl[i].dev == n->device_id && s->hl[i].ino == n->inode) {
					if (linkat(AT_FDCWD, s->hl[i].path, dirfd, n->name, 0) < 0)
						return lb_fscopy__errno(errno, "cannot link %s to %s",
						                        path, s->hl[i].path);
					s->files++;
					return 0;
				}
			}
		}
		fd = openat(dirfd, n->name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		            0600);
		if (fd < 0)
			return lb_fscopy__errno(errno, "cannot create %s", path);
		if (n->links > 1) {
			if (s->nhl == s->hlcap) {
				size_t cap = s->hlcap ? s->hlcap * 2 : 16;
				hl_entry *v = realloc(s->hl, cap * sizeof(*v));
				if (!v) {
					close(fd);
					return lb_fscopy__err(LB_ENOMEM, "out of memory");
				}
				s->hl = v;
				s->hlcap = cap;
			}
			s->hl[s->nhl].dev = n->device_id;
			s->hl[s->nhl].ino = n->inode;
			s->hl[s->nhl].path = strdup(path);
			s->nhl++;
		}
		return queue_file(s, fd, path, n);
	case FC_NODE_FIFO:
		if (mkfifoat(dirfd, n->name, unix_perm(n->mode)) < 0)
			return lb_fscopy__errno(errno, "cannot create fifo %s", path);
		break;
	case FC_NODE_DEV:
	case FC_NODE_CHARDEV:
		if (mknodat(dirfd, n->name,
		            unix_perm(n->mode) | (n->type == FC_NODE_DEV ? S_IFBLK : S_IFCHR),
		            (dev_t) n->device) < 0)
			return lb_fscopy__errno(errno, "cannot create device %s", path);
		break;
	default:
		return 0; /* sockets are not restored */
	}
	{
		struct timespec ts[2];
		if (s->chown_ok)
			(void) !fchownat(dirfd, n->name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW);
		fchmodat(dirfd, n->name, unix_perm(n->mode), 0);
		ns_to_ts(n->atime_ns, &ts[0]);
		ns_to_ts(n->mtime_ns, &ts[1]);
		utimensat(dirfd, n->name, ts, AT_SYMLINK_NOFOLLOW);
	}
	s->files++;
	return rc;
}

static int
restore_tree(rs *s, const uint8_t *tree_id, const char *dir)
{
	fc_tree t = {0};
	size_t i;
	int rc, dirfd;

	rc = lb_fscopy__tree_load(s->r, tree_id, &t);
	if (rc < 0)
		return rc;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = lb_fscopy__errno(errno, "cannot open %s", dir);
		goto done;
	}
	if (s->o->delete_extra) {
		DIR *d = fdopendir(dup(dirfd));
		struct dirent *de;
		while (d && (de = readdir(d))) {
			int found = 0;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			for (i = 0; i < t.n && !found; i++)
				found = strcmp(t.nodes[i].name, de->d_name) == 0;
			if (!found)
				rm_rf(dirfd, de->d_name);
		}
		if (d)
			closedir(d);
	}
	for (i = 0; i < t.n; i++) {
		rc = restore_node(s, dirfd, dir, &t.nodes[i]);
		if (rc == 0)
			rc = progress(s);
		if (rc == 0)
			rc = lb_fscopy__check_cancel(s->r);
		if (rc < 0)
			break;
	}
	close(dirfd);
done:
	lb_fscopy__tree_free(&t);
	return rc;
}

int
lb_fscopy_restore(lb_fscopy_repo *r, const lb_fscopy_restore_opts *o, int64_t *files_out,
                  int64_t *bytes_out)
{
	rs s;
	fc_snapshot *snaps = NULL, *snap = NULL;
	size_t nsnaps = 0, i;
	char spec[256], *sub = NULL, *tok, *save = NULL;
	uint8_t tree[32];
	pthread_t th[16];
	int nth = 0, rc, k;
	struct timespec ts;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.o = o;
	s.chown_ok = geteuid() == 0 && !o->no_owner;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.start_ms = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv_job, NULL);
	pthread_cond_init(&s.cv_space, NULL);
	pthread_cond_init(&s.cv_idle, NULL);
	snprintf(spec, sizeof(spec), "%s", o->snapshot ? o->snapshot : "latest");
	if ((sub = strchr(spec, ':')))
		*sub++ = 0;
	rc = lb_fscopy__index_load(r, NULL, NULL);
	if (rc < 0)
		goto done;
	rc = lb_fscopy__snapshots_load(r, &snaps, &nsnaps);
	if (rc < 0)
		goto done;
	rc = lb_fscopy__snapshot_find(snaps, nsnaps, spec, o->hostname, &snap);
	if (rc < 0)
		goto done;
	memcpy(tree, snap->tree, 32);
	for (tok = sub ? strtok_r(sub, "/", &save) : NULL; tok; tok = strtok_r(NULL, "/", &save)) {
		fc_tree t = {0};
		int found = 0;
		rc = lb_fscopy__tree_load(r, tree, &t);
		if (rc < 0)
			goto done;
		for (i = 0; i < t.n && !found; i++) {
			if (strcmp(t.nodes[i].name, tok) == 0 && t.nodes[i].has_subtree) {
				memcpy(tree, t.nodes[i].subtree, 32);
				found = 1;
			}
		}
		lb_fscopy__tree_free(&t);
		if (!found) {
			rc = lb_fscopy__err(LB_ENOTFOUND, "snapshot %.8s has no directory '%s'",
			                    snap->id, tok);
			goto done;
		}
	}
	if (mkdir(o->target, 0700) < 0 && errno != EEXIST) {
		rc = lb_fscopy__errno(errno, "cannot create the target %s", o->target);
		goto done;
	}
	nth = o->threads > 0 ? o->threads : (int) sysconf(_SC_NPROCESSORS_ONLN);
	if (nth > 16)
		nth = 16;
	if (nth < 1)
		nth = 1;
	s.qcap = (size_t) nth * 4;
	s.q = calloc(s.qcap, sizeof(rjob));
	if (!s.q) {
		rc = lb_fscopy__err(LB_ENOMEM, "out of memory");
		goto done;
	}
	for (k = 0; k < nth; k++) {
		if (pthread_create(&th[k], NULL, worker, &s) != 0) {
			nth = k;
			break;
		}
	}
	rc = restore_tree(&s, tree, o->target);
	pthread_mutex_lock(&s.mu);
	while (s.qlen || s.busy)
		pthread_cond_wait(&s.cv_idle, &s.mu);
	s.stop = 1;
	pthread_cond_broadcast(&s.cv_job);
	pthread_mutex_unlock(&s.mu);
	for (k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	if (rc == 0 && s.err)
		rc = lb_fscopy__err(s.err, "%s", s.errmsg);
	/* directory metadata, deepest first */
	for (i = s.ndirs; i-- > 0;) {
		struct timespec t2[2];
		if (rc == 0) {
			if (s.chown_ok)
				(void) !lchown(s.dirs[i].path, s.dirs[i].node.uid, s.dirs[i].node.gid);
			chmod(s.dirs[i].path, unix_perm(s.dirs[i].node.mode));
			ns_to_ts(s.dirs[i].node.atime_ns, &t2[0]);
			ns_to_ts(s.dirs[i].node.mtime_ns, &t2[1]);
			utimensat(AT_FDCWD, s.dirs[i].path, t2, AT_SYMLINK_NOFOLLOW);
		}
	}
	if (files_out)
		*files_out = s.files;
	if (bytes_out)
		*bytes_out = s.bytes;
done:
	for (i = 0; i < s.ndirs; i++) {
		free(s.dirs[i].path);
		lb_fscopy__node_free(&s.dirs[i].node);
	}
	free(s.dirs);
	for (i = 0; i < s.nhl; i++)
		free(s.hl[i].path);
	free(s.hl);
	free(s.q);
	for (i = 0; i < nsnaps; i++)
		lb_fscopy__snapshot_free(&snaps[i]);
	free(snaps);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv_job);
	pthread_cond_destroy(&s.cv_space);
	pthread_cond_destroy(&s.cv_idle);
	return rc;
}
