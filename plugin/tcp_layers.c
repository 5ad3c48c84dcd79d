/* tcp_layers.c - finds the TCP layers of a frame in its protocol tree and reads their headers.
 *
 * Why a walk of the tree's top level: every encapsulation (IP-in-IP, GRE, VXLAN, Teredo...)
 * adds its inner IP and TCP layers at the top level, while ICMP and ICMPv6 errors put the
 * TCP header they quote inside their own subtree.  Walking the top level therefore yields
 * exactly the TCP segments the frame carries, each after the IP header that carried it.
 * The header values are read from the packet bytes the TCP item covers, so the post-dissector
 * only has to ask for a handful of fields.
 */
#include "tcp_layers.h"

#include <epan/ftypes/ftypes.h>
#include <epan/packet.h>
#include <wsutil/pint.h>

static int proto_ip = -1;
static int proto_ipv6 = -1;
static int proto_tcp = -1;
static int hf_tcp_len = -1;    /* present only when the whole TCP header and its length are known */
static int hf_tcp_stream = -1;

void tcp_layers_init(void)
{
    proto_ip = proto_get_id_by_filter_name("ip");
    proto_ipv6 = proto_get_id_by_filter_name("ipv6");
    proto_tcp = proto_get_id_by_filter_name("tcp");
    hf_tcp_len = proto_registrar_get_id_byname("tcp.len");
    hf_tcp_stream = proto_registrar_get_id_byname("tcp.stream");
}

GArray *tcp_layers_wanted_hfids(void)
{
    /* Only TCP's: whatever is asked for costs on every packet.  The IP, IPv6, ICMP and ICMPv6
     * items need no asking: Wireshark never fakes an item at the top of the tree, so every
     * protocol layer's item is there (and an ICMP error's item holds the headers it quotes).
     * Asking for "ip" would also make the IPv4 dissector build its whole subtree, which it
     * skips when nobody refers to it. */
    const int wanted[] = {proto_tcp, hf_tcp_len, hf_tcp_stream};
    GArray *hfids = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    for (size_t i = 0; i < G_N_ELEMENTS(wanted); i++) {
        if (wanted[i] > 0)
            g_array_append_val(hfids, wanted[i]);
    }
    return hfids;
}

/* Copies source and destination address of the IP header whose item is ip_fi. */
static void read_addresses(const field_info *ip_fi, struct tcp_layer *layer)
{
    layer->addr_len = 0;
    if (ip_fi == NULL || ip_fi->ds_tvb == NULL || !tvb_bytes_exist(ip_fi->ds_tvb, ip_fi->start, 1))
        return;
    tvbuff_t *tvb = ip_fi->ds_tvb;
    gint start = ip_fi->start;
    guint8 version = tvb_get_guint8(tvb, start) >> 4;
    if (version == 4 && tvb_bytes_exist(tvb, start, 20)) {
        const guint8 *ip = tvb_get_ptr(tvb, start, 20);
        memcpy(layer->src_addr, ip + 12, 4);
        memcpy(layer->dst_addr, ip + 16, 4);
        layer->addr_len = 4;
    } else if (version == 6 && tvb_bytes_exist(tvb, start, 40)) {
        const guint8 *ip = tvb_get_ptr(tvb, start, 40);
        memcpy(layer->src_addr, ip + 8, 16);
        memcpy(layer->dst_addr, ip + 24, 16);
        layer->addr_len = 16;
    }
}

/* Finds the window scale option (kind 3, RFC 7323) among a SYN's options. */
static void read_window_shift(tvbuff_t *tvb, gint start, struct tcp_layer *layer)
{
    gint header_len = (tvb_get_guint8(tvb, start + 12) >> 4) * 4;
    gint end = start + header_len;

    if (header_len <= 20 || !tvb_bytes_exist(tvb, start, header_len))
        return;
    for (gint at = start + 20; at < end;) {
        guint8 kind = tvb_get_guint8(tvb, at);
        if (kind == 0) /* end of option list */
            return;
        if (kind == 1) { /* no-operation */
            at++;
            continue;
        }
        if (at + 1 >= end)
            return;
        guint8 len = tvb_get_guint8(tvb, at + 1);
        if (len < 2 || at + len > end)
            return; /* malformed: stop rather than guess */
        if (kind == 3 && len == 3) {
            layer->seg.has_window_shift = true;
            layer->seg.window_shift = tvb_get_guint8(tvb, at + 2);
            return;
        }
        at += len;
    }
}

/* Reads the TCP header under tcp_node; false when it is incomplete or quoted. */
static gboolean read_layer(proto_node *tcp_node, const field_info *ip_fi, struct tcp_layer *layer)
{
    const field_info *tcp_fi = PNODE_FINFO(tcp_node);
    gboolean have_len = FALSE, have_stream = FALSE;

    for (proto_node *child = tcp_node->first_child; child != NULL; child = child->next) {
        field_info *fi = PNODE_FINFO(child);
        if (fi == NULL)
            continue;
        if (fi->hfinfo->id == hf_tcp_len) {
            layer->seg.payload_len = fvalue_get_uinteger(&fi->value);
            have_len = TRUE;
        } else if (fi->hfinfo->id == hf_tcp_stream) {
            layer->stream = fvalue_get_uinteger(&fi->value);
            have_stream = TRUE;
        }
    }
    /* The TCP dissector gives no length for IP fragments, ICMP quotes and short headers. */
    if (!have_len || !have_stream || tcp_fi->ds_tvb == NULL || !tvb_bytes_exist(tcp_fi->ds_tvb, tcp_fi->start, 20))
        return FALSE;

    /* One pointer to the fixed header rather than a bounds-checked read per field: this runs
     * for every TCP segment of the capture. */
    tvbuff_t *tvb = tcp_fi->ds_tvb;
    gint start = tcp_fi->start;
    const guint8 *h = tvb_get_ptr(tvb, start, 20);
    layer->seg.src_port = pntoh16(h);
    layer->seg.dst_port = pntoh16(h + 2);
    layer->seg.seq = pntoh32(h + 4);
    layer->seg.ack = pntoh32(h + 8);
    layer->seg.flags = pntoh16(h + 12) & 0x0fff;
    layer->seg.window = pntoh16(h + 14);
    layer->tvb = tvb;
    layer->payload_offset = start + (h[12] >> 4) * 4;
    if (layer->seg.flags & TC_FLAG_SYN)
        read_window_shift(tvb, start, layer);
    read_addresses(ip_fi, layer);
    return TRUE;
}

/* A TCP header of which fewer than its fixed 20 bytes were captured. */
static gboolean cut_short(const field_info *tcp_fi)
{
    return tcp_fi->ds_tvb != NULL && !tvb_bytes_exist(tcp_fi->ds_tvb, tcp_fi->start, 20) &&
           tvb_reported_length_remaining(tcp_fi->ds_tvb, tcp_fi->start) >= 20;
}

unsigned tcp_layers_read(proto_tree *tree, struct tcp_layer *layers, unsigned max, unsigned *truncated)
{
    const field_info *ip_fi = NULL; /* the IP header the next TCP header travels in */
    unsigned count = 0;

    *truncated = 0;
    if (tree == NULL)
        return 0;
    for (proto_node *node = tree->first_child; node != NULL && count < max; node = node->next) {
        const field_info *fi = PNODE_FINFO(node);
        if (fi == NULL)
            continue;
        int id = fi->hfinfo->id;
        if (id == proto_ip || id == proto_ipv6) {
            ip_fi = fi;
        } else if (id == proto_tcp) {
            memset(&layers[count], 0, sizeof layers[count]);
            if (read_layer(node, ip_fi, &layers[count]))
                count++;
            else if (cut_short(fi))
                (*truncated)++;
        }
    }
    return count;
}
