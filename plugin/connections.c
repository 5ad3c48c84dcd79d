/* connections.c - the capture's TCP connections: a table from tcp.stream to the current
 * incarnation's record, and the records themselves, in order of appearance.
 *
 * Memory is the point of this file: a capture may hold millions of connections.
 * - The table is an array: Wireshark numbers TCP streams 0, 1, 2... as they appear, so the stream
 *   index is a dense key.  It grows by fixed chunks of slots, never copied: 8 bytes per stream
 *   and two loads per lookup, where a hash map costs several times that in entries and buckets.
 * - The records are laid end to end in large file-scope blocks, in the order they are created:
 *   no allocator header per record, no list to keep them in order, and the addresses take only
 *   the bytes their family needs (8 for IPv4, 32 for IPv6).
 */
#include "connections.h"

#include <wsutil/wmem/wmem.h>

#define RECORD_BLOCK_BYTES (64 * 1024)
#define SLOTS_PER_CHUNK 4096

/* A block of records; each record's size follows from its addr_len (record_size). */
struct record_block {
    struct record_block *next;
    gsize used;
    guint8 records[]; /* at offset 16: aligned for the records */
};

static GPtrArray *slot_chunks;           /* tcp.stream -> current struct tcpclose_conn, or NULL */
static struct record_block *first_block; /* the records, first seen first */
static struct record_block *last_block;

static void connections_reset(void)
{
    slot_chunks = g_ptr_array_new_with_free_func(g_free);
    first_block = last_block = NULL;
}

static void connections_free(void)
{
    /* The blocks live in file scope and go with it. */
    if (slot_chunks != NULL)
        g_ptr_array_free(slot_chunks, TRUE);
    slot_chunks = NULL;
    first_block = last_block = NULL;
}

void connections_register(void)
{
    register_init_routine(connections_reset);
    register_cleanup_routine(connections_free);
}

/* A record with both endpoints' addresses, rounded up so that the next one stays aligned. */
static gsize record_size(guint8 addr_len)
{
    return (offsetof(struct tcpclose_conn, addr) + 2u * addr_len + 7u) & ~(gsize)7u;
}

static struct tcpclose_conn *allocate_record(guint8 addr_len)
{
    gsize size = record_size(addr_len);

    if (last_block == NULL || last_block->used + size > RECORD_BLOCK_BYTES) {
        struct record_block *block = (struct record_block *)wmem_alloc(
            wmem_file_scope(), offsetof(struct record_block, records) + RECORD_BLOCK_BYTES);
        block->next = NULL;
        block->used = 0;
        if (last_block != NULL)
            last_block->next = block;
        else
            first_block = block;
        last_block = block;
    }
    struct tcpclose_conn *conn = (struct tcpclose_conn *)(void *)(last_block->records + last_block->used);
    memset(conn, 0, size);
    last_block->used += size;
    return conn;
}

/* Endpoint 0 sent the connection's first segment seen. */
static unsigned endpoint_of(const struct tcpclose_conn *conn, const struct tcp_layer *layer)
{
    /* Ports alone decide unless both ends use the same port (e.g. BGP's 179 to 179). */
    if (layer->seg.src_port != layer->seg.dst_port)
        return layer->seg.src_port == conn->port[0] ? 0 : 1;
    return layer->addr_len == conn->addr_len &&
                   memcmp(layer->src_addr, connection_address(conn, 0), layer->addr_len) == 0
               ? 0
               : 1;
}

static struct tcpclose_conn *new_record(const struct tcp_layer *layer, gboolean from_first_sender)
{
    struct tcpclose_conn *conn = allocate_record(layer->addr_len);
    unsigned src = from_first_sender ? 0 : 1;
    conn->stream = layer->stream;
    conn->first_frame = layer->seg.frame;
    conn->port[src] = layer->seg.src_port;
    conn->port[1 - src] = layer->seg.dst_port;
    conn->addr_len = layer->addr_len;
    memcpy(conn->addr + src * layer->addr_len, layer->src_addr, layer->addr_len);
    memcpy(conn->addr + (1 - src) * layer->addr_len, layer->dst_addr, layer->addr_len);
    return conn;
}

/* Where the stream's current record is kept; new slots hold NULL. */
static struct tcpclose_conn **slot_of(guint32 stream)
{
    guint chunk = stream / SLOTS_PER_CHUNK;
    while (chunk >= slot_chunks->len)
        g_ptr_array_add(slot_chunks, g_new0(struct tcpclose_conn *, SLOTS_PER_CHUNK));
    return (struct tcpclose_conn **)g_ptr_array_index(slot_chunks, chunk) + stream % SLOTS_PER_CHUNK;
}

struct tcpclose_conn *connections_find(struct tcp_layer *layer)
{
    struct tcpclose_conn **slot = slot_of(layer->stream);

    if (*slot == NULL)
        *slot = new_record(layer, TRUE);
    layer->seg.sender = endpoint_of(*slot, layer);
    if (tc_starts_new_incarnation(&(*slot)->machine, &layer->seg)) {
        /* Keep the endpoints' numbering; the old record stays for the frames pointing to it. */
        *slot = new_record(layer, layer->seg.sender == 0);
    }
    return *slot;
}

void connections_foreach(void (*fn)(const struct tcpclose_conn *conn, void *user), void *user)
{
    for (const struct record_block *block = first_block; block != NULL; block = block->next) {
        for (gsize at = 0; at < block->used;) {
            const struct tcpclose_conn *conn = (const struct tcpclose_conn *)(const void *)(block->records + at);
            fn(conn, user);
            at += record_size(conn->addr_len);
        }
    }
}
