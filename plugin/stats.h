/* stats.h - tcpclose's statistics: tshark's -z tcpclose,... and Wireshark's Statistics menu. */
#ifndef TCPCLOSE_STATS_H
#define TCPCLOSE_STATS_H

/* Registers -z tcpclose,conns[,csv][,FILTER], -z tcpclose,summary[,FILTER],
 * -z tcpclose,ladder,STREAM and -z tcpclose,timers[,csv] for tshark, and for Wireshark the "TCP
 * Connection Closures" and "TCP Idle Timers" tables and the "TCP Connection Closure Summary"
 * statistics tree.  Call once from proto_register_tcpclose, after the "tcpclose" tap is
 * registered. */
void tcpclose_register_stats(void);

#endif
