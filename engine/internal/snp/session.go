// Package snp implements the SNP data protocol of GameNetworkingSockets on
// top of an established, keyed connection: messages (reliable and
// unreliable), segmentation and reassembly, acks, retransmission, lanes,
// Nagle, pacing and liveness. It knows nothing about UDP, crypto or
// handshakes: the connection layer hands it decrypted payloads and asks it for
// plaintext payloads to encrypt and send.
//
// A Session is not safe for concurrent use; the connection layer serialises
// all calls (it holds its connection lock). Times are microseconds on the
// engine's monotonic clock.
//
// THIS FILE STATES THE CONTRACT WITH THE CONNECTION LAYER. The bodies here
// are placeholders until the SNP issue lands; signatures must stay.
package snp

// EResult codes returned by Session methods (same numbers as engine.Result).
const (
	ResultOK            = 1
	ResultNoConnection  = 3
	ResultInvalidParam  = 8
	ResultInvalidState  = 11
	ResultIgnored       = 41
	ResultLimitExceeded = 25
)

// Send flags (same bits as engine.Send*).
const (
	SendNoNagle  = 1
	SendNoDelay  = 4
	SendReliable = 8
)

// Header flags that ride outside the encryption in the inline stats blob
// (CMsgSteamSockets_UDP_Stats.flags).
const (
	AckRequestE2E       = 2
	AckRequestImmediate = 4
)

// Config holds the per-connection values SNP uses (already clamped).
type Config struct {
	SendBufferSize           int   // bytes, default 524288
	RecvBufferSize           int   // bytes, default 1048576
	RecvBufferMessages       int   // default 1000
	RecvMaxMessageSize       int   // bytes, default 524288
	RecvMaxSegmentsPerPacket int   // default 1300
	SendRateMin              int   // bytes/s, default 262144
	SendRateMax              int   // bytes/s, default 262144
	NagleTime                int64 // µs, default 5000
	TimeoutConnected         int64 // µs, default 10_000_000
}

// Deliverer receives complete messages in delivery order. It returns false
// when the application's receive queue is full (RecvBufferMessages /
// RecvBufferSize); SNP must then neither consume nor ack the data so that
// the peer retransmits (reliable) — nothing is ever lost silently.
// data is only valid during the call (copy it).
type Deliverer func(data []byte, msgNum int64, lane int, reliable bool, now int64) bool

// Session is the SNP state of one connection (both directions).
type Session struct {
	cfg     Config
	deliver Deliverer
}

// NewSession creates the state for a connection that just became connected.
// peerVersion is the peer's protocol version (>= 10: packet number 1 is
// consumed by the handshake in both directions, first data packet is 2).
func NewSession(cfg Config, peerVersion uint32, now int64, deliver Deliverer) *Session {
	return &Session{cfg: cfg, deliver: deliver}
}

// SetConfig updates config values that may change after creation.
func (s *Session) SetConfig(cfg Config) { s.cfg = cfg }

// SendMessage queues a message. connected=false means the connection is
// still connecting (SendNoDelay then gives ResultIgnored; otherwise the
// message is queued). Returns the message number (>0) or -1 and a result.
func (s *Session) SendMessage(data []byte, flags int, lane int, connected bool, now int64) (int64, int) {
	return -1, ResultInvalidState
}

// ConfigureLanes sets the number of lanes, priorities and weights.
func (s *Session) ConfigureLanes(priorities []int, weights []int) int { return ResultInvalidState }

// LaneCount returns the number of configured send lanes (starts at 1).
func (s *Session) LaneCount() int { return 1 }

// Flush clears the Nagle delay of everything queued.
func (s *Session) Flush(now int64) {}

// BuildPacket writes the next plaintext SNP payload to send now, if any, into
// dst[:0] (capacity permitting) with at most maxPlaintext bytes (1232 with
// AES-GCM at MTU 1300, 1248 with the NULL cipher). It returns the payload, the
// packet number to use (for the wire header and the AEAD nonce) and header
// flags (AckRequest*) to put in an inline stats blob (0 = no blob). ok=false
// means nothing should be sent now. The connection layer calls it in a loop
// after SendMessage, ReceivePacket and timer wake-ups until ok is false.
func (s *Session) BuildPacket(now int64, dst []byte, maxPlaintext int) (payload []byte, pktNum uint64, hdrFlags uint32, ok bool) {
	return nil, 0, 0, false
}

// NextWakeTime returns when BuildPacket or CheckTimeouts should be called
// next (absolute µs), or 0 when nothing is scheduled.
func (s *Session) NextWakeTime() int64 { return 0 }

// ExpandPacketNumber turns the 16-bit wire packet number into the full
// 64-bit number (nearest to the highest received), for the AEAD nonce.
func (s *Session) ExpandPacketNumber(wire uint16) uint64 { return uint64(wire) }

// ReceivePacket processes one decrypted payload. hdrFlags are the AckRequest*
// bits from the header's stats blob (a present stats message counts as
// AckRequestE2E). A duplicate or too-old packet is dropped and returns
// (false, nil). A malformed payload returns an error: the connection layer
// fails the connection with 5002 (or 5001 for a packet-number lurch, see
// ErrLurch).
func (s *Session) ReceivePacket(pktNum uint64, payload []byte, hdrFlags uint32, now int64) (accepted bool, err error) {
	return false, nil
}

// AddPingSample records a round-trip sample from the handshake (ms).
func (s *Session) AddPingSample(ms int, now int64) {}

// CheckTimeouts runs timers: retransmission timeouts, ack deadlines and
// liveness. It returns true when the peer must be declared dead (nothing
// received for TimeoutConnected despite keepalives): the connection layer
// then fails the connection with 5003 "Connection dropped".
func (s *Session) CheckTimeouts(now int64) (dead bool) { return false }

// ReliableDrained reports whether every queued reliable byte was sent and
// acknowledged (Linger → FinWait).
func (s *Session) ReliableDrained() bool { return true }

// Status is the real-time status SNP knows.
type Status struct {
	Ping                int // ms, -1 unknown
	LocalQuality        float32
	RemoteQuality       float32
	OutPacketsPerSec    float32
	OutBytesPerSec      float32
	InPacketsPerSec     float32
	InBytesPerSec       float32
	SendRate            int
	PendingUnreliable   int
	PendingReliable     int
	SentUnackedReliable int
	QueueTime           int64
}

// LaneStatus is the per-lane part of the status.
type LaneStatus struct {
	PendingUnreliable   int
	PendingReliable     int
	SentUnackedReliable int
	QueueTime           int64
}

// Status returns the current status.
func (s *Session) Status(now int64) Status {
	return Status{Ping: -1, LocalQuality: -1, RemoteQuality: -1}
}

// LaneStatus returns the status of lane i (0 <= i < LaneCount()).
func (s *Session) LaneStatus(i int, now int64) LaneStatus { return LaneStatus{} }

// Stats are counters for diagnostics (detailed status) and tests.
type Stats struct {
	PacketsSent, PacketsRecv, BytesSent, BytesRecv       int64
	PacketsDropped, PacketsDuplicate, PacketsOutOfOrder  int64
	Retransmits, MessagesSent, MessagesRecv, DecodeError int64
}

// Stats returns the counters.
func (s *Session) Stats() Stats { return Stats{} }
