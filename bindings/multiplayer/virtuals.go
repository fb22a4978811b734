package multiplayer

// The MultiplayerPeerExtension virtuals SteamMultiplayerPeer overrides, with
// the names and hashes of Godot's extension_api.json (checked against
// godot-go@v0.3.40 godot_headers, Godot 4.7) and their ptrcall shapes. The
// extension's get_virtual / get_virtual2 looks a name (and hash) up here and
// returns a trampoline that converts the ptrcall arguments to Go values and
// calls Dispatch. _get_packet/_put_packet (raw pointer variants) are not
// overridden: Godot falls back to the _script variants.

// Kind is the ptrcall shape of one argument or return value.
type Kind int

// Shapes used by the virtuals.
const (
	KindNone  Kind = iota
	KindInt        // int64 (also enums: TransferMode, ConnectionStatus, Error)
	KindBool       // uint8
	KindBytes      // PackedByteArray
)

// Virtual describes one overridden virtual.
type Virtual struct {
	Name     string
	Hash     uint32
	Required bool // is_required in extension_api.json
	Args     []Kind
	Ret      Kind
}

// Virtuals lists every virtual SteamMultiplayerPeer implements.
var Virtuals = []Virtual{
	{"_get_available_packet_count", 3905245786, true, nil, KindInt},
	{"_get_max_packet_size", 3905245786, true, nil, KindInt},
	{"_get_packet_script", 2115431945, false, nil, KindBytes},
	{"_put_packet_script", 680677267, false, []Kind{KindBytes}, KindInt},
	{"_get_packet_channel", 3905245786, true, nil, KindInt},
	{"_get_packet_mode", 3369852622, true, nil, KindInt},
	{"_set_transfer_channel", 1286410249, true, []Kind{KindInt}, KindNone},
	{"_get_transfer_channel", 3905245786, true, nil, KindInt},
	{"_set_transfer_mode", 950411049, true, []Kind{KindInt}, KindNone},
	{"_get_transfer_mode", 3369852622, true, nil, KindInt},
	{"_set_target_peer", 1286410249, true, []Kind{KindInt}, KindNone},
	{"_get_packet_peer", 3905245786, true, nil, KindInt},
	{"_is_server", 36873697, true, nil, KindBool},
	{"_poll", 3218959716, true, nil, KindNone},
	{"_close", 3218959716, true, nil, KindNone},
	{"_disconnect_peer", 300928843, true, []Kind{KindInt, KindBool}, KindNone},
	{"_get_unique_id", 3905245786, true, nil, KindInt},
	{"_set_refuse_new_connections", 2586408642, false, []Kind{KindBool}, KindNone},
	{"_is_refusing_new_connections", 36873697, false, nil, KindBool},
	{"_is_server_relay_supported", 36873697, false, nil, KindBool},
	{"_get_connection_status", 2147374275, true, nil, KindInt},
}

// LookupVirtual finds a virtual by name; hash 0 (Godot < 4.4, get_virtual
// without hash) matches any hash. ok is false when we do not override it.
func LookupVirtual(name string, hash uint32) (int, bool) {
	for i, v := range Virtuals {
		if v.Name == name && (hash == 0 || hash == v.Hash) {
			return i, true
		}
	}
	return -1, false
}

// Signals are the MultiplayerPeer signals Dispatch emits (argument: id int).
const (
	SignalPeerConnected    = "peer_connected"
	SignalPeerDisconnected = "peer_disconnected"
)

// Dispatch runs virtual index i with args shaped as Virtuals[i].Args
// (int64, bool, []byte) and returns a value shaped as Virtuals[i].Ret.
// emit is called for each signal _poll produces, on the caller's thread.
func Dispatch(p *Peer, i int, args []any, emit func(signal string, id int64)) any {
	if i < 0 || i >= len(Virtuals) || len(args) != len(Virtuals[i].Args) {
		return nil
	}
	argInt := func(k int) int64 { v, _ := args[k].(int64); return v }
	argBool := func(k int) bool { v, _ := args[k].(bool); return v }
	switch Virtuals[i].Name {
	case "_get_available_packet_count":
		return int64(p.AvailablePacketCount())
	case "_get_max_packet_size":
		return int64(MaxPacketSize)
	case "_get_packet_script":
		pk, err := p.GetPacket()
		if err != nil {
			return []byte{}
		}
		return pk.Data
	case "_put_packet_script":
		b, _ := args[0].([]byte)
		return int64(Code(p.PutPacket(b)))
	case "_get_packet_channel":
		_, ch, _ := p.NextPacketInfo()
		return int64(ch)
	case "_get_packet_mode":
		_, _, m := p.NextPacketInfo()
		return int64(m)
	case "_set_transfer_channel":
		p.SetTransferChannel(int(clampInt(argInt(0))))
	case "_get_transfer_channel":
		return int64(p.TransferChannel())
	case "_set_transfer_mode":
		p.SetTransferMode(TransferMode(clampInt(argInt(0))))
	case "_get_transfer_mode":
		return int64(p.TransferMode())
	case "_set_target_peer":
		p.SetTargetPeer(int32(clampInt(argInt(0))))
	case "_get_packet_peer":
		from, _, _ := p.NextPacketInfo()
		return int64(from)
	case "_is_server":
		return p.IsServer()
	case "_poll":
		for _, e := range p.Poll() {
			if emit == nil {
				continue
			}
			if e.Connected {
				emit(SignalPeerConnected, int64(e.ID))
			} else {
				emit(SignalPeerDisconnected, int64(e.ID))
			}
		}
	case "_close":
		p.Close()
	case "_disconnect_peer":
		p.DisconnectPeer(int32(clampInt(argInt(0))), argBool(1))
	case "_get_unique_id":
		return int64(p.UniqueID())
	case "_set_refuse_new_connections":
		p.SetRefuseNewConnections(argBool(0))
	case "_is_refusing_new_connections":
		return p.IsRefusingNewConnections()
	case "_is_server_relay_supported":
		return p.IsServerRelaySupported()
	case "_get_connection_status":
		return int64(p.ConnectionStatus())
	}
	return nil
}

func clampInt(v int64) int64 {
	if v > 1<<31-1 {
		return 1<<31 - 1
	}
	if v < -(1 << 31) {
		return -(1 << 31)
	}
	return v
}
