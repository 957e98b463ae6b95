/* feed.c: decoder messages (DESIGN sections 4-5) into monitor samples, unpacked with
 * protobuf-c into a per-message arena (STYLE rule 7). */
#include "mon/feed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vleo.pb-c.h"

#define DEFAULT_ARENA (16u << 20)
#define MAX_SESSIONS 64

typedef struct {
    uint8_t *base;
    size_t cap, used;
    bool exhausted;
} arena_t;

struct mon_feed {
    mon_monitor_t *m;
    arena_t arena;
    ProtobufCAllocator alloc;
    mon_feed_stats_t st;
    struct {
        uint64_t id, last_seq;
    } sess[MAX_SESSIONS];
    size_t n_sess, sess_next; /* replaced round robin when full */
};

static void *arena_alloc(void *data, size_t size) {
    arena_t *a = data;
    size_t need = (size + 15u) & ~(size_t)15u;
    if (need < size || a->cap - a->used < need) {
        a->exhausted = true;
        return NULL;
    }
    void *p = a->base + a->used;
    a->used += need;
    return p;
}

static void arena_free(void *data, void *p) {
    (void)data;
    (void)p; /* released all at once by the reset before the next message */
}

mon_feed_t *mon_feed_new(mon_monitor_t *m, size_t arena_bytes) {
    mon_feed_t *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->m = m;
    f->arena.cap = arena_bytes ? arena_bytes : DEFAULT_ARENA;
    f->arena.base = malloc(f->arena.cap);
    if (!f->arena.base) {
        free(f);
        return NULL;
    }
    f->alloc.alloc = arena_alloc;
    f->alloc.free = arena_free;
    f->alloc.allocator_data = &f->arena;
    return f;
}

void mon_feed_destroy(mon_feed_t **f_p) {
    if (!f_p || !*f_p)
        return;
    free((*f_p)->arena.base);
    free(*f_p);
    *f_p = NULL;
}

const mon_feed_stats_t *mon_feed_stats(const mon_feed_t *f) {
    return &f->st;
}

const char *mon_feed_status_str(mon_feed_status_t st) {
    switch (st) {
    case MON_FEED_OK:
        return "ok";
    case MON_FEED_IGNORED_TOPIC:
        return "ignored_topic";
    case MON_FEED_UNKNOWN_TOPIC:
        return "unknown_topic";
    case MON_FEED_BAD_PROTOBUF:
        return "bad_protobuf";
    case MON_FEED_TOO_BIG:
        return "too_big";
    case MON_FEED_UNKNOWN_SPACECRAFT:
        return "unknown_spacecraft";
    case MON_FEED_NO_TIME:
        return "no_time";
    case MON_FEED_STATUS_COUNT:
        break;
    }
    return "?";
}

/* Publisher loss: message_seq runs from 1 per session; a jump is messages lost on the bus. */
static void track_session(mon_feed_t *f, bool has, uint64_t id, bool has_seq, uint64_t seq) {
    if (!has || !has_seq || id == 0)
        return;
    for (size_t i = 0; i < f->n_sess; i++) {
        if (f->sess[i].id == id) {
            if (seq > f->sess[i].last_seq + 1)
                f->st.messages_missing += seq - f->sess[i].last_seq - 1;
            if (seq > f->sess[i].last_seq)
                f->sess[i].last_seq = seq;
            return;
        }
    }
    size_t i = f->n_sess < MAX_SESSIONS ? f->n_sess++ : (f->sess_next++ % MAX_SESSIONS);
    f->sess[i].id = id;
    f->sess[i].last_seq = seq;
    f->st.sessions++;
    if (seq > 1)
        f->st.messages_missing += seq - 1; /* joined late: what the session sent before */
}

static bool value_number(const Vleo__V1__Value *v, double *out) {
    if (!v)
        return false;
    switch (v->v_case) {
    case VLEO__V1__VALUE__V_DOUBLE_VALUE:
        *out = v->double_value;
        return true;
    case VLEO__V1__VALUE__V_INT64_VALUE:
        *out = (double)v->int64_value;
        return true;
    case VLEO__V1__VALUE__V_UINT64_VALUE:
        *out = (double)v->uint64_value;
        return true;
    case VLEO__V1__VALUE__V_BOOL_VALUE:
        *out = v->bool_value ? 1.0 : 0.0;
        return true;
    default:
        return false;
    }
}

/* One packet: its spacecraft and time, then each parameter that plays a role. */
static mon_feed_status_t take_packet(mon_feed_t *f, const Vleo__V1__Packet *p,
                                     const char *batch_sc) {
    const char *name = p->spacecraft ? p->spacecraft : batch_sc;
    int sc = name ? mon_monitor_spacecraft(f->m, name, strlen(name)) : -1;
    if (sc < 0)
        return MON_FEED_UNKNOWN_SPACECRAFT;
    int64_t t;
    if (p->has_generation_time_utc_ns)
        t = p->generation_time_utc_ns;
    else if (p->has_reception_time_utc_ns)
        t = p->reception_time_utc_ns;
    else
        return MON_FEED_NO_TIME;
    for (size_t i = 0; i < p->n_parameters; i++) {
        const Vleo__V1__Parameter *par = p->parameters[i];
        if (!par->name) {
            f->st.params_other++;
            continue;
        }
        int role = mon_monitor_role(f->m, sc, par->name, strlen(par->name));
        if (role < 0) {
            f->st.params_other++;
            continue;
        }
        f->st.params_used++;
        double v;
        if (par->has_validity && par->validity != VLEO__V1__VALIDITY__VALIDITY_VALID)
            v = NAN; /* counted by the monitor as invalid */
        else if (!value_number(par->eng ? par->eng : par->raw, &v)) {
            mon_monitor_note_not_number(f->m);
            continue;
        }
        mon_monitor_sample(f->m, sc, (mon_role_t)role, t, v);
    }
    mon_monitor_packet_end(f->m, sc, t);
    return MON_FEED_OK;
}

mon_feed_status_t mon_feed_message(mon_feed_t *f, const char *topic, size_t topic_len,
                                   const uint8_t *body, size_t len) {
    f->st.messages++;
    f->arena.used = 0;
    f->arena.exhausted = false;
    mon_feed_status_t st = MON_FEED_OK;
    bool is_tm = topic_len >= 3 && memcmp(topic, "tm/", 3) == 0;
    bool is_tmb = topic_len >= 4 && memcmp(topic, "tmb/", 4) == 0;
    if (!is_tm && !is_tmb) {
        bool known = (topic_len >= 6 && memcmp(topic, "alert/", 6) == 0) ||
                     (topic_len >= 6 && memcmp(topic, "stats/", 6) == 0) ||
                     (topic_len == 12 && memcmp(topic, "spaceweather", 12) == 0);
        st = known ? MON_FEED_IGNORED_TOPIC : MON_FEED_UNKNOWN_TOPIC;
    } else if (is_tm) {
        Vleo__V1__Packet *p = vleo__v1__packet__unpack(&f->alloc, len, body);
        if (!p) {
            st = f->arena.exhausted ? MON_FEED_TOO_BIG : MON_FEED_BAD_PROTOBUF;
        } else {
            track_session(f, p->has_session_id, p->session_id, p->has_message_seq, p->message_seq);
            mon_feed_status_t ps = take_packet(f, p, NULL);
            if (ps == MON_FEED_OK)
                f->st.packets++;
            else
                f->st.packets_refused[ps]++;
            st = ps;
        }
    } else {
        Vleo__V1__PacketBatch *b = vleo__v1__packet_batch__unpack(&f->alloc, len, body);
        if (!b) {
            st = f->arena.exhausted ? MON_FEED_TOO_BIG : MON_FEED_BAD_PROTOBUF;
        } else {
            track_session(f, b->has_session_id, b->session_id, b->has_message_seq, b->message_seq);
            for (size_t i = 0; i < b->n_packets; i++) {
                mon_feed_status_t ps = take_packet(f, b->packets[i], b->spacecraft);
                if (ps == MON_FEED_OK)
                    f->st.packets++;
                else
                    f->st.packets_refused[ps]++;
            }
        }
    }
    f->st.by_status[st]++;
    return st;
}
