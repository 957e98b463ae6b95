/* feed.c: decoder messages (DESIGN sections 4-5) into monitor samples, unpacked with
 * protobuf-c into a per-message arena (STYLE rule 7). */
#include "mon/feed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mon/state.h"
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
    /* Per spacecraft: the newest packet time processed and how many packets had exactly that
     * time (saved in snapshots), and while resuming from one, the marks it left. */
    struct mark {
        int64_t last_ns;
        uint64_t n_at_last;
        int64_t skip_ns;     /* resuming: packets up to this time were processed before */
        uint64_t skip_at;    /* ... the first skip_at packets at exactly skip_ns too */
        uint64_t skipped_at; /* those skipped so far */
        bool resuming;       /* until the first packet after the snapshot */
    } * mark;
    size_t n_sc;
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
    f->n_sc = mon_monitor_spacecraft_count(m);
    f->mark = calloc(f->n_sc ? f->n_sc : 1, sizeof *f->mark);
    if (!f->arena.base || !f->mark) {
        free(f->arena.base);
        free(f->mark);
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
    free((*f_p)->mark);
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
    case MON_FEED_BEFORE_SNAPSHOT:
        return "before_snapshot";
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
    struct mark *mk = &f->mark[sc];
    if (mk->resuming) {
        /* Resuming from a snapshot with the same packets again (a replay, or a decoder
         * restarted from the start of its capture): what was processed before it is skipped.
         * At the snapshot's last time, as many packets as it had processed there. */
        if (t < mk->skip_ns || (t == mk->skip_ns && mk->skipped_at < mk->skip_at)) {
            if (t == mk->skip_ns)
                mk->skipped_at++;
            return MON_FEED_BEFORE_SNAPSHOT;
        }
        mk->resuming = false;
    }
    if (t > mk->last_ns || mk->n_at_last == 0) {
        mk->last_ns = t;
        mk->n_at_last = 1;
    } else if (t == mk->last_ns) {
        mk->n_at_last++;
    }
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
    bool is_dstats = topic_len >= 14 && memcmp(topic, "stats/decoder/", 14) == 0;
    if (is_dstats) {
        /* Its message_seq is the same count as the packets': without it every stats message
         * would look like one lost on the bus. */
        Vleo__V1__DecoderStats *d = vleo__v1__decoder_stats__unpack(&f->alloc, len, body);
        if (!d) {
            st = f->arena.exhausted ? MON_FEED_TOO_BIG : MON_FEED_BAD_PROTOBUF;
        } else {
            track_session(f, d->has_session_id, d->session_id, d->has_message_seq, d->message_seq);
            if (d->has_final && d->final)
                f->st.decoder_finals++;
            st = MON_FEED_IGNORED_TOPIC;
        }
    } else if (!is_tm && !is_tmb) {
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

/* --- snapshots (mon/state.h) --------------------------------------------------------- */

void mon_feed_state_save(const mon_feed_t *f, mon_state_out_t *o) {
    const mon_feed_stats_t *s = &f->st;
    mon_state_put_u64(o, s->messages);
    mon_state_put_u32(o, MON_FEED_STATUS_COUNT);
    for (int i = 0; i < MON_FEED_STATUS_COUNT; i++) {
        mon_state_put_u64(o, s->by_status[i]);
        mon_state_put_u64(o, s->packets_refused[i]);
    }
    mon_state_put_u64(o, s->packets);
    mon_state_put_u64(o, s->params_used);
    mon_state_put_u64(o, s->params_other);
    mon_state_put_u64(o, s->sessions);
    mon_state_put_u64(o, s->messages_missing);
    mon_state_put_u32(o, (uint32_t)f->n_sess);
    mon_state_put_u32(o, (uint32_t)(f->sess_next % MAX_SESSIONS));
    for (size_t i = 0; i < f->n_sess; i++) {
        mon_state_put_u64(o, f->sess[i].id);
        mon_state_put_u64(o, f->sess[i].last_seq);
    }
    mon_state_put_u64(o, f->n_sc);
    for (size_t k = 0; k < f->n_sc; k++) {
        mon_state_put_i64(o, f->mark[k].last_ns);
        mon_state_put_u64(o, f->mark[k].n_at_last);
    }
}

int mon_feed_state_load(mon_feed_t *f, mon_state_in_t *in) {
    mon_feed_stats_t *s = &f->st;
    s->messages = mon_state_get_u64(in);
    uint32_t ns = mon_state_get_u32(in);
    if (ns != MON_FEED_STATUS_COUNT) {
        mon_state_in_fail(in, "%u feed outcomes, this program counts %d", ns,
                          MON_FEED_STATUS_COUNT);
        return -1;
    }
    for (int i = 0; i < MON_FEED_STATUS_COUNT; i++) {
        s->by_status[i] = mon_state_get_u64(in);
        s->packets_refused[i] = mon_state_get_u64(in);
    }
    s->packets = mon_state_get_u64(in);
    s->params_used = mon_state_get_u64(in);
    s->params_other = mon_state_get_u64(in);
    s->sessions = mon_state_get_u64(in);
    s->messages_missing = mon_state_get_u64(in);
    uint32_t n = mon_state_get_u32(in);
    uint32_t next = mon_state_get_u32(in);
    if (n > MAX_SESSIONS || next >= MAX_SESSIONS) {
        mon_state_in_fail(in, "%u publisher sessions (at most %d)", n, MAX_SESSIONS);
        return -1;
    }
    f->n_sess = n;
    f->sess_next = next;
    for (size_t i = 0; i < n; i++) {
        f->sess[i].id = mon_state_get_u64(in);
        f->sess[i].last_seq = mon_state_get_u64(in);
    }
    uint64_t nsc = mon_state_get_u64(in);
    if (!in->why && nsc != f->n_sc) {
        mon_state_in_fail(in, "resume marks for %llu spacecraft, this monitor has %zu",
                          (unsigned long long)nsc, f->n_sc);
        return -1;
    }
    for (size_t k = 0; k < f->n_sc; k++) {
        struct mark *mk = &f->mark[k];
        mk->last_ns = mon_state_get_time(in);
        mk->n_at_last = mon_state_get_u64(in);
        mk->skip_ns = mk->last_ns;
        mk->skip_at = mk->n_at_last;
        mk->skipped_at = 0;
        mk->resuming = mk->n_at_last > 0;
    }
    return in->why ? -1 : 0;
}
