/* fuzz_xtce.c: libFuzzer target for the XTCE 1.2 loader (decoder/src/mdb_load.c) and the
 * model checks run after it (mdb_finish): any input either loads into a consistent model or
 * fails with a "NAME:LINE: Element: reason" message, without leaks or over-reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../decoder/src/mdb_model.h"

/* Every index the model holds points inside its arrays. */
static void check_model(const dec_mdb_t *m) {
    for (size_t i = 0; i < m->n_params; i++) {
        if (m->params[i].type >= m->n_types) {
            abort();
        }
    }
    for (size_t i = 0; i < m->n_types; i++) {
        const mdb_ptype_t *t = &m->types[i];
        if ((t->calib.kind == MDB_CAL_POLY && t->calib.first + t->calib.n > m->n_terms) ||
            (t->calib.kind == MDB_CAL_SPLINE && t->calib.first + t->calib.n > m->n_points) ||
            (t->enum_n > 0 && t->enum_first + t->enum_n > m->n_enums) || t->unit >= m->n_strings) {
            abort();
        }
    }
    for (size_t i = 0; i < m->n_conts; i++) {
        const mdb_container_t *c = &m->conts[i];
        if (c->entry_first + c->entry_n > m->n_entries || c->cmp_first + c->cmp_n > m->n_cmps ||
            c->depth > MDB_MAX_DEPTH) {
            abort();
        }
        uint32_t ps[4];
        (void)dec_mdb_container_params(m, (uint32_t)i, ps, 4);
    }
    for (size_t i = 0; i < m->n_unsupported; i++) {
        if (strncmp(dec_mdb_unsupported(m, i), "line ", 5) != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dec_mdb_t *m = mdb_new();
    if (m == NULL) {
        return 0;
    }
    char err[512];
    err[0] = '\0';
    int rc = mdb_load_xtce_mem(m, (const char *)data, size, "fuzz.xml", err, sizeof err);
    if (rc == 0) {
        rc = mdb_finish(m, err, sizeof err);
        if (rc == 0) {
            check_model(m);
        }
    } else if (strncmp(err, "fuzz.xml", 8) != 0) {
        fprintf(stderr, "error without the file name: %s\n", err);
        abort();
    }
    if (rc != 0 && err[0] == '\0') {
        abort(); /* every failure explains itself */
    }
    dec_mdb_destroy(&m);
    return 0;
}
