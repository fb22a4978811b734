package engine

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"godotsteam-sockets/engine/internal/wire"
)

func rawSend(t *testing.T, to netip.AddrPort, p []byte) {
	t.Helper()
	pc, err := net.ListenUDP("udp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.WriteToUDPAddrPort(p, to); err != nil {
		t.Fatal(err)
	}
}

func TestHostilePacketsAtListenSocket(t *testing.T) {
	srv := newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	req := (&wire.ChallengeRequest{ConnectionID: 5, ProtocolVersion: 13}).Append(nil)
	cases := []struct {
		name  string
		p     []byte
		count func(Counters) int64
	}{
		{"bad lead byte", []byte("hello world"), func(c Counters) int64 { return c.Malformed }},
		{"too short", []byte{0x80, 1}, func(c Counters) int64 { return c.Malformed }},
		{"unpadded challenge request", wire.AppendUnpadded(nil, wire.MsgChallengeRequest, req), func(c Counters) int64 { return c.Malformed }},
		{"challenge request id 0", wire.AppendPadded(nil, wire.MsgChallengeRequest, (&wire.ChallengeRequest{ProtocolVersion: 13}).Append(nil)), func(c Counters) int64 { return c.Malformed }},
		{"data from stranger", wire.AppendDataHeader(nil, 1234, 2, 0), func(c Counters) int64 { return c.Spoofed }},
		{"connect request with forged cookie", wire.AppendUnpadded(nil, wire.MsgConnectRequest,
			(&wire.ConnectRequest{ClientConnectionID: 7, Challenge: 0xDEADBEEF}).Append(nil)), func(c Counters) int64 { return c.Spoofed }},
		{"garbage protobuf", []byte{wire.MsgConnectRequest, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, func(c Counters) int64 { return c.Malformed }},
	}
	for _, tc := range cases {
		before := tc.count(srv.s.Counters())
		rawSend(t, a, tc.p)
		waitUntil(t, 2*time.Second, tc.name, func() bool { return tc.count(srv.s.Counters()) > before })
	}
	srv.pump()
	if len(srv.events) != 0 {
		t.Fatalf("hostile packets created connections: %+v", srv.events)
	}
}

func TestHostilePacketsOnConnection(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
	c := cli.s.impl.lookupConn(cc)
	c.lock()
	localPort := c.tr.(*clientSockTransport).sock.local.Port()
	c.unlock()

	// From a stranger's address: dropped at the socket.
	before := cli.s.Counters().Spoofed
	rawSend(t, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), localPort), wire.AppendDataHeader(nil, cc, 2, 0))
	waitUntil(t, 2*time.Second, "stranger counted", func() bool { return cli.s.Counters().Spoofed > before })

	// Forged packets that look like they come from the server (injected
	// past the address check).
	now := nowUsec()
	inject := func(p []byte) { c.onPacket(p, now) }
	cnt := cli.s.Counters()
	inject(append(wire.AppendDataHeader(nil, cc^1, 2, 0), make([]byte, 40)...)) // wrong connection ID
	inject(append(wire.AppendDataHeader(nil, cc, 3, 0), make([]byte, 40)...))   // bad ciphertext
	inject(append(wire.AppendDataHeader(nil, cc, 3, 0), 1, 2, 3))               // shorter than a tag
	inject([]byte{0x84, 0, 0, 0, 0, 0, 0})                                      // bad header flags
	inject(wire.AppendPadded(nil, wire.MsgConnectionClosed, (&wire.ConnectionClosed{ToConnectionID: cc ^ 0x100, FromConnectionID: 9, ReasonCode: 1000}).Append(nil)))
	inject(wire.AppendUnpadded(nil, wire.MsgNoConnection, (&wire.NoConnection{FromConnectionID: 9, ToConnectionID: cc}).Append(nil)))
	inject(wire.AppendUnpadded(nil, wire.MsgConnectOK, []byte{0xFF}))
	got := cli.s.Counters()
	if got.Spoofed-cnt.Spoofed < 3 || got.DecryptFailed-cnt.DecryptFailed < 1 || got.Malformed-cnt.Malformed < 3 {
		t.Fatalf("counters before %+v after %+v", cnt, got)
	}
	if info, _ := cli.s.ConnectionInfo(cc); info.State != StateConnected {
		t.Fatalf("forged packets changed state: %+v", info)
	}
	if s, _ := cli.s.DetailedStatus(cc); s == "" {
		t.Fatal("no status")
	}
	_ = sc
}

// FuzzConnectionPacket throws arbitrary datagrams at a connected
// connection (as if from its peer): nothing may panic or hang.
func FuzzConnectionPacket(f *testing.F) {
	f.Add([]byte{0x80, 1, 2, 3, 4, 2, 0, 9, 9, 9})
	f.Add(wire.AppendPadded(nil, wire.MsgConnectionClosed, []byte{0x18, 1}))
	f.Add(wire.AppendUnpadded(nil, wire.MsgNoConnection, []byte{0x15, 1, 0, 0, 0}))
	f.Add(wire.AppendUnpadded(nil, wire.MsgConnectOK, []byte{0x0D, 1, 0, 0, 0}))
	f.Add(wire.AppendPadded(nil, wire.MsgChallengeRequest, []byte{0x0D, 1, 0, 0, 0}))
	s := NewSockets(Options{})
	defer s.Close()
	c1, _, ok := s.CreateSocketPair(true, Identity{}, Identity{})
	if !ok {
		f.Fatal("pair")
	}
	c := s.impl.lookupConn(c1)
	f.Fuzz(func(t *testing.T, p []byte) {
		// Keep the connection's ID in place so the fuzzer reaches the
		// decrypt path.
		if len(p) >= 5 && p[0]&0x80 != 0 {
			p = append([]byte(nil), p...)
			p[1], p[2], p[3], p[4] = byte(c1), byte(c1>>8), byte(c1>>16), byte(c1>>24)
		}
		c.onPacket(p, nowUsec())
	})
}

func FuzzListenSocketPacket(f *testing.F) {
	f.Add(wire.AppendPadded(nil, wire.MsgChallengeRequest, (&wire.ChallengeRequest{ConnectionID: 1, ProtocolVersion: 13}).Append(nil)))
	f.Add(wire.AppendUnpadded(nil, wire.MsgConnectRequest, (&wire.ConnectRequest{ClientConnectionID: 1}).Append(nil)))
	f.Add(wire.AppendPadded(nil, wire.MsgConnectionClosed, []byte{0x25, 1, 0, 0, 0}))
	s := NewSockets(Options{})
	defer s.Close()
	h, err := s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), nil)
	if err != nil {
		f.Fatal(err)
	}
	ls := s.impl.reg.listens[h]
	from := netip.MustParseAddrPort("127.0.0.1:9") // discard port
	f.Fuzz(func(t *testing.T, p []byte) {
		ls.onPacket(p, from, netip.Addr{}, nowUsec())
	})
}
