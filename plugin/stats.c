/* stats.c - tcpclose's statistics: registers every view.
 *
 * tshark (-z, registered with register_stat_tap_ui, printed by our own draw callbacks; stats_text.c):
 *   -z tcpclose,conns[,FILTER]      one line per connection incarnation, in order of appearance
 *   -z tcpclose,conns,csv[,FILTER]  the same as CSV with a header line, for scripts
 *   -z tcpclose,summary[,FILTER]    counts by closure type x active side, RST cause, warning;
 *                                   connections still open; close duration percentiles
 *   -z tcpclose,ladder,STREAM       the closure of one connection as a text ladder
 *   -z tcpclose,timers[,csv]        the idle timers inferred per endpoint (stats_timers.c)
 * Wireshark (Statistics menu; stats_table.c, stats_summary_tree.c, stats_timers_table.c):
 *   "TCP Connection Closures"        the per-connection table (a stat_tap_table)
 *   "TCP Connection Closure Summary" the summary counts (a stats_tree; -z tcpclose,tree)
 *   "TCP Idle Timers"                the idle timers (a stat_tap_table; -z tcpclose,timers_table)
 *
 * What a connection is comes from its record (connections_foreach: final state once the first
 * pass is over); what only its closing segments say (the RST's cause, warnings, the states after
 * its last annotated segment) comes from the "tcpclose" tap, which delivers every closing segment
 * with its stored annotation on every pass.  tshark draws after the last packet, so a single
 * pass is complete; with a FILTER only the connections with a closing segment matching it are
 * shown.  The taps run with TL_IGNORE_DISPLAY_FILTER: they see every closing segment (for the
 * facts) and are told which ones match (for the selection).
 *
 * An RST cause is what the dissector shows on later passes: once the whole capture has been
 * stored (drawing after the last packet, or tapping on a later pass), the idle timers inferred
 * from it may decide IDLE_TIMEOUT (facts_of, idle_timer_rst_cause), so every view agrees with
 * tshark -2's tcpclose.rst_cause.
 */
#include "stats.h"

#include "stats_internal.h"

void tcpclose_register_stats(void)
{
    stats_text_register();
    stats_table_register();
    stats_summary_tree_register();
    stats_timers_register();
    stats_timers_table_register();
}
