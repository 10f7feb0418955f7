/* xoshiro256** (Blackman and Vigna), seeded through splitmix64: small,
 * fast and the same on every platform, so a seed names one caseload
 * everywhere (rand() and random() differ between libcs). */
#include <math.h>

#include "sim.h"

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(rng_t *r, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = a ^ (b * 0xd1342543de82ef95ULL) ^ (c * 0xaf251af3b0f025b5ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double rng_unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

int rng_int(rng_t *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

bool rng_chance(rng_t *r, double p)
{
    return rng_unit(r) < p;
}

static double normal(rng_t *r)
{
    double u = rng_unit(r), v = rng_unit(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

double rng_lognormal(rng_t *r, double median, double sigma)
{
    return median * exp(sigma * normal(r));
}

int rng_poisson(rng_t *r, double lambda)
{
    if (lambda <= 0)
        return 0;
    if (lambda > 50) {
        double x = lambda + sqrt(lambda) * normal(r) + 0.5;
        return x < 0 ? 0 : (int)x;
    }
    double l = exp(-lambda), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= rng_unit(r);
    } while (p > l);
    return k - 1;
}
