package snp

import "testing"

// Unreliable messages of several segments are received only if all their
// segments fit the receiver's buffer of 20 (GNS: k_nMaxBufferedUnreliable-
// Segments; ours too). With several lanes sharing bandwidth the sender
// must not chop such a message into slivers: every 16500-byte unreliable
// message (the largest GNS sends unreliably) must arrive on a clean link,
// in at most 20 segments, while other lanes of the same priority are busy.
func TestUnreliableFragmentsStayFew(t *testing.T) {
	c := newChecker(t)
	n := newSimNet(t, 7, DefaultConfig(), linkCfg{}, [2]Deliverer{nil, c.deliver})
	cfg := DefaultConfig()
	cfg.SendRateMin, cfg.SendRateMax = 8<<20, 8<<20
	cfg.SendBufferSize = 16 << 20
	n.s[0].SetConfig(cfg)
	if r := n.s[0].ConfigureLanes([]int{0, 0, 0}, []int{1, 2, 4}); r != ResultOK {
		t.Fatal(r)
	}
	const big = 10
	send := func(lane, size int, reliable bool) {
		flags := 0
		if reliable {
			flags = SendReliable
		}
		num, r := n.s[0].SendMessage(msgBytes(lane, n.s[0].lanes[lane].lastMsgNum+1, size), flags, lane, true, n.now)
		if r != ResultOK {
			t.Fatalf("send: %d", r)
		}
		c.sent(lane, num, size, reliable)
	}
	for i := range big {
		send(0, maxUnreliableSend, false)
		for range 12 {
			send(1, 1000, true)
			send(2, 300+i, false)
		}
	}
	n.run(n.now+10_000_000, func() bool { return c.reliableDone() && c.unrelGot >= big*13 })
	got := 0
	for k := range c.seenUnrel {
		if k[0] == 0 {
			got++
		}
	}
	if got != big {
		t.Fatalf("%d of %d unreliable %d-byte messages arrived on a clean link", got, big, maxUnreliableSend)
	}
}
