package wire

// Protobuf messages of the GNS UDP handshake (gns_wire_notes.md §2.1),
// encoded by hand. Byte fields that feed the key derivation (certificate and
// crypt-info bytes) are kept verbatim. Decoders copy every byte field, so a
// decoded message never aliases the packet buffer.

// ChallengeRequest is CMsgSteamSockets_UDP_ChallengeRequest (id 32, padded).
type ChallengeRequest struct {
	ConnectionID    uint32 // 1 fixed32
	MyTimestamp     uint64 // 3 fixed64
	ProtocolVersion uint32 // 4 varint
}

// Append encodes m after b.
func (m *ChallengeRequest) Append(b []byte) []byte {
	b = appendFixed32(b, 1, m.ConnectionID)
	b = appendFixed64(b, 3, m.MyTimestamp)
	return appendVarint(b, 4, uint64(m.ProtocolVersion))
}

// Unmarshal decodes b into m.
func (m *ChallengeRequest) Unmarshal(b []byte) error {
	*m = ChallengeRequest{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 1 && f.isFixed32():
			m.ConnectionID = uint32(f.u64)
		case f.num == 3 && f.isFixed64():
			m.MyTimestamp = f.u64
		case f.num == 4 && f.isVarint():
			m.ProtocolVersion = uint32(f.u64)
		}
		return nil
	})
}

// ChallengeReply is CMsgSteamSockets_UDP_ChallengeReply (id 33).
type ChallengeReply struct {
	ConnectionID     uint32 // 1 fixed32
	Challenge        uint64 // 2 fixed64
	YourTimestamp    uint64 // 3 fixed64
	HasYourTimestamp bool
	ProtocolVersion  uint32 // 4 varint
}

// Append encodes m after b.
func (m *ChallengeReply) Append(b []byte) []byte {
	b = appendFixed32(b, 1, m.ConnectionID)
	b = appendFixed64(b, 2, m.Challenge)
	if m.HasYourTimestamp {
		b = appendFixed64(b, 3, m.YourTimestamp)
	}
	return appendVarint(b, 4, uint64(m.ProtocolVersion))
}

// Unmarshal decodes b into m.
func (m *ChallengeReply) Unmarshal(b []byte) error {
	*m = ChallengeReply{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 1 && f.isFixed32():
			m.ConnectionID = uint32(f.u64)
		case f.num == 2 && f.isFixed64():
			m.Challenge = f.u64
		case f.num == 3 && f.isFixed64():
			m.YourTimestamp, m.HasYourTimestamp = f.u64, true
		case f.num == 4 && f.isVarint():
			m.ProtocolVersion = uint32(f.u64)
		}
		return nil
	})
}

// CertSigned is CMsgSteamDatagramCertificateSigned. Cert holds the
// serialized CMsgSteamDatagramCertificate exactly as sent.
type CertSigned struct {
	Cert        []byte // 4 bytes
	CAKeyID     uint64 // 5 fixed64
	HasCAKeyID  bool
	CASignature []byte // 6 bytes
}

// Append encodes m after b.
func (m *CertSigned) Append(b []byte) []byte {
	b = appendBytes(b, 4, m.Cert)
	if m.HasCAKeyID {
		b = appendFixed64(b, 5, m.CAKeyID)
	}
	if m.CASignature != nil {
		b = appendBytes(b, 6, m.CASignature)
	}
	return b
}

// Unmarshal decodes b into m. private_key_data (1) is ignored: it never
// belongs on the wire.
func (m *CertSigned) Unmarshal(b []byte) error {
	*m = CertSigned{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 4 && f.isBytes():
			m.Cert = clone(f.bytes)
		case f.num == 5 && f.isFixed64():
			m.CAKeyID, m.HasCAKeyID = f.u64, true
		case f.num == 6 && f.isBytes():
			m.CASignature = clone(f.bytes)
		}
		return nil
	})
}

// CryptInfoSigned is CMsgSteamDatagramSessionCryptInfoSigned. Info holds the
// serialized CMsgSteamDatagramSessionCryptInfo exactly as sent.
type CryptInfoSigned struct {
	Info      []byte // 1 bytes
	Signature []byte // 2 bytes
}

// Append encodes m after b.
func (m *CryptInfoSigned) Append(b []byte) []byte {
	b = appendBytes(b, 1, m.Info)
	return appendBytes(b, 2, m.Signature)
}

// Unmarshal decodes b into m.
func (m *CryptInfoSigned) Unmarshal(b []byte) error {
	*m = CryptInfoSigned{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 1 && f.isBytes():
			m.Info = clone(f.bytes)
		case f.num == 2 && f.isBytes():
			m.Signature = clone(f.bytes)
		}
		return nil
	})
}

// ConnectRequest is CMsgSteamSockets_UDP_ConnectRequest (id 34).
type ConnectRequest struct {
	ClientConnectionID      uint32 // 1 fixed32
	Challenge               uint64 // 2 fixed64
	MyTimestamp             uint64 // 5 fixed64
	PingEstMS               uint32 // 6 varint
	HasPingEst              bool
	Crypt                   *CryptInfoSigned // 7
	Cert                    *CertSigned      // 4
	LegacyProtocolVersion   uint32           // 8 varint (not sent by current GNS)
	IdentityString          string           // 10
	HasIdentityString       bool
	LegacyClientSteamID     uint64 // 3 fixed64
	HasLegacyClientSteamID  bool
	LegacyIdentityBinary    []byte // 9, serialized CMsgSteamNetworkingIdentityLegacyBinary
	HasLegacyIdentityBinary bool
}

// Append encodes m after b (fields in number order, as GNS does).
func (m *ConnectRequest) Append(b []byte) []byte {
	b = appendFixed32(b, 1, m.ClientConnectionID)
	b = appendFixed64(b, 2, m.Challenge)
	if m.HasLegacyClientSteamID {
		b = appendFixed64(b, 3, m.LegacyClientSteamID)
	}
	if m.Cert != nil {
		b = appendBytes(b, 4, m.Cert.Append(nil))
	}
	b = appendFixed64(b, 5, m.MyTimestamp)
	if m.HasPingEst {
		b = appendVarint(b, 6, uint64(m.PingEstMS))
	}
	if m.Crypt != nil {
		b = appendBytes(b, 7, m.Crypt.Append(nil))
	}
	if m.LegacyProtocolVersion != 0 {
		b = appendVarint(b, 8, uint64(m.LegacyProtocolVersion))
	}
	if m.HasLegacyIdentityBinary {
		b = appendBytes(b, 9, m.LegacyIdentityBinary)
	}
	if m.HasIdentityString {
		b = appendString(b, 10, m.IdentityString)
	}
	return b
}

// Unmarshal decodes b into m.
func (m *ConnectRequest) Unmarshal(b []byte) error {
	*m = ConnectRequest{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 1 && f.isFixed32():
			m.ClientConnectionID = uint32(f.u64)
		case f.num == 2 && f.isFixed64():
			m.Challenge = f.u64
		case f.num == 3 && f.isFixed64():
			m.LegacyClientSteamID, m.HasLegacyClientSteamID = f.u64, true
		case f.num == 4 && f.isBytes():
			m.Cert = &CertSigned{}
			return m.Cert.Unmarshal(f.bytes)
		case f.num == 5 && f.isFixed64():
			m.MyTimestamp = f.u64
		case f.num == 6 && f.isVarint():
			m.PingEstMS, m.HasPingEst = uint32(f.u64), true
		case f.num == 7 && f.isBytes():
			m.Crypt = &CryptInfoSigned{}
			return m.Crypt.Unmarshal(f.bytes)
		case f.num == 8 && f.isVarint():
			m.LegacyProtocolVersion = uint32(f.u64)
		case f.num == 9 && f.isBytes():
			m.LegacyIdentityBinary, m.HasLegacyIdentityBinary = clone(f.bytes), true
		case f.num == 10 && f.isBytes():
			m.IdentityString, m.HasIdentityString = string(f.bytes), true
		}
		return nil
	})
}

// ConnectOK is CMsgSteamSockets_UDP_ConnectOK (id 35).
type ConnectOK struct {
	ClientConnectionID      uint32 // 1 fixed32
	ServerConnectionID      uint32 // 5 fixed32
	YourTimestamp           uint64 // 3 fixed64
	HasYourTimestamp        bool
	DelayTimeUsec           uint32           // 4 varint
	Crypt                   *CryptInfoSigned // 7
	Cert                    *CertSigned      // 8
	IdentityString          string           // 11
	HasIdentityString       bool
	LegacyServerSteamID     uint64 // 2 fixed64
	HasLegacyServerSteamID  bool
	LegacyIdentityBinary    []byte // 10
	HasLegacyIdentityBinary bool
}

// Append encodes m after b.
func (m *ConnectOK) Append(b []byte) []byte {
	b = appendFixed32(b, 1, m.ClientConnectionID)
	if m.HasLegacyServerSteamID {
		b = appendFixed64(b, 2, m.LegacyServerSteamID)
	}
	if m.HasYourTimestamp {
		b = appendFixed64(b, 3, m.YourTimestamp)
		b = appendVarint(b, 4, uint64(m.DelayTimeUsec))
	}
	b = appendFixed32(b, 5, m.ServerConnectionID)
	if m.Crypt != nil {
		b = appendBytes(b, 7, m.Crypt.Append(nil))
	}
	if m.Cert != nil {
		b = appendBytes(b, 8, m.Cert.Append(nil))
	}
	if m.HasLegacyIdentityBinary {
		b = appendBytes(b, 10, m.LegacyIdentityBinary)
	}
	if m.HasIdentityString {
		b = appendString(b, 11, m.IdentityString)
	}
	return b
}

// Unmarshal decodes b into m.
func (m *ConnectOK) Unmarshal(b []byte) error {
	*m = ConnectOK{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 1 && f.isFixed32():
			m.ClientConnectionID = uint32(f.u64)
		case f.num == 2 && f.isFixed64():
			m.LegacyServerSteamID, m.HasLegacyServerSteamID = f.u64, true
		case f.num == 3 && f.isFixed64():
			m.YourTimestamp, m.HasYourTimestamp = f.u64, true
		case f.num == 4 && f.isVarint():
			m.DelayTimeUsec = uint32(f.u64)
		case f.num == 5 && f.isFixed32():
			m.ServerConnectionID = uint32(f.u64)
		case f.num == 7 && f.isBytes():
			m.Crypt = &CryptInfoSigned{}
			return m.Crypt.Unmarshal(f.bytes)
		case f.num == 8 && f.isBytes():
			m.Cert = &CertSigned{}
			return m.Cert.Unmarshal(f.bytes)
		case f.num == 10 && f.isBytes():
			m.LegacyIdentityBinary, m.HasLegacyIdentityBinary = clone(f.bytes), true
		case f.num == 11 && f.isBytes():
			m.IdentityString, m.HasIdentityString = string(f.bytes), true
		}
		return nil
	})
}

// ConnectionClosed is CMsgSteamSockets_UDP_ConnectionClosed (id 36, padded).
type ConnectionClosed struct {
	ToConnectionID   uint32 // 4 fixed32
	FromConnectionID uint32 // 5 fixed32
	Debug            string // 2
	ReasonCode       uint32 // 3 varint
}

// Append encodes m after b. A zero to-ID (unknown peer) is omitted.
func (m *ConnectionClosed) Append(b []byte) []byte {
	if m.Debug != "" {
		b = appendString(b, 2, m.Debug)
	}
	b = appendVarint(b, 3, uint64(m.ReasonCode))
	if m.ToConnectionID != 0 {
		b = appendFixed32(b, 4, m.ToConnectionID)
	}
	return appendFixed32(b, 5, m.FromConnectionID)
}

// Unmarshal decodes b into m.
func (m *ConnectionClosed) Unmarshal(b []byte) error {
	*m = ConnectionClosed{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 2 && f.isBytes():
			m.Debug = string(f.bytes)
		case f.num == 3 && f.isVarint():
			m.ReasonCode = uint32(f.u64)
		case f.num == 4 && f.isFixed32():
			m.ToConnectionID = uint32(f.u64)
		case f.num == 5 && f.isFixed32():
			m.FromConnectionID = uint32(f.u64)
		}
		return nil
	})
}

// NoConnection is CMsgSteamSockets_UDP_NoConnection (id 37).
type NoConnection struct {
	FromConnectionID uint32 // 2 fixed32
	ToConnectionID   uint32 // 3 fixed32
}

// Append encodes m after b. Zero IDs are omitted.
func (m *NoConnection) Append(b []byte) []byte {
	if m.FromConnectionID != 0 {
		b = appendFixed32(b, 2, m.FromConnectionID)
	}
	if m.ToConnectionID != 0 {
		b = appendFixed32(b, 3, m.ToConnectionID)
	}
	return b
}

// Unmarshal decodes b into m.
func (m *NoConnection) Unmarshal(b []byte) error {
	*m = NoConnection{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 2 && f.isFixed32():
			m.FromConnectionID = uint32(f.u64)
		case f.num == 3 && f.isFixed32():
			m.ToConnectionID = uint32(f.u64)
		}
		return nil
	})
}

// Stats flags (CMsgSteamSockets_UDP_Stats.flags).
const (
	StatsFlagAckRequestE2E          = 2
	StatsFlagAckRequestImmediate    = 4
	StatsFlagNotPrimaryTransportE2E = 16
)

// Stats is CMsgSteamSockets_UDP_Stats, the inline stats blob of a data
// packet: header flags and, now and then, a connection-quality report.
type Stats struct {
	HasQuality bool              // 1 CMsgSteamDatagramConnectionQuality
	Quality    ConnectionQuality // valid if HasQuality
	Flags      uint32            // 3 varint
}

// Append encodes m after b.
func (m *Stats) Append(b []byte) []byte {
	if m.HasQuality {
		b = appendSubHeader(b, 1, m.Quality.size())
		b = m.Quality.Append(b)
	}
	if m.Flags != 0 || !m.HasQuality {
		b = appendVarint(b, 3, uint64(m.Flags))
	}
	return b
}

// Unmarshal decodes b into m without allocating.
func (m *Stats) Unmarshal(b []byte) error {
	*m = Stats{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 1 && f.isBytes():
			m.HasQuality = true
			return m.Quality.Unmarshal(f.bytes)
		case f.num == 3 && f.isVarint():
			m.Flags = uint32(f.u64)
		}
		return nil
	})
}

// ImpliedFlags returns Flags plus StatsFlagAckRequestE2E if quality stats
// were present (GNS treats a stats message as an ack request).
func (m *Stats) ImpliedFlags() uint32 {
	if m.HasQuality {
		return m.Flags | StatsFlagAckRequestE2E
	}
	return m.Flags
}
