/* test_zmqutil.c: socket options, bind/connect errors, endpoint locality, session ids. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "vleo/zmqutil.h"

Test(zmqutil, endpoint_locality) {
    static const struct {
        const char *ep;
        bool local;
    } cases[] = {
        {"tcp://127.0.0.1:5556", true},
        {"tcp://127.1.2.3:*", true},
        {"tcp://127.255.255.255:1", true},
        {"tcp://localhost:5556", true},
        {"tcp://LOCALHOST:5556", true},
        {"tcp://[::1]:5556", true},
        {"tcp://[::1]:*", true},
        {"tcp://[::ffff:127.0.0.1]:5556", true},
        {"ipc:///tmp/vleo.ipc", true},
        {"ipc://@abstract", true},
        {"inproc://decoder", true},
        {"tcp://192.168.1.10;127.0.0.1:5556", true}, /* source;destination */
        {"tcp://*:5556", false},
        {"tcp://0.0.0.0:5556", false},
        {"tcp://[::]:5556", false},
        {"tcp://eth0:5556", false},
        {"tcp://lo:5556", false},
        {"tcp://192.168.1.10:5556", false},
        {"tcp://128.0.0.1:5556", false},
        {"tcp://126.0.0.1:5556", false},
        {"tcp://localhost.example.com:5556", false},
        {"tcp://127.0.0.1.evil.com:5556", false},
        {"tcp://127.0.0.1;192.168.1.10:5556", false},
        {"tcp://127.0.0.1", false}, /* no port */
        {"tcp://127.0.0.1:", false},
        {"tcp://[::1]", false},
        {"tcp://::1]:5556", false},
        {"tcp://:5556", false},
        {"pgm://127.0.0.1;239.192.1.1:5555", false},
        {"ws://127.0.0.1:80", false},
        {"udp://127.0.0.1:5000", false},
        {"127.0.0.1:5556", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(vleo_endpoint_is_local(cases[i].ep), cases[i].local, "endpoint \"%s\"",
                     cases[i].ep);
    }
    cr_assert_not(vleo_endpoint_is_local(NULL));
    /* A host longer than any name: refused, not overflowed. */
    char longep[600];
    memset(longep, 'a', sizeof longep);
    memcpy(longep, "tcp://", 6);
    memcpy(longep + sizeof longep - 6, ":5556", 6);
    cr_assert_not(vleo_endpoint_is_local(longep));
}

Test(zmqutil, default_options) {
    vleo_zsock_opts_t o;
    memset(&o, 0xff, sizeof o);
    vleo_zsock_opts_default(&o);
    cr_assert_eq(o.sndhwm, 100000);
    cr_assert_eq(o.rcvhwm, 100000);
    cr_assert_eq(o.linger_ms, 2000);
    cr_assert_eq(o.maxmsgsize, VLEO_MAX_MSG_SIZE);
}

static int get_int(void *s, int opt) {
    int v = -12345;
    size_t n = sizeof v;
    cr_assert_eq(zmq_getsockopt(s, opt, &v, &n), 0);
    return v;
}

/* Bind PUB on an ephemeral loopback port, connect SUB, carry one two-frame message; the
 * options are on the sockets; a second bind to the same port fails naming the endpoint. */
Test(zmqutil, pub_sub_two_frames_and_bind_clash) {
    void *ctx = zmq_ctx_new();
    cr_assert_not_null(ctx);
    char err[256];
    vleo_zsock_opts_t o;
    vleo_zsock_opts_default(&o);
    o.sndhwm = 1234;
    o.rcvhwm = 4321;
    o.linger_ms = 0;
    o.maxmsgsize = 65536;
    void *pub = vleo_zsock_open(ctx, ZMQ_PUB, &o, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert_not_null(pub, "%s", err);
    cr_assert_eq(get_int(pub, ZMQ_SNDHWM), 1234);
    cr_assert_eq(get_int(pub, ZMQ_RCVHWM), 4321);
    cr_assert_eq(get_int(pub, ZMQ_LINGER), 0);
    int64_t mms = 0;
    size_t mlen = sizeof mms;
    cr_assert_eq(zmq_getsockopt(pub, ZMQ_MAXMSGSIZE, &mms, &mlen), 0);
    cr_assert_eq(mms, 65536);

    char ep[256];
    size_t eplen = sizeof ep;
    cr_assert_eq(zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, ep, &eplen), 0);
    cr_assert_eq(strncmp(ep, "tcp://127.0.0.1:", 16), 0, "%s", ep);
    cr_assert(vleo_endpoint_is_local(ep));

    void *sub = vleo_zsock_open(ctx, ZMQ_SUB, &o, ep, false, err, sizeof err);
    cr_assert_not_null(sub, "%s", err);
    cr_assert_eq(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "tm/", 3), 0);
    int rcvtimeo = 50;
    cr_assert_eq(zmq_setsockopt(sub, ZMQ_RCVTIMEO, &rcvtimeo, sizeof rcvtimeo), 0);

    /* PUB drops until the subscription arrives: resend, bounded to about 5 s. */
    char topic[64] = "";
    char body[64] = "";
    int tn = -1;
    int bn = -1;
    for (int tries = 0; tries < 100 && tn < 0; tries++) {
        cr_assert_eq(zmq_send(pub, "other/x", 7, ZMQ_SNDMORE), 7);
        cr_assert_eq(zmq_send(pub, "no", 2, 0), 2);
        cr_assert_eq(zmq_send(pub, "tm/QK1/HK", 9, ZMQ_SNDMORE), 9);
        cr_assert_eq(zmq_send(pub, "\x01\x02\x00\x03", 4, 0), 4);
        tn = zmq_recv(sub, topic, sizeof topic, 0);
    }
    cr_assert_eq(tn, 9);
    cr_assert_eq(memcmp(topic, "tm/QK1/HK", 9), 0);
    int more = get_int(sub, ZMQ_RCVMORE);
    cr_assert_eq(more, 1);
    bn = zmq_recv(sub, body, sizeof body, 0);
    cr_assert_eq(bn, 4);
    cr_assert_eq(memcmp(body, "\x01\x02\x00\x03", 4), 0);
    cr_assert_eq(get_int(sub, ZMQ_RCVMORE), 0);

    /* Same port again: refused, and the message names the endpoint and the reason. */
    void *pub2 = vleo_zsock_open(ctx, ZMQ_PUB, &o, ep, true, err, sizeof err);
    cr_assert_null(pub2);
    char want[320];
    snprintf(want, sizeof want, "cannot bind %s: Address already in use", ep);
    cr_assert_str_eq(err, want);

    zmq_close(sub);
    zmq_close(pub);
    cr_assert_eq(zmq_ctx_term(ctx), 0);
}

Test(zmqutil, bad_endpoints_report_errors) {
    void *ctx = zmq_ctx_new();
    char err[256];
    void *s = vleo_zsock_open(ctx, ZMQ_SUB, NULL, "nonsense", false, err, sizeof err);
    cr_assert_null(s);
    cr_assert_str_eq(err, "cannot connect nonsense: Invalid argument");
    s = vleo_zsock_open(ctx, ZMQ_PUB, NULL, "tcp://127.0.0.1:notaport", true, err, sizeof err);
    cr_assert_null(s);
    cr_assert_eq(strncmp(err, "cannot bind tcp://127.0.0.1:notaport: ", 38), 0, "%s", err);
    s = vleo_zsock_open(ctx, ZMQ_PUB, NULL, "", true, err, sizeof err);
    cr_assert_null(s);
    cr_assert_str_eq(err, "empty endpoint");
    /* A short error buffer is truncated, never overrun. */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    s = vleo_zsock_open(ctx, ZMQ_SUB, NULL, "nonsense", false, tiny, sizeof tiny);
    cr_assert_null(s);
    cr_assert_str_eq(tiny, "cannot ");
    s = vleo_zsock_open(ctx, 9999, NULL, "inproc://x", true, err, sizeof err);
    cr_assert_null(s);
    cr_assert_eq(strncmp(err, "cannot create socket for inproc://x: ", 37), 0, "%s", err);
    /* NULL options mean the defaults. */
    s = vleo_zsock_open(ctx, ZMQ_PUB, NULL, "inproc://ok", true, err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(get_int(s, ZMQ_SNDHWM), 100000);
    cr_assert_eq(get_int(s, ZMQ_LINGER), 2000);
    zmq_close(s);
    cr_assert_eq(zmq_ctx_term(ctx), 0);
}

Test(zmqutil, zero_hwm_keeps_zeromq_default) {
    void *ctx = zmq_ctx_new();
    char err[256];
    vleo_zsock_opts_t o;
    vleo_zsock_opts_default(&o);
    o.sndhwm = 0;
    o.rcvhwm = 0;
    o.linger_ms = 0;
    void *s = vleo_zsock_open(ctx, ZMQ_PUB, &o, "inproc://hwm", true, err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(get_int(s, ZMQ_SNDHWM), 1000);
    cr_assert_eq(get_int(s, ZMQ_RCVHWM), 1000);
    zmq_close(s);
    zmq_ctx_term(ctx);
}

Test(zmqutil, session_ids_nonzero_and_distinct) {
    uint64_t prev = 0;
    int same = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t v = vleo_session_id();
        cr_assert_neq(v, 0);
        same += v == prev;
        prev = v;
    }
    cr_assert_eq(same, 0);
}
