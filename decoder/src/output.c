/* output.c: packets to vleo.v1 protobuf on ZeroMQ, JSON lines and DecoderStats (DESIGN
 * sections 4-6). Everything is packed into buffers allocated at creation. */
#include "dec/output.h"

#include "dec/counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "vleo.pb-c.h"
#include "vleo/json.h"
#include "vleo/zmqutil.h"

#define TOPIC_CAP 160
/* Packed Packet without parameters: the raw octets plus fixed fields (about 120 octets) plus
 * the three strings (each capped): this bound is never exceeded. */
#define PACKET_BUF_CAP VLEO_MAX_MSG_SIZE
#define BATCH_CAP (VLEO_MAX_MSG_SIZE - 1024)
#define JSON_CAP (1u << 20)

struct dec_out {
    dec_out_opts_t o;
    char spacecraft[DEC_OUT_MAX_NAME + 1];
    char source_name[DEC_OUT_MAX_NAME + 1];
    char *source_path;
    size_t sc_len, path_len;
    uint64_t session;
    uint64_t seq; /* messages numbered on this session: sent, dropped or failed */
    dec_out_stats_t st;
    /* Per APID: "APID<n>" and its topic "tm/<sc>/APID<n>", made once. */
    char (*names)[12];
    char (*topics)[TOPIC_CAP];
    uint8_t topic_len[2048];
    uint8_t name_len[2048];
    /* With a mission database: per container name and topic; per parameter name and unit
     * lengths; and the encoded size of each value of the packet being written. */
    size_t n_conts;
    char (*ctopics)[TOPIC_CAP];
    uint8_t *ctopic_len;
    uint32_t *cname_len;
    uint32_t *pname_len;
    uint32_t *punit_len;
    const char **pname; /* parameter names and units, by index */
    const char **punit;
    uint32_t (*psize)[3]; /* per value of the packet: Parameter, raw Value, eng Value */
    char batch_topic[TOPIC_CAP];
    char stats_topic[TOPIC_CAP];
    uint8_t *pkt_buf;   /* one packed Packet */
    uint8_t *batch_buf; /* PacketBatch under construction */
    size_t batch_len;
    size_t batch_head; /* octets of the batch's spacecraft field at the front */
    uint32_t batch_count;
    char *json_buf;
};

/* Names and topics of the database's containers and parameters, made once. */
static int mdb_tables(dec_out_t *out, const dec_mdb_t *mdb) {
    size_t nc = dec_mdb_n_containers(mdb), np = dec_mdb_n_params(mdb);
    out->n_conts = nc;
    out->ctopics = calloc(nc ? nc : 1, sizeof *out->ctopics);
    out->ctopic_len = calloc(nc ? nc : 1, sizeof *out->ctopic_len);
    out->cname_len = calloc(nc ? nc : 1, sizeof *out->cname_len);
    out->pname_len = calloc(np ? np : 1, sizeof *out->pname_len);
    out->punit_len = calloc(np ? np : 1, sizeof *out->punit_len);
    out->psize = calloc(DEC_OUT_MAX_PARAMS, sizeof *out->psize);
    out->pname = calloc(np ? np : 1, sizeof *out->pname);
    out->punit = calloc(np ? np : 1, sizeof *out->punit);
    if (out->ctopics == NULL || out->ctopic_len == NULL || out->cname_len == NULL ||
        out->pname_len == NULL || out->punit_len == NULL || out->psize == NULL ||
        out->pname == NULL || out->punit == NULL) {
        return -1;
    }
    for (size_t c = 0; c < nc; c++) {
        const char *name = dec_mdb_container_name(mdb, (uint32_t)c);
        out->cname_len[c] = (uint32_t)strlen(name);
        int n = snprintf(out->ctopics[c], TOPIC_CAP, "tm/%s/%s", out->spacecraft, name);
        out->ctopic_len[c] = (uint8_t)(n < TOPIC_CAP ? n : TOPIC_CAP - 1);
    }
    for (size_t i = 0; i < np; i++) {
        out->pname[i] = dec_mdb_param_name(mdb, (uint32_t)i);
        out->punit[i] = dec_mdb_param_unit(mdb, (uint32_t)i);
        out->pname_len[i] = (uint32_t)strlen(out->pname[i]);
        out->punit_len[i] = (uint32_t)strlen(out->punit[i]);
    }
    return 0;
}

dec_out_t *dec_out_new(const dec_out_opts_t *o, char *err, size_t errlen) {
    size_t sc_len = o->spacecraft ? strlen(o->spacecraft) : 0;
    size_t src_len = o->source_name ? strlen(o->source_name) : 0;
    if (sc_len == 0 || sc_len > DEC_OUT_MAX_NAME || strchr(o->spacecraft, '/') != NULL) {
        snprintf(err, errlen, "spacecraft name must be 1..%d octets without '/'", DEC_OUT_MAX_NAME);
        return NULL;
    }
    if (src_len == 0 || src_len > DEC_OUT_MAX_NAME) {
        snprintf(err, errlen, "source name must be 1..%d octets", DEC_OUT_MAX_NAME);
        return NULL;
    }
    if (o->source_path != NULL && strlen(o->source_path) > 1024) {
        snprintf(err, errlen, "source path longer than 1024 octets");
        return NULL;
    }
    dec_out_t *out = calloc(1, sizeof *out);
    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    out->o = *o;
    memcpy(out->spacecraft, o->spacecraft, sc_len + 1);
    memcpy(out->source_name, o->source_name, src_len + 1);
    out->source_path = strdup(o->source_path ? o->source_path : o->source_name);
    out->names = calloc(2048, sizeof *out->names);
    out->topics = calloc(2048, sizeof *out->topics);
    out->pkt_buf = malloc(PACKET_BUF_CAP);
    out->batch_buf = o->batch ? malloc(BATCH_CAP) : NULL;
    out->json_buf = malloc(JSON_CAP);
    if (out->source_path == NULL || out->names == NULL || out->topics == NULL ||
        out->pkt_buf == NULL || (o->batch && out->batch_buf == NULL) || out->json_buf == NULL) {
        snprintf(err, errlen, "out of memory");
        dec_out_destroy(&out);
        return NULL;
    }
    out->o.spacecraft = out->spacecraft;
    out->o.source_name = out->source_name;
    out->o.source_path = out->source_path;
    for (unsigned a = 0; a < 2048; a++) {
        snprintf(out->names[a], sizeof out->names[a], "APID%u", a);
        int n = snprintf(out->topics[a], TOPIC_CAP, "tm/%s/%s", out->spacecraft, out->names[a]);
        out->topic_len[a] = (uint8_t)n;
        out->name_len[a] = (uint8_t)strlen(out->names[a]);
    }
    if (o->mdb != NULL && mdb_tables(out, o->mdb) != 0) {
        snprintf(err, errlen, "out of memory for the database's names");
        dec_out_destroy(&out);
        return NULL;
    }
    snprintf(out->batch_topic, sizeof out->batch_topic, "tmb/%s", out->spacecraft);
    snprintf(out->stats_topic, sizeof out->stats_topic, "stats/decoder/%s", out->source_name);
    out->session = vleo_session_id();

    out->sc_len = sc_len;
    out->path_len = strlen(out->source_path);

    if (o->batch) {
        /* PacketBatch field 1 (spacecraft), written once at the front of every batch. */
        out->batch_buf[0] = 0x0A;
        out->batch_buf[1] = (uint8_t)sc_len;
        memcpy(out->batch_buf + 2, out->spacecraft, sc_len);
        out->batch_head = 2 + sc_len;
        out->batch_len = out->batch_head;
    }
    return out;
}

void dec_out_destroy(dec_out_t **out_p) {
    dec_out_t *out = *out_p;
    if (out == NULL) {
        return;
    }
    free(out->source_path);
    free(out->names);
    free(out->topics);
    free(out->pkt_buf);
    free(out->batch_buf);
    free(out->json_buf);
    free(out->ctopics);
    free(out->ctopic_len);
    free(out->cname_len);
    free(out->pname_len);
    free(out->punit_len);
    free(out->psize);
    free(out->pname);
    free(out->punit);
    free(out);
    *out_p = NULL;
}

/* ---- the Packet encoder: vleo.v1.Packet written field by field in field-number order, as
 * protobuf-c's generic packer writes it (tests compare the two octet for octet), at a
 * fraction of its cost. Wire format: tag = field << 3 | wire type; 0 varint, 2 length. */

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *w_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *w_bytes(uint8_t *p, uint8_t tag, const void *d, size_t n) {
    *p++ = tag;
    p = w_varint(p, n);
    memcpy(p, d, n);
    return p + n;
}

/* Send [topic, body], a message numbered out->seq + 1. Returns 0 sent, 1 dropped at the
 * high-water mark, -1 error. The number is used up whatever happens: a message dropped here
 * leaves a hole in message_seq, which is how every subscriber counts the loss. */
static int send2(dec_out_t *out, const char *topic, size_t tlen, const void *body, size_t blen) {
    int flags = out->o.no_drop ? 0 : ZMQ_DONTWAIT;
    out->seq++;
    for (;;) {
        if (zmq_send(out->o.zsock, topic, tlen, flags | ZMQ_SNDMORE) >= 0) {
            break;
        }
        if (errno == EINTR && !(out->o.stop != NULL && *out->o.stop)) {
            continue;
        }
        return errno == EAGAIN ? 1 : -1;
    }
    /* The first frame is queued: the last one must follow, so it may block briefly. */
    for (;;) {
        if (zmq_send(out->o.zsock, body, blen, 0) >= 0) {
            out->st.messages++;
            return 0;
        }
        if (errno != EINTR || (out->o.stop != NULL && *out->o.stop)) {
            return -1;
        }
    }
}

void dec_out_flush(dec_out_t *out) {
    if (out->o.batch == 0 || out->batch_count == 0) {
        return;
    }
    /* Fields 3 (session_id) and 4 (message_seq) close the batch. */
    uint8_t *p = out->batch_buf + out->batch_len;
    *p++ = 0x18;
    p = w_varint(p, out->session);
    *p++ = 0x20;
    p = w_varint(p, out->seq + 1);
    size_t len = (size_t)(p - out->batch_buf);
    int r = send2(out, out->batch_topic, strlen(out->batch_topic), out->batch_buf, len);
    if (r == 0) {
        out->st.published += out->batch_count;
    } else if (r == 1) {
        out->st.dropped += out->batch_count;
    } else {
        out->st.send_errors += out->batch_count;
    }
    out->batch_len = out->batch_head;
    out->batch_count = 0;
}

/* The packet's name and topic: its database container, else APID<n>. */
static const char *pk_name(const dec_out_t *out, const dec_packet_t *pk, size_t *len) {
    if (pk->container >= 0 && (size_t)pk->container < out->n_conts) {
        *len = out->cname_len[pk->container];
        return dec_mdb_container_name(out->o.mdb, (uint32_t)pk->container);
    }
    *len = out->name_len[pk->hdr.apid];
    return out->names[pk->hdr.apid];
}

static const char *pk_topic(const dec_out_t *out, const dec_packet_t *pk, size_t *len) {
    if (pk->container >= 0 && (size_t)pk->container < out->n_conts) {
        *len = out->ctopic_len[pk->container];
        return out->ctopics[pk->container];
    }
    *len = out->topic_len[pk->hdr.apid];
    return out->topics[pk->hdr.apid];
}

static size_t pk_nparams(const dec_packet_t *pk) {
    return pk->n_params < DEC_OUT_MAX_PARAMS ? pk->n_params : DEC_OUT_MAX_PARAMS;
}

/* One value as JSON: numbers, strings, hex for bytes, ISO 8601 for times, null if none. */
static void json_value(vleo_jw_t *w, const dec_val_t *v) {
    switch (v->kind) {
    case DEC_VAL_I64:
        vleo_jw_i64(w, v->v.i);
        break;
    case DEC_VAL_U64:
        vleo_jw_u64(w, v->v.u);
        break;
    case DEC_VAL_F64:
        vleo_jw_f64(w, v->v.f);
        break;
    case DEC_VAL_BOOL:
        vleo_jw_bool(w, v->v.b);
        break;
    case DEC_VAL_STR:
        vleo_jw_strn(w, (const char *)v->p, v->len);
        break;
    case DEC_VAL_BYTES:
        vleo_jw_hex(w, v->p, v->len);
        break;
    case DEC_VAL_TIME:
        vleo_jw_time(w, v->v.t);
        break;
    default:
        vleo_jw_null(w);
        break;
    }
}

static void json_line(dec_out_t *out, const dec_packet_t *pk) {
    vleo_jw_t w;
    vleo_jw_init(&w, out->json_buf, JSON_CAP);
    vleo_jw_obj_begin(&w);
    vleo_jw_key(&w, "spacecraft");
    vleo_jw_str(&w, out->spacecraft);
    vleo_jw_key(&w, "apid");
    vleo_jw_u64(&w, pk->hdr.apid);
    vleo_jw_key(&w, "seq");
    vleo_jw_u64(&w, pk->hdr.seq_count);
    vleo_jw_key(&w, "length");
    vleo_jw_u64(&w, pk->len);
    size_t nl;
    const char *name = pk_name(out, pk, &nl);
    vleo_jw_key(&w, "name");
    vleo_jw_strn(&w, name, nl);
    vleo_jw_key(&w, "time");
    vleo_jw_time(&w, pk->time_valid ? pk->gen_utc_ns : pk->rx_utc_ns);
    vleo_jw_key(&w, "received");
    vleo_jw_time(&w, pk->rx_utc_ns);
    vleo_jw_key(&w, "type");
    vleo_jw_str(&w, pk->hdr.type ? "tc" : "tm");
    vleo_jw_key(&w, "seq_flags");
    vleo_jw_u64(&w, pk->hdr.seq_flags);
    if (pk->seq_gap) {
        vleo_jw_key(&w, "gap");
        vleo_jw_u64(&w, pk->seq_gap);
    }
    if (pk->duplicate) {
        vleo_jw_key(&w, "duplicate");
        vleo_jw_bool(&w, true);
    }
    if (pk->reordered) {
        vleo_jw_key(&w, "reordered");
        vleo_jw_bool(&w, true);
    }
    if (pk->framed) {
        static const char *const checks[] = {"none", "ok", "corrected", "failed"};
        vleo_jw_key(&w, "frame");
        vleo_jw_obj_begin(&w);
        vleo_jw_key(&w, "scid");
        vleo_jw_u64(&w, pk->scid);
        vleo_jw_key(&w, "vc");
        vleo_jw_u64(&w, pk->vcid);
        vleo_jw_key(&w, "count");
        vleo_jw_u64(&w, pk->vc_count);
        vleo_jw_key(&w, "check");
        vleo_jw_str(&w, checks[pk->frame_check & 3]);
        if (pk->rs_corrected) {
            vleo_jw_key(&w, "rs_corrected");
            vleo_jw_u64(&w, pk->rs_corrected);
        }
        vleo_jw_obj_end(&w);
    }
    vleo_jw_key(&w, "params");
    vleo_jw_obj_begin(&w);
    for (size_t i = 0; i < pk_nparams(pk); i++) {
        const dec_pval_t *v = &pk->params[i];
        vleo_jw_key(&w, out->pname[v->param]);
        const dec_val_t *val = out->o.json_raw || v->eng.kind == DEC_VAL_NONE ? &v->raw : &v->eng;
        json_value(&w, val);
    }
    vleo_jw_obj_end(&w);
    /* Values that are not valid are named, so a JSON reader sees an out-of-range or absent
     * value for what it is (DESIGN section 6's form, plus this key only when needed). */
    bool opened = false;
    for (size_t i = 0; i < pk_nparams(pk); i++) {
        const dec_pval_t *v = &pk->params[i];
        if (v->validity == DEC_PV_VALID) {
            continue;
        }
        if (!opened) {
            vleo_jw_key(&w, "validity");
            vleo_jw_obj_begin(&w);
            opened = true;
        }
        static const char *const vnames[] = {"valid", "invalid", "out_of_range", "not_present"};
        vleo_jw_key(&w, out->pname[v->param]);
        vleo_jw_str(&w, v->validity < 4 ? vnames[v->validity] : "invalid");
    }
    if (opened) {
        vleo_jw_obj_end(&w);
    }
    vleo_jw_obj_end(&w);
    if (w.overflow || w.len >= JSON_CAP - 1) {
        out->st.json_errors++;
        return;
    }
    out->json_buf[w.len] = '\n';
    if (fwrite(out->json_buf, 1, w.len + 1, out->o.json) != w.len + 1) {
        out->st.json_errors++;
        return;
    }
    out->st.json_lines++;
}

/* Field sizes of one Packet, so a batch can write its length prefix before the body. */
typedef struct {
    size_t source;  /* Source body */
    size_t quality; /* Quality body */
    size_t total;   /* the whole Packet */
} pk_sizes_t;

/* vleo.v1.Value body of v (one oneof field), 0 for none. */
static size_t value_size(const dec_val_t *v) {
    switch (v->kind) {
    case DEC_VAL_I64:
        return 1 + varint_len((uint64_t)v->v.i);
    case DEC_VAL_U64:
        return 1 + varint_len(v->v.u);
    case DEC_VAL_F64:
        return 9;
    case DEC_VAL_BOOL:
        return 2;
    case DEC_VAL_STR:
    case DEC_VAL_BYTES:
        return 1 + varint_len(v->len) + v->len;
    case DEC_VAL_TIME:
        return 1 + varint_len((uint64_t)v->v.t);
    default:
        return 0;
    }
}

static uint8_t *value_write(uint8_t *p, const dec_val_t *v) {
    switch (v->kind) {
    case DEC_VAL_I64:
        *p++ = 0x08;
        return w_varint(p, (uint64_t)v->v.i);
    case DEC_VAL_U64:
        *p++ = 0x10;
        return w_varint(p, v->v.u);
    case DEC_VAL_F64: {
        *p++ = 0x19; /* field 3, 64-bit: little-endian IEEE 754 */
        uint64_t u;
        memcpy(&u, &v->v.f, sizeof u);
        for (int i = 0; i < 8; i++) {
            *p++ = (uint8_t)(u >> (8 * i));
        }
        return p;
    }
    case DEC_VAL_BOOL:
        *p++ = 0x20;
        *p++ = v->v.b ? 1 : 0;
        return p;
    case DEC_VAL_STR:
        return w_bytes(p, 0x2A, v->p, v->len);
    case DEC_VAL_BYTES:
        return w_bytes(p, 0x32, v->p, v->len);
    case DEC_VAL_TIME:
        *p++ = 0x38;
        return w_varint(p, (uint64_t)v->v.t);
    default:
        return p;
    }
}

/* vleo.v1.Parameter body: 1 name, 2 raw, 3 eng, 4 unit (when any), 5 validity (when not
 * VALID). */
/* Sizes of one Parameter body and of its raw and eng Values into z[0..2]; returns z[0]. */
static size_t param_size(const dec_out_t *out, const dec_pval_t *v, uint32_t z[3]) {
    size_t nl = out->pname_len[v->param], ul = out->punit_len[v->param];
    size_t n = 1 + varint_len(nl) + nl;
    size_t rs = value_size(&v->raw), es = value_size(&v->eng);
    if (v->raw.kind != DEC_VAL_NONE) {
        n += 1 + varint_len(rs) + rs;
    }
    if (v->eng.kind != DEC_VAL_NONE) {
        n += 1 + varint_len(es) + es;
    }
    if (ul > 0) {
        n += 1 + varint_len(ul) + ul;
    }
    if (v->validity != DEC_PV_VALID) {
        n += 2;
    }
    z[0] = (uint32_t)n;
    z[1] = (uint32_t)rs;
    z[2] = (uint32_t)es;
    return n;
}

static uint8_t *param_write(const dec_out_t *out, const dec_pval_t *v, const uint32_t z[3],
                            uint8_t *p) {
    p = w_bytes(p, 0x0A, out->pname[v->param], out->pname_len[v->param]);
    if (v->raw.kind != DEC_VAL_NONE) {
        *p++ = 0x12;
        p = w_varint(p, z[1]);
        p = value_write(p, &v->raw);
    }
    if (v->eng.kind != DEC_VAL_NONE) {
        *p++ = 0x1A;
        p = w_varint(p, z[2]);
        p = value_write(p, &v->eng);
    }
    if (out->punit_len[v->param] > 0) {
        p = w_bytes(p, 0x22, out->punit[v->param], out->punit_len[v->param]);
    }
    if (v->validity != DEC_PV_VALID) {
        *p++ = 0x28;
        *p++ = v->validity;
    }
    return p;
}

static size_t source_size(const dec_out_t *out, const dec_packet_t *pk) {
    size_t n = 1 + varint_len(out->path_len) + out->path_len + 1 + varint_len(pk->record) + 1 +
               varint_len(pk->offset);
    if (pk->framed) { /* 4 frame_number, 5 virtual_channel, 6 spacecraft_id */
        n += 1 + varint_len(pk->vc_count) + 1 + varint_len(pk->vcid) + 1 + varint_len(pk->scid);
    }
    return n;
}

static size_t quality_size(const dec_packet_t *pk) {
    size_t n = (pk->seq_gap ? 1 + varint_len(pk->seq_gap) : 0) + (pk->duplicate ? 2 : 0) +
               (pk->reordered ? 2 : 0) + 2;
    if (pk->framed) { /* 4 frame_check, 5 rs_corrected_octets */
        n += 2 + 1 + varint_len(pk->rs_corrected);
    }
    return n;
}

static void packet_sizes(dec_out_t *out, const dec_packet_t *pk, bool with_seq, uint64_t msg_seq,
                         pk_sizes_t *z) {
    size_t name_len;
    (void)pk_name(out, pk, &name_len);
    z->source = source_size(out, pk);
    z->quality = quality_size(pk);
    size_t n = 1 + varint_len(out->sc_len) + out->sc_len; /* 1 spacecraft */
    n += 1 + varint_len(pk->hdr.apid) + 2 + 2 + 2;        /* 2 apid, 3 type, 4 sec, 5 flags */
    n += 1 + varint_len(pk->hdr.seq_count);               /* 6 */
    n += 1 + varint_len(pk->hdr.data_length);             /* 7 */
    n += 1 + varint_len(name_len) + name_len;             /* 8 */
    if (pk->time_valid) {                                 /* 9, 10 */
        n += 1 + varint_len((uint64_t)pk->gen_utc_ns) + 1 + varint_len((uint64_t)pk->gen_tai_ns);
    }
    n += 1 + varint_len((uint64_t)pk->rx_utc_ns); /* 11 */
    n += 1 + varint_len(z->source) + z->source;   /* 12 */
    n += 1 + varint_len(z->quality) + z->quality; /* 13 */
    if (out->o.raw) {
        n += 1 + varint_len(pk->len) + pk->len; /* 14 */
    }
    size_t np = pk_nparams(pk);
    for (size_t i = 0; i < np; i++) { /* 15 */
        size_t ps = param_size(out, &pk->params[i], out->psize[i]);
        n += 1 + varint_len(ps) + ps;
    }
    n += 2 + varint_len(pk->hdr.version); /* 16 */
    n += 2 + varint_len(pk->len);         /* 17 */
    if (with_seq) {
        n += 2 + varint_len(out->session) + 2 + varint_len(msg_seq); /* 18, 19 */
    }
    z->total = n;
}

/* Write the Packet for pk at p (z from packet_sizes with the same arguments); returns the end. */
static uint8_t *packet_write(const dec_out_t *out, const dec_packet_t *pk, bool with_seq,
                             uint64_t msg_seq, const pk_sizes_t *z, uint8_t *p) {
    p = w_bytes(p, 0x0A, out->spacecraft, out->sc_len);
    *p++ = 0x10;
    p = w_varint(p, pk->hdr.apid);
    *p++ = 0x18;
    *p++ = pk->hdr.type ? 1 : 0;
    *p++ = 0x20;
    *p++ = pk->hdr.sec_hdr ? 1 : 0;
    *p++ = 0x28;
    *p++ = pk->hdr.seq_flags;
    *p++ = 0x30;
    p = w_varint(p, pk->hdr.seq_count);
    *p++ = 0x38;
    p = w_varint(p, pk->hdr.data_length);
    size_t name_len;
    const char *name = pk_name(out, pk, &name_len);
    p = w_bytes(p, 0x42, name, name_len);
    if (pk->time_valid) {
        *p++ = 0x48;
        p = w_varint(p, (uint64_t)pk->gen_utc_ns);
        *p++ = 0x50;
        p = w_varint(p, (uint64_t)pk->gen_tai_ns);
    }
    *p++ = 0x58;
    p = w_varint(p, (uint64_t)pk->rx_utc_ns);
    *p++ = 0x62; /* Source */
    p = w_varint(p, z->source);
    p = w_bytes(p, 0x0A, out->source_path, out->path_len);
    *p++ = 0x10;
    p = w_varint(p, pk->record);
    *p++ = 0x18;
    p = w_varint(p, pk->offset);
    if (pk->framed) {
        *p++ = 0x20;
        p = w_varint(p, pk->vc_count);
        *p++ = 0x28;
        p = w_varint(p, pk->vcid);
        *p++ = 0x30;
        p = w_varint(p, pk->scid);
    }
    *p++ = 0x6A; /* Quality */
    p = w_varint(p, z->quality);
    if (pk->seq_gap) {
        *p++ = 0x08;
        p = w_varint(p, pk->seq_gap);
    }
    if (pk->duplicate) {
        *p++ = 0x10;
        *p++ = 1;
    }
    if (pk->reordered) {
        *p++ = 0x18;
        *p++ = 1;
    }
    if (pk->framed) {
        *p++ = 0x20;
        *p++ = pk->frame_check;
        *p++ = 0x28;
        p = w_varint(p, pk->rs_corrected);
    }
    *p++ = 0x30;
    *p++ = pk->time_valid ? 1 : 0;
    if (out->o.raw) {
        p = w_bytes(p, 0x72, pk->data, pk->len);
    }
    for (size_t i = 0; i < pk_nparams(pk); i++) {
        *p++ = 0x7A; /* field 15 */
        p = w_varint(p, out->psize[i][0]);
        p = param_write(out, &pk->params[i], out->psize[i], p);
    }
    *p++ = 0x80; /* field 16: two-octet tag */
    *p++ = 0x01;
    p = w_varint(p, pk->hdr.version);
    *p++ = 0x88;
    *p++ = 0x01;
    p = w_varint(p, pk->len);
    if (with_seq) {
        *p++ = 0x90;
        *p++ = 0x01;
        p = w_varint(p, out->session);
        *p++ = 0x98;
        *p++ = 0x01;
        p = w_varint(p, msg_seq);
    }
    return p;
}

size_t dec_out_encode(dec_out_t *out, const dec_packet_t *pk, uint64_t msg_seq, uint8_t *buf,
                      size_t cap) {
    pk_sizes_t z;
    packet_sizes(out, pk, msg_seq != 0, msg_seq, &z);
    if (z.total > cap) {
        return 0;
    }
    return (size_t)(packet_write(out, pk, msg_seq != 0, msg_seq, &z, buf) - buf);
}

void dec_out_packet(void *ctx, const dec_packet_t *pk) {
    dec_out_t *out = ctx;
    if (out->o.json != NULL) {
        json_line(out, pk);
    }
    if (out->o.zsock == NULL) {
        return;
    }
    pk_sizes_t z;
    if (out->o.batch == 0) {
        uint64_t msg_seq = out->seq + 1;
        packet_sizes(out, pk, true, msg_seq, &z);
        if (z.total > PACKET_BUF_CAP) {
            out->st.too_large++;
            return;
        }
        size_t n = (size_t)(packet_write(out, pk, true, msg_seq, &z, out->pkt_buf) - out->pkt_buf);
        size_t tl;
        const char *topic = pk_topic(out, pk, &tl);
        int r = send2(out, topic, tl, out->pkt_buf, n);
        if (r == 0) {
            out->st.published++;
        } else if (r == 1) {
            out->st.dropped++;
        } else {
            out->st.send_errors++;
        }
        return;
    }
    /* Batched: the batch's own session and sequence say it all; packets carry neither, and
     * each is written straight into the batch behind its field-2 tag and length. */
    packet_sizes(out, pk, false, 0, &z);
    /* tag + length (<= 4 octets: z.total < 2^28) + packet + closing fields (2 x 11). */
    const size_t need = z.total + 5 + 24;
    if (need > BATCH_CAP - out->batch_head) {
        out->st.too_large++; /* would not fit even an empty batch */
        return;
    }
    if (BATCH_CAP - out->batch_len < need) {
        dec_out_flush(out);
    }
    uint8_t *p = out->batch_buf + out->batch_len;
    *p++ = 0x12;
    p = w_varint(p, z.total);
    p = packet_write(out, pk, false, 0, &z, p);
    out->batch_len = (size_t)(p - out->batch_buf);
    if (++out->batch_count >= out->o.batch) {
        dec_out_flush(out);
    }
}

static Vleo__V1__Counter *counter(Vleo__V1__Counter *c, const char *name, uint64_t v) {
    vleo__v1__counter__init(c);
    c->name = (char *)name;
    c->has_value = 1;
    c->value = v;
    return c;
}

size_t dec_out_counters(const dec_out_t *out, const dec_stats_t *ps, const dec_net_stats_t *ns,
                        const char **names, uint64_t *vals, size_t cap, uint64_t *rejected) {
    dec_counters_t cl = {names, vals, 0, cap};
    uint64_t rej = 0;
#define ADD(nm, v) dec_counter_put(&cl, (nm), (v))
    ADD("records", ps->records);
    ADD("datagrams", ps->datagrams);
    ADD("datagrams_clean", ps->datagrams_clean);
    ADD("stream_reads", ps->stream_reads);
    ADD("bytes", ps->bytes);
    ADD("packet_bytes", ps->packet_bytes);
    ADD("held_bytes", ps->held_bytes);
    ADD("packets", ps->packets);
    ADD("idle", ps->idle);
    ADD("telecommands", ps->telecommands);
    for (int r = 0; r < DEC_REJ_COUNT; r++) {
        ADD(dec_reject_str((dec_reject_t)r), ps->rejected[r]);
        rej += ps->rejected[r];
    }
    static const char *const rej_bytes_names[DEC_REJ_COUNT] = {
        "truncated_header_bytes", "length_beyond_datagram_bytes", "bad_version_bytes",
        "stream_truncated_bytes"};
    for (int r = 0; r < DEC_REJ_COUNT; r++) {
        ADD(rej_bytes_names[r], ps->rejected_bytes[r]);
    }
    ADD("seq_gaps", ps->seq_gaps);
    ADD("seq_missing", ps->seq_missing);
    ADD("seq_duplicates", ps->seq_duplicates);
    ADD("seq_reordered", ps->seq_reordered);
    ADD("time_ok", ps->time_ok);
    ADD("time_no_secondary_header", ps->time_no_sec_header);
    static const char *const tc_names[DEC_TC_STATUS_COUNT] = {
        "time_ok_unused", "time_truncated", "time_bad_pfield", "time_out_of_range"};
    for (int t = 1; t < DEC_TC_STATUS_COUNT; t++) {
        ADD(tc_names[t], ps->time_bad[t]);
    }
    ADD("stream_resets", ps->stream_resets);
    if (ns != NULL) {
        ADD("link_records", ns->records);
        for (int s = 0; s < DEC_NET_STATUS_COUNT; s++) {
            ADD(dec_net_status_str((dec_net_status_t)s), ns->by_status[s]);
            if (s >= DEC_NET_FIRST_REJECT) {
                rej += ns->by_status[s];
            }
        }
        ADD("udp_datagrams", ns->udp_datagrams);
        ADD("udp_bytes", ns->udp_bytes);
        ADD("tcp_segments", ns->tcp_segments);
        ADD("tcp_bytes", ns->tcp_bytes);
        ADD("tcp_flows", ns->tcp_flows);
        ADD("tcp_holes", ns->tcp_holes);
        ADD("tcp_hole_bytes", ns->tcp_hole_bytes);
        ADD("tcp_retransmitted_bytes", ns->tcp_retransmitted_bytes);
        ADD("fragments", ns->fragments);
        ADD("fragments_completed", ns->fragments_completed);
        ADD("fragments_expired", ns->fragments_expired);
        ADD("fragments_expired_records", ns->fragments_expired_records);
    }
    ADD("published", out->st.published);
    ADD("dropped", out->st.dropped);
    ADD("send_errors", out->st.send_errors);
    ADD("json_lines", out->st.json_lines);
    ADD("json_errors", out->st.json_errors);
    ADD("too_large", out->st.too_large);
    ADD("mdb_named", ps->mdb_named);
    for (int k = 1; k < DEC_MDB_STATUS_COUNT; k++) {
        ADD(dec_mdb_status_str((dec_mdb_status_t)k), ps->mdb[k]);
    }
    ADD("param_values", ps->param_values);
    ADD("time_param_missing", ps->time_param_missing);
#undef ADD
    if (rejected != NULL) {
        *rejected = rej;
    }
    return cl.n;
}

void dec_out_stats(dec_out_t *out, const dec_stats_t *ps, const dec_net_stats_t *ns,
                   const uint64_t *extra_vals, const char *const *extra_names, size_t n_extra,
                   bool final, int64_t now_utc_ns) {
    if (out->o.zsock == NULL) {
        return;
    }
    const char *names[DEC_OUT_MAX_COUNTERS];
    uint64_t vals[DEC_OUT_MAX_COUNTERS];
    uint64_t rejected = 0;
    size_t n = dec_out_counters(out, ps, ns, names, vals, DEC_OUT_MAX_COUNTERS, &rejected);
    for (size_t i = 0; i < n_extra && n < DEC_OUT_MAX_COUNTERS; i++, n++) {
        names[n] = extra_names[i];
        vals[n] = extra_vals[i];
    }
    Vleo__V1__Counter cs[DEC_OUT_MAX_COUNTERS];
    Vleo__V1__Counter *cp[DEC_OUT_MAX_COUNTERS];
    for (size_t i = 0; i < n; i++) {
        cp[i] = counter(&cs[i], names[i], vals[i]);
    }
    Vleo__V1__DecoderStats m = VLEO__V1__DECODER_STATS__INIT;
    m.source = out->source_name;
    m.has_time_utc_ns = m.has_final = m.has_records = m.has_bytes = m.has_packets = 1;
    m.has_published = m.has_dropped = m.has_idle = m.has_rejected = 1;
    m.has_session_id = m.has_message_seq = 1;
    m.has_sequence_gaps = m.has_packets_missing = m.has_duplicates = m.has_reordered = 1;
    m.time_utc_ns = now_utc_ns;
    m.final = final;
    m.records = ns != NULL ? ps->records : ps->datagrams + ps->stream_reads;
    m.bytes = ps->bytes;
    m.packets = ps->packets;
    m.published = out->st.published;
    m.dropped = out->st.dropped;
    m.idle = ps->idle;
    m.rejected = rejected;
    m.sequence_gaps = ps->seq_gaps;
    m.packets_missing = ps->seq_missing;
    m.duplicates = ps->seq_duplicates;
    m.reordered = ps->seq_reordered;
    m.session_id = out->session;
    m.message_seq = out->seq + 1;
    m.n_counters = n;
    m.counters = cp;
    size_t len = vleo__v1__decoder_stats__get_packed_size(&m);
    if (len > PACKET_BUF_CAP) {
        return;
    }
    vleo__v1__decoder_stats__pack(&m, out->pkt_buf);
    /* Stats are small and rare: in live mode they too may be dropped at the HWM; final
     * stats always block so the last word reaches subscribers. */
    bool nd = out->o.no_drop;
    out->o.no_drop = nd || final;
    send2(out, out->stats_topic, strlen(out->stats_topic), out->pkt_buf, len);
    out->o.no_drop = nd;
}

const dec_out_stats_t *dec_out_get_stats(const dec_out_t *out) {
    return &out->st;
}

uint64_t dec_out_session(const dec_out_t *out) {
    return out->session;
}
