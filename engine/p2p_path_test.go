package engine

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// fakeBackend is a P2PBackend without a network: requests are injected,
// certificates "verify" when they equal goodCert, dials fail.
type fakeBackend struct {
	requests chan *P2PRequest
	goodCert []byte
}

func (f *fakeBackend) LocalIdentity() (Identity, bool) {
	return SteamIDIdentity(76561198000000001), true
}
func (f *fakeBackend) WaitReady(ctx context.Context) error { return nil }
func (f *fakeBackend) Credentials() ([]byte, ed25519.PrivateKey, bool) {
	return nil, nil, false
}
func (f *fakeBackend) VerifyPeerCert(cert []byte, expect Identity) error {
	if string(cert) == string(f.goodCert) {
		return nil
	}
	return &EndError{Reason: EndRemoteBadCert, Msg: "Bad cert: not ours"}
}
func (f *fakeBackend) Dial(ctx context.Context, remote Identity, p P2PDialParams) (P2PPath, error) {
	return nil, &EndError{Reason: EndMiscP2PRendezvous, Msg: "offline"}
}
func (f *fakeBackend) Accept(ctx context.Context) (*P2PRequest, error) {
	select {
	case r := <-f.requests:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// recordedAnswer remembers how a request was answered.
type recordedAnswer struct {
	mu     sync.Mutex
	reason int
	debug  string
	done   chan struct{}
}

func (a *recordedAnswer) Accept(ctx context.Context, p P2PAcceptParams) (P2PPath, error) {
	return nil, errors.New("not expected")
}

func (a *recordedAnswer) Reject(reason int, debug string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reason == 0 {
		a.reason, a.debug = reason, debug
		close(a.done)
	}
}

// Hostile or mistaken connect requests arriving through the backend are
// refused with a reason (the peer hears it through signaling), never
// create a connection and never panic.
func TestP2PRequestsRefusedWithReasons(t *testing.T) {
	b := &fakeBackend{requests: make(chan *P2PRequest), goodCert: []byte("good cert")}
	n := newNode(t, Options{})
	if err := n.s.SetP2PBackend(b); err != nil {
		t.Fatal(err)
	}
	if _, err := n.s.CreateListenSocketP2P(4, nil); err != nil {
		t.Fatal(err)
	}
	peer := SteamIDIdentity(76561198000000002)
	cases := []struct {
		name string
		req  P2PRequest
		want int
	}{
		{"no listen socket on the port", P2PRequest{From: peer, RemoteConnID: 5, ToVirtualPort: 9, Cert: b.goodCert}, EndMiscGeneric},
		{"no connection ID", P2PRequest{From: peer, ToVirtualPort: 4, Cert: b.goodCert}, EndMiscGeneric},
		{"no certificate", P2PRequest{From: peer, RemoteConnID: 5, ToVirtualPort: 4}, EndRemoteBadCrypt},
		{"untrusted certificate", P2PRequest{From: peer, RemoteConnID: 5, ToVirtualPort: 4, Cert: []byte("forged"), Crypt: []byte{1}}, EndRemoteBadCert},
		{"garbage certificate bytes", P2PRequest{From: peer, RemoteConnID: 5, ToVirtualPort: 4, Cert: b.goodCert, Crypt: []byte{0xff, 0xff, 0xff}}, EndRemoteBadCert},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &recordedAnswer{done: make(chan struct{})}
			req := c.req
			req.Answer = a
			b.requests <- &req
			select {
			case <-a.done:
			case <-time.After(5 * time.Second):
				t.Fatal("request neither accepted nor rejected")
			}
			if a.reason != c.want {
				t.Fatalf("rejected with %d %q, want %d", a.reason, a.debug, c.want)
			}
			if evs := n.s.PollEvents(nil); len(evs) != 0 {
				t.Fatalf("a refused request posted events: %+v", evs)
			}
		})
	}
	// Without credentials a dial fails with the backend's reason, as a
	// connection state change (not a panic or a hang).
	h, err := n.s.ConnectP2P(peer, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := n.waitState(h, StateProblemDetectedLocally, 10*time.Second)
	if ev.Info.EndReason != EndMiscP2PRendezvous {
		t.Fatalf("dial without credentials ended with %d %q", ev.Info.EndReason, ev.Info.EndDebug)
	}
	// Bad arguments fail at once.
	if _, err := n.s.ConnectP2P(IPIdentity(netip.MustParseAddrPort("127.0.0.1:1")), 4, nil); err == nil {
		t.Error("ConnectP2P to an IP identity succeeded")
	}
	if _, err := n.s.CreateListenSocketP2P(4, nil); err == nil {
		t.Error("a second listen socket on the same virtual port succeeded")
	}
	if _, err := n.s.CreateListenSocketP2P(70000, nil); err == nil {
		t.Error("virtual port 70000 accepted")
	}
}
