/* Pack cache for backends without random access (object stores): a blob read downloads its
 * whole pack once into an unlinked temporary file and later reads of the same pack are
 * preads of that file. A few packs are kept (least recently used goes first), so a restore,
 * which reads packs in the order the backup wrote them, fetches each pack once. Memory stays
 * bounded: the copies live in the page cache of a temporary file, not in the heap. Threads
 * asking for a pack that is being downloaded wait for that download instead of starting
 * their own. */
#include "fc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FC_PCACHE_SLOTS 6

typedef struct pslot {
	uint8_t id[FC_ID_LEN];
	int fd;        /* -1: empty */
	int loading;   /* a thread is downloading into this slot */
	int users;     /* threads reading from fd right now */
	uint64_t used; /* LRU clock */
	uint64_t size;
} pslot;

struct fc_pack_cache {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pslot s[FC_PCACHE_SLOTS];
	uint64_t clock;
	uint64_t fetches; /* whole-pack downloads, for tests and statistics */
};

static pthread_mutex_t create_mu = PTHREAD_MUTEX_INITIALIZER;

static fc_pack_cache *
cache_of(lb_fscopy_repo *r)
{
	fc_pack_cache *c;
	int i;

	pthread_mutex_lock(&create_mu);
	c = r->pcache;
	if (!c && (c = calloc(1, sizeof(*c))) != NULL) {
		pthread_mutex_init(&c->mu, NULL);
		pthread_cond_init(&c->cv, NULL);
		for (i = 0; i < FC_PCACHE_SLOTS; i++)
			c->s[i].fd = -1;
		r->pcache = c;
	}
	pthread_mutex_unlock(&create_mu);
	return c;
}

static int
tmp_fd(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		fd = memfd_create("fscopy-pack", MFD_CLOEXEC);
	return fd;
}

/* Returns a slot holding the pack with users incremented, downloading it when needed. */
static int
acquire(
    lb_fscopy_repo *r, fc_pack_cache *c, const uint8_t id[FC_ID_LEN], const char *key, pslot **out)
{
	pslot *sl = NULL, *victim = NULL;
	struct stat st;
	int i, fd, rc;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		sl = NULL;
		for (i = 0; i < FC_PCACHE_SLOTS; i++)
			if ((c->s[i].fd >= 0 || c->s[i].loading) && memcmp(c->s[i].id, id, 32) == 0)
				sl = &c->s[i];
		if (sl && !sl->loading) {
			sl->users++;
			sl->used = ++c->clock;
			pthread_mutex_unlock(&c->mu);
			*out = sl;
			return 0;
		}
		if (!sl) {
			victim = NULL;
			for (i = 0; i < FC_PCACHE_SLOTS; i++) {
				pslot *v = &c->s[i];
				if (v->loading || v->users)
					continue;
				if (!victim ||
				    (victim->fd >= 0 && (v->fd < 0 || v->used < victim->used)))
					victim = v;
			}
			if (victim)
				break;
		}
		/* the pack is on its way, or every slot is busy: wait */
		pthread_cond_wait(&c->cv, &c->mu);
	}
	if (victim->fd >= 0)
		close(victim->fd);
	victim->fd = -1;
	memcpy(victim->id, id, 32);
	victim->loading = 1;
	c->fetches++;
	pthread_mutex_unlock(&c->mu);

	fd = tmp_fd();
	if (fd < 0)
		rc = lb_fscopy__errno(errno, "cannot create a temporary file for %s", key);
	else
		rc = r->be->get(r->be, key, fd);
	if (rc == 0 && fstat(fd, &st) < 0)
		rc = lb_fscopy__errno(errno, "stat of the downloaded %s", key);

	pthread_mutex_lock(&c->mu);
	victim->loading = 0;
	if (rc == 0) {
		victim->fd = fd;
		victim->size = (uint64_t) st.st_size;
		victim->users = 1;
		victim->used = ++c->clock;
	} else if (fd >= 0) {
		close(fd);
	}
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (rc < 0)
		return rc;
	*out = victim;
	return 0;
}

static void
release(fc_pack_cache *c, pslot *sl)
{
	pthread_mutex_lock(&c->mu);
	sl->users--;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

int
lb_fscopy__pcache_read(lb_fscopy_repo *r,
                       const uint8_t pack_id[FC_ID_LEN],
                       uint32_t offset,
                       uint32_t length,
                       fc_buf *out)
{
	fc_pack_cache *c = cache_of(r);
	char key[80];
	pslot *sl;
	ssize_t got;
	int rc;

	if (!c)
		return lb_fscopy__err(LB_ENOMEM, "out of memory");
	lb_fscopy__pack_key(pack_id, key);
	rc = acquire(r, c, pack_id, key, &sl);
	if (rc < 0)
		return rc;
	if ((uint64_t) offset + length > sl->size) {
		rc = lb_fscopy__err(LB_ECORRUPT, "%s is shorter than the index says", key);
		goto done;
	}
	out->len = 0;
	rc = lb_fscopy__buf_reserve(out, (size_t) length + 1);
	if (rc < 0)
		goto done;
	got = pread(sl->fd, out->data, length, offset);
	if (got != (ssize_t) length) {
		rc = lb_fscopy__errno(got < 0 ? errno : EIO, "short read of the cached %s", key);
		goto done;
	}
	out->len = length;
	rc = 0;
done:
	release(c, sl);
	return rc;
}

uint64_t
lb_fscopy__pcache_fetches(lb_fscopy_repo *r)
{
	fc_pack_cache *c = r->pcache;
	uint64_t n;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	n = c->fetches;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void
lb_fscopy__pcache_free(fc_pack_cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < FC_PCACHE_SLOTS; i++)
		if (c->s[i].fd >= 0)
			close(c->s[i].fd);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}
