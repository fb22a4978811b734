package wire

import "testing"

// FuzzConnectionQuality covers the quality report inside the inline stats
// blob (and through it InstantaneousStats and LifetimeStats).
func FuzzConnectionQuality(f *testing.F) {
	f.Add((&ConnectionQuality{HasInstantaneous: true, Instantaneous: InstantaneousStats{OutPacketsPerSecX10: 120, PingMS: 30,
		PacketsDroppedPct: -1, PacketsWeirdSequencePct: 5, PeakJitterUsec: -1}}).Append(nil))
	f.Add((&ConnectionQuality{HasLifetime: true, Lifetime: LifetimeStats{ConnectedSeconds: 60, PacketsSent: 1 << 40, PacketsRecvLurch: 3}}).Append(nil))
	f.Add([]byte{0x0a, 0x02, 0x28, 0xff}) // instantaneous with a truncated ping varint
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[ConnectionQuality](t, b) })
}

func FuzzInstantaneousStats(f *testing.F) {
	f.Add((&InstantaneousStats{PingMS: 1, PacketsDroppedPct: 100, PacketsWeirdSequencePct: -1, PeakJitterUsec: 2000}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[InstantaneousStats](t, b) })
}

func FuzzLifetimeStats(f *testing.F) {
	f.Add((&LifetimeStats{KBSent: 5, PacketsRecvOutOfOrderCorrected: 9}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip[LifetimeStats](t, b) })
}
