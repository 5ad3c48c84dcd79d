/* plugin.c - the symbols Wireshark looks for when it loads tcpclose.so.
 *
 * Every release line wants plugin_version, plugin_want_major/minor and plugin_register; from 4.2
 * on, plugin_describe says what kind of plugin this is (for "tshark -G plugins"), and 4.0 ignores it.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>

#include "packet-tcpclose.h"
#include "ws_compat.h"

#ifndef TCPCLOSE_VERSION
#define TCPCLOSE_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = TCPCLOSE_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
WS_DLL_PUBLIC uint32_t plugin_describe(void);

void plugin_register(void)
{
    static proto_plugin plugin;

    plugin.register_protoinfo = proto_register_tcpclose;
    plugin.register_handoff = proto_reg_handoff_tcpclose;
    proto_register_plugin(&plugin);
}

uint32_t plugin_describe(void)
{
    return TC_PLUGIN_DESCRIPTION;
}
