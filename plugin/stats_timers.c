/* stats_timers.c - tshark's -z tcpclose,timers[,csv]: the idle timers inferred per endpoint
 * (idle_timer_table.c), one line each, drawn after the last packet (one pass is enough). */
#include "idle_timer_table.h"
#include "stats_internal.h"
#include "ws_compat.h"

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct timers_ctx {
    gboolean csv;
};

static tap_packet_status timers_packet(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                       const void *data _U_, tap_flags_t flags _U_)
{
    return TAP_PACKET_DONT_REDRAW; /* the table is built from what the first pass stored */
}

struct timer_line {
    GString *out;
    gboolean csv;
    guint count;
};

static void timer_line(const struct idle_timer_endpoint *t, void *user)
{
    struct timer_line *l = (struct timer_line *)user;
    char endpoint[ENDPOINT_TEXT_SIZE], timer[SECONDS_TEXT_SIZE], spread[SECONDS_TEXT_SIZE];

    timer_endpoint_text(endpoint, t);
    seconds_text(timer, t->timer.timer_ns);
    seconds_text(spread, t->timer.high_ns - t->timer.low_ns);
    g_string_append_printf(l->out, l->csv ? "%s,%s,%s,%s,%u,%u,%s\n" : "%-40s  %-6s  %-9s  %12s  %8u  %6u  %9s\n",
                           endpoint, tc_role_name((enum tc_role)t->role), idle_timer_closed_by(t), timer,
                           t->timer.matches, t->timer.closes, spread);
    l->count++;
}

static void timers_draw(void *tapdata)
{
    const struct timers_ctx *ctx = (const struct timers_ctx *)tapdata;
    struct timer_line lines = {g_string_new(NULL), ctx->csv, 0};

    idle_timers_foreach(timer_line, &lines);
    if (ctx->csv) {
        printf("endpoint,role,closed_by,timer,matching_closes,closes,spread\n%s", lines.out->str);
    } else {
        printf("================================================================================\n"
               "Idle timers (tcpclose): an endpoint that began at least 3 closes after idle times within 2 %%\n"
               "(or 50 ms) of each other, and of 1 s or more; the timer is their median\n"
               "%-40s  %-6s  %-9s  %12s  %8s  %6s  %9s\n%s",
               "endpoint", "role", "closed by", "timer", "matching", "closes", "spread", lines.out->str);
        if (lines.count == 0)
            printf("(none)\n");
        printf("================================================================================\n");
    }
    g_string_free(lines.out, TRUE);
}

static void timers_finish(void *tapdata)
{
    g_free(tapdata);
}

static TC_STAT_INIT_RESULT timers_init(const char *opt_arg, void *userdata _U_)
{
    static const char prefix[] = "tcpclose,timers";
    const char *rest = opt_arg + strlen(prefix);
    struct timers_ctx *ctx = g_new0(struct timers_ctx, 1);

    if (strcmp(rest, "") == 0)
        ctx->csv = FALSE;
    else if (strcmp(rest, ",csv") == 0)
        ctx->csv = TRUE;
    else {
        fprintf(stderr, "tshark: invalid \"-z %s\": expected -z tcpclose,timers or -z tcpclose,timers,csv\n", opt_arg);
        exit(1);
    }
    GString *error = register_tap_listener("tcpclose", ctx, NULL, TL_IGNORE_DISPLAY_FILTER, NULL, timers_packet,
                                           timers_draw, timers_finish);
    if (error != NULL) {
        fprintf(stderr, "tshark: -z %s: %s\n", opt_arg, error->str);
        exit(1);
    }
    return TC_STAT_INIT_OK;
}

void stats_timers_register(void)
{
    static stat_tap_ui cli = {REGISTER_STAT_GROUP_GENERIC, "TCP idle timers", "tcpclose,timers", timers_init, 0, NULL};
    register_stat_tap_ui(&cli, NULL);
}
