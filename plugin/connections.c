/* connections.c - the capture's TCP connections: a table from tcp.stream to the current
 * incarnation's record, plus every record in order of appearance (for statistics). */
#include "connections.h"

#include <wsutil/wmem/wmem.h>

static wmem_map_t *by_stream;  /* tcp.stream + 1 -> current struct tcpclose_conn */
static wmem_list_t *in_order;  /* every struct tcpclose_conn, first seen first */

static void connections_reset(void)
{
    by_stream = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    in_order = wmem_list_new(wmem_file_scope());
}

void connections_register(void)
{
    register_init_routine(connections_reset);
}

/* Endpoint 0 sent the connection's first segment seen. */
static unsigned endpoint_of(const struct tcpclose_conn *conn, const struct tcp_layer *layer)
{
    /* Ports alone decide unless both ends use the same port (e.g. BGP's 179 to 179). */
    if (layer->seg.src_port != layer->seg.dst_port)
        return layer->seg.src_port == conn->port[0] ? 0 : 1;
    return layer->addr_len == conn->addr_len && memcmp(layer->src_addr, conn->addr[0], layer->addr_len) == 0 ? 0
                                                                                                           : 1;
}

static struct tcpclose_conn *new_record(const struct tcp_layer *layer, gboolean from_first_sender)
{
    struct tcpclose_conn *conn = wmem_new0(wmem_file_scope(), struct tcpclose_conn);
    unsigned src = from_first_sender ? 0 : 1;
    conn->stream = layer->stream;
    conn->first_frame = layer->seg.frame;
    conn->port[src] = layer->seg.src_port;
    conn->port[1 - src] = layer->seg.dst_port;
    conn->addr_len = layer->addr_len;
    memcpy(conn->addr[src], layer->src_addr, layer->addr_len);
    memcpy(conn->addr[1 - src], layer->dst_addr, layer->addr_len);
    wmem_list_append(in_order, conn);
    return conn;
}

struct tcpclose_conn *connections_find(struct tcp_layer *layer)
{
    gpointer key = GUINT_TO_POINTER(layer->stream + 1);
    struct tcpclose_conn *conn = (struct tcpclose_conn *)wmem_map_lookup(by_stream, key);

    if (conn == NULL) {
        conn = new_record(layer, TRUE);
        wmem_map_insert(by_stream, key, conn);
    }
    layer->seg.sender = endpoint_of(conn, layer);
    if (tc_starts_new_incarnation(&conn->machine, &layer->seg)) {
        /* Keep the endpoints' numbering; the old record stays for the frames pointing to it. */
        conn = new_record(layer, layer->seg.sender == 0);
        wmem_map_insert(by_stream, key, conn);
    }
    return conn;
}

void connections_foreach(void (*fn)(const struct tcpclose_conn *conn, void *user), void *user)
{
    if (in_order == NULL)
        return;
    for (wmem_list_frame_t *item = wmem_list_head(in_order); item != NULL; item = wmem_list_frame_next(item))
        fn((const struct tcpclose_conn *)wmem_list_frame_data(item), user);
}
