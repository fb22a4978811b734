// Package sigmsg encodes and decodes CMsgSteamNetworkingP2PRendezvous, the
// signal blob GNS exchanges through custom signaling (gns_wire_notes.md §7),
// byte-compatible with GNS's protobuf definition.
package sigmsg

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
)

// ConnectRequest is CMsgSteamNetworkingP2PRendezvous.ConnectRequest.
type ConnectRequest struct {
	Crypt           []byte // 6: serialized CMsgSteamDatagramSessionCryptInfoSigned
	Cert            []byte // 7: serialized CMsgSteamDatagramCertificateSigned
	ToVirtualPort   uint32 // 9
	FromVirtualPort uint32 // 10
	HasToVPort      bool
	HasFromVPort    bool
	FromFakeIP      string // 11
}

// ConnectOK is CMsgSteamNetworkingP2PRendezvous.ConnectOK.
type ConnectOK struct {
	Crypt []byte // 5
	Cert  []byte // 6
}

// ConnectionClosed is CMsgSteamNetworkingP2PRendezvous.ConnectionClosed.
type ConnectionClosed struct {
	Debug      string // 5
	ReasonCode uint32 // 6
}

// ICE is CMsgICERendezvous, the only reliable-message kind GNS defines.
type ICE struct {
	PwdFrag      string // auth(2).pwd_frag(1); "" = no auth
	HasAuth      bool
	Candidate    string // add_candidate(1).candidate(3); "candidate:..." attribute
	HasCandidate bool
}

// ReliableMessage is CMsgSteamNetworkingP2PRendezvous.ReliableMessage.
type ReliableMessage struct {
	ICE *ICE // 1
}

// ApplicationMessage is an unreliable message piggy-backed on a signal.
type ApplicationMessage struct {
	Data    []byte // 1
	MsgNum  uint64 // 2
	Flags   uint32 // 3
	LaneIdx uint32 // 4
}

// Rendezvous is CMsgSteamNetworkingP2PRendezvous.
type Rendezvous struct {
	FromIdentity          string // 8
	FromConnectionID      uint32 // 9 fixed32
	ToIdentity            string // 10
	ToConnectionID        uint32 // 1 fixed32 (0 = unknown)
	SDRRoutes             []byte // 2 (kept opaque)
	AckPeerRoutesRevision uint32 // 3
	ICEEnabled            bool   // 7
	HasICEEnabled         bool
	HostedServerTicket    []byte // 14 (kept opaque)

	ConnectRequest   *ConnectRequest   // 4
	ConnectOK        *ConnectOK        // 5
	ConnectionClosed *ConnectionClosed // 6

	AckReliableMsg      uint32 // 11 (0 = none)
	FirstReliableMsg    uint32 // 12 (0 = no reliable messages)
	ReliableMessages    []ReliableMessage
	ApplicationMessages []ApplicationMessage // 15
}

// ErrMalformed reports bytes that are not a valid message.
var ErrMalformed = errors.New("sigmsg: malformed CMsgSteamNetworkingP2PRendezvous")

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendFixed32Field(b []byte, num protowire.Number, v uint32) []byte {
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

// Marshal encodes the message.
func (m *Rendezvous) Marshal() []byte {
	var b []byte
	if m.ToConnectionID != 0 {
		b = appendFixed32Field(b, 1, m.ToConnectionID)
	}
	if m.SDRRoutes != nil {
		b = appendBytesField(b, 2, m.SDRRoutes)
	}
	if m.AckPeerRoutesRevision != 0 {
		b = appendVarintField(b, 3, uint64(m.AckPeerRoutesRevision))
	}
	if r := m.ConnectRequest; r != nil {
		var s []byte
		if r.Crypt != nil {
			s = appendBytesField(s, 6, r.Crypt)
		}
		if r.Cert != nil {
			s = appendBytesField(s, 7, r.Cert)
		}
		if r.HasToVPort {
			s = appendVarintField(s, 9, uint64(r.ToVirtualPort))
		}
		if r.HasFromVPort {
			s = appendVarintField(s, 10, uint64(r.FromVirtualPort))
		}
		if r.FromFakeIP != "" {
			s = appendBytesField(s, 11, []byte(r.FromFakeIP))
		}
		b = appendBytesField(b, 4, s)
	}
	if ok := m.ConnectOK; ok != nil {
		var s []byte
		if ok.Crypt != nil {
			s = appendBytesField(s, 5, ok.Crypt)
		}
		if ok.Cert != nil {
			s = appendBytesField(s, 6, ok.Cert)
		}
		b = appendBytesField(b, 5, s)
	}
	if c := m.ConnectionClosed; c != nil {
		var s []byte
		if c.Debug != "" {
			s = appendBytesField(s, 5, []byte(c.Debug))
		}
		s = appendVarintField(s, 6, uint64(c.ReasonCode))
		b = appendBytesField(b, 6, s)
	}
	if m.HasICEEnabled {
		v := uint64(0)
		if m.ICEEnabled {
			v = 1
		}
		b = appendVarintField(b, 7, v)
	}
	if m.FromIdentity != "" {
		b = appendBytesField(b, 8, []byte(m.FromIdentity))
	}
	b = appendFixed32Field(b, 9, m.FromConnectionID)
	if m.ToIdentity != "" {
		b = appendBytesField(b, 10, []byte(m.ToIdentity))
	}
	if m.AckReliableMsg != 0 {
		b = appendVarintField(b, 11, uint64(m.AckReliableMsg))
	}
	if len(m.ReliableMessages) > 0 {
		b = appendVarintField(b, 12, uint64(m.FirstReliableMsg))
	}
	for _, rm := range m.ReliableMessages {
		var s []byte
		if rm.ICE != nil {
			var ice []byte
			if rm.ICE.HasCandidate {
				cand := appendBytesField(nil, 3, []byte(rm.ICE.Candidate))
				ice = appendBytesField(ice, 1, cand)
			}
			if rm.ICE.HasAuth {
				auth := appendBytesField(nil, 1, []byte(rm.ICE.PwdFrag))
				ice = appendBytesField(ice, 2, auth)
			}
			s = appendBytesField(s, 1, ice)
		}
		b = appendBytesField(b, 13, s)
	}
	if m.HostedServerTicket != nil {
		b = appendBytesField(b, 14, m.HostedServerTicket)
	}
	for _, am := range m.ApplicationMessages {
		var s []byte
		s = appendBytesField(s, 1, am.Data)
		s = appendVarintField(s, 2, am.MsgNum)
		s = appendVarintField(s, 3, uint64(am.Flags))
		if am.LaneIdx != 0 {
			s = appendVarintField(s, 4, uint64(am.LaneIdx))
		}
		b = appendBytesField(b, 15, s)
	}
	return b
}

type field struct {
	num  protowire.Number
	typ  protowire.Type
	v    uint64
	data []byte
}

func walk(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ErrMalformed
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(b)
			f.v = uint64(x)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.data, n = protowire.ConsumeBytes(b)
		default:
			return ErrMalformed
		}
		if n < 0 {
			return ErrMalformed
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

// MaxReliableMessages bounds how many reliable messages one signal may carry.
const MaxReliableMessages = 256

// Unmarshal decodes a signal. Unknown fields are skipped.
func Unmarshal(b []byte) (*Rendezvous, error) {
	m := &Rendezvous{}
	err := walk(b, func(f field) error {
		isBytes := f.typ == protowire.BytesType
		isVarint := f.typ == protowire.VarintType
		switch {
		case f.num == 1 && f.typ == protowire.Fixed32Type:
			m.ToConnectionID = uint32(f.v)
		case f.num == 2 && isBytes:
			m.SDRRoutes = clone(f.data)
		case f.num == 3 && isVarint:
			m.AckPeerRoutesRevision = uint32(f.v)
		case f.num == 4 && isBytes:
			r := &ConnectRequest{}
			if err := walk(f.data, func(g field) error {
				switch {
				case g.num == 6 && g.typ == protowire.BytesType:
					r.Crypt = clone(g.data)
				case g.num == 7 && g.typ == protowire.BytesType:
					r.Cert = clone(g.data)
				case g.num == 9 && g.typ == protowire.VarintType:
					r.ToVirtualPort, r.HasToVPort = uint32(g.v), true
				case g.num == 10 && g.typ == protowire.VarintType:
					r.FromVirtualPort, r.HasFromVPort = uint32(g.v), true
				case g.num == 11 && g.typ == protowire.BytesType:
					r.FromFakeIP = string(g.data)
				}
				return nil
			}); err != nil {
				return err
			}
			m.ConnectRequest = r
		case f.num == 5 && isBytes:
			ok := &ConnectOK{}
			if err := walk(f.data, func(g field) error {
				switch {
				case g.num == 5 && g.typ == protowire.BytesType:
					ok.Crypt = clone(g.data)
				case g.num == 6 && g.typ == protowire.BytesType:
					ok.Cert = clone(g.data)
				}
				return nil
			}); err != nil {
				return err
			}
			m.ConnectOK = ok
		case f.num == 6 && isBytes:
			c := &ConnectionClosed{}
			if err := walk(f.data, func(g field) error {
				switch {
				case g.num == 5 && g.typ == protowire.BytesType:
					c.Debug = string(g.data)
				case g.num == 6 && g.typ == protowire.VarintType:
					c.ReasonCode = uint32(g.v)
				}
				return nil
			}); err != nil {
				return err
			}
			m.ConnectionClosed = c
		case f.num == 7 && isVarint:
			m.ICEEnabled, m.HasICEEnabled = f.v != 0, true
		case f.num == 8 && isBytes:
			m.FromIdentity = string(f.data)
		case f.num == 9 && f.typ == protowire.Fixed32Type:
			m.FromConnectionID = uint32(f.v)
		case f.num == 10 && isBytes:
			m.ToIdentity = string(f.data)
		case f.num == 11 && isVarint:
			m.AckReliableMsg = uint32(f.v)
		case f.num == 12 && isVarint:
			m.FirstReliableMsg = uint32(f.v)
		case f.num == 13 && isBytes:
			if len(m.ReliableMessages) >= MaxReliableMessages {
				return ErrMalformed
			}
			rm, err := decodeReliable(f.data)
			if err != nil {
				return err
			}
			m.ReliableMessages = append(m.ReliableMessages, rm)
		case f.num == 14 && isBytes:
			m.HostedServerTicket = clone(f.data)
		case f.num == 15 && isBytes:
			am := ApplicationMessage{}
			if err := walk(f.data, func(g field) error {
				switch {
				case g.num == 1 && g.typ == protowire.BytesType:
					am.Data = clone(g.data)
				case g.num == 2 && g.typ == protowire.VarintType:
					am.MsgNum = g.v
				case g.num == 3 && g.typ == protowire.VarintType:
					am.Flags = uint32(g.v)
				case g.num == 4 && g.typ == protowire.VarintType:
					am.LaneIdx = uint32(g.v)
				}
				return nil
			}); err != nil {
				return err
			}
			m.ApplicationMessages = append(m.ApplicationMessages, am)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func decodeReliable(b []byte) (ReliableMessage, error) {
	var rm ReliableMessage
	err := walk(b, func(f field) error {
		if f.num != 1 || f.typ != protowire.BytesType {
			return nil
		}
		ice := &ICE{}
		err := walk(f.data, func(g field) error {
			if g.typ != protowire.BytesType {
				return nil
			}
			switch g.num {
			case 1: // add_candidate
				ice.HasCandidate = true
				return walk(g.data, func(h field) error {
					if h.num == 3 && h.typ == protowire.BytesType {
						ice.Candidate = string(h.data)
					}
					return nil
				})
			case 2: // auth
				ice.HasAuth = true
				return walk(g.data, func(h field) error {
					if h.num == 1 && h.typ == protowire.BytesType {
						ice.PwdFrag = string(h.data)
					}
					return nil
				})
			}
			return nil
		})
		rm.ICE = ice
		return err
	})
	return rm, err
}
