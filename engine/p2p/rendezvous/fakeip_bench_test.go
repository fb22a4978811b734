package rendezvous

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkFakeIPLookup: resolving a FakeIP:port among 10000 allocations.
func BenchmarkFakeIPLookup(b *testing.B) {
	t := newFakeIPTable(FakeIPConfig{})
	now := time.Now()
	ips := make([]uint32, 10000)
	ports := make([]uint16, len(ips))
	for i := range ips {
		ip, p, res := t.allocate("steamid:"+strconv.Itoa(i), 2, now, nil)
		if res != 1 {
			b.Fatal(res)
		}
		ips[i], ports[i] = ip, p[1]
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, idx, res := t.lookup(ips[i%len(ips)], ports[i%len(ips)], nil); res != 1 || idx != 1 {
			b.Fatal(res)
		}
	}
}

// BenchmarkFakeIPAllocateRelease: a login's allocation and its logout.
func BenchmarkFakeIPAllocateRelease(b *testing.B) {
	t := newFakeIPTable(FakeIPConfig{Hold: time.Nanosecond})
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		id := "steamid:" + strconv.Itoa(i%1000)
		if _, _, res := t.allocate(id, 1, now, nil); res != 1 {
			b.Fatal(res)
		}
		t.release(id, now)
	}
}
