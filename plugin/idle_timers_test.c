/* idle_timers_test.c - unit tests of the idle-timer inference (idle_timers.c), one table of cases,
 * and of what a timer makes of an RST's cause (it_rst_cause), every cause with and without a match. */
#include "idle_timers.h"

#include <stdio.h>

#define S(x) ((int64_t)((x)*1e9 + 0.5)) /* seconds, as nanoseconds */

static int failures, checks;

static void check(const char *scenario, const char *what, long long got, long long want)
{
    checks++;
    if (got != want) {
        failures++;
        fprintf(stderr, "FAIL %s: %s is %lld, expected %lld\n", scenario, what, got, want);
    }
}

int main(void)
{
    static const struct {
        const char *name;
        double idle_s[10];
        size_t count;
        bool found;
        double timer_s;
        unsigned matches;
    } cases[] = {
        {"7 of 9 closes after about 5 s", {5.01, 0.2, 5.0, 5.03, 4.98, 12.0, 5.02, 5.0, 4.99}, 9, true, 5.0, 7},
        {"three are enough", {30.0, 30.4, 29.9}, 3, true, 30.0, 3},
        {"two are not", {30.0, 30.4, 1.5}, 3, false, 0, 0},
        {"within 2 % of the shortest, not more", {100.0, 101.5, 102.0, 104.5}, 4, true, 101.5, 3},
        {"just over 2 % apart", {100.0, 101.0, 102.1}, 3, false, 0, 0},
        {"50 ms at least, for short timers", {1.0, 1.04, 1.05, 2.0}, 4, true, 1.04, 3},
        {"51 ms apart is too far for a 1 s timer", {1.0, 1.051, 1.102}, 3, false, 0, 0},
        {"shorter than 1 s is no timer", {0.5, 0.5, 0.5, 0.5}, 4, false, 0, 0},
        {"an even run: the median between the middle two", {10.0, 10.05, 10.1, 10.15}, 4, true, 10.075, 4},
        {"two timers: the one with more closes", {5.0, 5.0, 5.0, 60.0, 60.0, 60.0, 60.0}, 7, true, 60.0, 4},
        {"a tie: the tighter run", {5.0, 5.09, 5.1, 60.0, 60.0, 60.01}, 6, true, 60.0, 3},
        {"no closes", {0}, 0, false, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t idle[10];
        for (size_t k = 0; k < cases[i].count; k++)
            idle[k] = S(cases[i].idle_s[k]);
        struct it_timer timer = {0};
        bool found = it_infer(idle, cases[i].count, &timer);
        check(cases[i].name, "found", found, cases[i].found);
        if (!found || !cases[i].found)
            continue;
        check(cases[i].name, "timer (ms)", timer.timer_ns / 1000000, S(cases[i].timer_s) / 1000000);
        check(cases[i].name, "matches", timer.matches, cases[i].matches);
        check(cases[i].name, "closes", timer.closes, (long long)cases[i].count);
        /* Every matching idle time matches, and nothing outside the run does. */
        unsigned matching = 0;
        for (size_t k = 0; k < cases[i].count; k++)
            matching += it_matches(&timer, S(cases[i].idle_s[k]));
        check(cases[i].name, "closes it_matches", matching, cases[i].matches);
    }
    /* The causes a timer may replace, and those it never does. */
    static const struct {
        enum tc_rst_cause base, matching, not_matching;
    } causes[] = {
        {TC_CAUSE_ABORT, TC_CAUSE_IDLE_TIMEOUT, TC_CAUSE_ABORT},
        {TC_CAUSE_IDLE_TIMEOUT, TC_CAUSE_IDLE_TIMEOUT, TC_CAUSE_IDLE_TIMEOUT},
        {TC_CAUSE_REFUSED, TC_CAUSE_REFUSED, TC_CAUSE_REFUSED},
        {TC_CAUSE_NO_CONNECTION, TC_CAUSE_NO_CONNECTION, TC_CAUSE_NO_CONNECTION},
        {TC_CAUSE_DATA_AFTER_CLOSE, TC_CAUSE_DATA_AFTER_CLOSE, TC_CAUSE_DATA_AFTER_CLOSE},
        {TC_CAUSE_PEER_UNRESPONSIVE, TC_CAUSE_PEER_UNRESPONSIVE, TC_CAUSE_PEER_UNRESPONSIVE},
        {TC_CAUSE_INVALID_SEGMENT, TC_CAUSE_INVALID_SEGMENT, TC_CAUSE_INVALID_SEGMENT},
        {TC_CAUSE_DATA_CROSSED_FIN, TC_CAUSE_DATA_CROSSED_FIN, TC_CAUSE_DATA_CROSSED_FIN},
        {TC_CAUSE_NONE, TC_CAUSE_NONE, TC_CAUSE_NONE},
    };
    _Static_assert(sizeof causes / sizeof causes[0] == TC_CAUSE_COUNT, "every cause has a case");
    for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++) {
        const char *name = tc_cause_name(causes[i].base);
        check(name, "the cause when the close matches its sender's timer", it_rst_cause(causes[i].base, true),
              causes[i].matching);
        check(name, "the cause when it does not", it_rst_cause(causes[i].base, false), causes[i].not_matching);
        check(name, "it_may_explain", it_may_explain(causes[i].base), causes[i].matching != causes[i].base);
    }
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
