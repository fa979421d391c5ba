/* fs-copy internals: the restic v2 repository format and the engine around it. Shared by
 * the files of the lifeboat_fscopy library only; the public API is lifeboat/fscopy.h. */
#ifndef LB_FSCOPY_INTERNAL_H
#define LB_FSCOPY_INTERNAL_H

#include <lifeboat/fscopy.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- errors (fc_error.c): a thread-local message, self-contained (no engine link) ---- */
int lb_fscopy__err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lb_fscopy__errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- growable byte buffer ---- */
typedef struct fc_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
} fc_buf;
int lb_fscopy__buf_reserve(fc_buf *b, size_t extra);
int lb_fscopy__buf_put(fc_buf *b, const void *p, size_t n);
int lb_fscopy__buf_puts(fc_buf *b, const char *s);
int lb_fscopy__buf_printf(fc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lb_fscopy__buf_free(fc_buf *b);

/* Release this thread's cached zstd contexts and scratch buffers; every thread that
 * fs-copy starts calls it before it ends. */
void lb_fscopy__zstd_thread_done(void);
void lb_fscopy__pack_thread_done(void);
void lb_fscopy__thread_done(void);
/* JSON string literal with Go-compatible escaping; bytes >= 0x80 are copied as they are. */
int lb_fscopy__buf_json_str(fc_buf *b, const char *s, size_t n);

/* ---- crypto (crypto.c): restic's AES-256-CTR + Poly1305-AES ---- */
#define FC_ID_LEN 32
#define FC_IV_LEN 16
#define FC_MAC_LEN 16
#define FC_CRYPTO_OVERHEAD (FC_IV_LEN + FC_MAC_LEN)

typedef struct fc_key {
	uint8_t enc[32];   /* AES-256 key */
	uint8_t mac_k[16]; /* AES-128 key of Poly1305-AES */
	uint8_t mac_r[16]; /* Poly1305 r (clamped) */
} fc_key;

void lb_fscopy__sha256(const void *data, size_t len, uint8_t out[FC_ID_LEN]);
int lb_fscopy__random(void *out, size_t len);
void lb_fscopy__key_random(fc_key *k);
/* out must hold len + FC_CRYPTO_OVERHEAD bytes. */
int lb_fscopy__seal(const fc_key *k, const void *plain, size_t len, uint8_t *out);
/* Verifies the MAC, then decrypts into out (len - FC_CRYPTO_OVERHEAD bytes). LB_ECORRUPT with
 * a message on a MAC mismatch. */
int lb_fscopy__open(const fc_key *k, const uint8_t *in, size_t len, uint8_t *out);
int lb_fscopy__scrypt(const char *pw, const uint8_t *salt, size_t salt_len, uint64_t n,
                      uint64_t r, uint64_t p, fc_key *out);
void lb_fscopy__hex(const uint8_t *id, size_t n, char *out);
int lb_fscopy__unhex(const char *s, uint8_t *out, size_t n);
int lb_fscopy__b64_enc(const uint8_t *in, size_t n, char **out);
int lb_fscopy__b64_dec(const char *in, uint8_t **out, size_t *out_len);

/* ---- compression ---- */
int lb_fscopy__zstd_compress(const void *in, size_t n, fc_buf *out, int level);
int lb_fscopy__zstd_decompress(const void *in, size_t n, fc_buf *out, size_t expect);

/* ---- storage backend (backend_*.c) ---- */
typedef struct fc_backend fc_backend;
struct fc_backend {
	int (*put)(fc_backend *be, const char *key, int fd, int64_t size);
	int (*get)(fc_backend *be, const char *key, int fd);
	int (*exists)(fc_backend *be, const char *key, int *exists_out);
	/* Calls cb for every key under prefix (keys relative to the repository). */
	int (*list)(fc_backend *be, const char *prefix, int (*cb)(void *, const char *),
	            void *ctx);
	int (*del)(fc_backend *be, const char *key);
	/* Optional fast paths; NULL when not available. */
	int (*put_buf)(fc_backend *be, const char *key, const void *data, size_t len);
	int (*open_read)(fc_backend *be, const char *key); /* fd for pread, or <0 */
	void (*close)(fc_backend *be);
};
/* put_buf of a buffer aligned to this (and at least this long) may use direct I/O */
#define FC_DIRECT_ALIGN 4096
int lb_fscopy__be_put_buf(fc_backend *be, const char *key, const void *data, size_t len);
int lb_fscopy__be_get_buf(fc_backend *be, const char *key, fc_buf *out);

/* ---- repository (repo.c) ---- */
typedef struct fc_index fc_index;
typedef struct fc_pack_cache fc_pack_cache;
struct lb_fscopy_repo {
	fc_backend *be;
	fc_key master;
	char id[65];
	uint64_t chunker_pol;
	int version;
	char key_name[65]; /* the key file that opened the repository */
	fc_index *index;
	lb_fscopy_progress_fn progress;
	void *progress_ctx;
	int (*cancelled)(void *ctx);
	void *cancel_ctx;
	int zstd_level;
	int compress;
	fc_pack_cache *pcache; /* created on first use by backends without open_read */
};
/* Encrypted (and for version 2, compressed) unpacked file: index, snapshot, lock. */
int lb_fscopy__save_unpacked(lb_fscopy_repo *r, const char *dir, const void *plain, size_t len,
                             char id_hex_out[65]);
int lb_fscopy__load_unpacked(lb_fscopy_repo *r, const char *key, fc_buf *plain_out);
int lb_fscopy__check_cancel(lb_fscopy_repo *r);

/* ---- index (index.c) ---- */
typedef struct fc_blob_loc {
	uint8_t id[FC_ID_LEN];
	uint32_t pack;   /* number into fc_index.packs */
	uint32_t offset; /* of the encrypted blob in the pack */
	uint32_t length; /* encrypted length */
	uint32_t raw_len; /* uncompressed plaintext length, 0 when stored uncompressed */
	uint8_t type;     /* 0 data, 1 tree */
} fc_blob_loc;

fc_index *lb_fscopy__index_new(void);
void lb_fscopy__index_free(fc_index *ix);
uint32_t lb_fscopy__index_pack(fc_index *ix, const uint8_t id[FC_ID_LEN]);
const uint8_t *lb_fscopy__index_pack_id(fc_index *ix, uint32_t pack);
uint32_t lb_fscopy__index_npacks(fc_index *ix);
int lb_fscopy__index_add(fc_index *ix, const fc_blob_loc *loc);
const fc_blob_loc *lb_fscopy__index_find(fc_index *ix, const uint8_t id[FC_ID_LEN], int type);
size_t lb_fscopy__index_count(fc_index *ix);
const fc_blob_loc *lb_fscopy__index_at(fc_index *ix, size_t i);
/* Load every index/ file; names of loaded index files through cb when not NULL. */
int lb_fscopy__index_load(lb_fscopy_repo *r, int (*cb)(void *, const char *), void *ctx);
/* Serialise blobs of the given packs as one index file and save it. */
int lb_fscopy__index_write(lb_fscopy_repo *r, const uint32_t *packs, size_t npacks,
                           char **supersedes, size_t nsup, char id_out[65]);

/* ---- packs (pack.c) ---- */
typedef struct fc_pack_entry {
	uint8_t id[FC_ID_LEN];
	uint32_t offset, length, raw_len;
	uint8_t type;
} fc_pack_entry;
/* Read a pack's header (from its tail). */
int lb_fscopy__pack_header(lb_fscopy_repo *r, const uint8_t *tail, size_t tail_len,
                           uint64_t pack_size, fc_pack_entry **out, size_t *n_out);
int lb_fscopy__pack_read_header(lb_fscopy_repo *r, const char *key, fc_pack_entry **out,
                                size_t *n_out);
/* Decrypt, decompress and verify one blob. */
int lb_fscopy__blob_decode(lb_fscopy_repo *r, const uint8_t *enc, size_t len, uint32_t raw_len,
                           const uint8_t id[FC_ID_LEN], fc_buf *out);
/* Read one blob through the repository (pread on a local pack, else whole-pack download). */
int lb_fscopy__blob_load(lb_fscopy_repo *r, const uint8_t id[FC_ID_LEN], int type, fc_buf *out);
int lb_fscopy__blob_load_ix(lb_fscopy_repo *r, fc_index *ix, const uint8_t id[FC_ID_LEN], int type,
                            fc_buf *out);
void lb_fscopy__pack_key(const uint8_t id[FC_ID_LEN], char *out /* >= 80 */);

/* ---- pack cache (pack_cache.c): whole-pack downloads kept in a few temporary files ---- */
/* Read [offset, offset + length) of a pack through the cache (backends without open_read). */
int lb_fscopy__pcache_read(lb_fscopy_repo *r, const uint8_t pack_id[FC_ID_LEN], uint32_t offset,
                           uint32_t length, fc_buf *out);
/* Whole-pack downloads so far. */
uint64_t lb_fscopy__pcache_fetches(lb_fscopy_repo *r);
void lb_fscopy__pcache_free(fc_pack_cache *c);

/* ---- pack writer (packer.c): multi-threaded compress + encrypt + pack upload ---- */
typedef struct fc_packer fc_packer;
fc_packer *lb_fscopy__packer_new(lb_fscopy_repo *r, int threads);
/* Queue a blob whose ID is already known and not yet in the repository. Takes ownership of
 * data (malloc'ed). */
int lb_fscopy__packer_add(fc_packer *p, int type, const uint8_t id[FC_ID_LEN], uint8_t *data,
                          size_t len);
/* True when the blob is in the index or queued in this packer. Marks it queued if not. */
int lb_fscopy__packer_claim(fc_packer *p, int type, const uint8_t id[FC_ID_LEN]);
/* True when the blob is in the repository index (safe while the uploader adds to it). */
int lb_fscopy__packer_has(fc_packer *p, int type, const uint8_t id[FC_ID_LEN]);
/* Flush everything, write the remaining index. */
int lb_fscopy__packer_finish(fc_packer *p);
int lb_fscopy__packer_adopt(fc_packer *p, uint32_t pack);
uint32_t lb_fscopy__go_mode(mode_t m);
void lb_fscopy__packer_free(fc_packer *p);
void lb_fscopy__packer_stats(fc_packer *p, uint64_t *added_bytes, uint64_t *stored_bytes,
                             uint64_t *blobs);

/* ---- chunker (chunker.c): gear-hash FastCDC ---- */
#define FC_CHUNK_MIN (512 * 1024)
#define FC_CHUNK_AVG (1024 * 1024)
#define FC_CHUNK_MAX (8 * 1024 * 1024)
size_t lb_fscopy__chunk_cut(const uint8_t *p, size_t n);

/* ---- locks (lock.c) ---- */
typedef struct fc_lock fc_lock;
int lb_fscopy__lock(lb_fscopy_repo *r, int exclusive, fc_lock **out);
void lb_fscopy__unlock(fc_lock *l);

/* ---- trees and nodes (tree.c) ---- */
typedef struct fc_node {
	char *name;
	size_t name_len;
	int type; /* FC_NODE_* */
	uint32_t mode; /* Go os.FileMode */
	int64_t mtime_ns, atime_ns, ctime_ns;
	uint32_t uid, gid;
	char *user, *group;
	uint64_t inode, device_id, size, links, device;
	char *linktarget;
	size_t linktarget_len;
	uint8_t *content; /* n_content * 32 */
	size_t n_content;
	int has_subtree;
	uint8_t subtree[FC_ID_LEN];
	char **xattr_names;
	fc_buf *xattr_values;
	size_t n_xattrs;
} fc_node;

enum { FC_NODE_FILE, FC_NODE_DIR, FC_NODE_SYMLINK, FC_NODE_DEV, FC_NODE_CHARDEV, FC_NODE_FIFO,
       FC_NODE_SOCKET };

typedef struct fc_tree {
	fc_node *nodes;
	size_t n, cap;
} fc_tree;

void lb_fscopy__node_free(fc_node *n);
void lb_fscopy__tree_free(fc_tree *t);
int lb_fscopy__tree_serialize(const fc_tree *t, fc_buf *out);
int lb_fscopy__tree_parse(const uint8_t *json, size_t len, fc_tree *out);
int lb_fscopy__tree_load(lb_fscopy_repo *r, const uint8_t id[FC_ID_LEN], fc_tree *out);
/* Go-style RFC 3339 with nanoseconds, local offset. */
void lb_fscopy__time_fmt(int64_t ns, char out[64]);
int lb_fscopy__time_parse(const char *s, int64_t *ns_out);

/* ---- snapshots (snapshot.c) ---- */
typedef struct fc_snapshot {
	char id[65];
	int64_t time_ns;
	uint8_t tree[FC_ID_LEN];
	int has_parent;
	char parent[65];
	char **paths;
	size_t n_paths;
	char **tags;
	size_t n_tags;
	char *hostname, *username;
} fc_snapshot;
void lb_fscopy__snapshot_free(fc_snapshot *s);
int lb_fscopy__snapshot_save(lb_fscopy_repo *r, fc_snapshot *s);
int lb_fscopy__snapshots_load(lb_fscopy_repo *r, fc_snapshot **out, size_t *n_out);
/* "latest", a full or a unique prefix ID. */
int lb_fscopy__snapshot_find(fc_snapshot *all, size_t n, const char *spec, const char *host,
                             fc_snapshot **out);

#endif
