/* vleo/curve.h: CURVE security for the programs' ZeroMQ sockets (DESIGN section 6; ZeroMQ RFC 26
 * CurveZMQ, RFC 27 ZAP): key files, an allow-list ZAP handler, socket setup. */
#ifndef VLEO_CURVE_H
#define VLEO_CURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLEO_CURVE_Z85_LEN 40        /* a 32-octet key as Z85 text */
#define VLEO_CURVE_MAX_KEYS 1024     /* public keys one allow directory may hold */
#define VLEO_CURVE_NAME_MAX 64       /* key names (file name without .pub) kept, with NUL */
#define VLEO_CURVE_ZAP_DOMAIN "vleo" /* ZAP domain of every socket we serve */

/* Outcome of a key or allow-list operation. Messages never carry secret key material. */
typedef enum {
    VLEO_CURVE_OK = 0,
    VLEO_CURVE_UNREADABLE,  /* file or directory cannot be opened or read */
    VLEO_CURVE_BAD_MODE,    /* secret key open to group/others; allow dir writable by all */
    VLEO_CURVE_BAD_FORMAT,  /* not exactly one line of 40 Z85 characters */
    VLEO_CURVE_EXISTS,      /* a key file already exists and was not overwritten */
    VLEO_CURVE_TOO_MANY,    /* more than VLEO_CURVE_MAX_KEYS keys in the allow directory */
    VLEO_CURVE_UNSUPPORTED, /* this libzmq was built without CURVE */
    VLEO_CURVE_SYSTEM,      /* writing, memory, threads or ZeroMQ failed */
    VLEO_CURVE_STATUS_COUNT
} vleo_curve_status_t;

const char *vleo_curve_status_str(vleo_curve_status_t st);

/* The program exit code for a status: 0, 3 (UNREADABLE), 2 (BAD_MODE, BAD_FORMAT, TOO_MANY, EXISTS)
 * or 1 (UNSUPPORTED, SYSTEM). */
int vleo_curve_status_exit(vleo_curve_status_t st);

/* A key pair as Z85 text, each NUL-terminated. Wipe it (vleo_curve_keypair_wipe) when done. */
typedef struct {
    char public_z85[VLEO_CURVE_Z85_LEN + 1];
    char secret_z85[VLEO_CURVE_Z85_LEN + 1];
} vleo_curve_keypair_t;

/* True when libzmq supports CURVE (zmq_has("curve"): built with libsodium or tweetnacl). */
bool vleo_curve_available(void);

/* A fresh random key pair. UNSUPPORTED without CURVE. */
vleo_curve_status_t vleo_curve_keypair_new(vleo_curve_keypair_t *kp, char *err, size_t errlen);

/* Overwrite the secret half with zeros in a way the compiler keeps. */
void vleo_curve_keypair_wipe(vleo_curve_keypair_t *kp);

/* True when s is exactly 40 Z85 characters that decode to a 32-octet key. */
bool vleo_curve_z85_valid(const char *s);

/* Write NAME.key (the secret, mode 0600) and NAME.pub (the public key, mode 0644), each one Z85
 * line. Without force an existing NAME.key or NAME.pub is never touched (EXISTS, and nothing is
 * written); with force both are replaced atomically (written aside, renamed). */
vleo_curve_status_t vleo_curve_write_keypair(const char *name, const vleo_curve_keypair_t *kp,
                                             bool force, char *err, size_t errlen);

/* Read a secret key file and derive its public key into kp. The file must be a regular file that
 * neither group nor others may read or write (0600 or 0400: BAD_MODE otherwise) holding one Z85
 * line. Errors name the file, never its content. */
vleo_curve_status_t vleo_curve_read_secret(const char *path, vleo_curve_keypair_t *kp, char *err,
                                           size_t errlen);

/* Read a public key file (one Z85 line) into public_z85 (41 octets). */
vleo_curve_status_t vleo_curve_read_public(const char *path, char *public_z85, char *err,
                                           size_t errlen);

/* Make sock a CURVE server with kp's secret, in ZAP domain "vleo" with ZMQ_ZAP_ENFORCE_DOMAIN set,
 * so that a handshake fails when no ZAP handler answers (libzmq 4.3 otherwise admits any client
 * key). Call before bind. Returns 0, or -1 with a message in err. */
int vleo_curve_apply_server(void *sock, const vleo_curve_keypair_t *kp, char *err, size_t errlen);

/* Make sock a CURVE client with its own key pair and the server's public key (Z85). Call before
 * connect. Returns 0, or -1 with a message in err. */
int vleo_curve_apply_client(void *sock, const vleo_curve_keypair_t *kp, const char *server_public,
                            char *err, size_t errlen);

/* ---- What a program does with its --curve-* options ---- */

/* The options as given (NULL when absent). */
typedef struct {
    const char *secret;     /* --curve-secret FILE: this program's key pair */
    const char *allow;      /* --curve-allow DIR: clients admitted by bound sockets */
    const char *server_key; /* --curve-server-key FILE: the server connected sockets use */
} vleo_curve_opts_t;

/* True when any --curve-* option was given. */
bool vleo_curve_opts_any(const vleo_curve_opts_t *o);

/* Check a combination for a run that binds sockets (binds) and/or connects them (connects). Returns
 * NULL when consistent, else a static message naming the option (a usage error). */
const char *vleo_curve_opts_check(const vleo_curve_opts_t *o, bool binds, bool connects);

/* Receives the handler's log lines; level is a vleo_log_level_t. Called from the handler's thread
 * and from vleo_curve_reload's caller. */
typedef void (*vleo_curve_log_fn)(void *user, int level, const char *line);

/* A vleo_curve_log_fn that writes through vleo_log (vleo/log.h). */
void vleo_curve_log_vleo(void *user, int level, const char *line);

/* Counters, all since vleo_curve_new. */
typedef struct {
    uint64_t admitted;          /* ZAP: CURVE client key in the allow list */
    uint64_t refused_key;       /* ZAP: CURVE client key not in the allow list */
    uint64_t refused_other;     /* ZAP: another mechanism or domain, or malformed */
    uint64_t handshake_failed;  /* handshakes failed before ZAP (plain-text peer, wrong key) */
    uint64_t refused_by_server; /* client sockets: a server refused our key */
    uint64_t reloads;           /* allow list reloads that succeeded */
    uint64_t reload_failures;   /* ... that failed and kept the previous list */
    uint64_t keys;              /* public keys in the allow list now */
} vleo_curve_stats_t;

/* A program's CURVE state: its key pair, the server key, the allow list and the thread that answers
 * ZAP requests and reports handshake failures. */
typedef struct vleo_curve vleo_curve_t;

/* Read the key files and the allow directory named by o (vleo_curve_opts_check first). Returns NULL
 * with a message naming the file in err and the exit code in *code. Starts nothing: call
 * vleo_curve_start once the ZeroMQ context exists. */
vleo_curve_t *vleo_curve_new(const vleo_curve_opts_t *o, vleo_curve_log_fn log, void *user,
                             char *err, size_t errlen, int *code);

/* Bind the ZAP handler (inproc://zeromq.zap.01 of zctx, when there is an allow list) and start the
 * thread serving it. Call before any socket is set up. Returns 0, or -1 with err. */
int vleo_curve_start(vleo_curve_t *cv, void *zctx, char *err, size_t errlen);

/* vleo_zsock_opts_t.setup hooks (arg: the vleo_curve_t): make the socket a CURVE server (needs
 * --curve-secret and --curve-allow) or client (--curve-secret and --curve-server-key), and have the
 * thread report its handshake failures. Call on the socket's own thread, before bind/connect, after
 * vleo_curve_start. Return 0, or -1 with err. */
int vleo_curve_setup_server(void *sock, void *cv, char *err, size_t errlen);
int vleo_curve_setup_client(void *sock, void *cv, char *err, size_t errlen);

/* Re-read the allow directory (programs call it on SIGHUP). A directory that cannot be read or
 * holds a broken key keeps the previous list. Logs the outcome; returns 0 or -1. Nothing to do (0)
 * without an allow list. */
int vleo_curve_reload(vleo_curve_t *cv);

/* A consistent copy of the counters. */
void vleo_curve_stats(vleo_curve_t *cv, vleo_curve_stats_t *st);

/* This program's public key (Z85), or "" without --curve-secret. */
const char *vleo_curve_public(const vleo_curve_t *cv);

/* Stop the thread, close its sockets, wipe the secret and free. Call before zmq_ctx_term.
 * NULL-safe; sets *cv to NULL. */
void vleo_curve_destroy(vleo_curve_t **cv);

#endif
