/* packet-tcpclose.h - registration entry points of the TCP Connection Closure post-dissector. */
#ifndef TCPCLOSE_PACKET_TCPCLOSE_H
#define TCPCLOSE_PACKET_TCPCLOSE_H

#include <epan/packet.h>

#include "closure.h"

/* The timers the preferences set. */
struct tc_config tcpclose_config(void);

void proto_register_tcpclose(void);
void proto_reg_handoff_tcpclose(void);

#endif
