// Package ca is a certificate authority for GNS certificates: it signs
// CMsgSteamDatagramCertificateSigned blobs that bind a 64-bit SteamID-style
// identity ("steamid:<n>") to an Ed25519 key, and verifies them against the
// CA keys a game trusts (gns_wire_notes.md §2.1, §3.1-3.2).
//
// The encodings here are byte-compatible with GNS: the cert is
// CMsgSteamDatagramCertificate, kept verbatim inside the signed wrapper, and
// the CA signature is Ed25519 over exactly those bytes.
package ca

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// KeyTypeEd25519 is CMsgSteamDatagramCertificate.EKeyType ED25519.
const KeyTypeEd25519 = 1

// Cert is CMsgSteamDatagramCertificate (the fields this package uses and
// every field GNS defines, so a decoded cert re-encodes losslessly enough to
// inspect; verification always uses the original bytes).
type Cert struct {
	KeyType                 uint32   // 1
	KeyData                 []byte   // 2: 32-byte Ed25519 public key
	LegacySteamID           uint64   // 4 fixed64 (0 = absent)
	GameserverDatacenterIDs []uint32 // 5 repeated fixed32
	TimeCreated             uint32   // 8 fixed32, Unix seconds
	TimeExpiry              uint32   // 9 fixed32, Unix seconds
	AppIDs                  []uint32 // 10 repeated uint32
	LegacyIdentityBinary    []byte   // 11 CMsgSteamNetworkingIdentityLegacyBinary (nil = absent)
	IdentityString          string   // 12
	IPAddresses             []string // 13
}

// Marshal encodes the cert in field-number order, repeated fields unpacked,
// as GNS writes it.
func (c *Cert) Marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(c.KeyType))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, c.KeyData)
	if c.LegacySteamID != 0 {
		b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, c.LegacySteamID)
	}
	for _, v := range c.GameserverDatacenterIDs {
		b = protowire.AppendTag(b, 5, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, v)
	}
	if c.TimeCreated != 0 {
		b = protowire.AppendTag(b, 8, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, c.TimeCreated)
	}
	if c.TimeExpiry != 0 {
		b = protowire.AppendTag(b, 9, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, c.TimeExpiry)
	}
	for _, v := range c.AppIDs {
		b = protowire.AppendTag(b, 10, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v))
	}
	if c.LegacyIdentityBinary != nil {
		b = protowire.AppendTag(b, 11, protowire.BytesType)
		b = protowire.AppendBytes(b, c.LegacyIdentityBinary)
	}
	if c.IdentityString != "" {
		b = protowire.AppendTag(b, 12, protowire.BytesType)
		b = protowire.AppendString(b, c.IdentityString)
	}
	for _, s := range c.IPAddresses {
		b = protowire.AppendTag(b, 13, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	return b
}

// ErrMalformed is returned for bytes that are not a valid protobuf message.
var ErrMalformed = errors.New("ca: malformed certificate protobuf")

// UnmarshalCert decodes CMsgSteamDatagramCertificate. Unknown fields are
// skipped; packed and unpacked repeated fields are both accepted.
func UnmarshalCert(b []byte) (*Cert, error) {
	c := &Cert{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error {
		switch {
		case num == 1 && typ == protowire.VarintType:
			c.KeyType = uint32(v)
		case num == 2 && typ == protowire.BytesType:
			c.KeyData = append([]byte(nil), data...)
		case num == 4 && typ == protowire.Fixed64Type:
			c.LegacySteamID = v
		case num == 5 && typ == protowire.Fixed32Type:
			c.GameserverDatacenterIDs = append(c.GameserverDatacenterIDs, uint32(v))
		case num == 5 && typ == protowire.BytesType:
			for len(data) >= 4 {
				x, n := protowire.ConsumeFixed32(data)
				if n < 0 {
					return ErrMalformed
				}
				c.GameserverDatacenterIDs = append(c.GameserverDatacenterIDs, x)
				data = data[n:]
			}
			if len(data) != 0 {
				return ErrMalformed
			}
		case num == 8 && typ == protowire.Fixed32Type:
			c.TimeCreated = uint32(v)
		case num == 9 && typ == protowire.Fixed32Type:
			c.TimeExpiry = uint32(v)
		case num == 10 && typ == protowire.VarintType:
			c.AppIDs = append(c.AppIDs, uint32(v))
		case num == 10 && typ == protowire.BytesType:
			for len(data) > 0 {
				x, n := protowire.ConsumeVarint(data)
				if n < 0 {
					return ErrMalformed
				}
				c.AppIDs = append(c.AppIDs, uint32(x))
				data = data[n:]
			}
		case num == 11 && typ == protowire.BytesType:
			c.LegacyIdentityBinary = append([]byte{}, data...)
		case num == 12 && typ == protowire.BytesType:
			c.IdentityString = string(data)
		case num == 13 && typ == protowire.BytesType:
			c.IPAddresses = append(c.IPAddresses, string(data))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Signed is CMsgSteamDatagramCertificateSigned.
type Signed struct {
	Cert        []byte // 4: serialized CMsgSteamDatagramCertificate, verbatim
	CAKeyID     uint64 // 5 fixed64 (0 = absent: unsigned cert)
	CASignature []byte // 6: Ed25519 over Cert
	PrivateKey  []byte // 1: never sent on the wire; only in local storage blobs
}

// Marshal encodes the signed wrapper (private key included only if set).
func (s *Signed) Marshal() []byte {
	var b []byte
	if s.PrivateKey != nil {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, s.PrivateKey)
	}
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, s.Cert)
	if s.CAKeyID != 0 {
		b = protowire.AppendTag(b, 5, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, s.CAKeyID)
	}
	if s.CASignature != nil {
		b = protowire.AppendTag(b, 6, protowire.BytesType)
		b = protowire.AppendBytes(b, s.CASignature)
	}
	return b
}

// UnmarshalSigned decodes CMsgSteamDatagramCertificateSigned.
func UnmarshalSigned(b []byte) (*Signed, error) {
	s := &Signed{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			s.PrivateKey = append([]byte{}, data...)
		case num == 4 && typ == protowire.BytesType:
			s.Cert = append([]byte{}, data...)
		case num == 5 && typ == protowire.Fixed64Type:
			s.CAKeyID = v
		case num == 6 && typ == protowire.BytesType:
			s.CASignature = append([]byte{}, data...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Request is CMsgSteamDatagramCertificateRequest: an unsigned cert naming
// the key (and identity, app IDs) the requester wants signed.
type Request struct {
	Cert []byte // 1: serialized CMsgSteamDatagramCertificate
}

// Marshal encodes the request.
func (r *Request) Marshal() []byte {
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	return protowire.AppendBytes(b, r.Cert)
}

// UnmarshalRequest decodes CMsgSteamDatagramCertificateRequest.
func UnmarshalRequest(b []byte) (*Request, error) {
	r := &Request{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, _ uint64, data []byte) error {
		if num == 1 && typ == protowire.BytesType {
			r.Cert = append([]byte{}, data...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// walk calls fn for each field of a protobuf message: v holds varint and
// fixed values, data the bytes of length-delimited fields. Groups are
// refused (GNS never uses them).
func walk(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ErrMalformed
		}
		b = b[n:]
		var v uint64
		var data []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(b)
			v = uint64(x)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			data, n = protowire.ConsumeBytes(b)
		default:
			return ErrMalformed
		}
		if n < 0 {
			return ErrMalformed
		}
		b = b[n:]
		if err := fn(num, typ, v, data); err != nil {
			return err
		}
	}
	return nil
}

// SteamIDBase is the SteamID64 of individual account 0 in the public
// universe (universe 1, type individual, instance 1).
const SteamIDBase uint64 = 0x0110000100000000

// ValidSteamID reports whether id is an individual or game-server SteamID
// with a non-zero account ID, the only kinds GNS accepts as identities.
func ValidSteamID(id uint64) bool {
	account := uint32(id)
	accountType := (id >> 52) & 0xF
	return account != 0 && (accountType == 1 || accountType == 3)
}

// IdentityString is the GNS string form of a SteamID identity.
func IdentityString(steamID uint64) string { return "steamid:" + strconv.FormatUint(steamID, 10) }

// ParseSteamIdentity parses "steamid:<n>" and checks the SteamID is valid.
func ParseSteamIdentity(s string) (uint64, error) {
	rest, ok := strings.CutPrefix(s, "steamid:")
	if !ok {
		return 0, fmt.Errorf("ca: identity %q is not of the form steamid:<n>", s)
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	if err != nil || !ValidSteamID(id) {
		return 0, fmt.Errorf("ca: identity %q is not a valid individual or game-server SteamID", s)
	}
	return id, nil
}

// legacyIdentityBinary encodes CMsgSteamNetworkingIdentityLegacyBinary
// {steam_id = id} (field 16, fixed64), as GNS writes it for SteamIDs.
func legacyIdentityBinary(id uint64) []byte {
	b := protowire.AppendTag(nil, 16, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, id)
}

// certIdentity returns the SteamID a cert names, from identity_string,
// else the legacy binary identity, else legacy_steam_id (GNS's precedence).
// ok is false if the cert names no SteamID identity.
func certIdentity(c *Cert) (uint64, bool) {
	if c.IdentityString != "" {
		id, err := ParseSteamIdentity(c.IdentityString)
		return id, err == nil
	}
	if c.LegacyIdentityBinary != nil {
		var id uint64
		found := false
		err := walk(c.LegacyIdentityBinary, func(num protowire.Number, typ protowire.Type, v uint64, _ []byte) error {
			if num == 16 && typ == protowire.Fixed64Type {
				id, found = v, true
			}
			return nil
		})
		return id, err == nil && found && ValidSteamID(id)
	}
	if c.LegacySteamID != 0 {
		return c.LegacySteamID, ValidSteamID(c.LegacySteamID)
	}
	return 0, false
}
