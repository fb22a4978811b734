package wire

// Certificate, crypt-info and identity messages (msgs.proto, certs.proto).

// Key types and ciphers.
const (
	KeyTypeEd25519    = 1 // CMsgSteamDatagramCertificate.EKeyType
	KeyTypeCurve25519 = 1 // CMsgSteamDatagramSessionCryptInfo.EKeyType

	CipherInvalid   = 0
	CipherNull      = 1
	CipherAES256GCM = 2
)

// Cert is CMsgSteamDatagramCertificate.
type Cert struct {
	KeyType                 uint32 // 1 enum
	KeyData                 []byte // 2 bytes
	LegacySteamID           uint64 // 4 fixed64
	HasLegacySteamID        bool
	GameserverDatacenterIDs []uint32 // 5 repeated fixed32
	TimeCreated             uint32   // 8 fixed32
	TimeExpiry              uint32   // 9 fixed32
	AppIDs                  []uint32 // 10 repeated uint32
	LegacyIdentityBinary    []byte   // 11
	HasLegacyIdentityBinary bool
	IdentityString          string // 12
	HasIdentityString       bool
	IPAddresses             []string // 13
}

// Append encodes m after b (field-number order, unpacked repeated fields).
func (m *Cert) Append(b []byte) []byte {
	b = appendVarint(b, 1, uint64(m.KeyType))
	b = appendBytes(b, 2, m.KeyData)
	if m.HasLegacySteamID {
		b = appendFixed64(b, 4, m.LegacySteamID)
	}
	for _, v := range m.GameserverDatacenterIDs {
		b = appendFixed32(b, 5, v)
	}
	if m.TimeCreated != 0 {
		b = appendFixed32(b, 8, m.TimeCreated)
	}
	if m.TimeExpiry != 0 {
		b = appendFixed32(b, 9, m.TimeExpiry)
	}
	for _, v := range m.AppIDs {
		b = appendVarint(b, 10, uint64(v))
	}
	if m.HasLegacyIdentityBinary {
		b = appendBytes(b, 11, m.LegacyIdentityBinary)
	}
	if m.HasIdentityString {
		b = appendString(b, 12, m.IdentityString)
	}
	for _, s := range m.IPAddresses {
		b = appendString(b, 13, s)
	}
	return b
}

// Unmarshal decodes b into m.
func (m *Cert) Unmarshal(b []byte) error {
	*m = Cert{}
	return walk(b, func(f field) error {
		var err error
		switch {
		case f.num == 1 && f.isVarint():
			m.KeyType = uint32(f.u64)
		case f.num == 2 && f.isBytes():
			m.KeyData = clone(f.bytes)
		case f.num == 4 && f.isFixed64():
			m.LegacySteamID, m.HasLegacySteamID = f.u64, true
		case f.num == 5:
			m.GameserverDatacenterIDs, err = repeatedFixed32(m.GameserverDatacenterIDs, f)
		case f.num == 8 && f.isFixed32():
			m.TimeCreated = uint32(f.u64)
		case f.num == 9 && f.isFixed32():
			m.TimeExpiry = uint32(f.u64)
		case f.num == 10:
			m.AppIDs, err = repeatedU32(m.AppIDs, f)
		case f.num == 11 && f.isBytes():
			m.LegacyIdentityBinary, m.HasLegacyIdentityBinary = clone(f.bytes), true
		case f.num == 12 && f.isBytes():
			m.IdentityString, m.HasIdentityString = string(f.bytes), true
		case f.num == 13 && f.isBytes():
			m.IPAddresses = append(m.IPAddresses, string(f.bytes))
		}
		return err
	})
}

// CryptInfo is CMsgSteamDatagramSessionCryptInfo.
type CryptInfo struct {
	KeyType         uint32   // 1 enum (KeyTypeCurve25519)
	KeyData         []byte   // 2 bytes: X25519 public key
	Nonce           uint64   // 3 fixed64
	ProtocolVersion uint32   // 4 varint
	Ciphers         []uint32 // 5 repeated enum (empty = legacy = {AES-256-GCM})
}

// Append encodes m after b (ciphers unpacked, as GNS does).
func (m *CryptInfo) Append(b []byte) []byte {
	b = appendVarint(b, 1, uint64(m.KeyType))
	b = appendBytes(b, 2, m.KeyData)
	b = appendFixed64(b, 3, m.Nonce)
	b = appendVarint(b, 4, uint64(m.ProtocolVersion))
	for _, c := range m.Ciphers {
		b = appendVarint(b, 5, uint64(c))
	}
	return b
}

// Unmarshal decodes b into m (ciphers packed or unpacked).
func (m *CryptInfo) Unmarshal(b []byte) error {
	*m = CryptInfo{}
	return walk(b, func(f field) error {
		var err error
		switch {
		case f.num == 1 && f.isVarint():
			m.KeyType = uint32(f.u64)
		case f.num == 2 && f.isBytes():
			m.KeyData = clone(f.bytes)
		case f.num == 3 && f.isFixed64():
			m.Nonce = f.u64
		case f.num == 4 && f.isVarint():
			m.ProtocolVersion = uint32(f.u64)
		case f.num == 5:
			m.Ciphers, err = repeatedU32(m.Ciphers, f)
		}
		return err
	})
}

// IdentityLegacyBinary is CMsgSteamNetworkingIdentityLegacyBinary.
type IdentityLegacyBinary struct {
	SteamID          uint64 // 16 fixed64
	HasSteamID       bool
	GenericBytes     []byte // 2
	HasGenericBytes  bool
	GenericString    string // 3
	HasGenericString bool
	IPv6AndPort      []byte // 4: 16-byte IPv6 address + big-endian port
	HasIPv6AndPort   bool
}

// Append encodes m after b.
func (m *IdentityLegacyBinary) Append(b []byte) []byte {
	if m.HasGenericBytes {
		b = appendBytes(b, 2, m.GenericBytes)
	}
	if m.HasGenericString {
		b = appendString(b, 3, m.GenericString)
	}
	if m.HasIPv6AndPort {
		b = appendBytes(b, 4, m.IPv6AndPort)
	}
	if m.HasSteamID {
		b = appendFixed64(b, 16, m.SteamID)
	}
	return b
}

// Unmarshal decodes b into m.
func (m *IdentityLegacyBinary) Unmarshal(b []byte) error {
	*m = IdentityLegacyBinary{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 16 && f.isFixed64():
			m.SteamID, m.HasSteamID = f.u64, true
		case f.num == 2 && f.isBytes():
			m.GenericBytes, m.HasGenericBytes = clone(f.bytes), true
		case f.num == 3 && f.isBytes():
			m.GenericString, m.HasGenericString = string(f.bytes), true
		case f.num == 4 && f.isBytes():
			m.IPv6AndPort, m.HasIPv6AndPort = clone(f.bytes), true
		}
		return nil
	})
}
