/* packet-tcpclose.h - registration entry points of the TCP Connection Closure post-dissector. */
#ifndef TCPCLOSE_PACKET_TCPCLOSE_H
#define TCPCLOSE_PACKET_TCPCLOSE_H

#include <epan/packet.h>

void proto_register_tcpclose(void);
void proto_reg_handoff_tcpclose(void);

#endif
