/* ws_compat.h - what differs between the Wireshark release lines tcpclose builds for.
 *
 * tcpclose builds from one source tree for Wireshark 4.0, 4.2, 4.4 and 4.6; every difference
 * between their plugin interfaces is covered here, and no other file tests Wireshark's version.
 *
 *   4.2+ reads plugin_describe() to tell what a plugin is (4.0 ignores the symbol, so tcpclose
 *        always exports it);
 *   4.4  boolean preferences are C99 bool (before: gboolean);
 *   4.6  the init callback of a -z statistic returns bool (before: void).
 */
#ifndef TCPCLOSE_WS_COMPAT_H
#define TCPCLOSE_WS_COMPAT_H

#include <stdbool.h>

#include <wireshark.h>

#define TC_WIRESHARK_AT_LEAST(major, minor)                                                                            \
    (WIRESHARK_VERSION_MAJOR > (major) || (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* What plugin_describe() answers.  The flags are in wsutil/plugins.h where Wireshark reads the
 * symbol; 4.0 neither installs that header nor asks.  Keyed on the header itself, not on a
 * version number: 4.2's headers could not be read here. */
#if defined(__has_include)
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif
#endif
#ifdef WS_PLUGIN_DESC_DISSECTOR
#define TC_PLUGIN_DESCRIPTION WS_PLUGIN_DESC_DISSECTOR
#else
#define TC_PLUGIN_DESCRIPTION 1u
#endif

/* The variable behind a boolean preference (prefs_register_bool_preference). */
#if TC_WIRESHARK_AT_LEAST(4, 4)
typedef bool tc_pref_bool;
#else
typedef gboolean tc_pref_bool;
#endif

/* A -z init callback: "static TC_STAT_INIT_RESULT f(const char *, void *)", ending with
 * "return TC_STAT_INIT_OK;" (tcpclose reports a bad argument itself and exits). */
#if TC_WIRESHARK_AT_LEAST(4, 6)
#define TC_STAT_INIT_RESULT bool
#define TC_STAT_INIT_OK true
#else
#define TC_STAT_INIT_RESULT void
#define TC_STAT_INIT_OK
#endif

#endif
