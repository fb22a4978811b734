package fakeip

import (
	"fmt"
	"net/netip"
	"testing"
)

func TestClassify(t *testing.T) {
	cases := map[string]Type{
		"169.254.1.0":        TypeGlobal,
		"169.254.127.255":    TypeGlobal,
		"169.254.128.0":      TypeLocal,
		"169.254.254.255":    TypeLocal,
		"169.254.0.7":        TypeNotFake, // RFC 3927 reserved
		"169.254.255.1":      TypeNotFake,
		"10.0.0.1":           TypeNotFake,
		"::1":                TypeNotFake,
		"::ffff:169.254.2.3": TypeGlobal,
	}
	for s, want := range cases {
		if got := Classify(netip.MustParseAddr(s)); got != want {
			t.Errorf("Classify(%s) = %d, want %d", s, got, want)
		}
	}
	if Classify(netip.Addr{}) != TypeInvalid {
		t.Error("zero address not invalid")
	}
}

func TestConversions(t *testing.T) {
	a := netip.MustParseAddr("169.254.3.4")
	if u := ToUint32(a); u != 0xa9fe0304 || FromUint32(u) != a || Format(u) != "169.254.3.4" {
		t.Fatalf("%#x %s %q", u, FromUint32(u), Format(u))
	}
	if Format(0) != "" || ToUint32(netip.MustParseAddr("::1")) != 0 {
		t.Fatal("zero cases")
	}
	for i := range MaxPortsPerRequest {
		if idx, ok := IndexForVirtualPort(VirtualPortForIndex(i)); !ok || idx != i {
			t.Fatalf("index %d round trip", i)
		}
	}
	for _, vp := range []int{0, 5, VirtualPortGlobal0 - 1, VirtualPortGlobal0 + MaxPortsPerRequest} {
		if _, ok := IndexForVirtualPort(vp); ok {
			t.Errorf("virtual port %#x taken as a fake port", vp)
		}
	}
}

func TestLocalIsConsistentAndReversible(t *testing.T) {
	l := NewLocal(0)
	a1 := l.Assign("steamid:1", 0)
	a2 := l.Assign("steamid:1", 7)
	b := l.Assign("steamid:2", 0)
	if Classify(a1.Addr()) != TypeLocal || a1.Addr() != a2.Addr() || a1.Port() == a2.Port() || b.Addr() == a1.Addr() {
		t.Fatalf("%s %s %s", a1, a2, b)
	}
	if a1.Port() < MinPort || l.Assign("steamid:1", 0) != a1 {
		t.Fatalf("not consistent: %s", a1)
	}
	for _, c := range []struct {
		ap  netip.AddrPort
		id  string
		tag uint32
	}{{a1, "steamid:1", 0}, {a2, "steamid:1", 7}, {b, "steamid:2", 0}} {
		id, tag, ok := l.Lookup(c.ap)
		if !ok || id != c.id || tag != c.tag {
			t.Errorf("Lookup(%s) = %q %d %v", c.ap, id, tag, ok)
		}
	}
	if _, _, ok := l.Lookup(netip.AddrPortFrom(a1.Addr(), 9)); ok {
		t.Error("unassigned port resolved")
	}
}

func TestLocalBoundedEvictsLeastRecentlyUsed(t *testing.T) {
	l := NewLocal(3)
	first := l.Assign("p0", 0)
	for i := 1; i < 3; i++ {
		l.Assign(fmt.Sprintf("p%d", i), 0)
	}
	l.Assign("p0", 0) // p0 used again: p1 is now the oldest
	l.Assign("p3", 0)
	if l.Len() != 3 {
		t.Fatalf("len %d", l.Len())
	}
	if id, _, ok := l.Lookup(first); !ok || id != "p0" {
		t.Fatal("recently used peer evicted")
	}
	for i := range 2000 {
		l.Assign("flood", uint32(i))
	}
	if id, _, ok := l.Lookup(first); !ok || id != "p0" {
		t.Fatal("port flood of one peer disturbed another")
	}
}

func BenchmarkLocalAssign(b *testing.B) {
	l := NewLocal(0)
	for i := 0; b.Loop(); i++ {
		l.Assign("steamid:1", uint32(i%64))
	}
}
