// Package ticket is the relay auth ticket of hosted dedicated servers: a
// statement, signed by the rendezvous service's CA key, that one client
// identity may reach one game server identity (optionally only one virtual
// port) through the relay until an expiry time. It carries the server's
// routing address (its SDR_LISTEN_PORT address) and POP id, like Steam's
// SteamDatagramRelayAuthTicket, in our own compact binary form.
//
// Layout (big-endian), 139 bytes:
//
//	"GSRT" | version=1 | key_id u64 | app_id u32 | server u64 | client u64 |
//	virtual_port i32 (-1: any) | pop u32 | routing ip [16] | routing port u16 |
//	issued u64 (unix s) | expiry u64 (unix s) | ed25519 signature [64] over all before it
package ticket

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
)

// Size is the length of an encoded ticket.
const Size = bodySize + ed25519.SignatureSize

const (
	magic    = "GSRT"
	version  = 1
	bodySize = 4 + 1 + 8 + 4 + 8 + 8 + 4 + 4 + 16 + 2 + 8 + 8
)

// Ticket is a decoded relay auth ticket.
type Ticket struct {
	KeyID       uint64 // ca.KeyID of the signing key
	AppID       uint32
	Server      uint64 // game server SteamID
	Client      uint64 // authorized client SteamID
	VirtualPort int    // -1: any virtual port
	POP         uint32 // SteamNetworkingPOPID of the server
	Routing     netip.AddrPort
	Issued      time.Time
	Expiry      time.Time
}

// Errors.
var (
	ErrMalformed = errors.New("ticket: malformed relay auth ticket")
	ErrSignature = errors.New("ticket: relay auth ticket signature does not verify against any trusted key")
	ErrExpired   = errors.New("ticket: relay auth ticket expired")
)

// Sign encodes and signs t with key (the service's CA key); KeyID is set
// from the key.
func Sign(t Ticket, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("ticket: signing key must be an Ed25519 private key")
	}
	if t.VirtualPort < -1 || t.VirtualPort > 0x7fffffff {
		return nil, fmt.Errorf("ticket: virtual port %d out of range", t.VirtualPort)
	}
	t.KeyID = ca.KeyID(key.Public().(ed25519.PublicKey))
	b := make([]byte, 0, Size)
	b = append(b, magic...)
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, t.KeyID)
	b = binary.BigEndian.AppendUint32(b, t.AppID)
	b = binary.BigEndian.AppendUint64(b, t.Server)
	b = binary.BigEndian.AppendUint64(b, t.Client)
	b = binary.BigEndian.AppendUint32(b, uint32(int32(t.VirtualPort)))
	b = binary.BigEndian.AppendUint32(b, t.POP)
	ip := t.Routing.Addr().As16()
	if !t.Routing.Addr().IsValid() {
		ip = [16]byte{}
	}
	b = append(b, ip[:]...)
	b = binary.BigEndian.AppendUint16(b, t.Routing.Port())
	b = binary.BigEndian.AppendUint64(b, uint64(t.Issued.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(t.Expiry.Unix()))
	return append(b, ed25519.Sign(key, b)...), nil
}

// Parse decodes a ticket without checking its signature.
func Parse(b []byte) (*Ticket, error) {
	if len(b) != Size || string(b[:4]) != magic {
		return nil, ErrMalformed
	}
	if b[4] != version {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, b[4])
	}
	p := b[5:]
	t := &Ticket{}
	t.KeyID = binary.BigEndian.Uint64(p)
	t.AppID = binary.BigEndian.Uint32(p[8:])
	t.Server = binary.BigEndian.Uint64(p[12:])
	t.Client = binary.BigEndian.Uint64(p[20:])
	t.VirtualPort = int(int32(binary.BigEndian.Uint32(p[28:])))
	t.POP = binary.BigEndian.Uint32(p[32:])
	var ip [16]byte
	copy(ip[:], p[36:52])
	addr := netip.AddrFrom16(ip).Unmap()
	if ip == ([16]byte{}) {
		addr = netip.Addr{}
	}
	t.Routing = netip.AddrPortFrom(addr, binary.BigEndian.Uint16(p[52:]))
	issued := binary.BigEndian.Uint64(p[54:])
	expiry := binary.BigEndian.Uint64(p[62:])
	if issued > 1<<40 || expiry > 1<<40 || t.VirtualPort < -1 {
		return nil, fmt.Errorf("%w: field out of range", ErrMalformed)
	}
	t.Issued = time.Unix(int64(issued), 0)
	t.Expiry = time.Unix(int64(expiry), 0)
	return t, nil
}

// Verify decodes b, checks its signature against the trusted keys and that
// it has not expired at now.
func Verify(b []byte, trusted []ed25519.PublicKey, now time.Time) (*Ticket, error) {
	t, err := Parse(b)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, k := range trusted {
		if len(k) == ed25519.PublicKeySize && ca.KeyID(k) == t.KeyID && ed25519.Verify(k, b[:bodySize], b[bodySize:]) {
			ok = true
			break
		}
	}
	if !ok {
		return nil, ErrSignature
	}
	if !now.Before(t.Expiry) {
		return nil, ErrExpired
	}
	return t, nil
}

// Allows reports whether the ticket lets client reach server on vport.
func (t *Ticket) Allows(client, server uint64, vport int) bool {
	return t.Client == client && t.Server == server && (t.VirtualPort == -1 || t.VirtualPort == vport)
}
