package engine

import (
	"bytes"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gsoPackets returns datagrams of the given sizes with distinct contents.
func gsoPackets(sizes ...int) [][]byte {
	out := make([][]byte, len(sizes))
	for i, n := range sizes {
		p := make([]byte, n)
		for j := range p {
			p[j] = byte(i*31 + j)
		}
		out[i] = p
	}
	return out
}

// recvDatagrams reads n datagrams from c (failing after a deadline).
func recvDatagrams(t *testing.T, c *net.UDPConn, n int) [][]byte {
	t.Helper()
	var got [][]byte
	buf := make([]byte, 70000)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < n {
		k, err := c.Read(buf)
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(got), n, err)
		}
		got = append(got, append([]byte(nil), buf[:k]...))
	}
	return got
}

func openTestSock(t *testing.T, n *node) *udpSock {
	t.Helper()
	u, err := n.s.impl.openUDP(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.close)
	return u
}

// Batches of same-size datagrams (GSO runs, a shorter one may end a run)
// and mixed sizes arrive as the same datagrams in the same order, with GSO
// on and after the kernel refused it (fallback to one datagram each).
func TestBatchSendDatagramBoundaries(t *testing.T) {
	if gsoDisabled {
		t.Skip("GODOTSTEAM_SOCKETS_NO_GSO=1")
	}
	n := newNode(t, Options{})
	rc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_ = rc.SetReadBuffer(4 << 20)
	to := rc.LocalAddr().(*net.UDPAddr).AddrPort()
	batches := [][]int{
		{1255, 1255, 1255, 1255, 700},       // one run with a shorter tail
		{1255, 1255, 1300, 1300, 100, 1255}, // several runs
		{500, 500},
		{1200, 1200, 1200, 1201}, // longer last: its own message
		{1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255}, // many
	}
	for _, refuse := range []bool{false, true} {
		u := openTestSock(t, n)
		if refuse {
			gsoTestErr = syscall.EIO
		}
		for bi, sizes := range batches {
			pkts := gsoPackets(sizes...)
			u.writeBatch(pkts, to, netip.Addr{}, nil)
			got := recvDatagrams(t, rc, len(pkts))
			for i := range pkts {
				if !bytes.Equal(got[i], pkts[i]) {
					t.Fatalf("refuse=%v batch %d: datagram %d is %d bytes, want %d (or content differs)", refuse, bi, i, len(got[i]), len(pkts[i]))
				}
			}
		}
		gsoTestErr = 0
		if u.gsoOff.Load() != refuse {
			t.Errorf("refuse=%v: GSO off = %v", refuse, u.gsoOff.Load())
		}
	}
}

// A socket receiving coalesced runs (UDP_GRO) hands every datagram to the
// connection layer separately and intact.
func TestGROReceiveSplitsRuns(t *testing.T) {
	if gsoDisabled {
		t.Skip("GODOTSTEAM_SOCKETS_NO_GSO=1")
	}
	n := newNode(t, Options{})
	rx := openTestSock(t, n)
	var mu sync.Mutex
	var got [][]byte
	groAtStart = true
	defer func() { groAtStart = false }()
	rx.start(func(p []byte, from netip.AddrPort, dst netip.Addr, now int64, fs *flushSet) {
		mu.Lock()
		got = append(got, append([]byte(nil), p...))
		mu.Unlock()
	})
	tx := openTestSock(t, n)
	var want [][]byte
	for k := 0; k < 20; k++ {
		pkts := gsoPackets(1255, 1255, 1255, 1255, 1255, 1255, 1255, 1255, 333)
		pkts[0][0] = byte(k)
		tx.writeBatch(pkts, rx.local, netip.Addr{}, nil)
		want = append(want, pkts...)
	}
	waitUntil(t, 5*time.Second, "all datagrams", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(want)
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("got %d datagrams, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("datagram %d: %d bytes, want %d (or content differs)", i, len(got[i]), len(want[i]))
		}
	}
}
