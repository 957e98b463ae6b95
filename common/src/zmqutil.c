/* zmqutil.c: ZeroMQ sockets with explicit HWM, linger and size bound (DESIGN section 4). */
#include "vleo/zmqutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define DEFAULT_HWM 100000
#define DEFAULT_LINGER_MS 2000
#define HOST_MAX 256 /* longest host part of a tcp:// endpoint we examine */

void vleo_zsock_opts_default(vleo_zsock_opts_t *o) {
    o->sndhwm = DEFAULT_HWM;
    o->rcvhwm = DEFAULT_HWM;
    o->linger_ms = DEFAULT_LINGER_MS;
    o->maxmsgsize = VLEO_MAX_MSG_SIZE;
    o->setup = NULL;
    o->setup_arg = NULL;
}

/* Set one option; on failure write "cannot set NAME on ENDPOINT: reason" into err. */
static int set_opt(void *sock, int opt, const void *val, size_t vlen, const char *name,
                   const char *endpoint, char *err, size_t errlen) {
    if (zmq_setsockopt(sock, opt, val, vlen) != 0) {
        snprintf(err, errlen, "cannot set %s for %s: %s", name, endpoint, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

void *vleo_zsock_open(void *ctx, int type, const vleo_zsock_opts_t *o, const char *endpoint,
                      bool bind, char *err, size_t errlen) {
    vleo_zsock_opts_t defaults;
    if (o == NULL) {
        vleo_zsock_opts_default(&defaults);
        o = &defaults;
    }
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    } else {
        err = NULL; /* snprintf(NULL, 0, ...) below only measures */
        errlen = 0;
    }
    if (endpoint == NULL || endpoint[0] == '\0') {
        snprintf(err, errlen, "empty endpoint");
        return NULL;
    }
    void *sock = zmq_socket(ctx, type);
    if (sock == NULL) {
        snprintf(err, errlen, "cannot create socket for %s: %s", endpoint, zmq_strerror(errno));
        return NULL;
    }
    int rc = 0;
    /* An HWM of 0 keeps ZeroMQ's own default (setting 0 would mean "no limit"). */
    if (o->sndhwm > 0) {
        rc |= set_opt(sock, ZMQ_SNDHWM, &o->sndhwm, sizeof o->sndhwm, "ZMQ_SNDHWM", endpoint, err,
                      errlen);
    }
    if (rc == 0 && o->rcvhwm > 0) {
        rc |= set_opt(sock, ZMQ_RCVHWM, &o->rcvhwm, sizeof o->rcvhwm, "ZMQ_RCVHWM", endpoint, err,
                      errlen);
    }
    if (rc == 0) {
        rc |= set_opt(sock, ZMQ_LINGER, &o->linger_ms, sizeof o->linger_ms, "ZMQ_LINGER", endpoint,
                      err, errlen);
    }
    if (rc == 0) {
        rc |= set_opt(sock, ZMQ_MAXMSGSIZE, &o->maxmsgsize, sizeof o->maxmsgsize, "ZMQ_MAXMSGSIZE",
                      endpoint, err, errlen);
    }
    if (rc == 0 && o->setup != NULL) {
        char why[384];
        rc = o->setup(sock, o->setup_arg, why, sizeof why);
        if (rc != 0) {
            snprintf(err, errlen, "%s: %s", endpoint, why);
        }
    }
    if (rc == 0) {
        rc = bind ? zmq_bind(sock, endpoint) : zmq_connect(sock, endpoint);
        if (rc != 0) {
            snprintf(err, errlen, "cannot %s %s: %s", bind ? "bind" : "connect", endpoint,
                     zmq_strerror(errno));
        }
    }
    if (rc != 0) {
        int zero = 0; /* nothing was sent yet: do not let close wait for linger */
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

/* True when host (no brackets) is 127.0.0.0/8, ::1, ::ffff:127.x or "localhost". */
static bool host_is_loopback(const char *host) {
    if (strcasecmp(host, "localhost") == 0) {
        return true;
    }
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return false; /* interface names, "*", other names and addresses */
}

bool vleo_endpoint_is_local(const char *endpoint) {
    if (endpoint == NULL) {
        return false;
    }
    if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0) {
        return true;
    }
    if (strncmp(endpoint, "tcp://", 6) != 0) {
        return false; /* pgm, epgm, ws, tipc, vmci ... reach beyond this machine */
    }
    const char *addr = endpoint + 6;
    /* "tcp://SOURCE;DEST" connects from SOURCE to DEST: DEST is where the data goes. */
    const char *semi = strrchr(addr, ';');
    if (semi != NULL) {
        addr = semi + 1;
    }
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr || colon[1] == '\0') {
        return false; /* no host or no port */
    }
    size_t hlen = (size_t)(colon - addr);
    if (addr[0] == '[') {
        /* "[v6]:port": the host must be the whole bracketed part. */
        if (hlen < 3 || addr[hlen - 1] != ']') {
            return false;
        }
        addr++;
        hlen -= 2;
    }
    if (hlen >= HOST_MAX) {
        return false;
    }
    char host[HOST_MAX];
    memcpy(host, addr, hlen);
    host[hlen] = '\0';
    return host_is_loopback(host);
}

uint64_t vleo_session_id(void) {
    uint64_t v = 0;
    /* getrandom() on 8 octets does not block once the pool is initialised; a few tries
     * cover EINTR and the 1-in-2^64 zero. */
    for (int tries = 0; tries < 4 && v == 0; tries++) {
        if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
            v = 0;
        }
    }
    if (v == 0) {
        /* No entropy source: mix the clock and the process id, then force non-zero. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
        v ^= v >> 33;
        v *= 0xff51afd7ed558ccdULL;
        v ^= v >> 33;
        if (v == 0) {
            v = 1;
        }
    }
    return v;
}
