package snp

import "godotsteam-sockets/engine/internal/wire"

// Connection-quality reports (gns_wire_notes §4.13, §4.14): both ends put a
// CMsgSteamDatagramConnectionQuality in the inline stats blob of a data
// packet now and then. The peer's latest instantaneous report gives our
// remote quality (1 − its dropped% − its weird-sequence%); ours gives the
// peer's. As GNS: the instantaneous report is ready 20 s after the peer
// acked the previous one (due at 30 s) if there was traffic, the lifetime
// report 120 s (140 s) after, if more than 100 packets went either way;
// a report counts as delivered when the packet carrying it is acked, and is
// sent again when that packet is lost. Unlike GNS we send the first
// instantaneous report as soon as the first 5 s quality interval has data,
// so the peer's status shows our view early (GNS accepts a report at any
// time).

const (
	statsInstInterval = 20_000_000
	statsLifeInterval = 120_000_000
	statsReplyTimeout = 2_000_000 // give up waiting for the ack of a report
	statsActiveSend   = 3_000_000 // one packet per 3 s counts as traffic
	statsLifeMinPkts  = 100
)

// PeerReports are the peer's latest quality reports.
type PeerReports struct {
	Instantaneous   wire.InstantaneousStats
	InstantaneousAt int64 // µs when received; 0 = never
	Lifetime        wire.LifetimeStats
	LifetimeAt      int64 // 0 = never
}

// statsSender schedules our reports.
type statsSender struct {
	instAcked, lifeAcked int64 // when the peer last acked a report (start: creation)
	instPkts, lifePkts   int64 // packets sent+received at that time
	firstSent            bool  // the peer acked our early first instantaneous report
	pkt                  uint64
	pktInst, pktLife     bool
	pktDeadline          int64
	peer                 PeerReports
}

func (s *Session) trafficPkts() int64 { return s.stats.PacketsSent + s.stats.PacketsRecv }

// OnPeerStats records a quality report from the peer's stats blob.
func (s *Session) OnPeerStats(q *wire.ConnectionQuality, now int64) {
	if q.HasInstantaneous {
		s.sstats.peer.Instantaneous = q.Instantaneous
		s.sstats.peer.InstantaneousAt = now
	}
	if q.HasLifetime {
		s.sstats.peer.Lifetime = q.Lifetime
		s.sstats.peer.LifetimeAt = now
	}
}

// PeerReports returns the peer's latest reports.
func (s *Session) PeerReports() PeerReports { return s.sstats.peer }

// remoteQuality is the peer's view of our packets: -1 until it reported.
func (s *Session) remoteQuality() float32 {
	p := &s.sstats.peer
	if p.InstantaneousAt == 0 || p.Instantaneous.PacketsDroppedPct < 0 {
		return -1
	}
	weird := max(p.Instantaneous.PacketsWeirdSequencePct, 0)
	q := 1 - float32(p.Instantaneous.PacketsDroppedPct)/100 - float32(weird)/100
	return max(q, 0)
}

// StatsToSend returns the report to attach to the next packet, if one is
// ready. The caller builds the packet (leaving room for the blob) and then
// calls StatsSent with its number.
func (s *Session) StatsToSend(now int64) (q wire.ConnectionQuality, ok bool) {
	t := &s.sstats
	if t.pkt != 0 {
		if now < t.pktDeadline {
			return q, false
		}
		t.pkt = 0 // no ack in time: send again
	}
	s.quality.roll(now, s.stats.PacketsDuplicate, s.stats.PacketsOutOfOrder)
	pkts := s.trafficPkts()
	if el := now - t.instAcked; (!t.firstSent && s.quality.lastDropped >= 0) || el >= statsInstInterval {
		if pkts-t.instPkts > el/statsActiveSend {
			q.HasInstantaneous = true
			q.Instantaneous = s.instantaneousReport(now)
		} else if t.firstSent {
			// Idle: act as if sent (GNS does the same).
			t.instAcked, t.instPkts = now, pkts
		}
	}
	if now-t.lifeAcked >= statsLifeInterval {
		if pkts-t.lifePkts > statsLifeMinPkts {
			q.HasLifetime = true
			q.Lifetime = s.lifetimeReport(now)
		} else {
			t.lifeAcked = now
		}
	}
	return q, q.HasInstantaneous || q.HasLifetime
}

// StatsSent records that q went out in packet pktNum.
func (s *Session) StatsSent(q *wire.ConnectionQuality, pktNum uint64, now int64) {
	t := &s.sstats
	t.pkt, t.pktInst, t.pktLife = pktNum, q.HasInstantaneous, q.HasLifetime
	t.pktDeadline = now + statsReplyTimeout
}

// statsAcked is called for every acked packet range [begin, end).
func (s *Session) statsAcked(begin, end uint64, now int64) {
	t := &s.sstats
	if t.pkt == 0 || t.pkt < begin || t.pkt >= end {
		return
	}
	pkts := s.trafficPkts()
	if t.pktInst {
		t.instAcked, t.instPkts, t.firstSent = now, pkts, true
	}
	if t.pktLife {
		t.lifeAcked, t.lifePkts = now, pkts
	}
	t.pkt = 0
}

// statsLost is called when packet num is declared lost.
func (s *Session) statsLost(num uint64) {
	if s.sstats.pkt == num {
		s.sstats.pkt = 0
	}
}

func (s *Session) instantaneousReport(now int64) wire.InstantaneousStats {
	s.inMeter.roll(now)
	s.outMeter.roll(now)
	q := &s.quality
	r := wire.InstantaneousStats{
		OutPacketsPerSecX10:     uint32(s.outMeter.pktRate * 10),
		OutBytesPerSec:          uint32(s.outMeter.byteRat),
		InPacketsPerSecX10:      uint32(s.inMeter.pktRate * 10),
		InBytesPerSec:           uint32(s.inMeter.byteRat),
		PingMS:                  int64(s.ping.smoothed),
		PacketsDroppedPct:       -1,
		PacketsWeirdSequencePct: -1,
		PeakJitterUsec:          -1, // we do not measure jitter
	}
	if q.lastDropped >= 0 {
		r.PacketsDroppedPct = int64(q.lastDropped * 100)
		r.PacketsWeirdSequencePct = int64(q.lastWeird * 100)
	}
	return r
}

func (s *Session) lifetimeReport(now int64) wire.LifetimeStats {
	st := &s.stats
	return wire.LifetimeStats{
		ConnectedSeconds:      uint32((now - s.created) / 1_000_000),
		PacketsSent:           uint64(st.PacketsSent),
		KBSent:                uint64(st.BytesSent / 1024),
		PacketsRecv:           uint64(st.PacketsRecv),
		KBRecv:                uint64(st.BytesRecv / 1024),
		PacketsRecvSequenced:  uint64(st.PacketsRecv),
		PacketsRecvDropped:    uint64(s.quality.droppedTotal),
		PacketsRecvOutOfOrder: uint64(st.PacketsOutOfOrder),
		PacketsRecvDuplicate:  uint64(st.PacketsDuplicate),
	}
}
