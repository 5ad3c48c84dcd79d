/* tcp_front.c - tcpclose's place in front of the TCP dissector, where it sees every segment.
 *
 * Why not ask for TCP's fields, as a post-dissector usually does: asking for any field makes
 * tshark build a protocol tree for every packet, and filling that tree costs TCP more than
 * tcpclose's whole analysis (the benchmark in the README measured +25% on a tree-less job).
 * Without a tree, though, a post-dissector cannot see a TCP header, and the "tcp" tap runs only
 * after the post-dissectors.
 *
 * So tcpclose takes TCP's entry in the "ip.proto" table (which every IPv4, IPv6 and tunnel
 * path goes through) with a handle that belongs to no protocol: it adds no layer and changes
 * nothing the user sees.  It reads the fixed header from the bytes it is handed, passes the
 * segment to TCP unchanged, and keeps the header until the post-dissector takes it; by then TCP
 * has given the segment its conversation, which holds the stream number.  (Done here, right
 * after TCP, the segments TCP throws on would need exception handling of tcpclose's own, and its
 * subtree would come before Wireshark's "Malformed Packet" item on them: a post-dissector runs
 * in any case, in the TRY block Wireshark keeps for post-dissectors, the two about 250
 * instructions a frame.)  The checks below are TCP's own, so a segment is analysed exactly when
 * TCP computes its tcp.len.
 */
#include "tcp_front.h"

#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/ipproto.h>

#define TCP_FIXED_HEADER 20

/* Network byte order, read here rather than with Wireshark's pint.h, whose names changed in 4.6. */
static inline guint16 read_be16(const guint8 *p)
{
    return (guint16)(p[0] << 8 | p[1]);
}

static inline guint32 read_be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static dissector_handle_t tcp_handle;
static int proto_tcp = -1;
static protocol_t *analyser;
/* Whether the analyser is enabled, read when a dissection begins: Wireshark dissects anew when it
 * is enabled or disabled, and asking for every segment cost a call and 20 instructions. */
static gboolean analysing;

/* What the first pass saw of the frame being dissected, until the post-dissector takes it. */
struct pending_layer {
    struct tcp_layer layer;
    address src, dst; /* as TCP was handed them, when not IPv4 or IPv6 (layer.addr_len 0) */
};
static struct {
    guint32 frame;
    guint32 streams_before; /* TCP's stream count before it dissected the frame */
    unsigned headers;       /* TCP headers handed to TCP in the frame, of any kind */
    unsigned count;
    unsigned cut_short;
    struct pending_layer item[TCP_LAYERS_MAX];
} pending;

/* Finds the window scale option (kind 3, RFC 7323) among a SYN's options. */
static void read_window_shift(const guint8 *header, guint header_len, struct tcp_layer *layer)
{
    for (guint at = TCP_FIXED_HEADER; at < header_len;) {
        guint8 kind = header[at];
        if (kind == 0) /* end of option list */
            return;
        if (kind == 1) { /* no-operation */
            at++;
            continue;
        }
        if (at + 1 >= header_len)
            return;
        guint8 len = header[at + 1];
        if (len < 2 || at + len > header_len)
            return; /* malformed: stop rather than guess */
        if (kind == 3 && len == 3) {
            layer->seg.has_window_shift = true;
            layer->seg.window_shift = header[at + 2];
            return;
        }
        at += len;
    }
}

/* The addresses stay zero-padded to 16 bytes (read_header clears the layer): the stream cache
 * then compares and hashes a fixed length, which the compiler does inline. */
static void read_addresses(const packet_info *pinfo, struct tcp_layer *layer)
{
    if (pinfo->dst.type != pinfo->src.type || pinfo->dst.len != pinfo->src.len)
        return;
    /* Each length copied as a constant: copies of a length known only at run time took a string
     * instruction each, slow to start for a few bytes. */
    if (pinfo->src.type == AT_IPv4 && pinfo->src.len == 4) {
        memcpy(layer->src_addr, pinfo->src.data, 4);
        memcpy(layer->dst_addr, pinfo->dst.data, 4);
        layer->addr_len = 4;
    } else if (pinfo->src.type == AT_IPv6 && pinfo->src.len == 16) {
        memcpy(layer->src_addr, pinfo->src.data, 16);
        memcpy(layer->dst_addr, pinfo->dst.data, 16);
        layer->addr_len = 16;
    }
}

enum header_kind {
    HEADER_COMPLETE,  /* analysed once TCP has seen it */
    HEADER_CUT_SHORT, /* fewer than 20 bytes captured of a longer segment */
    HEADER_IGNORED,   /* quoted in an ICMP error, an IP fragment, or a runt */
};

/* Reads what the state machine needs, with TCP's own conditions for knowing tcp.len. */
static enum header_kind read_header(tvbuff_t *tvb, const packet_info *pinfo, struct tcp_layer *layer)
{
    /* An ICMP error quotes only the start of a segment, and a fragment's length is unknown. */
    if (pinfo->flags.in_error_pkt || pinfo->fragmented)
        return HEADER_IGNORED;
    guint reported = tvb_reported_length(tvb);
    if (tvb_captured_length(tvb) < TCP_FIXED_HEADER)
        return reported >= TCP_FIXED_HEADER ? HEADER_CUT_SHORT : HEADER_IGNORED;

    /* One pointer to the fixed header rather than a bounds-checked read per field: this runs
     * for every TCP segment of the capture. */
    const guint8 *h = tvb_get_ptr(tvb, 0, TCP_FIXED_HEADER);
    guint header_len = (h[12] >> 4) * 4u;
    if (reported < header_len)
        return HEADER_IGNORED; /* TCP: "Short segment", no tcp.len */

    memset(layer, 0, sizeof *layer);
    layer->seg.src_port = read_be16(h);
    layer->seg.dst_port = read_be16(h + 2);
    layer->seg.seq = read_be32(h + 4);
    layer->seg.ack = read_be32(h + 8);
    layer->seg.flags = read_be16(h + 12) & 0x0fff;
    layer->seg.window = read_be16(h + 14);
    layer->seg.payload_len = reported - header_len;
    layer->tvb = tvb;
    layer->payload_offset = (gint)header_len;
    if ((layer->seg.flags & TC_FLAG_SYN) && header_len > TCP_FIXED_HEADER && tvb_bytes_exist(tvb, 0, header_len))
        read_window_shift(tvb_get_ptr(tvb, 0, header_len), header_len, layer);
    read_addresses(pinfo, layer);
    return HEADER_COMPLETE;
}

/* Which tcp.stream TCP gave a segment, without find_conversation (which hashes the addresses and
 * ports once per direction, about 1,000 instructions a segment).  TCP numbers streams 0, 1, 2...
 * and counts each new one (get_tcp_stream_count), for a new connection as for a SYN that reuses
 * the ports of an old one, whatever the version's rules for that.  So:
 * - when TCP numbered no new stream while it dissected the frame, each segment is in the stream
 *   its addresses and ports were in before: kept in a small table indexed by a hash that both
 *   directions share (a collision, or a connection not seen for a while, costs one full lookup);
 * - when TCP numbered exactly one, and the frame held only this TCP header, the new stream is this
 *   segment's: the count before the frame (TCP headers reach TCP through here, from IPv4, IPv6 and
 *   the tunnels over them);
 * - otherwise (tunnels, several headers), a full lookup. */
#define CACHE_BITS 12
#define CACHE_SLOTS (1u << CACHE_BITS) /* 44 bytes each */

struct cached_stream {
    guint32 stream;
    guint16 port[2];
    guint8 addr_len;    /* 0: empty */
    guint8 addr[2][16]; /* zero-padded, as in struct tcp_layer */
};
static struct cached_stream cache[CACHE_SLOTS];

static void forget_cached_streams(void)
{
    memset(cache, 0, sizeof cache);
}

static void begin_dissection(void)
{
    analysing = proto_is_protocol_enabled(analyser);
}

/* Both directions of a connection land in the same slot: the (zero-padded) addresses are combined
 * by exclusive or, the ports in increasing order; a multiplication mixes them into the top bits. */
static struct cached_stream *cache_slot(const struct tcp_layer *layer)
{
    guint64 src[2], dst[2];
    memcpy(src, layer->src_addr, sizeof src);
    memcpy(dst, layer->dst_addr, sizeof dst);
    guint32 low = MIN(layer->seg.src_port, layer->seg.dst_port);
    guint32 high = MAX(layer->seg.src_port, layer->seg.dst_port);
    guint64 key = src[0] ^ src[1] ^ dst[0] ^ dst[1] ^ (guint64)(low << 16 | high) << 32;
    return &cache[(key * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15)) >> (64 - CACHE_BITS)];
}

static gboolean same_address(const guint8 *a, const guint8 *b)
{
    guint64 a_word[2], b_word[2];
    memcpy(a_word, a, sizeof a_word);
    memcpy(b_word, b, sizeof b_word);
    return a_word[0] == b_word[0] && a_word[1] == b_word[1];
}

/* True when the slot holds the connection from endpoint a to endpoint b, in that order. */
static gboolean slot_holds(const struct cached_stream *c, const guint8 *a, guint16 a_port, const guint8 *b,
                           guint16 b_port)
{
    return c->port[0] == a_port && c->port[1] == b_port && same_address(c->addr[0], a) && same_address(c->addr[1], b);
}

static gboolean cache_matches(const struct cached_stream *c, const struct tcp_layer *layer)
{
    const struct tc_segment *seg = &layer->seg;

    if (c->addr_len != layer->addr_len)
        return FALSE;
    return slot_holds(c, layer->src_addr, seg->src_port, layer->dst_addr, seg->dst_port) ||
           slot_holds(c, layer->dst_addr, seg->dst_port, layer->src_addr, seg->src_port);
}

static void cache_store(struct cached_stream *c, const struct tcp_layer *layer)
{
    c->stream = layer->stream;
    c->port[0] = layer->seg.src_port;
    c->port[1] = layer->seg.dst_port;
    c->addr_len = layer->addr_len;
    memcpy(c->addr[0], layer->src_addr, 16);
    memcpy(c->addr[1], layer->dst_addr, 16);
}

/* The tcp.stream of the conversation TCP looked up, or created, for these addresses and ports at
 * this frame (a new one for a SYN that reuses the ports).  Rare, so kept out of find_stream. */
static G_GNUC_NO_INLINE gboolean look_up_stream(const packet_info *pinfo, struct pending_layer *p)
{
    struct tcp_layer *layer = &p->layer;
    address src, dst;

    if (layer->addr_len > 0) {
        int type = layer->addr_len == 4 ? AT_IPv4 : AT_IPv6;
        set_address(&src, type, layer->addr_len, layer->src_addr);
        set_address(&dst, type, layer->addr_len, layer->dst_addr);
    } else {
        src = p->src;
        dst = p->dst;
    }
    conversation_t *conv =
        find_conversation(pinfo->num, &src, &dst, CONVERSATION_TCP, layer->seg.src_port, layer->seg.dst_port, 0);
    const struct tcp_analysis *tcpd =
        conv != NULL ? (const struct tcp_analysis *)conversation_get_proto_data(conv, proto_tcp) : NULL;
    if (tcpd == NULL)
        return FALSE;
    layer->stream = tcpd->stream;
    return TRUE;
}

/* The tcp.stream TCP gave the segment. */
static gboolean find_stream(const packet_info *pinfo, struct pending_layer *p, guint32 new_streams)
{
    struct tcp_layer *layer = &p->layer;
    struct cached_stream *cached = layer->addr_len > 0 ? cache_slot(layer) : NULL;

    if (new_streams == 0 && cached != NULL && cache_matches(cached, layer)) {
        layer->stream = cached->stream;
        return TRUE;
    }
    if (new_streams == 1 && pending.headers == 1)
        layer->stream = pending.streams_before;
    else if (!look_up_stream(pinfo, p))
        return FALSE;
    if (cached != NULL)
        cache_store(cached, layer);
    return TRUE;
}

/* First pass: keeps what the analyser needs of a TCP header TCP is about to dissect.  Not inlined:
 * in the handle, the handle's own arguments would be saved and restored around each of its calls. */
static G_GNUC_NO_INLINE void note_header(tvbuff_t *tvb, const packet_info *pinfo)
{
    if (pending.frame != pinfo->num) {
        /* The frame's first TCP header (what is pending is a frame's the post-dissector did not
         * see). */
        pending.headers = pending.count = pending.cut_short = 0;
        pending.streams_before = get_tcp_stream_count();
        pending.frame = pinfo->num;
    }
    pending.headers++;
    if (pending.count < TCP_LAYERS_MAX) {
        struct pending_layer *p = &pending.item[pending.count];
        enum header_kind kind = read_header(tvb, pinfo, &p->layer);
        if (kind == HEADER_COMPLETE) {
            if (p->layer.addr_len == 0) {
                copy_address_shallow(&p->src, &pinfo->src);
                copy_address_shallow(&p->dst, &pinfo->dst);
            }
            pending.count++;
        } else if (kind == HEADER_CUT_SHORT) {
            pending.cut_short++;
        }
    }
}

static int dissect_in_front_of_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (analysing && !PINFO_FD_VISITED(pinfo))
        note_header(tvb, pinfo);
    return call_dissector_only(tcp_handle, tvb, pinfo, tree, data);
}

unsigned tcp_front_take(const packet_info *pinfo, struct tcp_layer **layers, unsigned max, unsigned *cut_short)
{
    unsigned count = 0;

    *cut_short = 0;
    if (pending.frame == pinfo->num) {
        *cut_short = pending.cut_short;
        guint32 new_streams = get_tcp_stream_count() - pending.streams_before;
        for (unsigned i = 0; i < pending.count && count < max; i++) {
            if (find_stream(pinfo, &pending.item[i], new_streams))
                layers[count++] = &pending.item[i].layer;
        }
    }
    pending.frame = 0;
    pending.count = pending.cut_short = 0;
    return count;
}

void tcp_front_install(int proto)
{
    analyser = find_protocol_by_id(proto);
    proto_tcp = proto_get_id_by_filter_name("tcp");
    tcp_handle = find_dissector("tcp");
    /* No protocol: the handle adds no layer to frame.protocols.  The description is what the
     * Decode As dialog lists; it must differ from TCP's own. */
    dissector_handle_t front = create_dissector_handle_with_name_and_description(
        dissect_in_front_of_tcp, -1, "tcpclose_tcp_front", "TCP (seen by tcpclose)");
    dissector_add_uint("ip.proto", IP_PROTO_TCP, front);
    register_init_routine(begin_dissection);
    register_cleanup_routine(forget_cached_streams);
}
