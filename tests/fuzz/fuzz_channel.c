/* fuzz_channel.c: libFuzzer target for channel files (decoder/src/channel.c, dec/channel.h):
 * any input either loads into settings that dec_channel_check accepts or refuses with its own
 * message, or is refused with one "PATH:LINE: ..." message (exit code 2); never a crash, a
 * hang or a leak. The input goes into a memory file, so the real file loader reads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dec/channel.h"
#include "dec/pipeline.h"

static int g_fd = -1;
static char g_path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (g_fd < 0) {
        g_fd = memfd_create("fuzz-channel", 0);
        if (g_fd < 0) {
            abort();
        }
        snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    }
    if (ftruncate(g_fd, 0) != 0 || pwrite(g_fd, data, size, 0) != (ssize_t)size) {
        abort();
    }
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    char err[512];
    err[0] = '\0';
    int rc = dec_channel_load(g_path, &o, err, sizeof err);
    if (rc != 0) {
        /* "PATH:LINE: what", LINE a decimal number from 1 */
        size_t pl = strlen(g_path);
        if (rc != 2 || memchr(err, '\0', sizeof err) == NULL || strncmp(err, g_path, pl) != 0 ||
            err[pl] != ':' || err[pl + 1] < '1' || err[pl + 1] > '9') {
            abort();
        }
        return 0;
    }
    if (dec_channel_check(&o, err, sizeof err) != 0 && err[0] == '\0') {
        abort();
    }
    return 0;
}
