/* stats_internal.h - what the statistics views share (stats_common.c) and how stats.c registers
 * them: the tshark text forms (stats_text.c, stats_timers.c), the Wireshark tables (stats_table.c,
 * stats_timers_table.c) and the summary tree (stats_summary_tree.c). */
#ifndef TCPCLOSE_STATS_INTERNAL_H
#define TCPCLOSE_STATS_INTERNAL_H

#include <epan/packet.h>

#include "closure.h"
#include "connections.h"
#include "segment.h"

/* Warnings: the warning-severity expert infos of tcpclose, by their filter names. */
enum warning {
    W_FIN_UNACKED,
    W_FIN_UNANSWERED,
    W_IGNORED_AFTER_RST,
    W_RST_OUT_OF_WINDOW,
    W_RST_NO_CONNECTION,
    W_TIME_WAIT_ASSASSINATION,
    W_SUSPECTED_RST_INJECTION,
    W_CROSSED_FIN,
    W_COUNT
};

extern const struct warning_info {
    const char *name;
    guint32 event; /* 0: judged from the connection's final state (tc_fin_outcome) */
} warning_info[W_COUNT];

/* Closure types as rows: the five closing types, then OPEN (never began closing). */
#define TYPE_ROWS 6
extern const enum tc_close_type type_of_row[TYPE_ROWS];
const char *type_token(enum tc_close_type type); /* tc_type_name, or OPEN for none */
int row_of_type(enum tc_close_type type);

/* Active sides as columns: CLIENT, SERVER, BOTH; -1 for none. */
int column_of_side(enum tc_side side);
#define CAUSES TC_CAUSE_COUNT

/* What the closing segments of one connection said, gathered from the tap. */

struct conn_agg {
    enum tc_rst_cause close_rst_cause; /* of the RST that began the close, if one did */
    enum tc_rst_cause rst_cause;       /* of the RST that reset the connection (phase RST) */
    enum tc_state client_state;        /* after the last annotated segment */
    enum tc_state server_state;
    gboolean annotated;
    gboolean matched;      /* a closing segment matched the filter */
    guint32 last_frame;    /* to take each segment once when a listener sees a pass again */
    guint events[W_COUNT]; /* occurrences of the event warnings */
};

/* A table conn -> struct conn_agg. */
GHashTable *aggs_new(void);
/* Takes in the closing segment r (the tap's data); matched: it passed the display filter. */
struct conn_agg *aggs_add(GHashTable *aggs, const struct tcpclose_segment *r, gboolean matched);

/* Text for tables: value in decimal; ns as seconds with six decimals ("%.6f"); an endpoint of
 * conn as address:port ([address]:port for IPv6).  Each returns out. */
#define DECIMAL_TEXT_SIZE 21
#define SECONDS_TEXT_SIZE 29
#define ENDPOINT_TEXT_SIZE 56
const char *decimal_text(char out[DECIMAL_TEXT_SIZE], guint64 value);
const char *seconds_text(char out[SECONDS_TEXT_SIZE], gint64 ns);
void format_endpoint(char out[ENDPOINT_TEXT_SIZE], const struct tcpclose_conn *conn, unsigned endpoint);
/* An endpoint with an idle timer, as both timer views name it: "198.51.100.2:80" for a server,
 * "192.0.2.1" for a client (a client is its address: its ports change with every connection). */
struct idle_timer_endpoint;
void timer_endpoint_text(char out[ENDPOINT_TEXT_SIZE], const struct idle_timer_endpoint *t);

/* One connection, as every view shows it. */
struct conn_facts {
    const struct tcpclose_conn *conn;
    char client[ENDPOINT_TEXT_SIZE]; /* address:port, [address]:port for IPv6 */
    char server[ENDPOINT_TEXT_SIZE];
    enum tc_close_type type; /* TC_TYPE_NONE: never began closing (OPEN) */
    enum tc_side side;
    enum tc_rst_cause cause; /* the connection's RST: the one that began the close, else the one that ended it */
    guint32 close_frame;     /* 0: none */
    guint32 complete_frame;  /* 0: the close has not completed and no RST ended it */
    gboolean finished;       /* completed or reset: complete_frame and duration are known */
    double duration;         /* seconds from close_frame to complete_frame */
    gint64 duration_ns;      /* the same in nanoseconds */
    enum tc_state client_state;
    enum tc_state server_state;
    guint warn[W_COUNT];
    guint warnings;
};

/* The facts of conn from its record and agg (NULL: no closing segment seen); with_addresses
 * fills client and server.  whole: the whole capture has been stored (a view drawn after the last
 * packet, a later pass), so the RST cause is decided with the inferred idle timers as the
 * dissector decides it on later passes (idle_timer_rst_cause); else it is the first pass's. */
void facts_of(const struct tcpclose_conn *conn, const struct conn_agg *agg, gboolean with_addresses, gboolean whole,
              struct conn_facts *f);

/* Nearest-rank percentile of sorted values, and the comparison to sort them with. */
double percentile(const double *sorted, guint count, guint pct);
int compare_doubles(const void *a, const void *b);

/* Registration, called by tcpclose_register_stats. */
void stats_text_register(void);
void stats_table_register(void);
void stats_summary_tree_register(void);
void stats_timers_register(void);
void stats_timers_table_register(void);

#endif
