/* channel.c: link settings by name and channel files (dec/channel.h); the settings are those
 * of TM/AOS frames (132.0-B-3, 732.0-B-4) and CADU channel coding (131.0-B-4). */
#include "dec/channel.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vleo/log.h"

static bool ch_bool(const char *v, bool *out) {
    if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static bool ch_num(const char *v, long lo, long hi, uint32_t *out) {
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
        return false;
    *out = (uint32_t)n;
    return true;
}

const char *dec_channel_keys(void) {
    return "framing, frame_type, frame_length, rs_interleave, derandomize, fecf, ocf, fhec, "
           "insert_zone, max_packet_length, asm_bit_errors, flywheel";
}

dec_ch_status_t dec_channel_set(dec_pipeline_opts_t *po, const char *k, const char *v) {
    bool ok = true;
    if (strcmp(k, "framing") == 0) {
        if (strcmp(v, "spp") == 0) {
            po->framing = DEC_FRAMING_SPP;
        } else if (strcmp(v, "tm") == 0) {
            po->framing = DEC_FRAMING_TM;
            po->frame.kind = DEC_FRAME_TM;
        } else if (strcmp(v, "aos") == 0) {
            po->framing = DEC_FRAMING_AOS;
            po->frame.kind = DEC_FRAME_AOS;
        } else if (strcmp(v, "cadu") == 0) {
            po->framing = DEC_FRAMING_CADU;
        } else {
            ok = false;
        }
    } else if (strcmp(k, "frame_type") == 0) {
        ok = strcmp(v, "tm") == 0 || strcmp(v, "aos") == 0;
        if (ok)
            po->frame.kind = strcmp(v, "aos") == 0 ? DEC_FRAME_AOS : DEC_FRAME_TM;
    } else if (strcmp(k, "frame_length") == 0) {
        ok = ch_num(v, 7, 65535, &po->frame.frame_len);
    } else if (strcmp(k, "rs_interleave") == 0) {
        uint32_t i = 0;
        ok = ch_num(v, 0, 8, &i) && i != 6 && i != 7;
        if (ok)
            po->cadu.rs_interleave = i;
    } else if (strcmp(k, "derandomize") == 0) {
        ok = ch_bool(v, &po->cadu.derandomize);
    } else if (strcmp(k, "fecf") == 0) {
        ok = ch_bool(v, &po->frame.fecf);
    } else if (strcmp(k, "ocf") == 0) {
        ok = ch_bool(v, &po->frame.ocf);
    } else if (strcmp(k, "fhec") == 0) {
        ok = ch_bool(v, &po->frame.fhec);
    } else if (strcmp(k, "insert_zone") == 0) {
        ok = ch_num(v, 0, 1024, &po->frame.insert_zone);
    } else if (strcmp(k, "max_packet_length") == 0) {
        ok = ch_num(v, 7, 65542, &po->frame.max_packet_len);
    } else if (strcmp(k, "asm_bit_errors") == 0) {
        ok = ch_num(v, 0, 8, &po->cadu.asm_max_bit_errors);
    } else if (strcmp(k, "flywheel") == 0) {
        ok = ch_num(v, 0, 16, &po->cadu.flywheel);
    } else {
        return DEC_CH_UNKNOWN_KEY;
    }
    return ok ? DEC_CH_OK : DEC_CH_BAD_VALUE;
}

/* Trim blanks (and the line end) on both sides, in place. */
static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len > 0 &&
           (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        s[--len] = '\0';
    return s;
}

#define CH_MAX_LINE 510   /* octets of one line without its end: far more than key = value */
#define CH_MAX_LINES 1000 /* a channel file has a dozen keys: more lines is not one */

/* One line of fp into buf (cap > CH_MAX_LINE), without its '\n'. Returns 0, 1 at the end of the
 * file with nothing read, -1 when the line is longer than CH_MAX_LINE, or the control octet
 * (NUL included) that shows the file is not text, as 0x100 + octet. Reads octet by octet, so a
 * long line or a NUL is never cut into pieces parsed as lines of their own. */
static int read_line(FILE *fp, char *buf, size_t cap) {
    size_t n = 0;
    int c;
    while ((c = getc(fp)) != EOF && c != '\n') {
        if (c < 0x20 && c != '\t' && c != '\r') {
            return 0x100 + c;
        }
        if (n >= CH_MAX_LINE || n + 1 >= cap) {
            return -1;
        }
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return c == EOF && n == 0 ? 1 : 0;
}

int dec_channel_load(const char *path, dec_pipeline_opts_t *po, char *err, size_t errlen) {
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return VLEO_EXIT_INPUT;
    }
    char line[CH_MAX_LINE + 2];
    int ln = 0;
    int rc = 0;
    while (rc == 0) {
        int r = read_line(fp, line, sizeof line);
        if (r == 1) {
            break;
        }
        if (++ln > CH_MAX_LINES || r != 0) {
            if (ln > CH_MAX_LINES) {
                snprintf(err, errlen, "%s:%d: more than %d lines: not a channel file", path, ln,
                         CH_MAX_LINES);
            } else if (r < 0) {
                snprintf(err, errlen, "%s:%d: line longer than %d octets", path, ln, CH_MAX_LINE);
            } else {
                snprintf(err, errlen, "%s:%d: control octet 0x%02X: not a text file", path, ln,
                         (unsigned)(r - 0x100));
            }
            rc = VLEO_EXIT_USAGE;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *k = trim(line);
        if (*k == '\0')
            continue;
        char *eq = strchr(k, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: %s: expected key = value", path, ln, k);
            rc = VLEO_EXIT_USAGE;
            break;
        }
        *eq = '\0';
        k = trim(k);
        char *v = trim(eq + 1);
        dec_ch_status_t st = dec_channel_set(po, k, v);
        if (st == DEC_CH_UNKNOWN_KEY) {
            snprintf(err, errlen, "%s:%d: %s: unknown key (%s)", path, ln, k, dec_channel_keys());
            rc = VLEO_EXIT_USAGE;
        } else if (st == DEC_CH_BAD_VALUE) {
            snprintf(err, errlen, "%s:%d: %s: bad value", path, ln, k);
            rc = VLEO_EXIT_USAGE;
        }
    }
    fclose(fp);
    return rc;
}

int dec_channel_check(const dec_pipeline_opts_t *po, char *err, size_t errlen) {
    if (po->framing == DEC_FRAMING_SPP)
        return 0;
    char why[256];
    if (dec_frame_cfg_check(&po->frame, why, sizeof why) != 0) {
        snprintf(err, errlen, "frame settings: %s", why);
        return -1;
    }
    if (po->framing == DEC_FRAMING_CADU) {
        dec_cadu_cfg_t cc = po->cadu;
        cc.frame_len = po->frame.frame_len;
        dec_cadu_t *probe = dec_cadu_new(&cc, why, sizeof why);
        if (probe == NULL) {
            snprintf(err, errlen, "channel coding settings: %s", why);
            return -1;
        }
        dec_cadu_destroy(&probe);
    }
    return 0;
}
