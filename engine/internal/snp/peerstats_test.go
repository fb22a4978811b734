package snp

import (
	"math"
	"testing"

	"godotsteam-sockets/engine/internal/wire"
)

// statsPair runs two Sessions on a virtual clock, carrying quality reports
// in a stand-in for the inline stats blob as the connection layer does.
type statsPair struct {
	t       *testing.T
	now     int64
	s       [2]*Session
	sent    [2]int                      // packets sent by each side
	reports [2][]wire.ConnectionQuality // reports each side sent
	drop    func(from int, n int) bool  // drop the n-th packet from side from
	dropRep func(from int, n int) bool  // drop the n-th report-carrying packet
}

func newStatsPair(t *testing.T) *statsPair {
	p := &statsPair{t: t, now: 1_000_000_000}
	for i := range p.s {
		p.s[i] = NewSession(DefaultConfig(), 13, p.now, nil)
	}
	return p
}

// step advances 10 ms: both sides send a small message and exchange packets.
func (p *statsPair) step() {
	p.now += 10_000
	for i := range p.s {
		p.s[i].SendMessage(make([]byte, 100), SendNoNagle, 0, true, p.now)
	}
	for i := range p.s {
		from, to := p.s[i], p.s[1-i]
		from.CheckTimeouts(p.now)
		q, haveQ := from.StatsToSend(p.now)
		for {
			payload, num, flags, ok := from.BuildPacket(p.now, nil, 1232-64)
			if !ok {
				break
			}
			p.sent[i]++
			var carried *wire.ConnectionQuality
			if haveQ {
				from.StatsSent(&q, num, p.now)
				p.reports[i] = append(p.reports[i], q)
				carried, haveQ = &q, false
				if p.dropRep != nil && p.dropRep(i, len(p.reports[i])) {
					continue
				}
			}
			if p.drop != nil && p.drop(i, p.sent[i]) {
				continue
			}
			if carried != nil {
				flags |= AckRequestE2E
			}
			if _, err := to.ReceivePacket(to.ExpandPacketNumber(uint16(num)), payload, flags, p.now); err != nil {
				p.t.Fatal(err)
			}
			if carried != nil {
				to.OnPeerStats(carried, p.now)
			}
		}
	}
}

func (p *statsPair) runFor(us int64) {
	for end := p.now + us; p.now < end; {
		p.step()
	}
}

func TestQualityReportsGiveRemoteQuality(t *testing.T) {
	p := newStatsPair(t)
	// Side 0 → 1 loses every 10th packet; 1 → 0 is clean.
	p.drop = func(from, n int) bool { return from == 0 && n%10 == 0 }
	p.runFor(4_000_000)
	for i := range p.s {
		if q := p.s[i].Status(p.now).RemoteQuality; q != -1 {
			t.Fatalf("side %d: remote quality %v before any report", i, q)
		}
	}
	p.runFor(2_500_000) // first quality interval (5 s) done, first reports out
	q0, q1 := p.s[0].Status(p.now).RemoteQuality, p.s[1].Status(p.now).RemoteQuality
	if math.Abs(float64(q0)-0.9) > 0.02 {
		t.Fatalf("side 0 remote quality %v, want ~0.90 (the peer lost 10%%)", q0)
	}
	if q1 != 1 {
		t.Fatalf("side 1 remote quality %v, want 1", q1)
	}
	// The report carries what the sender measured.
	r := p.s[1].PeerReports()
	if r.InstantaneousAt == 0 || r.Instantaneous.PingMS < 0 || r.Instantaneous.OutPacketsPerSecX10 == 0 ||
		r.Instantaneous.InBytesPerSec == 0 || r.Instantaneous.PeakJitterUsec != -1 {
		t.Fatalf("side 1 got report %+v", r)
	}
	// Side 1 → 0 is clean: one report so far, the next after 20 s (not
	// before).
	if len(p.reports[1]) != 1 {
		t.Fatalf("side 1 sent %d reports, want 1 so far", len(p.reports[1]))
	}
	p.runFor(15_000_000)
	if len(p.reports[1]) != 1 {
		t.Fatalf("%d reports within 20 s", len(p.reports[1]))
	}
	p.runFor(10_000_000)
	if len(p.reports[1]) != 2 {
		t.Fatalf("%d reports after 26 s, want 2", len(p.reports[1]))
	}
	// Lifetime counters after 120 s.
	p.runFor(100_000_000)
	lt := p.s[1].PeerReports()
	if lt.LifetimeAt == 0 {
		t.Fatal("no lifetime report after 126 s")
	}
	sent0 := uint64(p.s[0].Stats().PacketsSent)
	if lt.Lifetime.ConnectedSeconds < 119 || lt.Lifetime.PacketsSent == 0 || lt.Lifetime.PacketsSent > sent0 ||
		lt.Lifetime.PacketsRecvDropped != 0 {
		t.Fatalf("lifetime report from side 0 %+v (side 0 sent %d)", lt.Lifetime, sent0)
	}
	if d := p.s[0].PeerReports().Lifetime.PacketsRecvDropped; d == 0 {
		t.Fatal("side 1's lifetime report shows no dropped packets")
	}
}

// A report whose packet is lost is sent again.
func TestQualityReportLostIsResent(t *testing.T) {
	p := newStatsPair(t)
	p.dropRep = func(from, n int) bool { return from == 0 && n == 1 }
	p.runFor(5_500_000)
	if len(p.reports[0]) != 2 || p.s[1].PeerReports().InstantaneousAt == 0 {
		t.Fatalf("lost report not resent: sent %d", len(p.reports[0]))
	}
	if q := p.s[1].Status(p.now).RemoteQuality; q < 0.9 {
		t.Fatalf("remote quality %v", q)
	}
}

// An idle connection sends no reports.
func TestQualityReportIdle(t *testing.T) {
	s := NewSession(DefaultConfig(), 13, 1_000_000, nil)
	for now := int64(1_000_000); now < 200_000_000; now += 1_000_000 {
		if q, ok := s.StatsToSend(now); ok {
			t.Fatalf("report %+v at %d on an idle connection", q, now)
		}
	}
}
