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
// # Wire compatibility
//
// Frames are encoded exactly as GNS does (gns_wire_notes §4): every packet
// starts with stop_waiting and an ack frame (16-bit latest, w=1), followed by
// retransmissions and then new data, lane by lane. The last segment of a
// packet uses the "runs to the end" size form.
//
// # Sending
//
// Each lane has a FIFO of messages (reliable and unreliable share one
// message-number sequence starting at 1). Reliable messages are framed into
// the lane's byte stream (position 1 first) when queued; unreliable payloads
// are copied into a per-lane ring of their own, so queueing a message does
// not allocate once the rings have grown (rings never move data except to
// grow). Sent reliable bytes are tracked as ranges;
// every packet records the ranges it carried. A nack, or no ack within the
// RTO (3 × ping + 60 ms, 1 s without a ping sample), queues exactly the
// ranges whose latest transmission was in that packet for retry. Retries go
// out before new data. Lanes are served strictly by priority (lower value
// first); lanes of equal priority share bandwidth by weighted fair queueing
// on virtual finish times (bytes × 65536 / weight). A piece of an
// unreliable message that does not finish it must fill 3/4 of a packet
// (unless the packet has no other data; meanwhile other lanes fill it): the
// receiver keeps at most 20 segments of unreliable messages per lane, so a
// 16500-byte message must not be cut into slivers between lanes.
//
// # Rate control
//
// Packets are paced by a token bucket in bytes; at high rates a paced
// wake-up sends 250 µs of rate at once (one batched system call) instead of
// waking for every packet. With SendRateMin == SendRateMax the rate is
// fixed, as in GNS. When SendRateMax > SendRateMin a congestion controller
// picks the rate inside [min, max] (see rate.go):
//
//   - It measures per round (one smoothed RTT, at least 20 ms and 16 acked
//     packets) the delivery rate (wire bytes of every newly acked packet,
//     averaged over the last 4 rounds), the minimum RTT over 10 s
//     (ack-delay-corrected samples, so the peer's delayed acks do not count
//     as queueing) and the fraction of data packets nacked or timed out.
//     It asks for an immediate ack (AckRequestImmediate in the header) at
//     most every 5 ms, so unreliable-only traffic, which a receiver
//     otherwise never acks, is measured too.
//   - Startup: the rate doubles each round, but at most to 2.5 × the last
//     round's delivery rate + min; it ends when the delivery rate has not
//     grown by 25 % for 3 rounds (the rate becomes the delivery rate), or at
//     the first congestion signal (the rate becomes 0.9 × what is delivered).
//   - Congestion signals: queueing delay (latest RTT − min RTT) above
//     max(10 ms, min RTT / 2) for two rounds in a row or above twice that
//     for one (LEDBAT-style delay signal), or a round loss fraction above
//     max(5 %, 2 × the long-run average loss) with at least 4 losses, so
//     random (non-congestive) loss does not collapse the rate. On a signal
//     the rate becomes max(min, 0.9 × max(delivery rate, 0.7 × rate)), at
//     most once per two rounds.
//   - Otherwise, while the sender is not application-limited and the
//     queueing delay is below half the target, the rate grows by 1/8 per
//     round, but never above 1.25 × the delivery rate + min.
//
// The peer acks with a 16-bit packet number expanded nearest to our next
// one, so the sender never runs more than 12000 packets ahead of the newest
// acked packet with new data (16000 with retransmissions): beyond 32768 an
// old ack would be misread as acking packets the peer never took, and a
// receiver fails the connection on a packet 16384 beyond the newest it
// has (GNS's lurch limit). Past 2048
// packets ahead, data packets ask for an immediate ack (at most every 5 ms),
// so streams a receiver would never ack by itself (unreliable only, fixed
// rate) keep flowing.
//
// # Receiving
//
// Packet numbers are expanded from 16 bits, checked against a 128-packet
// duplicate window and a lurch limit (ErrLurch). Gaps in received packet
// numbers (at most 62, as GNS) build the ack blocks; every packet between
// the peer's stop_waiting and the reported latest is covered. Acks are due
// within 50 ms of reliable data, immediately for AckRequestImmediate; a
// freshly detected gap is nacked after 3 ms when it may be reordering.
// Reliable segments are reassembled per lane (gap limits 30/20,
// RecvBufferSize span) and delivered in order; unreliable fragments are
// buffered (20 per lane). When the Deliverer refuses a message the data is
// kept and the packet is not acked, so nothing is lost.
//
// # Liveness
//
// A packet carrying reliable data, or a keepalive (AckRequestE2E after 10 s
// of silence), starts a reply timer (min(2 × ping + 250 ms, 1.25 s)). Each
// expiry counts a reply timeout and sends an urgent ping
// (AckRequestE2E|AckRequestImmediate) every 200 ms. Any received packet
// clears the state. CheckTimeouts reports the peer dead after
// TimeoutConnected since max(first timeout, last receive) with at least 4
// consecutive reply timeouts.
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

// DefaultConfig returns the GNS defaults.
func DefaultConfig() Config {
	return Config{
		SendBufferSize:           524288,
		RecvBufferSize:           1048576,
		RecvBufferMessages:       1000,
		RecvMaxMessageSize:       524288,
		RecvMaxSegmentsPerPacket: 1300,
		SendRateMin:              262144,
		SendRateMax:              262144,
		NagleTime:                5000,
		TimeoutConnected:         10_000_000,
	}
}

func (c *Config) sanitize() {
	d := DefaultConfig()
	if c.SendBufferSize <= 0 {
		c.SendBufferSize = d.SendBufferSize
	}
	if c.RecvBufferSize <= 0 {
		c.RecvBufferSize = d.RecvBufferSize
	}
	if c.RecvMaxMessageSize <= 0 {
		c.RecvMaxMessageSize = d.RecvMaxMessageSize
	}
	if c.RecvMaxSegmentsPerPacket <= 0 {
		c.RecvMaxSegmentsPerPacket = d.RecvMaxSegmentsPerPacket
	}
	if c.SendRateMin <= 0 {
		c.SendRateMin = d.SendRateMin
	}
	if c.SendRateMax <= 0 {
		c.SendRateMax = d.SendRateMax
	}
	c.SendRateMin = clampInt(c.SendRateMin, 1024, MaxSendRate)
	c.SendRateMax = clampInt(c.SendRateMax, 1024, MaxSendRate)
	if c.SendRateMax < c.SendRateMin {
		c.SendRateMax = c.SendRateMin
	}
	if c.NagleTime < 0 {
		c.NagleTime = 0
	}
	if c.TimeoutConnected <= 0 {
		c.TimeoutConnected = d.TimeoutConnected
	}
}

// MaxSendRate is the largest SendRateMin/SendRateMax (bytes/s), the upper end
// of the config range (2^28, as GNS).
const MaxSendRate = 0x10000000

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Deliverer receives complete messages in delivery order. It returns false
// when the application's receive queue is full (RecvBufferMessages /
// RecvBufferSize); SNP must then neither consume nor ack the data so that
// the peer retransmits (reliable) — nothing is ever lost silently.
// data is only valid during the call (copy it).
type Deliverer func(data []byte, msgNum int64, lane int, reliable bool, now int64) bool

// Session is the SNP state of one connection (both directions).
type Session struct {
	cfg         Config
	deliver     Deliverer
	peerVersion uint32

	// receive side
	win        pktWindow
	acks       ackTracker
	rlanes     []*recvLane
	ackScratch []ackBlock
	scratch    []byte

	// send side
	lanes       []*sendLane
	nextPkt     uint64
	minWaiting  uint64 // our stop_waiting value
	inflight    inflight
	msgSeq      uint64
	flushSeq    uint64 // messages with seq <= flushSeq skip Nagle
	pendingNew  int    // unsent bytes of queued messages (all lanes)
	pendingMsgs int    // queued messages not yet (completely) sent; a zero-length unreliable message has no bytes but must still go out
	retryTotal  int
	rtoScan     uint64 // next packet number to check for RTO
	seg         segWriter
	laneOrder   []int // lane indices sorted by priority
	classVT     map[int]uint64
	lastNagleAt int64
	dataStart   int // payload length before fillData's first segment

	rate     rateCtl
	ping     pingTracker
	live     liveness
	lastRecv int64
	stats    Stats
	inMeter  meter
	outMeter meter
	quality  qualityTracker
	sstats   statsSender
	created  int64
}

// NewSession creates the state for a connection that just became connected.
// peerVersion is the peer's protocol version (>= 10: packet number 1 is
// consumed by the handshake in both directions, first data packet is 2).
func NewSession(cfg Config, peerVersion uint32, now int64, deliver Deliverer) *Session {
	cfg.sanitize()
	if deliver == nil {
		deliver = func([]byte, int64, int, bool, int64) bool { return true }
	}
	s := &Session{cfg: cfg, deliver: deliver, peerVersion: peerVersion, created: now}
	var maxRecv uint64
	s.nextPkt = 1
	if peerVersion >= 10 {
		maxRecv = 1
		s.nextPkt = 2
	}
	s.win.max = maxRecv
	if maxRecv > 0 {
		s.win.bits[0] = 1
	}
	s.acks.init(maxRecv)
	s.ackScratch = make([]ackBlock, 0, 256)
	s.rlanes = []*recvLane{newRecvLane()}
	s.lanes = []*sendLane{newSendLane(0, 1)}
	s.laneOrder = []int{0}
	s.classVT = map[int]uint64{}
	s.inflight.init(s.nextPkt)
	s.rtoScan = s.nextPkt
	s.seg.reset()
	s.rate.init(cfg.SendRateMin, cfg.SendRateMax, now)
	s.ping.init()
	s.live.init()
	s.lastRecv = now
	s.inMeter.start = now
	s.outMeter.start = now
	s.quality.start = now
	s.sstats.instAcked, s.sstats.lifeAcked = now, now
	return s
}

// SetConfig updates config values that may change after creation.
func (s *Session) SetConfig(cfg Config) {
	cfg.sanitize()
	s.cfg = cfg
	s.rate.setLimits(cfg.SendRateMin, cfg.SendRateMax)
}

// SendMessage queues a message. connected=false means the connection is
// still connecting (SendNoDelay then gives ResultIgnored; otherwise the
// message is queued). Returns the message number (>0) or -1 and a result.
func (s *Session) SendMessage(data []byte, flags int, lane int, connected bool, now int64) (int64, int) {
	if len(data) > maxMessageSize {
		return -1, ResultInvalidParam
	}
	if lane < 0 || lane >= len(s.lanes) {
		return -1, ResultInvalidParam
	}
	if flags&SendNoDelay != 0 && !connected {
		return -1, ResultIgnored
	}
	if s.pendingBytes()+len(data) > s.cfg.SendBufferSize {
		return -1, ResultLimitExceeded
	}
	reliable := flags&SendReliable != 0 || len(data) > maxUnreliableSend
	l := s.lanes[lane]
	if len(s.lanes) > 1 && l.queued() == 0 && l.retryBytes == 0 {
		// Lane becomes active: do not let it claim credit for idle time.
		if vt := s.classVT[l.priority]; l.vtime < vt {
			l.vtime = vt
		}
	}
	l.lastMsgNum++
	s.msgSeq++
	m := sendMsg{num: l.lastMsgNum, seq: s.msgSeq, reliable: reliable, queued: now, nagle: now + s.cfg.NagleTime}
	if reliable {
		m.pos = l.rs.end
		var hb [16]byte
		hdr := appendReliableMsgHeader(hb[:0], m.num-l.lastRelMsgNum, len(data))
		l.rs.write(hdr)
		l.rs.write(data)
		m.size = int(l.rs.end - m.pos)
		l.lastRelMsgNum = m.num
		l.pendingRel += m.size
	} else {
		m.pos = l.us.end
		l.us.write(data)
		m.size = len(data)
		l.pendingUnrel += m.size
	}
	s.pendingNew += m.size
	s.pendingMsgs++
	l.q = append(l.q, m)
	if flags&SendNoNagle != 0 || s.cfg.NagleTime == 0 {
		s.flushSeq = s.msgSeq
	}
	s.stats.MessagesSent++
	return m.num, ResultOK
}

// pendingBytes is what counts against SendBufferSize: unsent data plus data
// waiting for retransmission.
func (s *Session) pendingBytes() int {
	n := 0
	for _, l := range s.lanes {
		n += l.pendingRel + l.pendingUnrel
	}
	return n
}

// ConfigureLanes sets the number of lanes, priorities and weights.
func (s *Session) ConfigureLanes(priorities []int, weights []int) int {
	n := len(priorities)
	if n < 1 || n > maxLanes || n < len(s.lanes) {
		return ResultInvalidParam
	}
	if weights != nil && len(weights) < n {
		return ResultInvalidParam
	}
	if n > 1 && s.peerVersion > 0 && s.peerVersion < 11 {
		return ResultInvalidParam
	}
	for i := 0; i < n; i++ {
		w := 1
		if weights != nil {
			w = weights[i]
		}
		if w <= 0 || w > 0xffff {
			return ResultInvalidParam
		}
	}
	for i := 0; i < n; i++ {
		w := 1
		if weights != nil {
			w = weights[i]
		}
		if i < len(s.lanes) {
			s.lanes[i].priority = priorities[i]
			s.lanes[i].weight = w
		} else {
			s.lanes = append(s.lanes, newSendLane(priorities[i], w))
		}
	}
	// With one lane fillData does not track its class's virtual time:
	// seed every class from its lanes so new lanes start level with them.
	for _, l := range s.lanes {
		if l.vtime > s.classVT[l.priority] {
			s.classVT[l.priority] = l.vtime
		}
	}
	s.laneOrder = s.laneOrder[:0]
	for i := range s.lanes {
		s.laneOrder = append(s.laneOrder, i)
	}
	// Stable insertion sort by priority (lower value first).
	for i := 1; i < len(s.laneOrder); i++ {
		for j := i; j > 0 && s.lanes[s.laneOrder[j]].priority < s.lanes[s.laneOrder[j-1]].priority; j-- {
			s.laneOrder[j], s.laneOrder[j-1] = s.laneOrder[j-1], s.laneOrder[j]
		}
	}
	return ResultOK
}

// LaneCount returns the number of configured send lanes (starts at 1).
func (s *Session) LaneCount() int { return len(s.lanes) }

// Flush clears the Nagle delay of everything queued.
func (s *Session) Flush(now int64) { s.flushSeq = s.msgSeq }

// ExpandPacketNumber turns the 16-bit wire packet number into the full
// 64-bit number (nearest to the highest received), for the AEAD nonce.
func (s *Session) ExpandPacketNumber(wire uint16) uint64 { return s.win.expand(wire) }

// AddPingSample records a round-trip sample from the handshake (ms).
func (s *Session) AddPingSample(ms int, now int64) {
	if ms < 0 || ms > 2000 {
		return
	}
	s.ping.add(ms, now)
}

// ReliableDrained reports whether every queued reliable byte was sent and
// acknowledged (Linger → FinWait).
func (s *Session) ReliableDrained() bool {
	for _, l := range s.lanes {
		if l.pendingRel > 0 || l.sentUnacked > 0 {
			return false
		}
	}
	return true
}

// Stats are counters for diagnostics (detailed status) and tests.
type Stats struct {
	PacketsSent, PacketsRecv, BytesSent, BytesRecv       int64
	PacketsDropped, PacketsDuplicate, PacketsOutOfOrder  int64
	Retransmits, MessagesSent, MessagesRecv, DecodeError int64
}

// Stats returns the counters.
func (s *Session) Stats() Stats { return s.stats }
