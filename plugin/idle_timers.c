/* idle_timers.c - idle timers inferred from the closes one endpoint began (see idle_timers.h). */
#include "idle_timers.h"

#include <stdlib.h>

static int compare_ns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* How far apart idle times after one timer may lie, from the shortest of them. */
static int64_t tolerance(int64_t shortest_ns)
{
    int64_t relative = shortest_ns / 100 * IT_TOLERANCE_PERCENT;
    return relative > IT_MIN_TOLERANCE_NS ? relative : IT_MIN_TOLERANCE_NS;
}

bool it_infer(int64_t *idle_ns, size_t count, struct it_timer *out)
{
    size_t best_first = 0, best_count = 0;

    qsort(idle_ns, count, sizeof idle_ns[0], compare_ns);
    /* The widest run of sorted idle times within the tolerance of its first; on a tie the
     * tighter run (a timer is sharp), then the shorter timer. */
    size_t last = 0;
    for (size_t first = 0; first < count; first++) {
        if (idle_ns[first] < IT_MIN_IDLE_NS)
            continue;
        if (last < first)
            last = first;
        while (last + 1 < count && idle_ns[last + 1] - idle_ns[first] <= tolerance(idle_ns[first]))
            last++;
        size_t run = last - first + 1;
        bool tighter = run == best_count &&
                       idle_ns[last] - idle_ns[first] < idle_ns[best_first + best_count - 1] - idle_ns[best_first];
        if (run > best_count || tighter) {
            best_first = first;
            best_count = run;
        }
    }
    if (best_count < IT_MIN_MATCHES)
        return false;
    const int64_t *run = idle_ns + best_first;
    out->timer_ns = best_count % 2 ? run[best_count / 2] : run[best_count / 2 - 1] / 2 + run[best_count / 2] / 2;
    out->low_ns = run[0];
    out->high_ns = run[best_count - 1];
    out->matches = (unsigned)best_count;
    out->closes = (unsigned)count;
    return true;
}
