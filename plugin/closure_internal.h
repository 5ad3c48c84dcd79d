/* closure_internal.h - what closure.c and rst.c share, and closure_fuzz.c reaches into; not for the glue. */
#ifndef TCPCLOSE_CLOSURE_INTERNAL_H
#define TCPCLOSE_CLOSURE_INTERNAL_H

#include "closure.h"

/* Sequence number comparisons modulo 2^32 (RFC 9293 section 3.4). */
static inline bool seq_geq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}
static inline bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static inline bool has(const struct tc_segment *seg, uint16_t flag)
{
    return (seg->flags & flag) != 0;
}

/* The sequence number after a segment: SYN and FIN take one each (RFC 9293 3.4). */
static inline uint32_t seq_end(uint32_t seq, uint32_t payload_len, uint16_t flags)
{
    return seq + payload_len + ((flags & TC_FLAG_SYN) ? 1u : 0u) + ((flags & TC_FLAG_FIN) ? 1u : 0u);
}

/* tc_process without its short path for quiet segments: closure_fuzz checks that the two agree. */
void tc_process_general(struct tc_connection *conn, const struct tc_config *config, const struct tc_segment *seg,
                        struct tc_annotation *out);

/* rst.c: what the receiver of an RST does with it, and why it was sent. */
const struct tc_sent *tc_rst_answers(const struct tc_connection *conn, const struct tc_segment *rst);
enum tc_rst_check tc_check_rst(const struct tc_connection *conn, const struct tc_segment *rst);
enum tc_rst_cause tc_rst_cause(const struct tc_connection *conn, const struct tc_config *config,
                               const struct tc_segment *rst, uint32_t *answers_frame);

#endif
