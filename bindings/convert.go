package bindings

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"unicode/utf8"

	"godotsteam-sockets/engine"
)

// configConnectionUserData is NETWORKING_CONFIG_CONNECTION_USER_DATA, the
// one int64 option: GodotSteam sets ints on it with SetInt64.
const configConnectionUserData = 40

// typeNames are Godot's names of Variant types, for error messages.
var typeNames = map[VariantType]string{
	TypeNil: "Nil", TypeBool: "bool", TypeInt: "int", TypeFloat: "float", TypeString: "String",
	5: "Vector2", 6: "Vector2i", 7: "Rect2", 8: "Rect2i", 9: "Vector3", 10: "Vector3i",
	11: "Transform2D", 12: "Vector4", 13: "Vector4i", 14: "Plane", 15: "Quaternion", 16: "AABB",
	17: "Basis", 18: "Transform3D", 19: "Projection", 20: "Color",
	TypeStringName: "StringName", TypeNodePath: "NodePath", 23: "RID", 24: "Object", 25: "Callable",
	26: "Signal", TypeDictionary: "Dictionary", TypeArray: "Array", TypePackedByteArray: "PackedByteArray",
	TypePackedInt32Array: "PackedInt32Array", 31: "PackedInt64Array", 32: "PackedFloat32Array",
	33: "PackedFloat64Array", 34: "PackedStringArray", 35: "PackedVector2Array", 36: "PackedVector3Array",
	37: "PackedColorArray", 38: "PackedVector4Array",
}

// TypeName returns Godot's name of a Variant type.
func TypeName(t VariantType) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "type " + strconv.Itoa(int(t))
}

// configKeyName names a NetworkingConfigValue key for messages.
func configKeyName(k int64) string {
	for _, c := range constants {
		if c.Enum == "NetworkingConfigValue" && c.Value == k {
			return fmt.Sprintf("%d (%s)", k, c.Name)
		}
	}
	return strconv.FormatInt(k, 10)
}

// describeValue prints a value of the model briefly (for error messages).
func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return strconv.Quote(x)
	case int64, float64, bool:
		return fmt.Sprint(x)
	}
	return TypeName(TypeOf(v))
}

// convertConfigOptions turns a config_options Dictionary into engine
// options (api.md §2.4), visiting entries in insertion order. Keys must be
// ints (NETWORKING_CONFIG_* constants). Values: int → int32 (int64 for
// NETWORKING_CONFIG_CONNECTION_USER_DATA), float → float, String → string,
// bool → int32 0/1. Anything else fails the whole conversion: GodotSteam
// would pass a meaningless pointer, we report which key is wrong and the
// creation returns 0. Whether the key exists, is writable and how the value
// is clamped is the engine's call.
func convertConfigOptions(d *Dictionary) ([]engine.ConfigOption, error) {
	if d == nil || d.Len() == 0 {
		return nil, nil
	}
	opts := make([]engine.ConfigOption, 0, d.Len())
	for i, rawKey := range d.Keys {
		k, ok := rawKey.(int64)
		if !ok {
			return nil, fmt.Errorf("config_options key %s is a %s; keys must be int NETWORKING_CONFIG_* constants such as Steam.NETWORKING_CONFIG_SEND_BUFFER_SIZE",
				describeValue(rawKey), TypeName(TypeOf(rawKey)))
		}
		if k < math.MinInt32 || k > math.MaxInt32 {
			return nil, fmt.Errorf("config_options key %d is not a NETWORKING_CONFIG_* constant", k)
		}
		key := engine.ConfigKey(k)
		var opt engine.ConfigOption
		switch v := d.Values[i].(type) {
		case int64:
			switch {
			case k == configConnectionUserData:
				opt = engine.Int64Option(key, v)
			case v < math.MinInt32 || v > math.MaxInt32:
				return nil, fmt.Errorf("config_options key %s: value %d does not fit a 32-bit int", configKeyName(k), v)
			default:
				opt = engine.Int32Option(key, int32(v))
			}
		case float64:
			if math.IsNaN(v) {
				return nil, fmt.Errorf("config_options key %s: value is NaN", configKeyName(k))
			}
			opt = engine.FloatOption(key, float32(v))
		case string:
			opt = engine.StringOption(key, v)
		case StringName:
			return nil, fmt.Errorf("config_options key %s: value is a StringName; pass a String, int, float or bool", configKeyName(k))
		case bool:
			opt = engine.Int32Option(key, int32(boolToInt(v)))
		default:
			return nil, fmt.Errorf("config_options key %s: a %s value cannot be used; pass an int, float, String or bool",
				configKeyName(k), TypeName(TypeOf(v)))
		}
		opts = append(opts, opt)
	}
	return opts, nil
}

// anyAddr is the cleared address GodotSteam falls back to.
var anyAddr = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)

// formatIPAddr prints an address like SteamNetworkingIPAddr::ToString:
// IPv4 and IPv4-mapped addresses as "a.b.c.d", others as RFC 5952 IPv6
// ("::" when unset); with a port "a.b.c.d:port" or "[v6]:port".
func formatIPAddr(ap netip.AddrPort, withPort bool) string {
	a := ap.Addr().WithZone("")
	if !a.IsValid() {
		a = netip.IPv6Unspecified()
	}
	a = a.Unmap()
	if !withPort {
		return a.String()
	}
	if a.Is4() {
		return a.String() + ":" + strconv.Itoa(int(ap.Port()))
	}
	return "[" + a.String() + "]:" + strconv.Itoa(int(ap.Port()))
}

// formatIPv4 formats a host-order IPv4 integer; 0 becomes "".
func formatIPv4(ip uint32) string {
	if ip == 0 {
		return ""
	}
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}).String()
}

// steamID64 is GetSteamID64: the ID of a SteamID identity, else 0.
func steamID64(id engine.Identity) int64 {
	if id.Type == engine.IdentitySteamID {
		return int64(id.SteamID)
	}
	return 0
}

// dict builds a Dictionary from alternating keys and values, in order.
func dict(kv ...any) *Dictionary {
	d := &Dictionary{Keys: make([]any, 0, len(kv)/2), Values: make([]any, 0, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		d.Keys = append(d.Keys, kv[i])
		d.Values = append(d.Values, kv[i+1])
	}
	return d
}

// apiState maps internal states (FIN_WAIT, LINGER, DEAD) to NONE, as the
// API never reports them.
func apiState(s engine.ConnectionState) int64 {
	if s < 0 {
		return int64(engine.StateNone)
	}
	return int64(s)
}

// connectionInfoDict is the connection-info Dictionary of api.md §2.6; the
// signal variant leaves out info_flags.
func connectionInfoDict(info *engine.ConnectionInfo, withFlags bool) *Dictionary {
	d := dict(
		"identity", steamID64(info.Identity),
		"user_data", info.UserData,
		"listen_socket", int64(info.ListenSocket),
		"remote_address", formatIPAddr(info.RemoteAddr, false),
		"remote_pop", int64(info.RemotePOP),
		"pop_relay", int64(info.RelayPOP),
		"connection_state", apiState(info.State),
		"end_reason", int64(info.EndReason),
		"end_debug", truncateUTF8(info.EndDebug, engine.MaxConnectionCloseReasonLen),
		"debug_description", truncateUTF8(info.Description, engine.MaxConnectionDescriptionLen),
	)
	if withFlags {
		d.Keys = append(d.Keys, "info_flags")
		d.Values = append(d.Values, int64(info.Flags))
	}
	return d
}

// messageDict is the received-message Dictionary of api.md §2.5.
func messageDict(m *engine.Message) *Dictionary {
	payload := m.Data
	if payload == nil {
		payload = []byte{}
	}
	return dict(
		"payload", payload,
		"size", int64(len(m.Data)),
		"connection", int64(m.Conn),
		"identity", steamID64(m.Identity),
		"receiver_user_data", m.ConnUserData,
		"time_received", m.TimeReceived,
		"message_number", m.MessageNumber,
		"channel", int64(-1),
		"flags", int64(m.Flags&engine.SendReliable),
		"sender_user_data", m.UserData,
	)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
