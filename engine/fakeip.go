package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/fakeip"
)

// FakeIP (BeginAsyncRequestFakeIP, GetFakeIP, CreateListenSocketP2PFakeIP,
// ConnectByIPAddress to a FakeIP, GetRemoteFakeIPForConnection).
//
// A FakeIP is an IPv4 address from 169.254.0.0/16 that stands for an
// identity (engine/p2p/fakeip has the address plan). The rendezvous service
// allocates global FakeIPs; the P2P backend reaches it through the optional
// FakeIPBackend interface. A FakeIP listen socket is a P2P listen socket on
// the virtual port fakeip.VirtualPortForIndex(i), and connecting to a
// FakeIP:port resolves the owner through the service, then runs the normal
// P2P connection (signaling, ICE, certificates) to that virtual port. Until
// the owner is known, the connection's identity is the FakeIP address
// (IdentityIPAddress); afterwards it is the owner's SteamID, as in GNS.

// More EResult values used by FakeIP and hosted servers.
const (
	ResultAccessDenied Result = 15
	ResultNotLoggedOn  Result = 21
	ResultPending      Result = 22
)

// FakeIPBackend is implemented by P2P backends whose rendezvous service
// allocates FakeIPs (engine/p2p's backend does). Errors carrying an EResult
// should be *ResultError.
type FakeIPBackend interface {
	// RequestFakeIP asks for our global FakeIP with nPorts ports; it waits
	// for the login and retries until ctx ends.
	RequestFakeIP(ctx context.Context, nPorts int) (ip uint32, ports []uint16, err error)
	// LookupFakeIP resolves a global FakeIP:port (port 0: any) to the
	// owner's identity and fake port index (-1 for port 0).
	LookupFakeIP(ctx context.Context, addr netip.AddrPort) (owner Identity, portIndex int, err error)
}

// FakeIPWatcher is optionally implemented by a FakeIPBackend that renews
// the FakeIP after reconnecting to its service: f is called when the
// address or ports changed (a restarted service allocates anew), and the
// engine posts a new *FakeIPResult.
type FakeIPWatcher interface {
	WatchFakeIP(f func(ip uint32, ports []uint16))
}

// ResultError is an error with an EResult.
type ResultError struct {
	Result Result
	Msg    string
}

func (e *ResultError) Error() string { return fmt.Sprintf("%s (EResult %d)", e.Msg, e.Result) }

// resultOf maps an error to an EResult (def for errors without one).
func resultOf(err error, def Result) Result {
	var re *ResultError
	switch {
	case err == nil:
		return ResultOK
	case errors.As(err, &re):
		return re.Result
	case errors.Is(err, context.DeadlineExceeded):
		return ResultTimeout
	}
	return def
}

// FakeIPRequestTimeout bounds one BeginAsyncRequestFakeIP: the request is
// retried across service reconnects until then, and then reported failed
// (Steam also retries for a long time before reporting failure).
var FakeIPRequestTimeout = 60 * time.Second

// fakeState is the Sockets' FakeIP side.
type fakeState struct {
	mu        sync.Mutex
	pending   bool
	requested int  // ports asked for by the last BeginAsyncRequestFakeIP (0: never)
	done      bool // result holds a finished request
	result    FakeIPResult
	local     *fakeip.Local
	udpPorts  map[int]*FakeUDPPort // server ports by index
	ephemeral uint32               // last client-port tag
	hosted    hostedState          // hosted.go
}

func (f *fakeState) localAlloc() *fakeip.Local {
	if f.local == nil {
		f.local = fakeip.NewLocal(0)
	}
	return f.local
}

// p2pFake is a P2P connection's FakeIP side (in p2pConn.fake).
type p2pFake struct {
	// remote is the peer's FakeIP and port: the global one we dialled or
	// that the peer proved it owns, else a local one (see RemoteFakeIP).
	remote     netip.AddrPort
	remoteType fakeip.Type
	// viaFakeIP: made through the FakeIP system (dialled a FakeIP,
	// accepted on a FakeIP listen socket or fake UDP port).
	viaFakeIP bool
	// fromFakeIP is our FakeIP:port sent as from_fakeip (dialer).
	fromFakeIP string
	// claim is the peer's from_fakeip (acceptor), checked by the backend.
	claim string
	// localTag distinguishes the peer's ports in the local allocation.
	localTag uint32
	// hostedTicket is sent to a hosted server (hosted.go).
	hostedTicket []byte
	// forceRelay keeps the path on the TURN relay (hosted servers).
	forceRelay bool
	// hidden connections post no events (fake UDP ports).
	hidden bool
	// fromVPort overrides LocalVirtualPort as from_virtual_port.
	fromVPort    int
	fromVPortSet bool
}

func (s *sockets) fakeIPBackend() (FakeIPBackend, bool) {
	fb, ok := s.p2p.get().(FakeIPBackend)
	return fb, ok
}

// BeginAsyncRequestFakeIP starts allocating our global FakeIP with nPorts
// ports (1..4). False if a request is already in progress or no P2P backend
// with a FakeIP-capable rendezvous service is installed; otherwise true,
// and a *FakeIPResult event follows (at once for a bad nPorts:
// ResultInvalidParam).
func (s *Sockets) BeginAsyncRequestFakeIP(nPorts int) bool { return s.impl.beginFakeIP(nPorts) }

func (s *sockets) beginFakeIP(nPorts int) bool {
	fb, ok := s.fakeIPBackend()
	if !ok {
		return false
	}
	id := s.identity()
	f := &s.fake
	f.mu.Lock()
	if f.pending {
		f.mu.Unlock()
		return false
	}
	if nPorts < 1 || nPorts > fakeip.MaxPortsPerRequest {
		f.done = true
		f.result = FakeIPResult{Result: ResultInvalidParam, Identity: id}
		res := f.result
		f.mu.Unlock()
		s.postFakeIPResult(res)
		return true
	}
	f.pending = true
	f.requested = nPorts
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.p2pContext(), FakeIPRequestTimeout)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		ip, ports, err := fb.RequestFakeIP(ctx, nPorts)
		res := FakeIPResult{Result: resultOf(err, ResultFail), Identity: s.identity()}
		if err == nil {
			if fakeip.ClassifyUint32(ip) != fakeip.TypeGlobal || len(ports) != nPorts {
				res.Result = ResultFail
				s.logf("engine: the rendezvous service answered the FakeIP request with %s and %d ports; ignoring it", fakeip.Format(ip), len(ports))
			} else {
				res.IP = ip
				copy(res.Ports[:], ports)
			}
		} else {
			s.logf("engine: FakeIP request failed: %v", err)
		}
		f.mu.Lock()
		f.pending = false
		f.done = true
		f.result = res
		f.mu.Unlock()
		if w, ok := fb.(FakeIPWatcher); ok && res.Result == ResultOK {
			w.WatchFakeIP(s.fakeIPRenewed)
		}
		if ctx.Err() != nil && s.p2pContext().Err() != nil {
			return // Sockets closed: nobody polls events any more
		}
		s.postFakeIPResult(res)
	}()
	return true
}

// fakeIPRenewed takes a renewed FakeIP (FakeIPWatcher) and tells the game.
func (s *sockets) fakeIPRenewed(ip uint32, ports []uint16) {
	if fakeip.ClassifyUint32(ip) != fakeip.TypeGlobal || len(ports) > fakeip.ResultPorts {
		return
	}
	res := FakeIPResult{Result: ResultOK, Identity: s.identity(), IP: ip}
	f := &s.fake
	f.mu.Lock()
	if !f.done || f.result.Result != ResultOK {
		f.mu.Unlock()
		return
	}
	copy(res.Ports[:], ports)
	f.result = res
	f.mu.Unlock()
	s.logf("engine: our FakeIP changed to %s after reconnecting to the rendezvous service", fakeip.Format(ip))
	s.postFakeIPResult(res)
}

func (s *sockets) postFakeIPResult(res FakeIPResult) {
	r := res
	s.events.post(&r)
	s.act.signal()
}

// GetFakeIP reports our FakeIP (GetFakeIP): ResultBusy while a request is
// pending, ResultNoMatch before any request, ResultInvalidParam unless
// firstPort is 0, ResultDisabled without a FakeIP-capable backend, else the
// request's result.
func (s *Sockets) GetFakeIP(firstPort int) FakeIPResult { return s.impl.getFakeIP(firstPort) }

func (s *sockets) getFakeIP(firstPort int) FakeIPResult {
	id := s.identity()
	if firstPort != 0 {
		return FakeIPResult{Result: ResultInvalidParam, Identity: id}
	}
	f := &s.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.pending:
		return FakeIPResult{Result: ResultBusy, Identity: id}
	case f.done:
		r := f.result
		r.Identity = id
		return r
	}
	if _, ok := s.fakeIPBackend(); !ok {
		return FakeIPResult{Result: ResultDisabled, Identity: id}
	}
	return FakeIPResult{Result: ResultNoMatch, Identity: id}
}

// resetFakeIP forgets our FakeIP and closes the fake UDP server ports
// (ResetIdentity: they belonged to the old identity). A request still in
// flight reports its result as usual.
func (s *sockets) resetFakeIP() {
	f := &s.fake
	f.mu.Lock()
	ports := make([]*FakeUDPPort, 0, len(f.udpPorts))
	for _, p := range f.udpPorts {
		ports = append(ports, p)
	}
	f.done, f.result = false, FakeIPResult{}
	if !f.pending {
		f.requested = 0
	}
	f.mu.Unlock()
	for _, p := range ports {
		p.Close()
	}
}

// ourFakeIP returns our global FakeIP and the port at index idx, if
// allocated.
func (s *sockets) ourFakeIP(idx int) (netip.AddrPort, bool) {
	f := &s.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done || f.result.Result != ResultOK || idx < 0 || idx >= len(f.result.Ports) || f.result.Ports[idx] == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(fakeip.FromUint32(f.result.IP), f.result.Ports[idx]), true
}

// CreateListenSocketP2PFakeIP listens for connections to our FakeIP's port
// at index fakePort (0..n-1 for the n ports of the last
// BeginAsyncRequestFakeIP; the request need not have finished). Peers
// connect with ConnectByIPAddress(fakeip:port).
func (s *Sockets) CreateListenSocketP2PFakeIP(fakePort int, opts []ConfigOption) (Handle, error) {
	return s.impl.createListenSocketP2PFakeIP(fakePort, opts)
}

func (s *sockets) createListenSocketP2PFakeIP(idx int, opts []ConfigOption) (Handle, error) {
	s.fake.mu.Lock()
	requested := s.fake.requested
	s.fake.mu.Unlock()
	if idx < 0 || idx >= requested {
		if requested == 0 {
			return InvalidHandle, errors.New("engine: call BeginAsyncRequestFakeIP before creating a FakeIP listen socket")
		}
		return InvalidHandle, fmt.Errorf("engine: fake port index %d out of range: %d port(s) were requested", idx, requested)
	}
	h, _, err := s.listenP2P(fakeip.VirtualPortForIndex(idx), opts, nil)
	return h, err
}

// connectFakeIP is ConnectByIPAddress to a global FakeIP (with a
// FakeIP-capable backend): a P2P connection whose target is resolved
// through the service first.
func (s *sockets) connectFakeIP(addr netip.AddrPort, set configSet) (Handle, error) {
	fb, ok := s.fakeIPBackend()
	if !ok {
		return InvalidHandle, fmt.Errorf("engine: %s is a FakeIP: connecting to it needs a P2P backend with a rendezvous service that allocates FakeIPs", addr)
	}
	if our, ok := s.ourFakeIP(0); ok && our.Addr() == addr.Addr() {
		return InvalidHandle, errors.New("engine: cannot connect to our own FakeIP (use CreateSocketPair)")
	}
	extra := &p2pFake{remote: addr, remoteType: fakeip.TypeGlobal, viaFakeIP: true}
	if our, ok := s.ourFakeIP(0); ok {
		extra.fromFakeIP = our.String()
	}
	resolve := func(ctx context.Context, _ *conn) (Identity, int, error) {
		owner, idx, err := fb.LookupFakeIP(ctx, addr)
		if err != nil {
			return Identity{}, 0, &EndError{Reason: EndMiscP2PRendezvous, Msg: fmt.Sprintf("FakeIP %s: %v", addr, err)}
		}
		if owner.Type != IdentitySteamID || idx < 0 {
			return Identity{}, 0, &EndError{Reason: EndMiscP2PRendezvous, Msg: fmt.Sprintf("FakeIP %s: the service answered with %s port %d", addr, owner, idx)}
		}
		return owner, fakeip.VirtualPortForIndex(idx), nil
	}
	return s.startP2PConn(IPIdentity(addr), set, extra, resolve)
}

// RemoteFakeIP is GetRemoteFakeIPForConnection: the peer's global FakeIP
// if it had one (we dialled it, or it proved it owns the one it sent),
// otherwise a locally unique FakeIP for connections made through the
// FakeIP system. ResultInvalidParam for a bad handle, ResultIPNotFound for
// connections not made through FakeIP.
func (s *Sockets) RemoteFakeIP(conn Handle) (netip.AddrPort, fakeip.Type, Result) {
	return s.impl.remoteFakeIP(conn)
}

func (s *sockets) remoteFakeIP(h Handle) (netip.AddrPort, fakeip.Type, Result) {
	c := s.lookupConn(h)
	if c == nil {
		return netip.AddrPort{}, fakeip.TypeInvalid, ResultInvalidParam
	}
	c.lock()
	var fk p2pFake
	if c.p2p != nil && c.p2p.fake != nil {
		fk = *c.p2p.fake
	}
	remote := c.remoteIdentity
	c.unlock()
	switch {
	case fk.remoteType == fakeip.TypeGlobal && fk.remote.IsValid():
		return fk.remote, fakeip.TypeGlobal, ResultOK
	case fk.viaFakeIP:
		s.fake.mu.Lock()
		ap := s.fake.localAlloc().Assign(remote.String(), fk.localTag)
		s.fake.mu.Unlock()
		return ap, fakeip.TypeLocal, ResultOK
	}
	return netip.AddrPort{}, fakeip.TypeInvalid, ResultIPNotFound
}

// fakeOnRequestLocked runs for an incoming P2P request on listen socket ls
// after the certificate checked out: FakeIP bookkeeping, hosted-server
// tickets and fake UDP port adoption. A non-zero reason rejects it.
func (s *sockets) fakeOnRequestLocked(ls *listenSocket, c *conn, req *P2PRequest) (int, string) {
	if ls.hosted {
		if reason, msg := s.checkHostedTicket(c.p2p.backend, ls, req); reason != 0 {
			return reason, msg
		}
	}
	if _, ok := fakeip.IndexForVirtualPort(ls.vport); ok {
		fk := &p2pFake{viaFakeIP: true, claim: req.FromFakeIP}
		fk.localTag = uint32(req.FromVirtualPort)
		if claim, err := netip.ParseAddrPort(req.FromFakeIP); err == nil && fakeip.Classify(claim.Addr()) == fakeip.TypeGlobal {
			// The backend checked the claim with the service before
			// delivering the request (VerifiedFromFakeIP); trust it.
			if req.FromFakeIPVerified {
				fk.remote, fk.remoteType = claim, fakeip.TypeGlobal
			}
		}
		c.p2p.fake = fk
	}
	if ls.fakeUDP != nil {
		if ls.fakeUDP.full() {
			return EndMiscGeneric, "Fake UDP port has too many peers"
		}
		c.suppressEvents = true
	}
	return 0, ""
}

// fakeAfterRequestLocked runs once the request became a connection:
// fake UDP ports accept at once and adopt it.
func (s *sockets) fakeAfterRequestLocked(ls *listenSocket, c *conn, now int64) {
	if ls.fakeUDP == nil {
		return
	}
	if r := c.acceptP2PLocked(now); r != ResultOK {
		return
	}
	ls.fakeUDP.adopt(c.id)
}
