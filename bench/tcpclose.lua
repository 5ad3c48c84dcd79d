-- tcpclose.lua - the Lua post-dissector a user might write instead of tcpclose, as the benchmark's
-- baseline.  Basic tracking only: per tcp.stream, each endpoint's FIN (sequence number, acknowledged
-- yet), the first FIN or RST and who sent it, and a phase label per closing segment in
-- tcpclose_lua.phase, with tcpclose_lua.active_side.  No expert infos, no RFC states, no tunnels
-- (the first TCP layer of a frame only), no new incarnations of a stream.
--
-- Usage: tshark -X lua_script:bench/tcpclose.lua -r CAP -T fields -e tcp.stream -e tcpclose_lua.phase

local proto = Proto("tcpclose_lua", "TCP Connection Closure (Lua baseline)")
local pf_phase = ProtoField.string("tcpclose_lua.phase", "Phase")
local pf_active = ProtoField.string("tcpclose_lua.active_side", "Active close by")
proto.fields = { pf_phase, pf_active }

-- Field extractors: Wireshark primes these fields in the tree of every packet.
local f_stream = Field.new("tcp.stream")
local f_srcport = Field.new("tcp.srcport")
local f_dstport = Field.new("tcp.dstport")
local f_flags = Field.new("tcp.flags")
local f_seq = Field.new("tcp.seq_raw")
local f_ack = Field.new("tcp.ack_raw")
local f_len = Field.new("tcp.len")

local band = bit32 and bit32.band or bit.band
local FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
local TWO32, TWO31 = 4294967296, 2147483648

local conns, frames -- tcp.stream -> connection; frame number -> {phase, active side}

function proto.init()
    conns = {}
    frames = {}
end

local function seq_geq(a, b)
    return (a - b) % TWO32 < TWO31
end

-- The sender of the SYN without ACK is the client; without one, the lower port is the server's.
local function new_conn(flags, srcport, dstport)
    local c = { first_port = srcport, ep = { {}, {} } }
    local synack = band(flags, SYN + ACK)
    if synack == SYN then
        c.client = 1
    elseif synack == SYN + ACK then
        c.client = 2
    else
        c.client = (srcport < dstport) and 2 or 1
    end
    return c
end

local function side(c, s)
    return s == c.client and "CLIENT" or "SERVER"
end

local function analyse(c, s, flags, seq, ack, len)
    local me, peer = c.ep[s], c.ep[3 - s]
    if c.reset then
        return "AFTER_RST"
    end
    if band(flags, RST) ~= 0 then
        if c.complete then
            return "AFTER_CLOSE"
        end
        c.reset = true
        if not c.active then
            c.active = side(c, s)
        end
        return "RST"
    end
    local phase
    local was_complete = c.complete
    if band(flags, FIN) ~= 0 then
        if me.fin then
            me.fin_acked = false
            c.complete = false
            phase = "FIN_RETRANSMISSION"
        else
            me.fin = true
            me.fin_seq = (seq + (band(flags, SYN) ~= 0 and 1 or 0) + len) % TWO32
            if not peer.fin then
                c.active = side(c, s)
                phase = "ACTIVE_FIN"
            elseif peer.fin_acked or (ack and seq_geq(ack, peer.fin_seq + 1)) then
                phase = "PASSIVE_FIN"
            else
                c.active = "BOTH"
                phase = "SIMULTANEOUS_FIN"
            end
        end
    end
    if ack and peer.fin and not peer.fin_acked and seq_geq(ack, (peer.fin_seq + 1) % TWO32) then
        peer.fin_acked = true
        if me.fin and me.fin_acked then
            c.complete = true
            phase = "FINAL_ACK"
        elseif not phase then
            phase = me.fin and "CLOSING_ACK" or "PASSIVE_ACK"
        end
    end
    if not phase and c.active then
        if was_complete then
            phase = "AFTER_CLOSE"
        elseif len > 0 and not me.fin then
            phase = "HALF_CLOSED_DATA"
        else
            phase = "CLOSING_ACK"
        end
    end
    return phase
end

function proto.dissector(tvb, pinfo, tree)
    local result
    if not pinfo.visited then
        local stream, len = f_stream(), f_len()
        if not stream or not len then
            return
        end
        local flags = f_flags().value
        local srcport = f_srcport().value
        local key = stream.value
        local c = conns[key]
        if not c then
            c = new_conn(flags, srcport, f_dstport().value)
            conns[key] = c
        end
        local ack
        if band(flags, ACK) ~= 0 then
            ack = f_ack().value
        end
        local s = (srcport == c.first_port) and 1 or 2
        local phase = analyse(c, s, flags, f_seq().value, ack, len.value)
        if not phase then
            return
        end
        result = { phase, c.active }
        frames[pinfo.number] = result
    else
        result = frames[pinfo.number]
        if not result then
            return
        end
    end
    local t = tree:add(proto)
    t:add(pf_phase, result[1])
    t:add(pf_active, result[2])
end

register_postdissector(proto)
