/* Content-defined chunking: gear-hash FastCDC with normalised chunking. Cuts are skipped
 * below FC_CHUNK_MIN; between MIN and MIN + 512 KiB a stricter mask (21 bits) applies, after
 * that a looser one (19 bits), giving ~1 MiB chunks like restic's (512 KiB .. 8 MiB). */
#include "fc_internal.h"

#include <pthread.h>

static uint64_t gear[256];
static pthread_once_t gear_once = PTHREAD_ONCE_INIT;

static void
gear_init(void)
{
	uint64_t x = 0x6c62272e07bb0142ULL; /* fixed seed: chunk boundaries are stable */
	int i;

	for (i = 0; i < 256; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		gear[i] = z ^ (z >> 31);
	}
}

#define MASK_S (~0ULL << (64 - 21))
#define MASK_L (~0ULL << (64 - 19))

size_t
lb_fscopy__chunk_cut(const uint8_t *p, size_t n)
{
	size_t i, normal, end;
	uint64_t h = 0;

	pthread_once(&gear_once, gear_init);
	if (n <= FC_CHUNK_MIN)
		return n;
	end = n < FC_CHUNK_MAX ? n : FC_CHUNK_MAX;
	normal = FC_CHUNK_MIN + 512 * 1024;
	if (normal > end)
		normal = end;
	for (i = FC_CHUNK_MIN - 64; i < FC_CHUNK_MIN; i++)
		h = (h << 1) + gear[p[i]];
	for (; i < normal; i++) {
		h = (h << 1) + gear[p[i]];
		if (!(h & MASK_S))
			return i + 1;
	}
	for (; i < end; i++) {
		h = (h << 1) + gear[p[i]];
		if (!(h & MASK_L))
			return i + 1;
	}
	return end;
}
