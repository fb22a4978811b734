package wire

import "google.golang.org/protobuf/encoding/protowire"

// Connection-quality reports (msgs.proto CMsgSteamDatagramConnectionQuality)
// carried in the inline stats blob of data packets. GNS sends the
// instantaneous report every 20-30 s and the lifetime report every
// 120-140 s while a connection is active; the peer's real-time status
// takes its remote quality from the latest instantaneous report.

// ConnectionQuality is CMsgSteamDatagramConnectionQuality.
type ConnectionQuality struct {
	HasInstantaneous bool
	Instantaneous    InstantaneousStats // 1
	HasLifetime      bool
	Lifetime         LifetimeStats // 2
}

// InstantaneousStats is CMsgSteamDatagramLinkInstantaneousStats. The
// optional fields use -1 for "absent" (GNS then reports the value unknown).
type InstantaneousStats struct {
	OutPacketsPerSecX10     uint32 // 1
	OutBytesPerSec          uint32 // 2
	InPacketsPerSecX10      uint32 // 3
	InBytesPerSec           uint32 // 4
	PingMS                  int64  // 5, -1 absent
	PacketsDroppedPct       int64  // 6, 0..100, -1 absent
	PacketsWeirdSequencePct int64  // 7, 0..100, -1 absent
	PeakJitterUsec          int64  // 8, -1 absent
}

// LifetimeStats is the packet-counter part of
// CMsgSteamDatagramLinkLifetimeStats (the quality, ping and jitter
// histograms are skipped when decoding and not sent).
type LifetimeStats struct {
	ConnectedSeconds               uint32 // 2
	PacketsSent                    uint64 // 3
	KBSent                         uint64 // 4
	PacketsRecv                    uint64 // 5
	KBRecv                         uint64 // 6
	PacketsRecvSequenced           uint64 // 7
	PacketsRecvDropped             uint64 // 8
	PacketsRecvOutOfOrder          uint64 // 9
	PacketsRecvDuplicate           uint64 // 10
	PacketsRecvLurch               uint64 // 11
	PacketsRecvOutOfOrderCorrected uint64 // 15
}

// appendSubHeader appends the tag and length of an embedded message.
func appendSubHeader(b []byte, num protowire.Number, size int) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(size))
}

func sizeVarintField(num protowire.Number, v uint64) int {
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

func sizeSub(num protowire.Number, n int) int {
	return protowire.SizeTag(num) + protowire.SizeVarint(uint64(n)) + n
}

// Append encodes m after b.
func (m *ConnectionQuality) Append(b []byte) []byte {
	if m.HasInstantaneous {
		b = appendSubHeader(b, 1, m.Instantaneous.size())
		b = m.Instantaneous.Append(b)
	}
	if m.HasLifetime {
		b = appendSubHeader(b, 2, m.Lifetime.size())
		b = m.Lifetime.Append(b)
	}
	return b
}

func (m *ConnectionQuality) size() int {
	n := 0
	if m.HasInstantaneous {
		n += sizeSub(1, m.Instantaneous.size())
	}
	if m.HasLifetime {
		n += sizeSub(2, m.Lifetime.size())
	}
	return n
}

// Unmarshal decodes b into m without allocating.
func (m *ConnectionQuality) Unmarshal(b []byte) error {
	*m = ConnectionQuality{}
	return walk(b, func(f field) error {
		switch {
		case f.num == 1 && f.isBytes():
			m.HasInstantaneous = true
			return m.Instantaneous.Unmarshal(f.bytes)
		case f.num == 2 && f.isBytes():
			m.HasLifetime = true
			return m.Lifetime.Unmarshal(f.bytes)
		}
		return nil
	})
}

// instOptional lists the optional fields 5..8 in field order.
func (m *InstantaneousStats) optional() [4]*int64 {
	return [4]*int64{&m.PingMS, &m.PacketsDroppedPct, &m.PacketsWeirdSequencePct, &m.PeakJitterUsec}
}

// Append encodes m after b (optional fields only when >= 0; values above
// the uint32 range are clamped).
func (m *InstantaneousStats) Append(b []byte) []byte {
	b = appendVarint(b, 1, uint64(m.OutPacketsPerSecX10))
	b = appendVarint(b, 2, uint64(m.OutBytesPerSec))
	b = appendVarint(b, 3, uint64(m.InPacketsPerSecX10))
	b = appendVarint(b, 4, uint64(m.InBytesPerSec))
	for i, p := range m.optional() {
		if *p >= 0 {
			b = appendVarint(b, protowire.Number(5+i), uint64(min(*p, 0xffffffff)))
		}
	}
	return b
}

func (m *InstantaneousStats) size() int {
	n := sizeVarintField(1, uint64(m.OutPacketsPerSecX10)) + sizeVarintField(2, uint64(m.OutBytesPerSec)) +
		sizeVarintField(3, uint64(m.InPacketsPerSecX10)) + sizeVarintField(4, uint64(m.InBytesPerSec))
	for i, p := range m.optional() {
		if *p >= 0 {
			n += sizeVarintField(protowire.Number(5+i), uint64(min(*p, 0xffffffff)))
		}
	}
	return n
}

// Unmarshal decodes b into m without allocating.
func (m *InstantaneousStats) Unmarshal(b []byte) error {
	*m = InstantaneousStats{PingMS: -1, PacketsDroppedPct: -1, PacketsWeirdSequencePct: -1, PeakJitterUsec: -1}
	return walk(b, func(f field) error {
		if !f.isVarint() {
			return nil
		}
		v := uint32(f.u64)
		switch f.num {
		case 1:
			m.OutPacketsPerSecX10 = v
		case 2:
			m.OutBytesPerSec = v
		case 3:
			m.InPacketsPerSecX10 = v
		case 4:
			m.InBytesPerSec = v
		case 5, 6, 7, 8:
			*m.optional()[f.num-5] = int64(v)
		}
		return nil
	})
}

// counters lists the uint64 fields with their numbers.
func (m *LifetimeStats) counters() [10]struct {
	num protowire.Number
	p   *uint64
} {
	return [10]struct {
		num protowire.Number
		p   *uint64
	}{
		{3, &m.PacketsSent}, {4, &m.KBSent}, {5, &m.PacketsRecv}, {6, &m.KBRecv},
		{7, &m.PacketsRecvSequenced}, {8, &m.PacketsRecvDropped}, {9, &m.PacketsRecvOutOfOrder},
		{10, &m.PacketsRecvDuplicate}, {11, &m.PacketsRecvLurch}, {15, &m.PacketsRecvOutOfOrderCorrected},
	}
}

// Append encodes m after b (every counter, zeros too).
func (m *LifetimeStats) Append(b []byte) []byte {
	b = appendVarint(b, 2, uint64(m.ConnectedSeconds))
	for _, c := range m.counters() {
		b = appendVarint(b, c.num, *c.p)
	}
	return b
}

func (m *LifetimeStats) size() int {
	n := sizeVarintField(2, uint64(m.ConnectedSeconds))
	for _, c := range m.counters() {
		n += sizeVarintField(c.num, *c.p)
	}
	return n
}

// Unmarshal decodes b into m without allocating.
func (m *LifetimeStats) Unmarshal(b []byte) error {
	*m = LifetimeStats{}
	return walk(b, func(f field) error {
		if !f.isVarint() {
			return nil
		}
		if f.num == 2 {
			m.ConnectedSeconds = uint32(f.u64)
			return nil
		}
		for _, c := range m.counters() {
			if c.num == f.num {
				*c.p = f.u64
			}
		}
		return nil
	})
}

// AppendDataHeaderStats appends a data header with an inline stats blob
// (flags and, if st.HasQuality, a connection-quality report).
func AppendDataHeaderStats(dst []byte, connID uint32, pktNum uint16, st *Stats) []byte {
	dst = AppendDataHeader(dst, connID, pktNum, 0)
	dst[len(dst)-DataHeaderSize] |= DataFlagStats
	dst = protowire.AppendVarint(dst, uint64(st.size()))
	return st.Append(dst)
}

// StatsBlobSize is the number of header bytes the stats blob of st takes
// (length prefix included).
func StatsBlobSize(st *Stats) int {
	n := st.size()
	return protowire.SizeVarint(uint64(n)) + n
}

func (m *Stats) size() int {
	n := 0
	if m.HasQuality {
		n += sizeSub(1, m.Quality.size())
	}
	if m.Flags != 0 || !m.HasQuality {
		n += sizeVarintField(3, uint64(m.Flags))
	}
	return n
}
