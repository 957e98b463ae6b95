/* guard.c (tests only): inputs that end at a PROT_NONE page, to catch over-reads. */
#include "guard.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint8_t *g_map;    /* data pages followed by one PROT_NONE page */
static size_t g_data_len; /* octets of accessible pages before the guard page */
static size_t g_map_len;

/* Ensure at least `need` accessible octets before the guard page. */
static int guard_reserve(size_t need) {
    if (g_map != NULL && g_data_len >= need) {
        return 0;
    }
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096u;
    size_t data = 16u * page;
    while (data < need) {
        data *= 2;
    }
    if (g_map != NULL) {
        munmap(g_map, g_map_len);
        g_map = NULL;
    }
    size_t total = data + page;
    void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        return -1;
    }
    if (mprotect((uint8_t *)m + data, page, PROT_NONE) != 0) {
        munmap(m, total);
        return -1;
    }
    g_map = m;
    g_data_len = data;
    g_map_len = total;
    return 0;
}

const uint8_t *guard_place(const void *data, size_t len) {
    if (guard_reserve(len) != 0) {
        return NULL;
    }
    uint8_t *dst = g_map + (g_data_len - len);
    if (len > 0) {
        memcpy(dst, data, len);
    }
    return dst;
}
