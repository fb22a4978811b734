package wire

import (
	"bytes"
	"testing"
)

// A data packet header captured from unmodified GNS (e707b3a) with 5 %
// fake loss: its instantaneous connection-quality report, no flags field
// (the report itself implies an E2E ack request), no jitter (absent).
const gnsQualityHeader = "81 4d4f17fd df03 16 | 0a14 0a12 08ef03 10d85b 18e003 20b958 2800 3003 3800 | 203a"

func TestQualityGNSVector(t *testing.T) {
	p := unhex(t, gnsQualityHeader)
	var h DataHeader
	payload, err := ParseData(p, &h)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, []byte{0x20, 0x3a}) || h.ConnID != 0xfd174f4d || h.PktNum != 0x03df {
		t.Fatalf("header %+v payload % x", h, payload)
	}
	q := h.Stats.Quality
	want := InstantaneousStats{OutPacketsPerSecX10: 495, OutBytesPerSec: 11736, InPacketsPerSecX10: 480,
		InBytesPerSec: 11321, PingMS: 0, PacketsDroppedPct: 3, PacketsWeirdSequencePct: 0, PeakJitterUsec: -1}
	if !h.HasStats || !h.Stats.HasQuality || !q.HasInstantaneous || q.HasLifetime || q.Instantaneous != want {
		t.Fatalf("stats %+v", h.Stats)
	}
	if h.Stats.Flags != 0 || h.Stats.ImpliedFlags() != StatsFlagAckRequestE2E {
		t.Fatalf("flags %d implied %d", h.Stats.Flags, h.Stats.ImpliedFlags())
	}
	// We encode the same report to the same bytes.
	out := AppendDataHeaderStats(nil, h.ConnID, h.PktNum, &h.Stats)
	if want := p[:len(p)-2]; !bytes.Equal(out, want) {
		t.Fatalf("re-encoded\n% x\nwant\n% x", out, want)
	}
	if n := StatsBlobSize(&h.Stats); n != 23 {
		t.Fatalf("blob size %d, want 23", n)
	}
}

func TestQualityRoundTrip(t *testing.T) {
	cases := []Stats{
		{Flags: StatsFlagAckRequestE2E | StatsFlagAckRequestImmediate},
		{HasQuality: true, Quality: ConnectionQuality{HasInstantaneous: true, Instantaneous: InstantaneousStats{
			OutPacketsPerSecX10: 1, PingMS: -1, PacketsDroppedPct: -1, PacketsWeirdSequencePct: -1, PeakJitterUsec: -1}}},
		{HasQuality: true, Flags: StatsFlagAckRequestImmediate, Quality: ConnectionQuality{
			HasInstantaneous: true, Instantaneous: InstantaneousStats{OutPacketsPerSecX10: 0xffffffff, OutBytesPerSec: 7,
				InPacketsPerSecX10: 8, InBytesPerSec: 9, PingMS: 300, PacketsDroppedPct: 100, PacketsWeirdSequencePct: 1, PeakJitterUsec: 0xffffffff},
			HasLifetime: true, Lifetime: LifetimeStats{ConnectedSeconds: 3600, PacketsSent: 1 << 40, KBSent: 2, PacketsRecv: 3,
				KBRecv: 4, PacketsRecvSequenced: 5, PacketsRecvDropped: 6, PacketsRecvOutOfOrder: 7, PacketsRecvDuplicate: 8,
				PacketsRecvLurch: 9, PacketsRecvOutOfOrderCorrected: 10}}},
		{HasQuality: true, Quality: ConnectionQuality{HasLifetime: true}},
	}
	for i, c := range cases {
		p := AppendDataHeaderStats(nil, 1, 2, &c)
		p = append(p, 0xEE)
		var h DataHeader
		payload, err := ParseData(p, &h)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if h.Stats != c || !bytes.Equal(payload, []byte{0xEE}) {
			t.Fatalf("case %d: got %+v want %+v", i, h.Stats, c)
		}
		if len(p)-DataHeaderSize-1 != StatsBlobSize(&c) {
			t.Fatalf("case %d: blob size %d, header has %d", i, StatsBlobSize(&c), len(p)-DataHeaderSize-1)
		}
	}
	// Values beyond uint32 in the optional fields are clamped on encode.
	big := Stats{HasQuality: true, Quality: ConnectionQuality{HasInstantaneous: true,
		Instantaneous: InstantaneousStats{PingMS: 1 << 40, PacketsDroppedPct: -1, PacketsWeirdSequencePct: -1, PeakJitterUsec: -1}}}
	var back Stats
	if err := back.Unmarshal(big.Append(nil)); err != nil || back.Quality.Instantaneous.PingMS != 0xffffffff {
		t.Fatalf("clamp: %v %+v", err, back)
	}
}

// Decoding a quality report does not allocate (it arrives on the data path).
func TestQualityDecodeNoAlloc(t *testing.T) {
	p := unhex(t, gnsQualityHeader)
	var h DataHeader
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseData(p, &h) }); n != 0 {
		t.Fatalf("%v allocations per parse", n)
	}
}

func TestQualityMalformed(t *testing.T) {
	for _, s := range []string{
		"0a 05 0a 03 08",    // instantaneous truncated inside
		"0a 02 12 05",       // lifetime length beyond the quality message
		"0a 03 0a 01 ff",    // bad varint in instantaneous
		"0a 04 12 02 10 ff", // bad varint in lifetime
	} {
		var st Stats
		if err := st.Unmarshal(unhex(t, s)); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
}

// The stats blob of a GNS (e707b3a) packet 120 s into a connection with 5 %
// fake loss: instantaneous and lifetime reports together; the lifetime one
// carries histograms and percentiles, which we skip.
const gnsLifetimeBlob = "0a690a1208e50310b05b18e50320bc5928003003380012531078188c2a20cc0a" +
	"28922a308f0a38902a40a6024800500058007800b80101c0010ac8010cf8015c" +
	"80025d88025ec8028623d00215d80204e80204f00201f8020180030190030098" +
	"0300a00300a80303b00309"

func TestQualityGNSLifetimeVector(t *testing.T) {
	var st Stats
	if err := st.Unmarshal(unhex(t, gnsLifetimeBlob)); err != nil {
		t.Fatal(err)
	}
	q := st.Quality
	if !st.HasQuality || !q.HasInstantaneous || !q.HasLifetime || st.ImpliedFlags() != StatsFlagAckRequestE2E {
		t.Fatalf("%+v", st)
	}
	wantInst := InstantaneousStats{OutPacketsPerSecX10: 485, OutBytesPerSec: 11696, InPacketsPerSecX10: 485,
		InBytesPerSec: 11452, PingMS: 0, PacketsDroppedPct: 3, PacketsWeirdSequencePct: 0, PeakJitterUsec: -1}
	wantLife := LifetimeStats{ConnectedSeconds: 120, PacketsSent: 5388, KBSent: 1356, PacketsRecv: 5394, KBRecv: 1295,
		PacketsRecvSequenced: 5392, PacketsRecvDropped: 294}
	if q.Instantaneous != wantInst || q.Lifetime != wantLife {
		t.Fatalf("instantaneous %+v\nlifetime %+v", q.Instantaneous, q.Lifetime)
	}
}
