// Package fakeip holds the FakeIP address plan shared by the rendezvous
// service (which hands out global FakeIPs) and the engine (which maps peers
// without one to local FakeIPs).
//
// A FakeIP is an IPv4 address that is only an identifier: no packet is ever
// sent to it on a real network. Steam's documentation says FakeIPs come from
// 169.254.0.0/16 and that fake ports are always above 1024. We split that
// block the same way GNS classifies it (a global part, then a local part):
//
//	169.254.1.0   – 169.254.127.255  global: allocated by the rendezvous
//	                                 service, unique per app on that service
//	169.254.128.0 – 169.254.254.255  local: allocated by one process for
//	                                 peers that have no global FakeIP
//
// 169.254.0.0/24 and 169.254.255.0/24 stay unused (RFC 3927 reserves them).
// Games must not rely on these ranges: use Classify, as the SDK asks
// (IsFakeIP).
package fakeip

import (
	"net/netip"
)

// Type is ESteamNetworkingFakeIPType (the FAKE_IP_TYPE_* constants).
type Type int

// FakeIP types.
const (
	TypeInvalid Type = 0 // not an IPv4 address at all
	TypeNotFake Type = 1 // a real address
	TypeGlobal  Type = 2 // FAKE_IP_TYPE_GLOBAL_IPV4
	TypeLocal   Type = 3 // FAKE_IP_TYPE_LOCAL_IPV4
)

// The ranges, as host-order uint32 (the form getFakeIP and fake_ip_result
// use before formatting).
const (
	GlobalFirst uint32 = 169<<24 | 254<<16 | 1<<8
	GlobalLast  uint32 = 169<<24 | 254<<16 | 127<<8 | 255
	LocalFirst  uint32 = 169<<24 | 254<<16 | 128<<8
	LocalLast   uint32 = 169<<24 | 254<<16 | 254<<8 | 255
)

// Port limits.
const (
	// MinPort is the lowest fake port handed out (the SDK: "always >1024").
	MinPort = 1025
	// MaxPortsPerRequest is the most ports one BeginAsyncRequestFakeIP may
	// ask for (the SDK's documented limit, 4).
	MaxPortsPerRequest = 4
	// ResultPorts is the size of the port list in results
	// (SteamNetworkingFakeIPResult_t::m_unPorts).
	ResultPorts = 8
)

// VirtualPortGlobal0 is the P2P virtual port that stands for fake port
// index 0 of a global FakeIP (index i is VirtualPortGlobal0+i). GNS uses the
// same convention in its connect_request, so a FakeIP listen socket is a P2P
// listen socket on this virtual port.
const VirtualPortGlobal0 = 0x7fffff00

// VirtualPortForIndex returns the virtual port of fake port index idx.
func VirtualPortForIndex(idx int) int { return VirtualPortGlobal0 + idx }

// IndexForVirtualPort is the reverse; ok is false outside the fake range.
func IndexForVirtualPort(vport int) (idx int, ok bool) {
	if vport < VirtualPortGlobal0 || vport >= VirtualPortGlobal0+MaxPortsPerRequest {
		return 0, false
	}
	return vport - VirtualPortGlobal0, true
}

// Classify returns the FakeIP type of an address (IPv4-mapped IPv6 counts
// as IPv4).
func Classify(a netip.Addr) Type {
	if !a.IsValid() {
		return TypeInvalid
	}
	a = a.Unmap()
	if !a.Is4() {
		return TypeNotFake
	}
	return ClassifyUint32(ToUint32(a))
}

// ClassifyUint32 classifies a host-order IPv4 address.
func ClassifyUint32(ip uint32) Type {
	switch {
	case ip >= GlobalFirst && ip <= GlobalLast:
		return TypeGlobal
	case ip >= LocalFirst && ip <= LocalLast:
		return TypeLocal
	}
	return TypeNotFake
}

// ToUint32 converts an IPv4 address to host order (0 for anything else).
func ToUint32(a netip.Addr) uint32 {
	a = a.Unmap()
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// FromUint32 converts a host-order IPv4 address.
func FromUint32(ip uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)})
}

// Format renders a host-order IPv4 address as "a.b.c.d", or "" for 0
// (api.md §2.3).
func Format(ip uint32) string {
	if ip == 0 {
		return ""
	}
	return FromUint32(ip).String()
}
