/* packet-tcpclose.c - the TCP Connection Closure post-dissector: registration, fields and the
 * tree.  The analysis itself is closure.c; this file only feeds it and shows what it says.
 *
 * tcp_front.c sees each TCP segment as TCP dissects it.  On the first pass the post-dissector
 * takes those segments, runs the state machine and stores each closing segment's annotation
 * (frame_results.c); every pass draws from what was stored.  Single-pass tshark, tshark -2 and
 * the GUI therefore show the same annotations; facts that need later packets (was this FIN ever
 * acknowledged?) are read from the connection's final state and appear once the frame is
 * visited again.
 */
#include "packet-tcpclose.h"

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <wsutil/wmem/wmem.h>

#include "closure.h"
#include "connections.h"
#include "frame_results.h"
#include "idle_timer_table.h"
#include "stats.h"
#include "tcp_front.h"
#include "ws_compat.h"

static int proto_tcpclose = -1;
static header_field_info *tcpclose_hfinfo; /* the subtree's own field: is it asked for? */

/* A field, with its registered record at hand: asking the record whether anything asked for the
 * field costs a few instructions, proto_field_is_referenced fifteen and a call. */
struct field {
    int id; /* first: hf_register_info points here */
    const header_field_info *info;
};
/* Every field's record, for any_field_asked_for. */
static const header_field_info **field_infos;
static size_t field_count;

static struct field hf_stream = {-1, NULL};
static struct field hf_phase = {-1, NULL};
static struct field hf_sender = {-1, NULL};
static struct field hf_active_side = {-1, NULL};
static struct field hf_client_state = {-1, NULL};
static struct field hf_server_state = {-1, NULL};
static struct field hf_type = {-1, NULL};
static struct field hf_roles_guessed = {-1, NULL};
static struct field hf_close_frame = {-1, NULL};
static struct field hf_fin_acked_in = {-1, NULL};
static struct field hf_acks_fin = {-1, NULL};
static struct field hf_rst_frame = {-1, NULL};
static struct field hf_time_since_close = {-1, NULL};
static struct field hf_rst_check = {-1, NULL};
static struct field hf_rst_cause = {-1, NULL};
static struct field hf_rst_answers = {-1, NULL};
static struct field hf_idle_before_rst = {-1, NULL};
static struct field hf_idle_before_close = {-1, NULL};
static struct field hf_idle_timer = {-1, NULL};
static struct field hf_rst_text = {-1, NULL};
static struct field hf_cannot_know = {-1, NULL};
static int ett_tcpclose = -1;

static expert_field ei_fin_unacked = EI_INIT;
static expert_field ei_fin_unanswered = EI_INIT;
static expert_field ei_ignored_after_rst = EI_INIT;
static expert_field ei_rst_refused = EI_INIT;
static expert_field ei_rst_after_fin = EI_INIT;
static expert_field ei_data_after_fin = EI_INIT;
static expert_field ei_fin_retransmission = EI_INIT;
static expert_field ei_simultaneous_close = EI_INIT;
static expert_field ei_closed_gracefully = EI_INIT;
static expert_field ei_rst_out_of_window = EI_INIT;
static expert_field ei_rst_challenged = EI_INIT;
static expert_field ei_rst_no_connection = EI_INIT;
static expert_field ei_time_wait_assassination = EI_INIT;
static expert_field ei_suspected_rst_injection = EI_INIT;
static expert_field ei_rst_with_data = EI_INIT;
static expert_field ei_fin_not_captured = EI_INIT;
static expert_field ei_truncated = EI_INIT;
static expert_field ei_crossed_fin = EI_INIT;
static expert_field ei_idle_timer_close = EI_INIT;

#define PROTOCOL_NAME "TCP Connection Closure"

static tc_pref_bool pref_info_tag = TRUE;
static guint pref_time_wait_s = 60;
static guint pref_idle_timeout_s = 300;

/* "ACTIVE_FIN by client" for every phase and sender, written once at registration, for the Info
 * tag and the subtree label: formatting the Info tag for each closing segment cost 1,150
 * instructions, copying it in three pieces costs 450. */
static char phase_by_sender[TC_PHASE_COUNT][2][32];

static int tcpclose_tap = -1;

/* The timers the preferences set, read when a dissection begins (Wireshark dissects anew when a
 * preference changes) rather than for every segment. */
static struct tc_config config;

static void read_preferences(void)
{
    config = (struct tc_config){(gint64)pref_time_wait_s * 1000000000, (gint64)pref_idle_timeout_s * 1000000000};
}

/* Runs one TCP layer through its connection's state machine. */
static gboolean analyse_layer(packet_info *pinfo, struct tcp_layer *layer, struct tcpclose_segment *result)
{
    layer->seg.frame = pinfo->num;
    /* Clamped to about 2096 either side of 1970, so that times and their differences fit 64 bits
     * (pcapng can store any time). */
    gint64 secs = CLAMP((gint64)pinfo->abs_ts.secs, -G_GINT64_CONSTANT(4000000000), G_GINT64_CONSTANT(4000000000));
    layer->seg.time_ns = secs * 1000000000 + pinfo->abs_ts.nsecs;
    struct tcpclose_conn *conn = connections_find(layer);
    tc_process(&conn->machine, &config, &layer->seg, &result->ann);
    if (result->ann.phase == TC_PHASE_NONE)
        return FALSE;

    result->rst_text = NULL;
    if ((layer->seg.flags & TC_FLAG_RST) && layer->seg.payload_len > 0) {
        /* RFC 9293 3.5.3: an RST may carry diagnostic text; keep it for every later pass. */
        gint shown =
            MIN((gint)layer->seg.payload_len, tvb_captured_length_remaining(layer->tvb, layer->payload_offset));
        if (shown > 0)
            result->rst_text = tvb_format_text(wmem_file_scope(), layer->tvb, layer->payload_offset, MIN(shown, 256));
    }
    if (result->ann.close_frame == pinfo->num)
        conn->close_time_ns = layer->seg.time_ns;
    if (conn->machine.complete_frame == pinfo->num)
        conn->complete_time_ns = layer->seg.time_ns;
    result->since_close_ns = layer->seg.time_ns - conn->close_time_ns;
    result->conn = conn;
    result->payload_len = layer->seg.payload_len;
    result->flags = layer->seg.flags;
    result->sender_endpoint = (guint8)layer->seg.sender;
    return TRUE;
}

/* First pass: analyses the frame's TCP segments and stores what they say. */
static struct frame_results analyse_frame(packet_info *pinfo)
{
    struct tcp_layer *layers[TCP_LAYERS_MAX];
    struct tcpclose_segment results[TCP_LAYERS_MAX];
    guint count = 0, cut_short;
    guint layer_count = tcp_front_take(pinfo, layers, TCP_LAYERS_MAX, &cut_short);

    for (guint i = 0; i < layer_count; i++) {
        if (analyse_layer(pinfo, layers[i], &results[count]))
            count++;
    }
    if (count == 0 && cut_short == 0)
        return (struct frame_results){0, 0, NULL};
    return frame_results_store(pinfo->num, cut_short, results, count);
}

static const char *role_word(enum tc_role role)
{
    return role == TC_CLIENT ? "client" : "server";
}

/* Whether to make tcpclose's subtree.  In a tree nobody will see, Wireshark fakes (does not
 * make) the items that no filter or printed field asks for, protocols too unless the tree says
 * otherwise (as for the protocol hierarchy), but never at the top of the tree, where a
 * post-dissector adds its protocol.  tcpclose fakes its own subtree by the same rule: when only
 * some of its fields are asked for (-Y 'tcpclose.phase == "RST"', -T fields -e tcpclose.phase
 * from 4.4 on), they go at the top and the subtree is not made, which saves its item (700
 * instructions on 4.4) and the field export's look at it. */
static gboolean subtree_wanted(proto_tree *tree)
{
    /* From 4.4 on, HF_REF_TYPE_PRINT (asked for by -e tcpclose) follows HF_REF_TYPE_DIRECT. */
    return tree != NULL && (PTREE_DATA(tree)->visible || !PTREE_DATA(tree)->fake_protocols ||
                            tcpclose_hfinfo->ref_type >= HF_REF_TYPE_DIRECT);
}

/* The items below are made only when asked for (always in a visible tree).  Asking costs about
 * 15 instructions; a faked item 60, a string item 100, and an item at the top of the tree, where
 * they go without the subtree, is never faked. */
static gboolean asked_for(proto_tree *tree, const struct field *f)
{
    /* proto_field_is_referenced, for a field that is not a protocol */
    return tree != NULL && (PTREE_DATA(tree)->visible || f->info->ref_type != HF_REF_TYPE_NONE);
}

static proto_item *put_string(proto_tree *tree, const struct field *f, const char *value)
{
    proto_item *pi = proto_tree_add_string(tree, f->id, NULL, 0, 0, value);
    proto_item_set_generated(pi);
    return pi;
}

static proto_item *add_string(proto_tree *tree, const struct field *f, const char *value)
{
    return asked_for(tree, f) ? put_string(tree, f, value) : NULL;
}

static void add_frame(proto_tree *tree, const struct field *f, guint32 frame)
{
    if (frame != 0 && asked_for(tree, f))
        proto_item_set_generated(proto_tree_add_uint(tree, f->id, NULL, 0, 0, frame));
}

static void add_time(proto_tree *tree, const struct field *f, gint64 ns)
{
    if (asked_for(tree, f)) {
        nstime_t t = ns_to_nstime(ns);
        proto_item_set_generated(proto_tree_add_time(tree, f->id, NULL, 0, 0, &t));
    }
}

/* The expert infos as registered, to read their severities (which the user may change), and
 * what else shows an expert info: the "expert" tap and the _ws.expert fields. */
static const ei_register_info *experts_registered;
static int first_expert_id, last_expert_id; /* registered one after the other: checked */
static int expert_tap = -1;
static const header_field_info *expert_fields[4];

static int severity_of(const expert_field *ei)
{
    if (first_expert_id < 0 || ei->ei < first_expert_id || ei->ei > last_expert_id)
        return G_MAXINT; /* unknown: taken as one that raises the capture's highest severity */
    return experts_registered[ei->ei - first_expert_id].eiinfo.severity;
}

/* Whether an expert info added now would show anywhere.  Adding one costs about 300
 * instructions: in a tree nobody sees, without columns (a field export, a filter), Wireshark
 * fakes its items, and it remains only as the capture's highest severity (the GUI's status bar),
 * the "expert" tap and the _ws.expert fields.  When none of these would change, it is not added:
 * what the user can see is the same, down to the GUI's status bar. */
/* Wireshark registers the "expert" tap when it prepares to dissect, after the handoffs: looked up
 * for each file.  A tap or a field not found counts as one in use. */
static void find_expert_observers(void)
{
    expert_tap = find_tap_id("expert");
    static const char *const names[] = {"_ws.expert", "_ws.expert.message", "_ws.expert.group", "_ws.expert.severity"};
    for (size_t i = 0; i < G_N_ELEMENTS(expert_fields); i++)
        expert_fields[i] = proto_registrar_get_byname(names[i]);
}

static gboolean expert_shows(packet_info *pinfo, proto_tree *tree, const expert_field *ei)
{
    if (pinfo->cinfo != NULL || (tree != NULL && (PTREE_DATA(tree)->visible || !PTREE_DATA(tree)->fake_protocols)))
        return TRUE;
    if (expert_tap <= 0 || have_tap_listener(expert_tap) || severity_of(ei) > expert_get_highest_severity())
        return TRUE;
    if (tree == NULL)
        return FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(expert_fields); i++) {
        if (expert_fields[i] == NULL || expert_fields[i]->ref_type != HF_REF_TYPE_NONE)
            return TRUE;
    }
    return proto_field_is_referenced(tree, ei->hf);
}

static void add_expert(packet_info *pinfo, proto_tree *tree, proto_item *item, expert_field *ei)
{
    if (expert_shows(pinfo, tree, ei))
        expert_add_info(pinfo, item, ei);
}

static void add_events(packet_info *pinfo, proto_tree *tree, proto_item *item, const struct tc_annotation *ann)
{
    static const struct {
        guint32 event;
        expert_field *ei;
    } experts[] = {
        {TC_EV_DATA_AFTER_FIN, &ei_data_after_fin},
        {TC_EV_FIN_RETRANSMISSION, &ei_fin_retransmission},
        {TC_EV_SIMULTANEOUS_CLOSE, &ei_simultaneous_close},
        {TC_EV_CLOSED_GRACEFULLY, &ei_closed_gracefully},
        {TC_EV_RST_REFUSED, &ei_rst_refused},
        {TC_EV_RST_AFTER_FIN, &ei_rst_after_fin},
        {TC_EV_IGNORED_AFTER_RST, &ei_ignored_after_rst},
        {TC_EV_RST_OUT_OF_WINDOW, &ei_rst_out_of_window},
        {TC_EV_RST_CHALLENGED, &ei_rst_challenged},
        {TC_EV_RST_NO_CONNECTION, &ei_rst_no_connection},
        {TC_EV_TIME_WAIT_ASSASSINATION, &ei_time_wait_assassination},
        {TC_EV_SUSPECTED_RST_INJECTION, &ei_suspected_rst_injection},
        {TC_EV_RST_WITH_DATA, &ei_rst_with_data},
        {TC_EV_FIN_NOT_CAPTURED, &ei_fin_not_captured},
    };
    if (ann->events == 0)
        return;
    for (size_t i = 0; i < G_N_ELEMENTS(experts); i++) {
        if (ann->events & experts[i].event)
            add_expert(pinfo, tree, item, experts[i].ei);
    }
}

/* On an RST answering data that crossed its sender's FIN: which data, which FIN. */
static void add_crossed_fin(packet_info *pinfo, proto_tree *tree, proto_item *item, const struct tcpclose_segment *r)
{
    if (!expert_shows(pinfo, tree, &ei_crossed_fin))
        return;
    const struct tc_endpoint *closer = &r->conn->machine.ep[r->sender_endpoint];
    enum tc_role closer_role = (enum tc_role)r->ann.sender;
    const char *peer = role_word(closer_role == TC_CLIENT ? TC_SERVER : TC_CLIENT);

    if (closer->fin_frame != 0)
        expert_add_info_format(pinfo, item, &ei_crossed_fin,
                               "The %s's data in frame %u was sent before the %s's FIN in frame %u reached it: "
                               "it crossed the FIN, arrived at a closed socket and is answered by this RST "
                               "(frame %u): the data is lost (keep-alive race)",
                               peer, r->ann.rst_answers_frame, role_word(closer_role), closer->fin_frame, pinfo->num);
    else
        expert_add_info_format(pinfo, item, &ei_crossed_fin,
                               "The %s's data in frame %u was sent before the %s's FIN (not captured) reached it: "
                               "it crossed the FIN, arrived at a closed socket and is answered by this RST "
                               "(frame %u): the data is lost (keep-alive race)",
                               peer, r->ann.rst_answers_frame, role_word(closer_role), pinfo->num);
}

static gboolean carries_fin(enum tc_phase phase)
{
    return phase == TC_PHASE_ACTIVE_FIN || phase == TC_PHASE_PASSIVE_FIN || phase == TC_PHASE_SIMULTANEOUS_FIN ||
           phase == TC_PHASE_FIN_RETRANSMISSION;
}

/* On a FIN, once the whole capture has been seen: was it acknowledged, was it answered? */
static void add_fin_outcome(packet_info *pinfo, proto_tree *tree, proto_item *item, const struct tcpclose_segment *r)
{
    const struct tc_connection *machine = &r->conn->machine;
    const struct tc_endpoint *ep = &machine->ep[r->sender_endpoint];

    add_frame(tree, &hf_fin_acked_in, ep->fin_acked_frame);
    if (r->ann.phase == TC_PHASE_FIN_RETRANSMISSION)
        return; /* the warnings belong on the first FIN */
    switch (tc_fin_outcome(machine, r->sender_endpoint)) {
    case TC_FIN_UNACKED:
        add_expert(pinfo, tree, item, &ei_fin_unacked);
        break;
    case TC_FIN_UNANSWERED:
        if (expert_shows(pinfo, tree, &ei_fin_unanswered))
            expert_add_info_format(pinfo, item, &ei_fin_unanswered,
                                   "FIN acknowledged in frame %u, but the %s sent no FIN or RST up to frame %u: "
                                   "it stays in CLOSE_WAIT",
                                   ep->fin_acked_frame, role_word(r->ann.sender == TC_CLIENT ? TC_SERVER : TC_CLIENT),
                                   machine->last_frame);
        break;
    case TC_FIN_OK:
        break;
    }
}

/* On a connection's last segment, once the whole capture is known: what a capture taken at one
 * point cannot tell about the endpoints' states (issue of the capture point, not of tcpclose). */
static const char *cannot_know(const struct tcpclose_segment *r, guint32 frame)
{
    const struct tc_connection *machine = &r->conn->machine;
    enum tc_state client = r->ann.client_state, server = r->ann.server_state;

    if (frame != machine->last_frame || machine->reset)
        return NULL;
    if (r->ann.phase == TC_PHASE_FINAL_ACK)
        return "if this ACK was lost beyond the capture point, its receiver is still in LAST_ACK or CLOSING "
               "and will send its FIN again";
    if (client == TC_FIN_WAIT_1 || server == TC_FIN_WAIT_1 || client == TC_CLOSING || server == TC_CLOSING ||
        client == TC_LAST_ACK || server == TC_LAST_ACK)
        return "a FIN is unacknowledged: whether it or its ACK was lost beyond the capture point, or the "
               "closing side gave up silently, cannot be seen";
    if (client == TC_FIN_WAIT_2 || server == TC_FIN_WAIT_2)
        return "an orphaned FIN_WAIT_2 ends silently when its timer runs out (Linux: net.ipv4.tcp_fin_timeout, "
               "60 s): no capture shows it";
    if (client == TC_CLOSE_WAIT || server == TC_CLOSE_WAIT)
        return "CLOSE_WAIT lasts until the application closes its socket: nothing on the wire shows when";
    return NULL;
}

/* Copies text to the end of a label under construction; returns the new end. */
static char *put(char *end, const char *text)
{
    size_t len = strlen(text);
    memcpy(end, text, len);
    return end + len;
}

/* The subtree's label: "TCP Connection Closure: ACTIVE_FIN by client (client FIN_WAIT_1, server
 * ESTABLISHED)".  Assembled here and handed over whole as the item's text: 700 instructions,
 * where formatting its parts with proto_item_append_text cost 2,000, and appending it whole 900
 * (Wireshark first writes the protocol's name into a label to append to). */
static void label_subtree(proto_item *ti, const struct tc_annotation *ann)
{
    /* Wireshark makes no labels in a tree nobody will see (a pass that only filters): nor do we,
     * unless the subtree itself is asked for, as "-T fields -e tcpclose" does (4.0 builds a visible
     * tree for -T fields, 4.4 and later do not). */
    if (ti == NULL || !(PTREE_DATA(ti)->visible || tcpclose_hfinfo->ref_type >= HF_REF_TYPE_DIRECT))
        return;
    char text[160]; /* at most 24 + 18 + 4 + 6 + 9 + 12 + 9 + 12 + 1 + 1 bytes */
    char *end = put(text, PROTOCOL_NAME ": ");
    end = put(end, phase_by_sender[ann->phase][ann->sender == TC_SERVER]);
    end = put(end, " (client ");
    end = put(end, tc_state_name(ann->client_state));
    end = put(end, ", server ");
    end = put(end, tc_state_name(ann->server_state));
    end = put(end, ")");
    *end = '\0';
    proto_item_set_text(ti, "%s", text);
}

/* An RST's cause.  On later passes an inferred idle timer may explain it (timer: that of the close
 * it begins, if any; see it_rst_cause); in a tree that is shown, an IDLE_TIMEOUT says which rule
 * decided it, the timer or the preference. */
static void add_rst_cause(proto_tree *tree, const struct tc_annotation *ann, const struct idle_timer_endpoint *timer)
{
    enum tc_rst_cause cause = it_rst_cause((enum tc_rst_cause)ann->rst_cause, timer != NULL);
    proto_item *pi = add_string(tree, &hf_rst_cause, tc_cause_name(cause));
    if (pi == NULL || cause != TC_CAUSE_IDLE_TIMEOUT || !PTREE_DATA(tree)->visible)
        return;
    if (timer != NULL)
        proto_item_append_text(pi, " (an idle timer of about %.1f s inferred for the %s)",
                               (double)timer->timer.timer_ns / 1e9, role_word((enum tc_role)ann->sender));
    else
        proto_item_append_text(pi, " (idle longer than the idle_timeout preference, %u s)", pref_idle_timeout_s);
}

/* Whether any of tcpclose's fields is asked for (each is, in a tree that is shown). */
static gboolean any_field_asked_for(proto_tree *tree)
{
    if (tree == NULL)
        return FALSE;
    if (PTREE_DATA(tree)->visible)
        return TRUE;
    for (size_t i = 0; i < field_count; i++) {
        if (field_infos[i]->ref_type != HF_REF_TYPE_NONE)
            return TRUE;
    }
    return FALSE;
}

/* The fields of a closing segment, in the subtree st or, without one, at the top of the tree. */
static void add_fields(packet_info *pinfo, proto_tree *st, const struct tcpclose_segment *r, gboolean final,
                       const struct idle_timer_endpoint *timer)
{
    const struct tc_annotation *ann = &r->ann;
    enum tc_close_type type = final ? r->conn->machine.type : ann->type;

    if (asked_for(st, &hf_stream))
        proto_item_set_generated(proto_tree_add_uint(st, hf_stream.id, NULL, 0, 0, r->conn->stream));
    /* The names are looked up only for the fields asked for. */
    if (asked_for(st, &hf_phase))
        put_string(st, &hf_phase, tc_phase_name(ann->phase));
    if (asked_for(st, &hf_sender))
        put_string(st, &hf_sender, tc_role_name(ann->sender));
    if (ann->active_side != TC_SIDE_NONE && asked_for(st, &hf_active_side)) /* none: an RST ignored before any close */
        put_string(st, &hf_active_side, tc_side_name(ann->active_side));
    if (asked_for(st, &hf_client_state))
        put_string(st, &hf_client_state, tc_state_name(ann->client_state));
    if (asked_for(st, &hf_server_state))
        put_string(st, &hf_server_state, tc_state_name(ann->server_state));
    if (type != TC_TYPE_NONE && asked_for(st, &hf_type))
        put_string(st, &hf_type, tc_type_name(type));
    if (asked_for(st, &hf_roles_guessed)) {
        proto_item *guessed = proto_tree_add_boolean(st, hf_roles_guessed.id, NULL, 0, 0, ann->roles_guessed);
        proto_item_set_generated(guessed);
        if (ann->roles_guessed)
            proto_item_append_text(guessed, " (no SYN captured: the well-known or lower port is the server's)");
    }
    add_frame(st, &hf_close_frame, ann->close_frame);
    if (ann->close_frame != 0) /* else an RST ignored before any close */
        add_time(st, &hf_time_since_close, r->since_close_ns);
    if (ann->close_frame == pinfo->num) { /* this segment begins the close */
        add_time(st, &hf_idle_before_close, ann->idle_before_close_ns);
        if (timer != NULL)
            add_time(st, &hf_idle_timer, timer->timer.timer_ns);
    }
    add_frame(st, &hf_acks_fin, ann->acks_fin_frame);
    add_frame(st, &hf_rst_frame, ann->rst_frame);
    if (ann->rst_check != TC_RST_CHECK_NONE) {
        proto_item *check = add_string(st, &hf_rst_check, tc_rst_check_name(ann->rst_check));
        if (check != NULL && ann->rst_check == TC_RST_ACCEPTED_UNCHECKED)
            proto_item_append_text(check, " (the receiver's window is unknown: no handshake or window scale seen)");
    }
    if (ann->rst_cause != TC_CAUSE_NONE) {
        add_rst_cause(st, ann, timer);
        add_frame(st, &hf_rst_answers, ann->rst_answers_frame);
        add_time(st, &hf_idle_before_rst, ann->idle_before_rst_ns);
    }
    if (r->rst_text != NULL)
        add_string(st, &hf_rst_text, r->rst_text);
}

static void draw_segment(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct tcpclose_segment *r)
{
    const struct tc_annotation *ann = &r->ann;
    /* On a visited frame the whole capture has been analysed: the type is final, the timers are
     * inferred. */
    gboolean final = PINFO_FD_VISITED(pinfo);
    const struct idle_timer_endpoint *timer = final && ann->close_frame == pinfo->num ? idle_timer_of(r) : NULL;

    if (pref_info_tag) {
        const char *what = phase_by_sender[ann->phase][ann->sender == TC_SERVER];
        col_append_lstr(pinfo->cinfo, COL_INFO, " [", what, "]", COL_ADD_LSTR_TERMINATOR);
    }

    /* Without the subtree, the expert infos hang where Wireshark hangs them on a faked item: on
     * the top of the tree (measured: no dearer than below the phase item). */
    proto_item *ti = tree;
    proto_tree *st = tree;
    gboolean fields = TRUE;
    if (subtree_wanted(tree)) {
        ti = proto_tree_add_item(tree, proto_tcpclose, tvb, 0, 0, ENC_NA);
        label_subtree(ti, ann);
        st = proto_item_add_subtree(ti, ett_tcpclose);
    } else {
        fields = any_field_asked_for(tree); /* none, in most jobs that filter or export others */
    }
    if (fields)
        add_fields(pinfo, st, r, final, timer);

    add_events(pinfo, st, ti, ann);
    if (timer != NULL && expert_shows(pinfo, st, &ei_idle_timer_close))
        expert_add_info_format(pinfo, ti, &ei_idle_timer_close,
                               "%s closed after %.2f s idle, as in %u of its %u closes: an idle timer of about "
                               "%.1f s",
                               role_word((enum tc_role)ann->sender), (double)ann->idle_before_close_ns / 1e9,
                               timer->timer.matches, timer->timer.closes, (double)timer->timer.timer_ns / 1e9);
    if (ann->events & TC_EV_CROSSED_FIN)
        add_crossed_fin(pinfo, st, ti, r);
    if (final && carries_fin(ann->phase))
        add_fin_outcome(pinfo, st, ti, r);
    const char *unknowable = final && fields ? cannot_know(r, pinfo->num) : NULL;
    if (unknowable != NULL)
        add_string(st, &hf_cannot_know, unknowable);
}

static int dissect_tcpclose(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    pinfo->current_proto = "TCPCLOSE"; /* a helper protocol's handle does not name it (see the registration) */
    gboolean later_pass = PINFO_FD_VISITED(pinfo);
    frame_results_set_pass(later_pass);
    struct frame_results results = later_pass ? frame_results_find(pinfo->num) : analyse_frame(pinfo);
    if (results.count == 0 && results.cut_short == 0)
        return 0;
    if (results.cut_short > 0) {
        proto_item *ti = proto_tree_add_item(tree, proto_tcpclose, tvb, 0, 0, ENC_NA);
        proto_item_append_text(ti, ": TCP header cut short by the capture, not analysed");
        add_expert(pinfo, tree, ti, &ei_truncated);
    }
    for (guint i = 0; i < results.count; i++) {
        draw_segment(tvb, pinfo, tree, &results.segment[i]);
        /* The tap runs before the next frame is analysed, while the stored segment stays put. */
        tap_queue_packet(tcpclose_tap, pinfo, &results.segment[i]);
    }
    return tvb_captured_length(tvb);
}

void proto_register_tcpclose(void)
{
    /* A braced initializer in a macro would be laid out as a block. */
    /* clang-format off */
#define TOKEN_FIELD(hf, name, abbrev, blurb) \
    {&hf.id, {name, abbrev, FT_STRING, BASE_NONE, NULL, 0x0, blurb, HFILL}}
#define FRAME_FIELD(hf, name, abbrev, type, blurb) \
    {&hf.id, {name, abbrev, FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(type), 0x0, blurb, HFILL}}
    /* clang-format on */
    static hf_register_info hf[] = {
        {&hf_stream.id,
         {"Stream index", "tcpclose.stream", FT_UINT32, BASE_DEC, NULL, 0x0, "Wireshark's tcp.stream of this segment",
          HFILL}},
        TOKEN_FIELD(hf_phase, "Phase", "tcpclose.phase",
                    "What this segment does in the closure: ACTIVE_FIN, PASSIVE_ACK, PASSIVE_FIN, SIMULTANEOUS_FIN, "
                    "FINAL_ACK, HALF_CLOSED_DATA, FIN_RETRANSMISSION, CLOSING_ACK, AFTER_CLOSE, RST, AFTER_RST, "
                    "IGNORED_RST, CHALLENGE_ACK"),
        TOKEN_FIELD(hf_sender, "Sender", "tcpclose.sender", "CLIENT or SERVER"),
        TOKEN_FIELD(hf_active_side, "Active close by", "tcpclose.active_side",
                    "Who began the close: CLIENT, SERVER or BOTH (simultaneous close); for an RST, its sender"),
        TOKEN_FIELD(hf_client_state, "Client state", "tcpclose.client_state",
                    "RFC 9293 state of the client after this segment"),
        TOKEN_FIELD(hf_server_state, "Server state", "tcpclose.server_state",
                    "RFC 9293 state of the server after this segment"),
        TOKEN_FIELD(hf_type, "Closure type", "tcpclose.type",
                    "GRACEFUL, HALF_CLOSED, RESET, ABORTED or REFUSED; as known so far on the first pass, "
                    "final on later passes"),
        {&hf_roles_guessed.id,
         {"Roles guessed", "tcpclose.roles_guessed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The SYN was not captured: client and server were inferred from the ports", HFILL}},
        FRAME_FIELD(hf_close_frame, "Close began in", "tcpclose.close_frame", FT_FRAMENUM_NONE,
                    "The connection's first FIN or RST"),
        FRAME_FIELD(hf_fin_acked_in, "FIN acknowledged in", "tcpclose.fin_acked_in", FT_FRAMENUM_ACK,
                    "The frame that first acknowledges this FIN"),
        FRAME_FIELD(hf_acks_fin, "Acknowledges FIN in", "tcpclose.acks_fin", FT_FRAMENUM_NONE,
                    "The FIN this segment is the first to acknowledge"),
        FRAME_FIELD(hf_rst_frame, "Reset in", "tcpclose.rst_frame", FT_FRAMENUM_NONE,
                    "The RST that ended this connection"),
        {&hf_time_since_close.id,
         {"Time since close began", "tcpclose.time_since_close", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time since the connection's first FIN or RST", HFILL}},
        TOKEN_FIELD(hf_rst_check, "RST acceptance", "tcpclose.rst_check",
                    "What the receiver does with this RST (RFC 5961): ACCEPTED (exactly RCV.NXT), "
                    "ACCEPTED_UNCHECKED (window unknown), CHALLENGED (in window: challenge ACK), OUT_OF_WINDOW "
                    "(dropped)"),
        TOKEN_FIELD(hf_rst_cause, "RST cause", "tcpclose.rst_cause",
                    "Why the RST was sent: REFUSED, NO_CONNECTION, DATA_AFTER_CLOSE, ABORT, PEER_UNRESPONSIVE, "
                    "INVALID_SEGMENT, IDLE_TIMEOUT, DATA_CROSSED_FIN"),
        FRAME_FIELD(hf_rst_answers, "RST answers", "tcpclose.rst_answers", FT_FRAMENUM_REQUEST,
                    "The segment this RST is a reply to"),
        {&hf_idle_before_rst.id,
         {"Idle before RST", "tcpclose.idle_before_rst", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time between the connection's previous segment and this RST", HFILL}},
        {&hf_idle_before_close.id,
         {"Idle before close", "tcpclose.idle_before_close", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "On the segment that begins the close (the active FIN, or the RST): time since "
          "the connection's last segment that carried payload, in either direction (since "
          "its SYNs if none did)",
          HFILL}},
        {&hf_idle_timer.id,
         {"Idle timer", "tcpclose.idle_timer", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "On the segment that began the close: the idle timer inferred for its sender (the "
          "median idle time of at least 3 of the closes it began, within 2 % or 50 ms of each "
          "other), when this close is one of them; later passes only",
          HFILL}},
        {&hf_cannot_know.id,
         {"Cannot know", "tcpclose.cannot_know", FT_STRING, BASE_NONE, NULL, 0x0,
          "On a connection's last segment: what a capture at one point cannot tell about the "
          "endpoints' states",
          HFILL}},
        {&hf_rst_text.id,
         {"RST text", "tcpclose.rst_text", FT_STRING, BASE_NONE, NULL, 0x0,
          "The payload of an RST, as text (RFC 9293 3.5.3 allows diagnostic text there)", HFILL}},
    };
    static gint *ett[] = {&ett_tcpclose};
    static ei_register_info ei[] = {
        {&ei_fin_unacked,
         {"tcpclose.fin_unacked", PI_SEQUENCE, PI_WARN, "FIN never acknowledged in the capture", EXPFILL}},
        {&ei_fin_unanswered,
         {"tcpclose.fin_unanswered", PI_SEQUENCE, PI_WARN,
          "FIN acknowledged, but the peer never sent its own FIN or an RST: it stays in "
          "CLOSE_WAIT",
          EXPFILL}},
        {&ei_ignored_after_rst,
         {"tcpclose.ignored_after_rst", PI_SEQUENCE, PI_WARN,
          "Sent after the RST: the RST's sender has no connection and ignores this "
          "segment or answers it with another RST",
          EXPFILL}},
        {&ei_rst_refused,
         {"tcpclose.rst_refused", PI_SEQUENCE, PI_NOTE, "Connection refused: RST answering a SYN", EXPFILL}},
        {&ei_rst_after_fin,
         {"tcpclose.rst_after_fin", PI_SEQUENCE, PI_NOTE,
          "The graceful close was aborted by an RST (e.g. data arriving after close())", EXPFILL}},
        {&ei_data_after_fin,
         {"tcpclose.data_after_fin", PI_PROTOCOL, PI_ERROR, "Data beyond the sender's own FIN", EXPFILL}},
        {&ei_fin_retransmission, {"tcpclose.fin_retransmission", PI_SEQUENCE, PI_NOTE, "FIN retransmission", EXPFILL}},
        {&ei_simultaneous_close,
         {"tcpclose.simultaneous_close", PI_SEQUENCE, PI_CHAT, "Simultaneous close: this FIN crossed the peer's FIN",
          EXPFILL}},
        {&ei_closed_gracefully,
         {"tcpclose.closed_gracefully", PI_SEQUENCE, PI_CHAT, "Connection closed gracefully: both FINs acknowledged",
          EXPFILL}},
        {&ei_rst_out_of_window,
         {"tcpclose.rst_out_of_window", PI_SEQUENCE, PI_WARN,
          "A real stack ignores this RST (outside the receiver's window); possibly spoofed or "
          "stale",
          EXPFILL}},
        {&ei_rst_challenged,
         {"tcpclose.rst_challenged", PI_SEQUENCE, PI_NOTE,
          "RST in the window but not at RCV.NXT: the receiver answers with a challenge ACK and "
          "stays open (RFC 5961)",
          EXPFILL}},
        {&ei_rst_no_connection,
         {"tcpclose.rst_no_connection", PI_SEQUENCE, PI_WARN,
          "RST from an endpoint that no longer has (or never had) this connection", EXPFILL}},
        {&ei_time_wait_assassination,
         {"tcpclose.time_wait_assassination", PI_SEQUENCE, PI_WARN,
          "RST reaching an endpoint in TIME_WAIT (RFC 1337 TIME-WAIT assassination)", EXPFILL}},
        {&ei_suspected_rst_injection,
         {"tcpclose.suspected_rst_injection", PI_SECURITY, PI_WARN,
          "The RST's own sender carries on as if it had never sent it: the RST was "
          "possibly injected by a third party",
          EXPFILL}},
        {&ei_rst_with_data,
         {"tcpclose.rst_with_data", PI_PROTOCOL, PI_NOTE, "RST carrying data (diagnostic text, RFC 9293 3.5.3)",
          EXPFILL}},
        {&ei_truncated,
         {"tcpclose.truncated", PI_MALFORMED, PI_NOTE,
          "TCP header cut short by the capture's snapshot length: not analysed, not guessed at", EXPFILL}},
        {&ei_crossed_fin,
         {"tcpclose.crossed_fin", PI_SEQUENCE, PI_WARN,
          "This RST answers data sent before the RST sender's FIN reached its peer: the data "
          "crossed the FIN and is lost (keep-alive race)",
          EXPFILL}},
        {&ei_idle_timer_close,
         {"tcpclose.idle_timer_close", PI_SEQUENCE, PI_NOTE,
          "Closed after the idle time of an idle timer inferred from the capture", EXPFILL}},
        {&ei_fin_not_captured,
         {"tcpclose.fin_not_captured", PI_SEQUENCE, PI_NOTE,
          "This ACK acknowledges a FIN not captured before it, missed or reordered (one "
          "sequence number beyond all the peer was seen to send)",
          EXPFILL}},
    };

    proto_tcpclose = proto_register_protocol(PROTOCOL_NAME, "TCPCLOSE", "tcpclose");
    tcpclose_hfinfo = proto_registrar_get_nth(proto_tcpclose);
    proto_register_field_array(proto_tcpclose, hf, array_length(hf));
    field_infos = wmem_alloc_array(wmem_epan_scope(), const header_field_info *, array_length(hf));
    for (size_t i = 0; i < array_length(hf); i++) {
        struct field *f = (struct field *)(void *)hf[i].p_id; /* its first member */
        f->info = proto_registrar_get_nth(f->id);
        field_infos[field_count++] = f->info;
    }
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_tcpclose), ei, array_length(ei));
    experts_registered = ei;
    first_expert_id = ei[0].ids->ei;
    last_expert_id = ei[array_length(ei) - 1].ids->ei;
    for (size_t i = 0; i < array_length(ei); i++) {
        if (ei[i].ids->ei != first_expert_id + (int)i)
            first_expert_id = -1; /* not one after the other: every expert info is added */
    }

    module_t *module = prefs_register_protocol(proto_tcpclose, NULL);
    prefs_register_bool_preference(module, "info_tag", "Tag closing segments in the Info column",
                                   "Append e.g. \"[ACTIVE_FIN by client]\" to the Info column of closing segments",
                                   &pref_info_tag);
    prefs_register_uint_preference(module, "time_wait", "TIME_WAIT length (seconds)",
                                   "How long an endpoint stays in TIME_WAIT before it has no connection left: "
                                   "60 on Linux, 240 (2 MSL) in RFC 9293",
                                   10, &pref_time_wait_s);
    prefs_register_uint_preference(module, "idle_timeout", "Idle timeout before RST (seconds)",
                                   "An RST after the connection was idle this long is put down to an idle timeout "
                                   "(load balancers, firewalls)",
                                   10, &pref_idle_timeout_s);

    for (int phase = 0; phase < TC_PHASE_COUNT; phase++) {
        for (int sender = TC_CLIENT; sender <= TC_SERVER; sender++)
            snprintf(phase_by_sender[phase][sender], sizeof phase_by_sender[phase][sender], "%s by %s",
                     tc_phase_name((enum tc_phase)phase), role_word((enum tc_role)sender));
    }
    connections_register();
    frame_results_register();
    register_init_routine(find_expert_observers);
    register_init_routine(read_preferences);
    idle_timer_table_register();
    tcpclose_tap = register_tap("tcpclose");
    /* The post-dissector's handle belongs to a helper protocol of tcpclose's ("in name only"):
     * Wireshark then calls it on every frame without adding, and taking away again, a layer for
     * it, which cost 450 instructions a frame.  The helper is enabled exactly when tcpclose is. */
    int proto_post = proto_register_protocol_in_name_only(PROTOCOL_NAME " post-dissector", "TCPCLOSE post-dissector",
                                                          "tcpclose.post_dissector", proto_tcpclose, FT_PROTOCOL);
    register_postdissector(create_dissector_handle(dissect_tcpclose, proto_post));
    tcpclose_register_stats(); /* -z tcpclose,... and the Statistics menu */
}

void proto_reg_handoff_tcpclose(void)
{
    tcp_front_install(proto_tcpclose);
}
