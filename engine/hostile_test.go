package engine

import (
	"crypto/ed25519"
	"net"
	"net/netip"
	"testing"
	"time"

	"godotsteam-sockets/engine/internal/crypto"
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
		ls.onPacket(p, from, netip.Addr{}, nowUsec(), nil)
	})
}

// rawHandshake does the client side of the handshake by hand, letting the
// test tamper with the ConnectRequest.
func rawHandshake(t *testing.T, server netip.AddrPort, tamper func(*wire.ConnectRequest, *crypto.LocalCert)) *net.UDPConn {
	t.Helper()
	return rawHandshakeID(t, server, 0x01020304, tamper)
}

// rawHandshakeID is rawHandshake with a chosen client connection ID; tamper
// may be nil.
func rawHandshakeID(t *testing.T, server netip.AddrPort, id uint32, tamper func(*wire.ConnectRequest, *crypto.LocalCert)) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	req := wire.ChallengeRequest{ConnectionID: id, ProtocolVersion: 13}
	if _, err := pc.WriteToUDPAddrPort(wire.AppendPadded(nil, wire.MsgChallengeRequest, req.Append(nil)), server); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := pc.ReadFromUDPAddrPort(buf)
	if err != nil || wire.Classify(buf[:n]) != wire.KindChallengeReply {
		t.Fatalf("no challenge reply: %v", err)
	}
	var rep wire.ChallengeReply
	if err := rep.Unmarshal(wire.Unpadded(buf[:n])); err != nil || rep.ConnectionID != req.ConnectionID || rep.ProtocolVersion != 13 {
		t.Fatalf("reply %+v %v", rep, err)
	}
	cert, _ := crypto.NewUnsignedCert(crypto.Identity{String: "ip:::1"}, 0)
	sess, _ := crypto.NewSession(cert, crypto.CipherList(0))
	cr := wire.ConnectRequest{ClientConnectionID: req.ConnectionID, Challenge: rep.Challenge, Cert: &cert.Signed, Crypt: &sess.Signed}
	if tamper != nil {
		tamper(&cr, cert)
	}
	if _, err := pc.WriteToUDPAddrPort(wire.AppendUnpadded(nil, wire.MsgConnectRequest, cr.Append(nil)), server); err != nil {
		t.Fatal(err)
	}
	return pc
}

func TestBadConnectRequestsDropped(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(*wire.ConnectRequest, *crypto.LocalCert)
	}{
		{"bad signature", func(m *wire.ConnectRequest, _ *crypto.LocalCert) {
			m.Crypt = &wire.CryptInfoSigned{Info: m.Crypt.Info, Signature: make([]byte, 64)}
		}},
		{"no cert", func(m *wire.ConnectRequest, _ *crypto.LocalCert) { m.Cert = nil }},
		{"old protocol (validly signed)", func(m *wire.ConnectRequest, cert *crypto.LocalCert) {
			var ci wire.CryptInfo
			ci.Unmarshal(m.Crypt.Info)
			ci.ProtocolVersion = 9
			info := ci.Append(nil)
			m.Crypt = &wire.CryptInfoSigned{Info: info, Signature: ed25519.Sign(cert.Private, info)}
		}},
		{"wrong app id", func(m *wire.ConnectRequest, _ *crypto.LocalCert) {
			cert, _ := crypto.NewUnsignedCert(crypto.Identity{String: "steamid:76561197960287930"}, 480)
			sess, _ := crypto.NewSession(cert, crypto.CipherList(0))
			m.Cert, m.Crypt = &cert.Signed, &sess.Signed
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newNode(t, Options{})
			_, a := srv.listen("127.0.0.1:0")
			before := srv.s.Counters()
			rawHandshake(t, a, tc.tamper)
			waitUntil(t, 2*time.Second, "request counted", func() bool {
				c := srv.s.Counters()
				return c.Ignored+c.Malformed > before.Ignored+before.Malformed
			})
			srv.pump()
			if len(srv.events) != 0 {
				t.Fatalf("a bad request created a connection: %+v", srv.events[0].Info)
			}
		})
	}
	// The untampered request works (so the cases above fail for their reason).
	srv := newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	rawHandshake(t, a, func(*wire.ConnectRequest, *crypto.LocalCert) {})
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	if ev.Info.RemoteAddr.Addr().String() != "127.0.0.1" {
		t.Fatal(ev.Info)
	}
}

// rawServer answers one Go client's handshake by hand with a tampered
// ConnectOK.
func rawServer(t *testing.T, tamper func(ok *wire.ConnectOK, cert *crypto.LocalCert, sess *crypto.Session)) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			switch wire.Classify(buf[:n]) {
			case wire.KindChallengeRequest:
				body, _ := wire.Padded(buf[:n])
				var m wire.ChallengeRequest
				m.Unmarshal(body)
				rep := wire.ChallengeReply{ConnectionID: m.ConnectionID, Challenge: 42, ProtocolVersion: 13}
				pc.WriteToUDPAddrPort(wire.AppendUnpadded(nil, wire.MsgChallengeReply, rep.Append(nil)), from)
			case wire.KindConnectRequest:
				var m wire.ConnectRequest
				m.Unmarshal(wire.Unpadded(buf[:n]))
				cert, _ := crypto.NewUnsignedCert(crypto.Identity{String: "ip:::1"}, 0)
				sess, _ := crypto.NewSession(cert, []uint32{wire.CipherAES256GCM})
				ok := wire.ConnectOK{ClientConnectionID: m.ClientConnectionID, ServerConnectionID: 0x00050006, Cert: &cert.Signed, Crypt: &sess.Signed}
				tamper(&ok, cert, sess)
				pc.WriteToUDPAddrPort(wire.AppendUnpadded(nil, wire.MsgConnectOK, ok.Append(nil)), from)
			}
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

func TestBadConnectOKFailsClient(t *testing.T) {
	resign := func(sess *crypto.Session, cert *crypto.LocalCert, ok *wire.ConnectOK, edit func(*wire.CryptInfo)) {
		var ci wire.CryptInfo
		ci.Unmarshal(sess.Signed.Info)
		edit(&ci)
		info := ci.Append(nil)
		ok.Crypt = &wire.CryptInfoSigned{Info: info, Signature: ed25519.Sign(cert.Private, info)}
	}
	cases := []struct {
		name   string
		reason int
		tamper func(*wire.ConnectOK, *crypto.LocalCert, *crypto.Session)
	}{
		{"server id low half zero", EndRemoteBadCrypt, func(ok *wire.ConnectOK, _ *crypto.LocalCert, _ *crypto.Session) {
			ok.ServerConnectionID = 0x00050000
		}},
		{"bad signature", EndRemoteBadCrypt, func(ok *wire.ConnectOK, _ *crypto.LocalCert, _ *crypto.Session) {
			ok.Crypt = &wire.CryptInfoSigned{Info: ok.Crypt.Info, Signature: make([]byte, 64)}
		}},
		{"two ciphers", EndRemoteBadCrypt, func(ok *wire.ConnectOK, c *crypto.LocalCert, s *crypto.Session) {
			resign(s, c, ok, func(ci *wire.CryptInfo) { ci.Ciphers = []uint32{2, 1} })
		}},
		{"cipher not offered", EndRemoteBadCrypt, func(ok *wire.ConnectOK, c *crypto.LocalCert, s *crypto.Session) {
			resign(s, c, ok, func(ci *wire.CryptInfo) { ci.Ciphers = []uint32{wire.CipherNull} })
		}},
		{"version differs from challenge reply", EndRemoteBadProtocolVersion, func(ok *wire.ConnectOK, c *crypto.LocalCert, s *crypto.Session) {
			resign(s, c, ok, func(ci *wire.CryptInfo) { ci.ProtocolVersion = 12 })
		}},
		{"cert for another AppID", EndRemoteBadCert, func(ok *wire.ConnectOK, _ *crypto.LocalCert, _ *crypto.Session) {
			cert, _ := crypto.NewUnsignedCert(crypto.Identity{String: "ip:::1"}, 480)
			sess, _ := crypto.NewSession(cert, []uint32{wire.CipherAES256GCM})
			ok.Cert, ok.Crypt = &cert.Signed, &sess.Signed
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := rawServer(t, tc.tamper)
			cli := newNode(t, Options{})
			cc := cli.connect(a)
			ev := cli.waitState(cc, StateProblemDetectedLocally, 5*time.Second)
			if ev.Info.EndReason != tc.reason {
				t.Fatalf("end %d %q, want %d", ev.Info.EndReason, ev.Info.EndDebug, tc.reason)
			}
		})
	}
	// Untampered: connects.
	a := rawServer(t, func(*wire.ConnectOK, *crypto.LocalCert, *crypto.Session) {})
	cli := newNode(t, Options{})
	cc := cli.connect(a)
	cli.waitState(cc, StateConnected, 5*time.Second)
}
