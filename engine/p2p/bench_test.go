package p2p_test

import (
	"net/netip"
	"testing"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/rendezvous"
)

// BenchmarkReliableTransfer compares a reliable bulk transfer (64 KiB
// messages) over a direct P2P connection (ICE path on loopback) with the
// same transfer over a plain IP connection between the same two engines:
// the P2P path adds only the ICE transport.
//
//	go test -run '^$' -bench ReliableTransfer -benchtime 400x ./engine/p2p/
func BenchmarkReliableTransfer(b *testing.B) {
	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	fast := []engine.ConfigOption{
		engine.Int32Option(engine.ConfigSendRateMin, 64<<20),
		engine.Int32Option(engine.ConfigSendRateMax, 64<<20),
		engine.Int32Option(engine.ConfigSendBufferSize, 16<<20),
	}
	for _, mode := range []string{"ip", "p2p"} {
		b.Run(mode, func(b *testing.B) {
			a := benchPlayer(b, srv.Addr().String())
			c := benchPlayer(b, srv.Addr().String())
			var from, to engine.Handle
			if mode == "p2p" {
				ls, err := a.s.CreateListenSocketP2P(1, fast)
				if err != nil {
					b.Fatal(err)
				}
				from, err = c.s.ConnectP2P(a.s.Identity(), 1, fast)
				if err != nil {
					b.Fatal(err)
				}
				to = benchAccept(b, a, ls)
			} else {
				ls, err := a.s.CreateListenSocketIP(netip.MustParseAddrPort("127.0.0.1:0"), fast)
				if err != nil {
					b.Fatal(err)
				}
				addr, _ := a.s.ListenSocketAddress(ls)
				from, err = c.s.ConnectByIPAddress(addr, fast)
				if err != nil {
					b.Fatal(err)
				}
				to = benchAccept(b, a, ls)
			}
			for {
				if info, _ := c.s.ConnectionInfo(from); info.State == engine.StateConnected {
					break
				}
				c.s.PollEvents(nil)
				time.Sleep(time.Millisecond)
			}
			msg := make([]byte, 64<<10)
			b.SetBytes(int64(len(msg)))
			b.ResetTimer()
			got := 0
			sent := 0
			for got < b.N {
				for sent < b.N && sent-got < 64 {
					if _, r := c.s.SendMessageToConnection(from, msg, engine.SendReliable); r != engine.ResultOK {
						break
					}
					sent++
				}
				n := len(a.s.ReceiveMessagesOnConnection(to, 64))
				got += n
				if n == 0 {
					a.s.WaitForActivity(time.Millisecond)
				}
			}
		})
	}
}

type benchP struct {
	node *p2p.Node
	s    *engine.Sockets
}

func benchPlayer(b *testing.B, service string) *benchP {
	n, err := p2p.Start(p2p.Config{Service: service, IncludeLoopback: true, InterfaceFilter: func(name string) bool { return name == "lo" }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(n.Close)
	s := engine.NewSockets(engine.Options{})
	b.Cleanup(s.Close)
	if err := s.SetP2PBackend(n.EngineBackend()); err != nil {
		b.Fatal(err)
	}
	for s.Identity().Type != engine.IdentitySteamID {
		time.Sleep(time.Millisecond)
	}
	return &benchP{node: n, s: s}
}

func benchAccept(b *testing.B, p *benchP, ls engine.Handle) engine.Handle {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range p.s.PollEvents(nil) {
			if ev, ok := ev.(*engine.ConnectionStatusChanged); ok && ev.Info.ListenSocket == ls && ev.Info.State == engine.StateConnecting {
				p.s.AcceptConnection(ev.Conn)
				return ev.Conn
			}
		}
		time.Sleep(time.Millisecond)
	}
	b.Fatal("no incoming connection")
	return 0
}
