package snp

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// Appendix A of gns_wire_notes: first data packet from a Go client and a
// reliable "hi" as the first reliable message on lane 0.
func TestAppendixAVectors(t *testing.T) {
	s := NewSession(DefaultConfig(), 13, 1_000_000_000, nil)
	if _, r := s.SendMessage([]byte("hi"), SendNoNagle, 0, true, 1_000_000_000); r != ResultOK {
		t.Fatal(r)
	}
	p, num, _, ok := s.BuildPacket(1_000_000_000, nil, 1232)
	if !ok || num != 2 {
		t.Fatalf("ok %v num %d", ok, num)
	}
	want, _ := hex.DecodeString("8001" + "980100ffff" + "37010000006869")
	if !bytes.Equal(p, want) {
		t.Fatalf("unreliable packet\n got %x\nwant %x", p, want)
	}
	s = NewSession(DefaultConfig(), 13, 1_000_000_000, nil)
	s.SendMessage([]byte("hi"), SendNoNagle|SendReliable, 0, true, 1_000_000_000)
	p, _, _, _ = s.BuildPacket(1_000_000_000, nil, 1232)
	want, _ = hex.DecodeString("8001" + "980100ffff" + "57010000000000026869")
	if !bytes.Equal(p, want) {
		t.Fatalf("reliable packet\n got %x\nwant %x", p, want)
	}
}

func TestStopWaitingWidths(t *testing.T) {
	for _, tc := range []struct {
		pkt, min uint64
		hex      string
	}{
		{2, 0, "8001"}, {1000, 10, "81dd03"}, {0x20000, 1, "82feff01"}, {1 << 30, 1, "83" + "feffff3f00000000"},
	} {
		b := appendStopWaiting(nil, tc.pkt, tc.min)
		if hex.EncodeToString(b) != tc.hex {
			t.Errorf("sw(%d,%d) = %x want %s", tc.pkt, tc.min, b, tc.hex)
		}
		got, n, err := decodeStopWaiting(b, tc.pkt)
		if err != nil || n != len(b) || got != tc.min {
			t.Errorf("decode %x: %d %d %v", b, got, n, err)
		}
	}
	if _, _, err := decodeStopWaiting([]byte{0x80, 5}, 3); err == nil {
		t.Error("underflow accepted")
	}
}

func TestAckRoundTrip(t *testing.T) {
	blocks := []ackBlock{{acks: 3, nacks: 1}, {acks: 100, nacks: 9}, {acks: 0, nacks: 7}, {1, 1}, {2, 2}, {3, 3}, {4, 4}}
	b := appendAck(nil, 0x1234, 77, blocks)
	if b[0] != 0x9f || b[5] != 7 {
		t.Fatalf("header %x", b[:6])
	}
	f, n, err := decodeAck(b, nil)
	if err != nil || n != len(b) || f.latestLow != 0x1234 || f.delay != 77 || len(f.blocks) != len(blocks) {
		t.Fatalf("%+v %d %v", f, n, err)
	}
	for i := range blocks {
		if f.blocks[i] != blocks[i] {
			t.Errorf("block %d %+v want %+v", i, f.blocks[i], blocks[i])
		}
	}
	if _, _, err := decodeAck(b[:len(b)-1], nil); err == nil {
		t.Error("truncated ack accepted")
	}
}

func TestLaneSelectAndReserved(t *testing.T) {
	for lane, h := range map[int]string{1: "88", 7: "8e", 0: "8f00", 8: "8f08", 255: "8fff01"} {
		b := appendLaneSelect(nil, lane)
		if hex.EncodeToString(b) != h {
			t.Errorf("lane %d: %x want %s", lane, b, h)
		}
		got, _, err := decodeLaneSelect(b)
		if err != nil || got != lane {
			t.Errorf("decode lane %d: %d %v", lane, got, err)
		}
	}
	if _, _, err := decodeLaneSelect([]byte{0x8f, 0x80, 0x02}); err == nil {
		t.Error("lane 256 accepted")
	}
	s := NewSession(DefaultConfig(), 13, 1_000_000_000, nil)
	for _, bad := range [][]byte{{0x84}, {0xa0}, {0xc0}, {0x05, 0, 0, 0, 0}, {0x58}} {
		if _, err := s.ReceivePacket(s.win.max+1, bad, 0, 1_000_000_000); err == nil {
			t.Errorf("frame %x accepted", bad)
		}
	}
}

func TestPacketWindow(t *testing.T) {
	var w pktWindow
	w.max = 1
	w.bits[0] = 1
	for _, p := range []uint64{2, 5, 4} {
		if w.check(p) != 0 {
			t.Fatalf("%d not new", p)
		}
		w.mark(p)
	}
	if w.check(4) != 1 || w.check(3) != 0 {
		t.Fatal("dup window")
	}
	w.mark(300)
	if w.check(100) != 2 {
		t.Fatal("old packet not rejected")
	}
	if got := w.expand(0x0130); got != 0x130 {
		t.Fatalf("expand %x", got)
	}
}

func TestAckTrackerCoversEverything(t *testing.T) {
	var a ackTracker
	a.init(1)
	now := int64(1_000_000_000)
	recv := []uint64{2, 3, 5, 9, 8, 12}
	max := uint64(1)
	for _, p := range recv {
		a.record(p, max, now, true)
		if p > max {
			max = p
		}
	}
	a.ackDue = now
	b := a.appendAckFrame(nil, now, 1000)
	f, _, err := decodeAck(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint64]bool{}
	end := uint64(f.latestLow) + 1
	for _, blk := range f.blocks {
		for p := end - blk.acks; p < end; p++ {
			got[p] = true
		}
		end -= blk.acks + blk.nacks
	}
	for p := a.minToAck; p < end; p++ { // implicit range
		got[p] = true
	}
	for p := uint64(2); p <= 12; p++ {
		want := p == 2 || p == 3 || p == 5 || p == 8 || p == 9 || p == 12
		if got[p] != want {
			t.Errorf("packet %d reported received=%v want %v", p, got[p], want)
		}
	}
}

func TestSendLimits(t *testing.T) {
	cfg := DefaultConfig()
	s := NewSession(cfg, 13, 1, nil)
	if _, r := s.SendMessage(make([]byte, 512*1024+1), SendReliable, 0, true, 1); r != ResultInvalidParam {
		t.Errorf("oversize: %d", r)
	}
	if _, r := s.SendMessage([]byte("x"), SendNoDelay, 0, false, 1); r != ResultIgnored {
		t.Errorf("nodelay while connecting: %d", r)
	}
	if n, r := s.SendMessage(make([]byte, 400*1024), SendReliable, 0, true, 1); r != ResultOK || n != 1 {
		t.Errorf("first: %d %d", n, r)
	}
	if _, r := s.SendMessage(make([]byte, 200*1024), SendReliable, 0, true, 1); r != ResultLimitExceeded {
		t.Errorf("buffer full: %d", r)
	}
	if n, _ := s.SendMessage(make([]byte, 20000), 0, 0, true, 1); n != 2 || s.lanes[0].q[1].reliable != true {
		t.Errorf("large unreliable not converted to reliable")
	}
	if r := s.ConfigureLanes([]int{0}, []int{1}); r != ResultOK {
		t.Error(r)
	}
	if r := s.ConfigureLanes([]int{0, 1}, []int{1, 0}); r != ResultInvalidParam {
		t.Error("zero weight accepted")
	}
}

// The whole config range of the send rate reaches the session (it used to
// be clamped to 100 MiB/s below the documented maximum of 2^28).
func TestSendRateRange(t *testing.T) {
	for _, tc := range []struct{ min, max, wantMin, wantMax int }{
		{MaxSendRate, MaxSendRate, MaxSendRate, MaxSendRate},
		{256 << 10, MaxSendRate, 256 << 10, MaxSendRate},
		{MaxSendRate + 1, 2 * MaxSendRate, MaxSendRate, MaxSendRate},
		{100, 10, 1024, 1024},
	} {
		cfg := DefaultConfig()
		cfg.SendRateMin, cfg.SendRateMax = tc.min, tc.max
		s := NewSession(cfg, 13, 1, nil)
		if s.rate.min != float64(tc.wantMin) || s.rate.max != float64(tc.wantMax) {
			t.Errorf("min %d max %d: session uses %.0f..%.0f, want %d..%d", tc.min, tc.max, s.rate.min, s.rate.max, tc.wantMin, tc.wantMax)
		}
	}
}

func TestNagle(t *testing.T) {
	now := int64(1_000_000_000)
	s := NewSession(DefaultConfig(), 13, now, nil)
	s.SendMessage([]byte("a"), 0, 0, true, now)
	s.acks.ackDue = never
	if _, _, _, ok := s.BuildPacket(now+1000, nil, 1232); ok {
		t.Fatal("sent before Nagle time")
	}
	if w := s.NextWakeTime(); w != now+5000 {
		t.Fatalf("wake %d want %d", w, now+5000)
	}
	if _, _, _, ok := s.BuildPacket(now+5000, nil, 1232); !ok {
		t.Fatal("not sent at Nagle time")
	}
	s.SendMessage([]byte("b"), 0, 0, true, now+6000)
	s.Flush(now + 6000)
	if _, _, _, ok := s.BuildPacket(now+6000, nil, 1232); !ok {
		t.Fatal("flush did not send")
	}
}

// A zero-length unreliable message has no bytes to send but is a message
// all the same: it must go out like any other (it used to wait for the 10 s
// keepalive because only queued bytes counted as pending data).
func TestZeroLengthUnreliableSentAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags int
		at    int64 // µs after queueing when it must be sent
	}{{"no-nagle", SendNoNagle, 0}, {"nagle", 0, 5000}} {
		t.Run(tc.name, func(t *testing.T) {
			now := int64(1_000_000_000)
			var got []int64
			rx := NewSession(DefaultConfig(), 13, now, func(d []byte, num int64, lane int, rel bool, _ int64) bool {
				if len(d) != 0 || rel || lane != 0 {
					t.Errorf("delivered len %d reliable %v lane %d", len(d), rel, lane)
				}
				got = append(got, num)
				return true
			})
			tx := NewSession(DefaultConfig(), 13, now, nil)
			num, r := tx.SendMessage(nil, tc.flags, 0, true, now)
			if r != ResultOK || num != 1 {
				t.Fatalf("send: %d %d", num, r)
			}
			tx.acks.ackDue = never
			if w := tx.NextWakeTime(); w == 0 || w > now+tc.at {
				t.Fatalf("next wake %d, want <= %d", w, now+tc.at)
			}
			p, pkt, flags, ok := tx.BuildPacket(now+tc.at, nil, 1232)
			if !ok {
				t.Fatal("zero-length message not sent")
			}
			if _, err := rx.ReceivePacket(rx.ExpandPacketNumber(uint16(pkt)), p, flags, now+tc.at); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != 1 {
				t.Fatalf("delivered %v, want [1]", got)
			}
			if _, _, _, ok := tx.BuildPacket(now+tc.at, nil, 1232); ok {
				t.Error("a second packet for one message")
			}
			if w := tx.NextWakeTime(); w != 0 && w < now+1_000_000 {
				t.Errorf("still wants to wake at +%d µs with nothing queued", w-now)
			}
		})
	}
}

func TestLanePriorityAndWeights(t *testing.T) {
	now := int64(1_000_000_000)
	cfg := DefaultConfig()
	cfg.SendRateMin, cfg.SendRateMax = 100<<20, 100<<20
	s := NewSession(cfg, 13, now, nil)
	s.ConfigureLanes([]int{5, 0, 0}, []int{1, 1, 3})
	for i := 0; i < 200; i++ {
		for lane := 0; lane < 3; lane++ {
			s.SendMessage(make([]byte, 500), SendReliable|SendNoNagle, lane, true, now)
		}
	}
	for k := 0; k < 40; k++ {
		s.rate.tokens = 1e9
		if _, _, _, ok := s.BuildPacket(now, nil, 1232); !ok {
			t.Fatal("no packet")
		}
	}
	sent := func(l int) int64 { return s.lanes[l].relNextSend - 1 }
	if sent(0) != 0 {
		t.Errorf("low-priority lane 0 sent %d bytes while better lanes had data", sent(0))
	}
	ratio := float64(sent(2)) / float64(sent(1))
	if ratio < 2.5 || ratio > 3.5 {
		t.Errorf("weight ratio %.2f want ~3 (%d vs %d)", ratio, sent(2), sent(1))
	}
}

func BenchmarkBuildReceiveSteadyState(b *testing.B) {
	now := int64(1_000_000_000)
	cfg := DefaultConfig()
	cfg.SendRateMin, cfg.SendRateMax = 100<<20, 100<<20
	cfg.SendBufferSize = 64 << 20
	var got int
	tx := NewSession(cfg, 13, now, nil)
	rx := NewSession(cfg, 13, now, func(d []byte, _ int64, _ int, _ bool, _ int64) bool { got += len(d); return true })
	msg := make([]byte, 100)
	buf := make([]byte, 0, 1300)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		now += 10
		tx.SendMessage(msg, SendNoNagle, 0, true, now)
		if i%10 == 9 {
			for {
				p, num, fl, ok := tx.BuildPacket(now, buf, 1232)
				if !ok {
					break
				}
				rx.ReceivePacket(rx.ExpandPacketNumber(uint16(num)), p, fl, now)
			}
			if p, num, fl, ok := rx.BuildPacket(now, buf, 1232); ok {
				tx.ReceivePacket(tx.ExpandPacketNumber(uint16(num)), p, fl, now)
			}
		}
	}
}

func BenchmarkAckEncodeDecode(b *testing.B) {
	blocks := []ackBlock{{3, 1}, {100, 9}, {0, 7}, {1, 1}}
	buf := make([]byte, 0, 64)
	scratch := make([]ackBlock, 0, 16)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = appendAck(buf[:0], uint64(i), 5, blocks)
		f, _, _ := decodeAck(buf, scratch)
		scratch = f.blocks[:0]
	}
}
