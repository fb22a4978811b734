package bindings

import (
	"math"
	"net/netip"
	"strings"
)

// parseIPAddr parses an address as SteamNetworkingIPAddr::ParseString does
// (api.md §2.3), including its leniencies, so that every string GodotSteam
// accepts means the same here:
//
//   - IPv4 is read like sscanf("%d.%d.%d.%d:%d"): "a.b.c.d" or
//     "a.b.c.d:port"; leading blanks before a number are skipped and text
//     after the last number is ignored (ignored is then that text, so the
//     caller can warn). Octets must be 0..255 and the port 0..65535.
//   - IPv6: "::1", "[::1]", "[::1]:27015", with blanks around, an optional
//     numeric scope ("%2", dropped) and the RFC 5952 §6 port forms
//     ("[::1]#27015", "[::1]p27015", "[::1] port 27015"); eight full groups
//     followed by ":port" are unambiguous and accepted too.
//
// A missing port means 0. ok is false when the text does not parse; the
// caller then uses [::]:0 as GodotSteam does.
func parseIPAddr(s string) (ap netip.AddrPort, ok bool, ignored string) {
	if ap, matched, ok, rest := scanIPv4(s); matched {
		if strings.Trim(rest, " \t\r\n\v\f") != "" {
			ignored = rest
		}
		return ap, ok, ignored
	}
	ap, ok = parseIPv6(s)
	return ap, ok, ""
}

// scanIPv4 follows sscanf semantics. matched reports whether at least the
// four octets were read (otherwise the text is not IPv4 and IPv6 is tried).
func scanIPv4(s string) (ap netip.AddrPort, matched, ok bool, rest string) {
	var n [5]int64
	count := 0
	for count < 5 {
		if count > 0 {
			sep := byte('.')
			if count == 4 {
				sep = ':'
			}
			if s == "" || s[0] != sep {
				break
			}
			s = s[1:]
		}
		v, after, good := scanDecimal(s)
		if !good {
			if count == 4 {
				s = ":" + s // the unmatched ':' stays in the rest
			}
			break
		}
		n[count], s = v, after
		count++
	}
	if count < 4 {
		return netip.AddrPort{}, false, false, ""
	}
	for _, o := range n[:4] {
		if o < 0 || o > 255 {
			return netip.AddrPort{}, true, false, ""
		}
	}
	port := int64(0)
	if count == 5 {
		if n[4] < 0 || n[4] > math.MaxUint16 {
			return netip.AddrPort{}, true, false, ""
		}
		port = n[4]
	}
	addr := netip.AddrFrom4([4]byte{byte(n[0]), byte(n[1]), byte(n[2]), byte(n[3])})
	return netip.AddrPortFrom(addr, uint16(port)), true, true, s
}

// scanDecimal reads one %d: optional C whitespace, an optional sign, at
// least one digit. Values beyond int32 saturate (they fail range checks).
func scanDecimal(s string) (int64, string, bool) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if v <= math.MaxInt32 {
			v = v*10 + int64(s[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, s, false
	}
	if neg {
		v = -v
	}
	return v, s[i:], true
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// parseIPv6 reads the IPv6 forms listed at parseIPAddr.
func parseIPv6(s string) (netip.AddrPort, bool) {
	s = strings.TrimLeft(s, " \t")
	var addrText, rest string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.AddrPort{}, false
		}
		addrText, rest = strings.Trim(s[1:end], " \t"), s[end+1:]
	} else {
		i := 0
		for i < len(s) && (isHex(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '%') {
			i++
		}
		addrText, rest = s[:i], s[i:]
	}
	// A numeric scope is accepted and dropped (the address has no zone).
	if i := strings.IndexByte(addrText, '%'); i >= 0 {
		if !allDigits(addrText[i+1:]) {
			return netip.AddrPort{}, false
		}
		addrText = addrText[:i]
	}
	addr, err := netip.ParseAddr(addrText)
	if err != nil && !strings.HasPrefix(s, "[") && !strings.Contains(addrText, "::") && strings.Count(addrText, ":") == 8 {
		// Eight full groups then ":port".
		i := strings.LastIndexByte(addrText, ':')
		addr, err = netip.ParseAddr(addrText[:i])
		rest = addrText[i:] + rest
	}
	if err != nil || !addr.Is6() || addr.Zone() != "" {
		return netip.AddrPort{}, false
	}
	port, ok := parsePortSuffix(rest)
	if !ok {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr, port), true
}

// parsePortSuffix reads what may follow an IPv6 address: nothing (port 0),
// ":N", "#N", ".N", "pN", "PN" or " port N", with trailing blanks.
func parsePortSuffix(rest string) (uint16, bool) {
	switch {
	case rest == "":
		return 0, true
	case strings.IndexByte(":#.pP", rest[0]) >= 0:
		rest = rest[1:]
	default:
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return 0, true
		}
		if !strings.HasPrefix(rest, "port") {
			return 0, false
		}
		rest = strings.TrimLeft(rest[4:], " \t")
	}
	digits := strings.TrimRight(rest, " \t")
	if digits == "" || !allDigits(digits) || len(digits) > 5 {
		return 0, false
	}
	v := 0
	for i := 0; i < len(digits); i++ {
		v = v*10 + int(digits[i]-'0')
	}
	if v > math.MaxUint16 {
		return 0, false
	}
	return uint16(v), true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
