/* packet-tcpclose.h - registration entry points of the TCP Connection Closure post-dissector. */
#ifndef TCPCLOSE_PACKET_TCPCLOSE_H
#define TCPCLOSE_PACKET_TCPCLOSE_H

#include <epan/packet.h>

#include "closure.h"

/* The timers the preferences set. */
struct tc_config tcpclose_config(void);

/* Whether the frame being dissected, then tapped, is dissected on a later pass: its results were
 * stored on the first, and the whole capture (so far) has been seen.  Taps ask this rather than
 * PINFO_FD_VISITED: Wireshark marks a frame visited before it runs the taps of its first pass. */
gboolean tcpclose_later_pass(void);

void proto_register_tcpclose(void);
void proto_reg_handoff_tcpclose(void);

#endif
