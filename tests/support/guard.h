/* guard.h (tests only): place parser inputs so they end right before a no-access page,
 * so any read past the end faults at once (as picohttpparser's tests do). */
#ifndef TEST_GUARD_H
#define TEST_GUARD_H

#include <stddef.h>
#include <stdint.h>

/* Copy data[0..len) so that its last octet sits right before a PROT_NONE page, and return
 * the copy (for len 0, a pointer to the first inaccessible octet). One static mapping is
 * reused (and grown when needed): the copy stays valid only until the next call; not
 * thread-safe. Returns NULL if the mapping cannot be made. */
const uint8_t *guard_place(const void *data, size_t len);

#endif
