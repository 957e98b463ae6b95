/* vleo/zmqutil.h: ZeroMQ sockets set up the one way every vleo program wants them
 * (explicit HWM, linger and maximum message size; endpoint checks). */
#ifndef VLEO_ZMQUTIL_H
#define VLEO_ZMQUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLEO_DEFAULT_DECODER_PUB "tcp://127.0.0.1:5556"
#define VLEO_DEFAULT_MONITOR_PUB "tcp://127.0.0.1:5557"
#define VLEO_MAX_MSG_SIZE (4 * 1024 * 1024) /* largest message we accept, octets */

typedef struct {
    int sndhwm; /* messages; 0 = ZeroMQ default */
    int rcvhwm;
    int linger_ms;      /* -1 = wait forever on close */
    int64_t maxmsgsize; /* receive bound, octets (-1 = none) */
    /* Called on the new socket after the options above, before bind/connect (CURVE keys:
     * vleo/curve.h). Returns 0, or -1 with a message in err. NULL: none. */
    int (*setup)(void *sock, void *arg, char *err, size_t errlen);
    void *setup_arg;
} vleo_zsock_opts_t;

/* Default options: HWM 100000 both ways, linger 2000 ms, maxmsgsize VLEO_MAX_MSG_SIZE, no
 * setup hook. */
void vleo_zsock_opts_default(vleo_zsock_opts_t *o);

/* Create a socket of `type` on ctx with the options, then bind (bind=true) or connect to
 * endpoint. Returns the socket, or NULL with a message naming the endpoint in err. */
void *vleo_zsock_open(void *ctx, int type, const vleo_zsock_opts_t *o, const char *endpoint,
                      bool bind, char *err, size_t errlen);

/* True when the endpoint is tcp:// on a loopback address (127.x, localhost, ::1), ipc:// or
 * inproc://, i.e. reachable from this machine only. */
bool vleo_endpoint_is_local(const char *endpoint);

/* A random 64-bit publisher session id (never 0). */
uint64_t vleo_session_id(void);

#endif
