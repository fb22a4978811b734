package p2p_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/internal/nstest"
	"godotsteam-sockets/engine/p2p/rendezvous"
)

// TestNetnsChild is the body of every child role of the namespace tests;
// in a normal run it does nothing.
func TestNetnsChild(t *testing.T) {
	role := nstest.Role()
	if role == "" {
		t.Skip("child role of the network-namespace tests (run by them, not directly)")
	}
	stdin := nstest.NewStdin()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	switch role {
	case "service":
		srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: os.Getenv("LISTEN"), AppID: 480})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		nstest.Report("ADDR", srv.Addr().String())
		_, _ = stdin.Next() // run until the parent says stop (or exits)
	case "fakeip-owner":
		n := childNode(t, ctx)
		f, err := n.RequestFakeIP(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		_, id, _ := n.Identity()
		nstest.Report("IDENTITY", id)
		nstest.Report("FAKEIP", netip.AddrPortFrom(fakeip.FromUint32(f.IP), f.Ports[1]).String())
		_, _ = stdin.Next()
	case "fakeip-resolver":
		n := childNode(t, ctx)
		id, idx, err := n.LookupFakeIP(ctx, netip.MustParseAddrPort(os.Getenv("FAKEIP")))
		if err != nil {
			t.Fatal(err)
		}
		nstest.Report("OWNER", id)
		nstest.Report("INDEX", strconv.Itoa(idx))
	case "fakeip-server":
		nsFakeIPServer(t, ctx, stdin)
	case "fakeip-client":
		nsFakeIPClient(t, ctx)
	case "hosted-server":
		nsHostedServer(t, ctx, stdin)
	case "hosted-client":
		nsHostedClient(t, ctx)
	default:
		t.Fatalf("unknown role %q", role)
	}
}

func childNode(t *testing.T, ctx context.Context) *p2p.Node {
	t.Helper()
	n, err := p2p.Start(p2p.Config{Service: os.Getenv("SERVICE"), AppID: 480})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	if err := n.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNetnsFakeIPAllocationAcrossHosts: a player in one namespace gets a
// FakeIP from the service in the hub; a player in another resolves it to
// the owner's identity and port index.
func TestNetnsFakeIPAllocationAcrossHosts(t *testing.T) {
	nstest.Skip(t)
	if nstest.Role() != "" {
		t.Skip("parent test")
	}
	nt := nstest.New(t, 2, "10.231.91")
	svc := nt.Start(t, nt.Hub, "TestNetnsChild", "service", "LISTEN="+nt.HubIP+":0")
	addr := svc.Want("ADDR", 30*time.Second)
	owner := nt.Start(t, nt.Hosts[0], "TestNetnsChild", "fakeip-owner", "SERVICE="+addr)
	fake := owner.Want("FAKEIP", 30*time.Second)
	id := owner.Want("IDENTITY", time.Second)
	res := nt.Start(t, nt.Hosts[1], "TestNetnsChild", "fakeip-resolver", "SERVICE="+addr, "FAKEIP="+fake)
	if got := res.Want("OWNER", 30*time.Second); got != id {
		t.Fatalf("FakeIP %s resolved to %s, owner is %s", fake, got, id)
	}
	if got := res.Want("INDEX", time.Second); got != "1" {
		t.Fatalf("port index %s, want 1", got)
	}
	res.Wait(30 * time.Second)
	owner.Send("done")
	svc.Send("done")
	owner.Wait(30 * time.Second)
	svc.Wait(30 * time.Second)
}

// childPlayer is a node and an engine using it, inside a namespace.
func childPlayer(t *testing.T, ctx context.Context, listenPort int) (*p2p.Node, *engine.Sockets) {
	t.Helper()
	n, err := p2p.Start(p2p.Config{Service: os.Getenv("SERVICE"), AppID: 480, ListenPort: listenPort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	if err := n.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	s := engine.NewSockets(engine.Options{AppID: 480})
	t.Cleanup(s.Close)
	if err := s.SetP2PBackend(n.EngineBackend()); err != nil {
		t.Fatal(err)
	}
	return n, s
}

// serveEcho accepts every incoming connection and echoes every message
// (and every datagram of udp, if set) until stdin closes.
func serveEcho(t *testing.T, s *engine.Sockets, udp *engine.FakeUDPPort, stdin *nstest.Stdin) {
	stop := make(chan struct{})
	go func() {
		_, _ = stdin.Next()
		close(stop)
	}()
	var conns []engine.Handle
	for {
		select {
		case <-stop:
			return
		case <-time.After(2 * time.Millisecond):
		}
		for _, ev := range s.PollEvents(nil) {
			if ev, ok := ev.(*engine.ConnectionStatusChanged); ok && ev.Info.ListenSocket != 0 && ev.Info.State == engine.StateConnecting {
				if r := s.AcceptConnection(ev.Conn); r != engine.ResultOK {
					t.Errorf("accept: %v", r)
				}
				conns = append(conns, ev.Conn)
			}
		}
		for _, c := range conns {
			for _, m := range s.ReceiveMessagesOnConnection(c, 32) {
				s.SendMessageToConnection(c, m.Data, engine.SendReliable)
			}
		}
		if udp != nil {
			for _, m := range udp.Receive(32) {
				udp.SendTo(m.From, append([]byte("echo:"), m.Data...), engine.SendReliable)
			}
		}
	}
}

// echoCheck sends n reliable messages on conn and waits for their echoes.
func echoCheck(t *testing.T, s *engine.Sockets, conn engine.Handle, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, _ := s.ConnectionInfo(conn)
		if info.State == engine.StateConnected {
			break
		}
		if info.State != engine.StateConnecting && info.State != engine.StateFindingRoute || time.Now().After(deadline) {
			t.Fatalf("connection state %d, end %d %s", info.State, info.EndReason, info.EndDebug)
		}
		s.PollEvents(nil)
		time.Sleep(5 * time.Millisecond)
	}
	for i := range n {
		if _, r := s.SendMessageToConnection(conn, []byte("msg"+strconv.Itoa(i)), engine.SendReliable); r != engine.ResultOK {
			t.Fatalf("send: %v", r)
		}
	}
	got := 0
	for got < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d echoes", got, n)
		}
		for _, m := range s.ReceiveMessagesOnConnection(conn, 32) {
			if string(m.Data) != "msg"+strconv.Itoa(got) {
				t.Fatalf("echo %d is %q", got, m.Data)
			}
			got++
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func nsFakeIPServer(t *testing.T, ctx context.Context, stdin *nstest.Stdin) {
	n, s := childPlayer(t, ctx, 0)
	if !s.BeginAsyncRequestFakeIP(2) {
		t.Fatal("BeginAsyncRequestFakeIP refused")
	}
	var res engine.FakeIPResult
	for res.Result == 0 {
		for _, ev := range s.PollEvents(nil) {
			if r, ok := ev.(*engine.FakeIPResult); ok {
				res = *r
			}
		}
		if ctx.Err() != nil {
			t.Fatal("no FakeIP result")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if res.Result != engine.ResultOK {
		t.Fatalf("FakeIP result %v", res.Result)
	}
	if _, err := s.CreateListenSocketP2PFakeIP(0, nil); err != nil {
		t.Fatal(err)
	}
	udp, err := s.CreateFakeUDPPort(1)
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := n.Identity()
	nstest.Report("IDENTITY", id)
	nstest.Report("FAKEIP0", fakeAddr(res, 0).String())
	nstest.Report("FAKEIP1", fakeAddr(res, 1).String())
	serveEcho(t, s, udp, stdin)
}

func nsFakeIPClient(t *testing.T, ctx context.Context) {
	_, s := childPlayer(t, ctx, 0)
	target := netip.MustParseAddrPort(os.Getenv("FAKEIP0"))
	conn, err := s.ConnectByIPAddress(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	echoCheck(t, s, conn, 20)
	info, _ := s.ConnectionInfo(conn)
	nstest.Report("PEER", info.Identity.String())
	if ap, typ, res := s.RemoteFakeIP(conn); res != engine.ResultOK || typ != fakeip.TypeGlobal || ap != target {
		t.Fatalf("RemoteFakeIP %v %v %v", ap, typ, res)
	}
	nstest.Report("CONN_OK", "1")

	udpTarget := netip.MustParseAddrPort(os.Getenv("FAKEIP1"))
	port, err := s.CreateFakeUDPPort(-1)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if ctx.Err() != nil {
			t.Fatal("no fake UDP echo")
		}
		if r := port.SendTo(udpTarget, []byte("dgram"), 0); r != engine.ResultOK {
			t.Fatalf("SendTo: %v", r)
		}
		time.Sleep(20 * time.Millisecond)
		for _, m := range port.Receive(8) {
			if string(m.Data) == "echo:dgram" && m.From == udpTarget {
				nstest.Report("UDP_OK", "1")
				return
			}
			t.Fatalf("unexpected datagram %q from %v", m.Data, m.From)
		}
	}
}

func nsHostedServer(t *testing.T, ctx context.Context, stdin *nstest.Stdin) {
	port, ok := engine.HostedDedicatedServerPort()
	if !ok {
		t.Fatal("SDR_LISTEN_PORT not set")
	}
	n, s := childPlayer(t, ctx, int(port))
	if _, err := s.CreateHostedDedicatedServerListenSocket(0, nil); err != nil {
		t.Fatal(err)
	}
	if c, err := net.ListenPacket("udp4", os.Getenv("HOST_IP")+":"+strconv.Itoa(int(port))); err == nil {
		c.Close()
		t.Fatalf("SDR_LISTEN_PORT %d is not held by the P2P transport", port)
	}
	for {
		addr, _, res := s.HostedDedicatedServerAddress()
		if res == engine.ResultOK {
			nstest.Report("ADDR", addr.String())
			break
		}
		if res != engine.ResultPending || ctx.Err() != nil {
			t.Fatalf("registration: %v", res)
		}
		time.Sleep(5 * time.Millisecond)
	}
	id, _, _ := n.Identity()
	nstest.Report("STEAMID", strconv.FormatUint(id, 10))
	serveEcho(t, s, nil, stdin)
}

func nsHostedClient(t *testing.T, ctx context.Context) {
	_, s := childPlayer(t, ctx, 0)
	id, err := strconv.ParseUint(os.Getenv("SERVER_STEAMID"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := s.ConnectToHostedDedicatedServer(engine.SteamIDIdentity(id), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	echoCheck(t, s, conn, 20)
	info, _ := s.ConnectionInfo(conn)
	if info.Flags&engine.InfoFlagRelayed == 0 || info.RemoteAddr.IsValid() {
		t.Fatalf("hosted connection not through the relay: flags %#x remote %v", info.Flags, info.RemoteAddr)
	}
	nstest.Report("HOSTED_OK", "1")
}

// TestNetnsFakeIPConnectAndFakeUDPPort: a server in one namespace takes a
// FakeIP with two ports (a listen socket and a fake UDP port); a client in
// another connects to FakeIP:port0 with ConnectByIPAddress and exchanges
// messages, then reaches FakeIP:port1 from a fake UDP client port.
func TestNetnsFakeIPConnectAndFakeUDPPort(t *testing.T) {
	nstest.Skip(t)
	if nstest.Role() != "" {
		t.Skip("parent test")
	}
	nt := nstest.New(t, 2, "10.231.92")
	svc := nt.Start(t, nt.Hub, "TestNetnsChild", "service", "LISTEN="+nt.HubIP+":0")
	addr := svc.Want("ADDR", 30*time.Second)
	server := nt.Start(t, nt.Hosts[0], "TestNetnsChild", "fakeip-server", "SERVICE="+addr)
	f0 := server.Want("FAKEIP0", 30*time.Second)
	f1 := server.Want("FAKEIP1", time.Second)
	id := server.Want("IDENTITY", time.Second)
	client := nt.Start(t, nt.Hosts[1], "TestNetnsChild", "fakeip-client", "SERVICE="+addr, "FAKEIP0="+f0, "FAKEIP1="+f1)
	client.Want("CONN_OK", 60*time.Second)
	if peer := client.Want("PEER", time.Second); peer != id {
		t.Fatalf("connected to %s, FakeIP owner is %s", peer, id)
	}
	client.Want("UDP_OK", 60*time.Second)
	client.Wait(30 * time.Second)
	server.Send("done")
	svc.Send("done")
	server.Wait(30 * time.Second)
	svc.Wait(30 * time.Second)
}

// TestNetnsHostedServerByIdentity: a hosted dedicated server
// (SDR_LISTEN_PORT) in one namespace registers with the service in the
// hub; a client in another reaches it by SteamID through the relay with a
// ticket from the service.
func TestNetnsHostedServerByIdentity(t *testing.T) {
	nstest.Skip(t)
	if nstest.Role() != "" {
		t.Skip("parent test")
	}
	nt := nstest.New(t, 2, "10.231.93")
	svc := nt.Start(t, nt.Hub, "TestNetnsChild", "service", "LISTEN="+nt.HubIP+":0")
	addr := svc.Want("ADDR", 30*time.Second)
	server := nt.Start(t, nt.Hosts[0], "TestNetnsChild", "hosted-server", "SERVICE="+addr, engine.EnvSDRListenPort+"=27015", "HOST_IP="+nt.IPs[0])
	if reg := server.Want("ADDR", 30*time.Second); reg != nt.IPs[0]+":27015" {
		t.Fatalf("server registered as %s, want %s:27015", reg, nt.IPs[0])
	}
	sid := server.Want("STEAMID", time.Second)
	client := nt.Start(t, nt.Hosts[1], "TestNetnsChild", "hosted-client", "SERVICE="+addr, "SERVER_STEAMID="+sid)
	client.Want("HOSTED_OK", 60*time.Second)
	client.Wait(30 * time.Second)
	server.Send("done")
	svc.Send("done")
	server.Wait(30 * time.Second)
	svc.Wait(30 * time.Second)
}
