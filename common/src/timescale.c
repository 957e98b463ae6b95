/* timescale.c: UTC/TAI/GPS via the leap second table (IERS Bulletin C), ISO 8601 UTC text. */
#include "vleo/timescale.h"

#include <stdbool.h>
#include <string.h>

/* TAI - UTC from each UTC instant on (Unix seconds). Before the first entry: 10 s. */
typedef struct {
    int64_t utc_unix_s;
    int offset;
} leap_t;

static const leap_t k_leaps[] = {
    {63072000LL, 10},   /* 1972-01-01 */
    {78796800LL, 11},   /* 1972-07-01 */
    {94694400LL, 12},   /* 1973-01-01 */
    {126230400LL, 13},  /* 1974-01-01 */
    {157766400LL, 14},  /* 1975-01-01 */
    {189302400LL, 15},  /* 1976-01-01 */
    {220924800LL, 16},  /* 1977-01-01 */
    {252460800LL, 17},  /* 1978-01-01 */
    {283996800LL, 18},  /* 1979-01-01 */
    {315532800LL, 19},  /* 1980-01-01 */
    {362793600LL, 20},  /* 1981-07-01 */
    {394329600LL, 21},  /* 1982-07-01 */
    {425865600LL, 22},  /* 1983-07-01 */
    {489024000LL, 23},  /* 1985-07-01 */
    {567993600LL, 24},  /* 1988-01-01 */
    {631152000LL, 25},  /* 1990-01-01 */
    {662688000LL, 26},  /* 1991-01-01 */
    {709948800LL, 27},  /* 1992-07-01 */
    {741484800LL, 28},  /* 1993-07-01 */
    {773020800LL, 29},  /* 1994-07-01 */
    {820454400LL, 30},  /* 1996-01-01 */
    {867715200LL, 31},  /* 1997-07-01 */
    {915148800LL, 32},  /* 1999-01-01 */
    {1136073600LL, 33}, /* 2006-01-01 */
    {1230768000LL, 34}, /* 2009-01-01 */
    {1341100800LL, 35}, /* 2012-07-01 */
    {1435708800LL, 36}, /* 2015-07-01 */
    {1483228800LL, 37}, /* 2017-01-01 */
};
#define N_LEAPS (sizeof k_leaps / sizeof k_leaps[0])
#define OFFSET_BEFORE_1972 10

#define S_PER_DAY 86400LL
#define YEAR_MIN 1900
#define YEAR_MAX 2200

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b) != 0 && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

/* a + b saturated to the int64 range. */
static int64_t sat_add(int64_t a, int64_t b) {
    if (b > 0 && a > INT64_MAX - b) {
        return INT64_MAX;
    }
    if (b < 0 && a < INT64_MIN - b) {
        return INT64_MIN;
    }
    return a + b;
}

static bool is_leap_year(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m) {
    static const int k_dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : k_dim[m - 1];
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (y >= 1). The year is counted
 * from March so that the leap day falls at its end: months March..February are 3..14, their
 * day offsets (153 * (m - 3) + 2) / 5 follow the 31/30 pattern. 719468 = this count for
 * 1970-01-01 (i.e. year 1969, month 13, day 1). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    if (m <= 2) {
        y -= 1;
        m += 12;
    }
    return 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + (d - 1) - 719468;
}

/* The civil date of day z since 1970-01-01 (z within +-200000 days). */
static void civil_from_days(int64_t z, int64_t *year, int *month, int *day) {
    static const int k_cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    /* 146097 days per 400 years: the estimate is within a year; the loops correct it. */
    int64_t y = 1970 + floor_div(z * 400, 146097);
    for (int i = 0; i < 3 && days_from_civil(y, 1, 1) > z; i++) {
        y--;
    }
    for (int i = 0; i < 3 && days_from_civil(y + 1, 1, 1) <= z; i++) {
        y++;
    }
    int doy = (int)(z - days_from_civil(y, 1, 1)); /* 0..365 */
    int leap = is_leap_year(y) ? 1 : 0;
    int m = 12;
    while (m > 1 && doy < k_cum[m - 1] + (m > 2 ? leap : 0)) {
        m--;
    }
    *year = y;
    *month = m;
    *day = doy - (k_cum[m - 1] + (m > 2 ? leap : 0)) + 1;
}

/* True when a leap second was inserted just before the UTC instant utc_unix_s. */
static bool leap_inserted_before(int64_t utc_unix_s) {
    for (size_t i = 1; i < N_LEAPS; i++) {
        if (k_leaps[i].utc_unix_s == utc_unix_s) {
            return k_leaps[i].offset > k_leaps[i - 1].offset;
        }
    }
    return false;
}

int vleo_tai_minus_utc(int64_t utc_unix_s) {
    /* From the newest entry down: recent times stop at the first comparison. */
    for (size_t i = N_LEAPS; i > 0; i--) {
        if (utc_unix_s >= k_leaps[i - 1].utc_unix_s) {
            return k_leaps[i - 1].offset;
        }
    }
    return OFFSET_BEFORE_1972;
}

/* Saturates at INT64_MAX for UTC instants beyond the TAI ns range (after year 2250). */
int64_t vleo_utc_to_tai(int64_t utc_unix_ns) {
    int64_t s = floor_div(utc_unix_ns, VLEO_NS_PER_S);
    int64_t shift = (VLEO_UNIX_MINUS_1958_S + vleo_tai_minus_utc(s)) * VLEO_NS_PER_S;
    return sat_add(utc_unix_ns, shift);
}

/* The offset applies from the TAI instant its leap second starts, i.e. UTC start of the entry
 * plus the previous offset: during the inserted second UTC = TAI - K - new offset, which is
 * the last second of the day again. Saturates at INT64_MIN. */
int64_t vleo_tai_to_utc(int64_t tai_ns) {
    int off = OFFSET_BEFORE_1972;
    for (size_t i = N_LEAPS; i > 0; i--) {
        int prev = i >= 2 ? k_leaps[i - 2].offset : OFFSET_BEFORE_1972;
        int64_t start_tai_s = k_leaps[i - 1].utc_unix_s + VLEO_UNIX_MINUS_1958_S + prev;
        if (tai_ns >= start_tai_s * VLEO_NS_PER_S) {
            off = k_leaps[i - 1].offset;
            break;
        }
    }
    return sat_add(tai_ns, -(VLEO_UNIX_MINUS_1958_S + off) * VLEO_NS_PER_S);
}

/* Exactly n decimal digits at s into *v; false if any is not a digit. */
static bool digits_n(const char *s, int n, int *v) {
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

/* Years 1900-2200. Seconds 60 is accepted only at 23:59 before an inserted leap second, and
 * maps to 23:59:59 of the same fraction (Unix style, as vleo_tai_to_utc). */
int vleo_parse_iso8601(const char *s, int64_t *utc_unix_ns) {
    if (s == NULL) {
        return -1;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0;
    /* Every field is read after checking the characters before it matched, so a short
     * string stops at its NUL (which matches no digit or separator). */
    if (!digits_n(s, 4, &y) || s[4] != '-' || !digits_n(s + 5, 2, &mo) || s[7] != '-' ||
        !digits_n(s + 8, 2, &d)) {
        return -1;
    }
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (!digits_n(p + 1, 2, &h) || p[3] != ':' || !digits_n(p + 4, 2, &mi) || p[6] != ':' ||
            !digits_n(p + 7, 2, &sec)) {
            return -1;
        }
        p += 9;
        if (*p == '.') {
            p++;
            int n = 0;
            while (*p >= '0' && *p <= '9') {
                if (++n > 9) {
                    return -1;
                }
                frac = frac * 10 + (*p - '0');
                p++;
            }
            if (n == 0) {
                return -1;
            }
            for (int i = n; i < 9; i++) {
                frac *= 10;
            }
        }
        if (*p == 'Z') {
            p++;
        }
    }
    if (*p != '\0') {
        return -1;
    }
    if (y < YEAR_MIN || y > YEAR_MAX || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || sec > 60) {
        return -1;
    }
    int64_t t = days_from_civil(y, mo, d) * S_PER_DAY + h * 3600LL + mi * 60LL;
    if (sec == 60) {
        if (h != 23 || mi != 59 || !leap_inserted_before(t + 60)) {
            return -1;
        }
        sec = 59;
    }
    t += sec;
    /* |t| < 1e10 for years 1900-2200: t * 1e9 fits int64. */
    *utc_unix_ns = t * VLEO_NS_PER_S + frac;
    return 0;
}

/* Write v as exactly n decimal digits (0 <= v < 10^n, n <= 9) at p. */
static void put_digits(char *p, uint32_t v, int n) {
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

/* Fraction digits other than 0/3/6/9 are honoured too (clamped to 0..9); the fraction is
 * truncated, never rounded. Returns the length of the whole text (as snprintf): a value
 * >= cap means the text was truncated. cap 0 writes nothing. */
size_t vleo_format_iso8601(int64_t utc_unix_ns, int digits, char *buf, size_t cap) {
    char tmp[40];
    if (digits < 0) {
        digits = 0;
    } else if (digits > 9) {
        digits = 9;
    }
    int64_t secs = floor_div(utc_unix_ns, VLEO_NS_PER_S);
    int64_t frac = utc_unix_ns % VLEO_NS_PER_S; /* not ns - secs * 1e9: overflows at INT64_MIN */
    if (frac < 0) {
        frac += VLEO_NS_PER_S;
    }
    int64_t days = floor_div(secs, S_PER_DAY);
    int64_t sod = secs - days * S_PER_DAY;
    int64_t y;
    int mo, d;
    civil_from_days(days, &y, &mo, &d);
    /* int64 ns spans years 1677-2262: always four year digits. */
    put_digits(tmp, (uint32_t)y, 4);
    tmp[4] = '-';
    put_digits(tmp + 5, (uint32_t)mo, 2);
    tmp[7] = '-';
    put_digits(tmp + 8, (uint32_t)d, 2);
    tmp[10] = 'T';
    put_digits(tmp + 11, (uint32_t)(sod / 3600), 2);
    tmp[13] = ':';
    put_digits(tmp + 14, (uint32_t)(sod / 60 % 60), 2);
    tmp[16] = ':';
    put_digits(tmp + 17, (uint32_t)(sod % 60), 2);
    size_t n = 19;
    if (digits > 0) {
        tmp[n++] = '.';
        int64_t f = frac;
        for (int i = digits; i < 9; i++) {
            f /= 10;
        }
        put_digits(tmp + n, (uint32_t)f, digits);
        n += (size_t)digits;
    }
    tmp[n++] = 'Z';
    if (cap > 0) {
        size_t c = n < cap ? n : cap - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return n;
}

int vleo_epoch_parse(const char *s, vleo_epoch_t *epoch) {
    int64_t utc;
    if (vleo_parse_iso8601(s, &utc) != 0) {
        return -1;
    }
    epoch->utc_unix_ns = utc;
    if (utc == -VLEO_UNIX_MINUS_1958_S * VLEO_NS_PER_S) {
        /* CCSDS level 1 epoch: 1958-01-01 on the TAI scale itself. */
        epoch->tai_ns = 0;
    } else {
        /* GPS 1980-01-06 falls here too: the table gives TAI - UTC = 19 s then. */
        epoch->tai_ns = vleo_utc_to_tai(utc);
    }
    return 0;
}
