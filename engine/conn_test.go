package engine

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestConnectAcceptClose(t *testing.T) {
	cases := []struct{ name, listen, host string }{
		{"ipv4", "127.0.0.1:0", "127.0.0.1"},
		{"ipv6", "[::1]:0", "::1"},
		{"dual-stack via ipv4", "[::]:0", "127.0.0.1"},
		{"dual-stack via ipv6", "[::]:0", "::1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := newNode(t, Options{}), newNode(t, Options{})
			ls, sc, cc := connectedPair(t, srv, cli, tc.listen, tc.host)

			// Client events: NONE→CONNECTING, then CONNECTING→CONNECTED.
			if len(cli.events) != 2 || cli.events[0].OldState != StateNone || cli.events[0].Info.State != StateConnecting ||
				cli.events[1].OldState != StateConnecting {
				t.Fatalf("client events %+v", cli.events)
			}
			ci, ok := cli.s.ConnectionInfo(cc)
			if !ok || ci.State != StateConnected || ci.ListenSocket != 0 || ci.Identity.SteamID64() != 0 ||
				ci.Flags&InfoFlagUnauthenticated == 0 || ci.Flags&InfoFlagUnencrypted != 0 {
				t.Fatalf("client info %+v", ci)
			}
			si, _ := srv.s.ConnectionInfo(sc)
			if si.ListenSocket != ls || si.RemoteAddr.Addr().Unmap() != netip.MustParseAddr(tc.host) {
				t.Fatalf("server info %+v", si)
			}
			if si.Identity.Type != IdentityIPAddress || si.Identity.Addr != si.RemoteAddr {
				t.Fatalf("server sees identity %v, want ip of %v", si.Identity, si.RemoteAddr)
			}
			if sc == cc {
				t.Fatal("both sides share a handle")
			}

			// Client closes with reason and debug; server sees them.
			if !cli.s.CloseConnection(cc, 1234, "bye now", false) {
				t.Fatal("close failed")
			}
			if _, ok := cli.s.ConnectionInfo(cc); ok {
				t.Fatal("handle still valid after close")
			}
			ev := srv.waitState(sc, StateClosedByPeer, 5*time.Second)
			if ev.Info.EndReason != 1234 || ev.Info.EndDebug != "bye now" || ev.OldState != StateConnected {
				t.Fatalf("server close event %+v", ev)
			}
			// Client's own close posts CONNECTED→NONE.
			cev := cli.waitState(cc, StateNone, time.Second)
			if cev.OldState != StateConnected {
				t.Fatalf("client close event %+v", cev)
			}
			if !srv.s.CloseConnection(sc, 0, "", false) || srv.s.CloseConnection(sc, 0, "", false) {
				t.Fatal("server close / double close")
			}
		})
	}
}

func TestRejectWhileConnecting(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	cc := cli.connect(a)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	if !srv.s.CloseConnection(ev.Conn, 1500, "go away", false) {
		t.Fatal("close")
	}
	got := cli.waitState(cc, StateClosedByPeer, 5*time.Second)
	if got.Info.EndReason != 1500 || got.Info.EndDebug != "go away" || got.OldState != StateConnecting {
		t.Fatalf("client saw %+v", got.Info)
	}
	// A closed-by-peer connection refuses sends with NoConnection.
	if _, r := cli.s.SendMessageToConnection(cc, []byte("x"), SendReliable); r != ResultNoConnection {
		t.Fatalf("send after peer close: %v", r)
	}
}

func TestInvalidReasonCodes(t *testing.T) {
	cases := []struct {
		reason    int
		debug     string
		want      int
		wantDebug string
	}{
		{0, "", 1000, "Application closed connection"},
		{2500, "", 2500, "Application closed connection in an unusual way"},
		{5, "mine", 1999, "Invalid numeric reason code"},
		{3000, "x", 1999, "Invalid numeric reason code"},
		{1001, string(make([]byte, 300)), 1001, string(make([]byte, 127))},
	}
	for _, tc := range cases {
		srv, cli := newNode(t, Options{}), newNode(t, Options{})
		_, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
		cli.s.CloseConnection(cc, tc.reason, tc.debug, false)
		ev := srv.waitState(sc, StateClosedByPeer, 5*time.Second)
		if ev.Info.EndReason != tc.want || ev.Info.EndDebug != tc.wantDebug {
			t.Errorf("reason %d: got %d %q", tc.reason, ev.Info.EndReason, ev.Info.EndDebug)
		}
	}
}

func TestInitialTimeoutNobodyListening(t *testing.T) {
	// Find a port nobody listens on.
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close()
	cli := newNode(t, Options{})
	start := time.Now()
	cc := cli.connect(addr, Int32Option(ConfigTimeoutInitial, 300))
	ev := cli.waitState(cc, StateProblemDetectedLocally, 5*time.Second)
	if ev.Info.EndReason != EndMiscTimeout || ev.Info.EndDebug != "Timed out attempting to connect" || ev.OldState != StateConnecting {
		t.Fatalf("got %+v", ev.Info)
	}
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Fatalf("timed out too early: %v", el)
	}
	if !cli.s.CloseConnection(cc, 0, "", false) {
		t.Fatal("close after problem")
	}
}

func TestAppDidNotAccept(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0", Int32Option(ConfigTimeoutInitial, 300))
	cc := cli.connect(a)
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	pe := srv.waitState(ev.Conn, StateProblemDetectedLocally, 5*time.Second)
	if pe.Info.EndReason != EndMiscTimeout || pe.Info.EndDebug != "App didn't accept or close incoming connection in time." {
		t.Fatalf("server %+v", pe.Info)
	}
	ce := cli.waitState(cc, StateClosedByPeer, 5*time.Second)
	if ce.Info.EndReason != EndMiscTimeout {
		t.Fatalf("client %+v", ce.Info)
	}
	if r := srv.s.AcceptConnection(ev.Conn); r != ResultInvalidState {
		t.Fatalf("accept after timeout: %v", r)
	}
}

func TestAcceptErrors(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
	if r := srv.s.AcceptConnection(sc); r != ResultInvalidState {
		t.Fatalf("double accept: %v", r)
	}
	if r := cli.s.AcceptConnection(cc); r != ResultInvalidState {
		t.Fatalf("accept outgoing: %v", r)
	}
	if r := srv.s.AcceptConnection(12345); r != ResultInvalidParam {
		t.Fatalf("accept bad handle: %v", r)
	}
}

func TestCloseListenSocketClosesChildren(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	ls, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
	if !srv.s.CloseListenSocket(ls) || srv.s.CloseListenSocket(ls) {
		t.Fatal("close listen socket / twice")
	}
	if _, ok := srv.s.ConnectionInfo(sc); ok {
		t.Fatal("child handle still valid")
	}
	ev := cli.waitState(cc, StateClosedByPeer, 5*time.Second)
	if ev.Info.EndReason == 0 {
		t.Fatalf("no reason: %+v", ev.Info)
	}
	if _, ok := srv.s.ListenSocketAddress(ls); ok {
		t.Fatal("address of closed socket")
	}
}

func TestServerClosesConnectedClientSees(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
	srv.s.CloseConnection(sc, 2001, "kicked", false)
	ev := cli.waitState(cc, StateClosedByPeer, 5*time.Second)
	if ev.Info.EndReason != 2001 || ev.Info.EndDebug != "kicked" {
		t.Fatalf("%+v", ev.Info)
	}
	// The client now closes; no error, and its handle disappears.
	if !cli.s.CloseConnection(cc, 0, "", false) {
		t.Fatal("close")
	}
}

func TestManyClientsOneListenSocket(t *testing.T) {
	srv := newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	const n = 8
	cli := newNode(t, Options{})
	var cs []Handle
	for range n {
		cs = append(cs, cli.connect(a))
	}
	seen := map[Handle]bool{}
	for range n {
		ev := srv.waitState(0, StateConnecting, 5*time.Second)
		if seen[ev.Conn] {
			t.Fatal("duplicate incoming handle")
		}
		seen[ev.Conn] = true
		if r := srv.s.AcceptConnection(ev.Conn); r != ResultOK {
			t.Fatal(r)
		}
	}
	for _, c := range cs {
		cli.waitState(c, StateConnected, 5*time.Second)
	}
}

func TestSendWhileConnectingQueues(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	cc := cli.connect(a)
	n1, r := cli.s.SendMessageToConnection(cc, []byte("early"), SendReliable)
	if r != ResultOK || n1 != 1 {
		t.Fatalf("queued send: %d %v", n1, r)
	}
	if _, r := cli.s.SendMessageToConnection(cc, []byte("x"), SendNoDelay); r != ResultIgnored {
		t.Fatalf("no-delay while connecting: %v", r)
	}
	n2, _ := cli.s.SendMessageToConnection(cc, []byte("early2"), SendUnreliable)
	if n2 != 2 {
		t.Fatalf("second number %d", n2)
	}
	if r := cli.s.FlushMessagesOnConnection(cc); r != ResultIgnored {
		t.Fatalf("flush while connecting: %v", r)
	}
	st, _, r := cli.s.RealTimeStatus(cc, 1)
	if r != ResultOK || st.PendingReliable != 5 || st.PendingUnreliable != 6 || st.State != StateConnecting {
		t.Fatalf("status %+v %v", st, r)
	}
	if _, r := cli.s.SendMessageToConnection(cc, make([]byte, MaxMessageSizeSend+1), SendReliable); r != ResultInvalidParam {
		t.Fatalf("oversized: %v", r)
	}
}

func TestNamesUserDataDescription(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	cc := cli.connect(a, Int64Option(ConfigConnectionUserData, 77))
	if v := cli.s.ConnectionUserData(cc); v != 77 {
		t.Fatalf("user data from option: %d", v)
	}
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	if v := srv.s.ConnectionUserData(ev.Conn); v != -1 {
		t.Fatalf("default user data %d", v)
	}
	cli.s.SetConnectionUserData(cc, -5)
	if cli.s.ConnectionUserData(cc) != -5 {
		t.Fatal("set user data")
	}
	long := "a-very-long-connection-name-that-exceeds-31-bytes"
	cli.s.SetConnectionName(cc, long)
	if n, _ := cli.s.ConnectionName(cc); n != long[:31] {
		t.Fatalf("name %q", n)
	}
	info, _ := cli.s.ConnectionInfo(cc)
	want := "UDP " + FormatAddr(a, true) + " '" + long[:31] + "'"
	if len(info.Description) < len(want) || info.Description[len(info.Description)-len(want):] != want || info.Description[0] != '#' {
		t.Fatalf("description %q", info.Description)
	}
	if s, ok := cli.s.DetailedStatus(cc); !ok || len(s) == 0 {
		t.Fatal("detailed status")
	}
}

func TestInvalidHandles(t *testing.T) {
	n := newNode(t, Options{})
	s := n.s
	for _, h := range []Handle{0, 1, 0xDEADBEEF} {
		if s.AcceptConnection(h) != ResultInvalidParam || s.CloseConnection(h, 0, "", true) || s.CloseListenSocket(h) {
			t.Fatal("accept/close")
		}
		if _, ok := s.ListenSocketAddress(h); ok {
			t.Fatal("address")
		}
		if num, r := s.SendMessageToConnection(h, []byte("x"), 0); num != -1 || r != ResultInvalidParam {
			t.Fatal("send")
		}
		if r := s.SendMessages([]OutgoingMessage{{Conn: h, Data: []byte("x")}}); r[0] != -int64(ResultInvalidParam) {
			t.Fatal("sendMessages")
		}
		if s.FlushMessagesOnConnection(h) != ResultInvalidParam || s.ReceiveMessagesOnConnection(h, 10) != nil ||
			s.ReceiveMessagesOnPollGroup(h, 10) != nil {
			t.Fatal("flush/receive")
		}
		if s.ConfigureConnectionLanes(h, 2, []int{0, 0}, []int{1, 1}) != ResultNoConnection {
			t.Fatal("lanes")
		}
		if s.DestroyPollGroup(h) || s.SetConnectionPollGroup(h, 0) {
			t.Fatal("poll groups")
		}
		if _, ok := s.ConnectionInfo(h); ok {
			t.Fatal("info")
		}
		if _, _, r := s.RealTimeStatus(h, 0); r != ResultNoConnection {
			t.Fatal("status")
		}
		if _, ok := s.DetailedStatus(h); ok || s.SetConnectionName(h, "x") || s.SetConnectionUserData(h, 1) || s.ConnectionUserData(h) != -1 {
			t.Fatal("misc")
		}
		if name, ok := s.ConnectionName(h); ok || name != "" {
			t.Fatal("name")
		}
	}
	if _, err := s.ConnectByIPAddress(netip.AddrPort{}, nil); err == nil {
		t.Fatal("connect to nothing")
	}
	if _, err := s.ConnectByIPAddress(netip.MustParseAddrPort("127.0.0.1:0"), nil); err == nil {
		t.Fatal("connect to port 0")
	}
}

func TestBadOptionsFailCreation(t *testing.T) {
	n := newNode(t, Options{})
	bad := [][]ConfigOption{
		{Int32Option(12345, 1)},                                    // unknown key
		{Int32Option(ConfigMTUDataSize, 1000)},                     // read-only
		{StringOption(ConfigTimeoutInitial, "soon")},               // unconvertible
		{Int64Option(ConfigSendBufferSize, 1<<40)},                 // int64 not fitting int32
		{{Key: ConfigTimeoutInitial, Value: ConfigValue{Type: 9}}}, // unknown type
	}
	// Listen sockets also refuse IP_AllowWithoutAuth 0 (no CA), as GNS does.
	if h, err := n.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), []ConfigOption{Int32Option(ConfigIPAllowWithoutAuth, 0)}); err == nil || h != 0 {
		t.Error("listen socket with IP_AllowWithoutAuth 0 created")
	}
	for i, opts := range bad {
		if h, err := n.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), opts); err == nil || h != 0 {
			t.Errorf("listen case %d: %d %v", i, h, err)
		}
		if h, err := n.s.ConnectByIPAddress(netip.MustParseAddrPort("127.0.0.1:9"), opts); err == nil || h != 0 {
			t.Errorf("connect case %d: %d %v", i, h, err)
		}
	}
	// Global-scope keys are accepted leniently at creation (api.md §2.4).
	good := []ConfigOption{Int32Option(ConfigFakePacketLagSend, 4), Int32Option(ConfigSendBufferSize, 5000), Int32Option(ConfigRecvBufferSize, 3000)}
	if h, err := n.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), good); err != nil || h == 0 {
		t.Fatalf("seed example failed: %v", err)
	}
}

func TestHandlesUniqueNonZero(t *testing.T) {
	n := newNode(t, Options{})
	seen := map[Handle]bool{}
	for range 200 {
		h := n.s.CreatePollGroup()
		if h == 0 || seen[h] {
			t.Fatalf("bad handle %d", h)
		}
		seen[h] = true
		if h&0xFFFF == 0 || h>>16 == 0 {
			t.Fatalf("handle %#x has a zero half", h)
		}
	}
	// Destroyed handles are not reused soon.
	for h := range seen {
		n.s.DestroyPollGroup(h)
	}
	for range 200 {
		h := n.s.CreatePollGroup()
		if seen[h] {
			t.Fatalf("handle %d reused", h)
		}
	}
}

func TestSocketsCloseStopsEverything(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, sc, cc := connectedPair(t, srv, cli, "127.0.0.1:0", "127.0.0.1")
	srv.s.Close()
	// Peer is told.
	cli.waitState(cc, StateClosedByPeer, 5*time.Second)
	if _, ok := srv.s.ConnectionInfo(sc); ok {
		t.Fatal("handle valid after Close")
	}
	if h, err := srv.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), nil); err == nil || h != 0 {
		t.Fatal("listen after Close")
	}
	if srv.s.CreatePollGroup() != 0 {
		t.Fatal("poll group after Close")
	}
	srv.s.Close() // idempotent
}

// A wildcard-bound server must answer from the address the client sent
// to: 127.0.0.2 is local too, but the kernel would pick 127.0.0.1 as the
// source of replies, which GNS (and our client) drop.
func TestWildcardListenRepliesFromDestinationAddress(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", "[::]:0"} {
		t.Run(listen, func(t *testing.T) {
			srv, cli := newNode(t, Options{}), newNode(t, Options{})
			connectedPair(t, srv, cli, listen, "127.0.0.2")
		})
	}
}

func TestClientRefusesUnauthenticatedServer(t *testing.T) {
	srv, cli := newNode(t, Options{}), newNode(t, Options{})
	_, a := srv.listen("127.0.0.1:0")
	cc := cli.connect(a, Int32Option(ConfigIPAllowWithoutAuth, 0), Int32Option(ConfigIPLocalHostAllowWithoutAuth, 0))
	ev := srv.waitState(0, StateConnecting, 5*time.Second)
	srv.s.AcceptConnection(ev.Conn)
	pe := cli.waitState(cc, StateProblemDetectedLocally, 5*time.Second)
	if pe.Info.EndReason != EndRemoteBadCert {
		t.Fatalf("client %+v", pe.Info)
	}
	se := srv.waitState(ev.Conn, StateClosedByPeer, 5*time.Second)
	if se.Info.EndReason != EndRemoteBadCert {
		t.Fatalf("server %+v", se.Info)
	}
}

func TestCipherNegotiation(t *testing.T) {
	cases := []struct {
		name          string
		srvU, cliU    int32
		ok            bool
		wantPlaintext bool
	}{
		{"both null only", 3, 3, true, true},
		{"server prefers null, client allows", 2, 1, true, true},
		{"server AES only, client allows null", 0, 2, true, false},
		{"no common cipher", 0, 3, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := newNode(t, Options{}), newNode(t, Options{})
			_, a := srv.listen("127.0.0.1:0", Int32Option(ConfigUnencrypted, tc.srvU))
			cc := cli.connect(a, Int32Option(ConfigUnencrypted, tc.cliU))
			ev := srv.waitState(0, StateConnecting, 5*time.Second)
			r := srv.s.AcceptConnection(ev.Conn)
			if !tc.ok {
				if r == ResultOK {
					t.Fatal("accepted without a common cipher")
				}
				pe := srv.waitState(ev.Conn, StateProblemDetectedLocally, 5*time.Second)
				ce := cli.waitState(cc, StateClosedByPeer, 5*time.Second)
				if pe.Info.EndReason != EndRemoteBadCrypt || ce.Info.EndReason != EndRemoteBadCrypt {
					t.Fatalf("%+v / %+v", pe.Info, ce.Info)
				}
				return
			}
			cli.waitState(cc, StateConnected, 5*time.Second)
			for _, n := range []struct {
				nd *node
				h  Handle
			}{{cli, cc}, {srv, ev.Conn}} {
				info, _ := n.nd.s.ConnectionInfo(n.h)
				if (info.Flags&InfoFlagUnencrypted != 0) != tc.wantPlaintext {
					t.Fatalf("flags %#x", info.Flags)
				}
			}
			requireSNP(t)
			cli.s.SendMessageToConnection(cc, []byte("over the chosen cipher"), SendReliable)
			waitUntil(t, 5*time.Second, "message", func() bool {
				m := srv.s.ReceiveMessagesOnConnection(ev.Conn, 1)
				return len(m) == 1 && string(m[0].Data) == "over the chosen cipher"
			})
		})
	}
}
