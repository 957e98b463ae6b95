/* vleo_keygen_main.c: vleo-keygen, a CURVE key pair as NAME.key (secret, 0600) and NAME.pub (DESIGN
 * section 6). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vleo/cli.h"
#include "vleo/curve.h"
#include "vleo/log.h"

static const char usage_text[] =
    "usage: vleo-keygen [--force] NAME\n"
    "\n"
    "Make a CURVE key pair for the vleo programs' --curve-* options: NAME.key holds the secret\n"
    "key (mode 0600; give it to --curve-secret, never copy it elsewhere) and NAME.pub the\n"
    "public key (mode 0644; copy it into a server's --curve-allow directory, or give a\n"
    "server's to clients as --curve-server-key). Each file is one line of 40 Z85 characters.\n"
    "NAME may include a directory. Existing files are never overwritten without --force.\n"
    "\n"
    "Options:\n"
    "  --force      replace NAME.key and NAME.pub if they exist\n"
    "  --help, --version\n"
    "Exit codes: 0 written, 1 runtime failure (or a file exists), 2 usage error.\n";

int main(int argc, char **argv) {
    vleo_log_init("vleo-keygen", VLEO_LOG_INFO);
    vleo_cli_init("vleo-keygen", usage_text);
    enum { O_FORCE = 256, O_HELP, O_VERSION };
    static const struct option longopts[] = {{"force", no_argument, 0, O_FORCE},
                                             {"help", no_argument, 0, O_HELP},
                                             {"version", no_argument, 0, O_VERSION},
                                             {0, 0, 0, 0}};
    bool force = false;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_FORCE:
            force = true;
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            return VLEO_EXIT_OK;
        case O_VERSION:
            printf("vleo-keygen %s\n", VLEO_VERSION);
            return VLEO_EXIT_OK;
        default:
            vleo_cli_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        vleo_cli_usage_error("no NAME given");
    }
    if (argc - optind > 1) {
        vleo_cli_usage_error("one NAME per run ('%s' is a second one)", argv[optind + 1]);
    }
    const char *name = argv[optind];
    if (name[0] == '\0' || name[strlen(name) - 1] == '/') {
        vleo_cli_usage_error("NAME '%s' must end in a file name (NAME.key, NAME.pub)", name);
    }
    char err[512];
    vleo_curve_keypair_t kp;
    vleo_curve_status_t st = vleo_curve_keypair_new(&kp, err, sizeof err);
    if (st == VLEO_CURVE_OK) {
        st = vleo_curve_write_keypair(name, &kp, force, err, sizeof err);
    }
    vleo_curve_keypair_wipe(&kp);
    if (st != VLEO_CURVE_OK) {
        VLEO_ERR("%s", err);
        /* An existing file is a refusal at run time, not a malformed command line. / */
        return VLEO_EXIT_RUNTIME;
    }
    printf("%s.key (secret, mode 0600) and %s.pub (public key %s) written\n", name, name,
           kp.public_z85);
    return VLEO_EXIT_OK;
}
