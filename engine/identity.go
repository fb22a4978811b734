package engine

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"godotsteam-sockets/engine/internal/wire"
)

// Limits of identity payloads (SteamNetworkingIdentity).
const (
	maxGenericStringLen = 31 // bytes, without NUL
	maxGenericBytesLen  = 32
)

// SteamIDIdentity returns a SteamID identity (any value, 0 included, as
// SetSteamID64 does).
func SteamIDIdentity(id uint64) Identity { return Identity{Type: IdentitySteamID, SteamID: id} }

// IPIdentity returns an IP-address identity.
func IPIdentity(a netip.AddrPort) Identity {
	return Identity{Type: IdentityIPAddress, Addr: netip.AddrPortFrom(a.Addr().Unmap(), a.Port())}
}

// LocalHostIdentity is the anonymous identity GNS uses for IP peers without
// certificates: ip:::1.
func LocalHostIdentity() Identity { return IPIdentity(netip.AddrPortFrom(netip.IPv6Loopback(), 0)) }

// SteamID64 returns the SteamID of a SteamID identity, otherwise 0.
func (id Identity) SteamID64() uint64 {
	if id.Type == IdentitySteamID {
		return id.SteamID
	}
	return 0
}

// IsLocalHost reports whether id is an IP identity of ::1 or 127.0.0.1
// (any port).
func (id Identity) IsLocalHost() bool {
	if id.Type != IdentityIPAddress {
		return false
	}
	a := id.Addr.Addr().Unmap()
	return a == netip.IPv6Loopback() || a == netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// IsInvalid reports whether id is unset.
func (id Identity) IsInvalid() bool { return id.Type == IdentityInvalid }

// String renders id in GNS's text form: "steamid:7656…", "ip:1.2.3.4:27015",
// "ip:[::1]:27015", "ip:::1" (port 0 omitted), "str:…", "gen:<hex>", or
// "invalid".
func (id Identity) String() string {
	switch id.Type {
	case IdentitySteamID:
		return "steamid:" + strconv.FormatUint(id.SteamID, 10)
	case IdentityIPAddress:
		return "ip:" + formatAddr(id.Addr, id.Addr.Port() != 0)
	case IdentityGenericString:
		return "str:" + id.Generic
	case IdentityGenericBytes:
		return "gen:" + hex.EncodeToString([]byte(id.Generic))
	case IdentityUnknown:
		return id.Generic
	}
	return "invalid"
}

// formatAddr prints an address as GNS does: IPv4 (and v4-mapped) dotted,
// IPv6 in RFC 5952 form, bracketed when a port follows.
func formatAddr(a netip.AddrPort, withPort bool) string {
	ip := a.Addr().Unmap()
	if !ip.IsValid() {
		ip = netip.IPv6Unspecified()
	}
	if !withPort {
		return ip.String()
	}
	if ip.Is4() {
		return ip.String() + ":" + strconv.Itoa(int(a.Port()))
	}
	return "[" + ip.String() + "]:" + strconv.Itoa(int(a.Port()))
}

// FormatAddr renders an address like GNS's SteamNetworkingIPAddr::ToString.
func FormatAddr(a netip.AddrPort, withPort bool) string { return formatAddr(a, withPort) }

// ParseAddr parses "a.b.c.d", "a.b.c.d:port", "::1", "[::1]:port" (missing
// port = 0), like SteamNetworkingIPAddr::ParseString.
func ParseAddr(s string) (netip.AddrPort, bool) {
	if s == "" {
		return netip.AddrPort{}, false
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.AddrPortFrom(a.Unmap(), 0), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return netip.AddrPortFrom(a, 0), true
		}
	}
	return netip.AddrPort{}, false
}

// ParseIdentity parses GNS's text form (see String).
func ParseIdentity(s string) (Identity, error) {
	prefix, rest, ok := strings.Cut(s, ":")
	if !ok {
		if s == "invalid" {
			return Identity{}, nil
		}
		return Identity{}, fmt.Errorf("engine: identity %q has no type prefix", s)
	}
	switch prefix {
	case "steamid":
		v, err := strconv.ParseUint(rest, 10, 64)
		if err != nil {
			return Identity{}, fmt.Errorf("engine: bad SteamID in identity %q", s)
		}
		return SteamIDIdentity(v), nil
	case "ip":
		a, ok := ParseAddr(rest)
		if !ok {
			return Identity{}, fmt.Errorf("engine: bad IP address in identity %q", s)
		}
		return IPIdentity(a), nil
	case "str":
		if len(rest) == 0 || len(rest) > maxGenericStringLen {
			return Identity{}, fmt.Errorf("engine: generic string identity must be 1..%d bytes", maxGenericStringLen)
		}
		return Identity{Type: IdentityGenericString, Generic: rest}, nil
	case "gen":
		b, err := hex.DecodeString(rest)
		if err != nil || len(b) == 0 || len(b) > maxGenericBytesLen {
			return Identity{}, fmt.Errorf("engine: generic bytes identity must be 1..%d bytes of hex", maxGenericBytesLen)
		}
		return Identity{Type: IdentityGenericBytes, Generic: string(b)}, nil
	}
	if prefix == "" || len(s) > 127 {
		return Identity{}, fmt.Errorf("engine: bad identity %q", s)
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return Identity{}, fmt.Errorf("engine: bad identity prefix in %q", s)
		}
	}
	return Identity{Type: IdentityUnknown, Generic: s}, nil
}

// legacyBinary encodes id as CMsgSteamNetworkingIdentityLegacyBinary, or
// nil if the type has no binary form.
func (id Identity) legacyBinary() []byte {
	var m wire.IdentityLegacyBinary
	switch id.Type {
	case IdentitySteamID:
		m.HasSteamID, m.SteamID = true, id.SteamID
	case IdentityIPAddress:
		a16 := id.Addr.Addr().As16()
		m.HasIPv6AndPort = true
		m.IPv6AndPort = binary.BigEndian.AppendUint16(a16[:], id.Addr.Port())
	case IdentityGenericString:
		m.HasGenericString, m.GenericString = true, id.Generic
	case IdentityGenericBytes:
		m.HasGenericBytes, m.GenericBytes = true, []byte(id.Generic)
	default:
		return nil
	}
	return m.Append(nil)
}

// identityFromLegacyBinary decodes the binary form.
func identityFromLegacyBinary(b []byte) (Identity, error) {
	var m wire.IdentityLegacyBinary
	if err := m.Unmarshal(b); err != nil {
		return Identity{}, err
	}
	switch {
	case m.HasSteamID:
		return SteamIDIdentity(m.SteamID), nil
	case m.HasIPv6AndPort:
		if len(m.IPv6AndPort) != 18 {
			return Identity{}, fmt.Errorf("engine: bad ipv6_and_port length %d", len(m.IPv6AndPort))
		}
		a := netip.AddrFrom16([16]byte(m.IPv6AndPort[:16]))
		return IPIdentity(netip.AddrPortFrom(a, binary.BigEndian.Uint16(m.IPv6AndPort[16:]))), nil
	case m.HasGenericString:
		if len(m.GenericString) == 0 || len(m.GenericString) > maxGenericStringLen {
			return Identity{}, fmt.Errorf("engine: bad generic string identity")
		}
		return Identity{Type: IdentityGenericString, Generic: m.GenericString}, nil
	case m.HasGenericBytes:
		if len(m.GenericBytes) == 0 || len(m.GenericBytes) > maxGenericBytesLen {
			return Identity{}, fmt.Errorf("engine: bad generic bytes identity")
		}
		return Identity{Type: IdentityGenericBytes, Generic: string(m.GenericBytes)}, nil
	}
	return Identity{}, fmt.Errorf("engine: empty legacy identity")
}

// identityFromFields applies GNS's precedence: identity_string, then the
// legacy binary form, then the legacy SteamID. found=false means none given.
func identityFromFields(hasStr bool, str string, hasBin bool, bin []byte, hasSteam bool, steam uint64) (id Identity, found bool, err error) {
	switch {
	case hasStr:
		id, err = ParseIdentity(str)
		return id, true, err
	case hasBin:
		id, err = identityFromLegacyBinary(bin)
		return id, true, err
	case hasSteam:
		return SteamIDIdentity(steam), true, nil
	}
	return Identity{}, false, nil
}
