// Package ice is the P2P datagram transport: it runs GNS's custom-signaling
// rendezvous (CMsgSteamNetworkingP2PRendezvous blobs: connect_request,
// connect_ok, connection_closed and the reliable ICE message stream) over
// any signaling channel, and ICE (pion/ice) with host, server-reflexive and
// relay candidates, and yields a packet connection between two identities
// over which the engine runs the normal GNS data protocol.
//
// Roles follow GNS: the acceptor is the controlling ICE agent; the local
// ufrag is 5 characters derived from the local connection ID; the remote
// ufrag is derived from the peer's connection ID; the password travels as
// auth.pwd_frag in the reliable stream; candidates travel as RFC 5245
// "candidate:" strings.
//
// In relay-only mode (Config.RelayOnly) only relay candidates are gathered
// and sent, and the peer's non-relay candidates are ignored, so neither side
// learns the other's address: every packet goes through the TURN relay.
package ice

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	pice "github.com/pion/ice/v4"

	"godotsteam-sockets/engine/p2p/sigmsg"
	"godotsteam-sockets/engine/p2p/signaling"
)

// End reasons (ESteamNetConnectionEnd) this package reports.
const (
	EndMiscGeneric         = 5001
	EndMiscTimeout         = 5003
	EndMiscP2PRendezvous   = 5008 // no answer through signaling
	EndMiscP2PNATFirewall  = 5009 // answered, but ICE found no working path
	EndLocalNetworkConfig  = 3004
	EndAppGeneric          = 1000
	EndMiscInternalError   = 5002
	EndRemoteBadCert       = 4003
	EndMiscPeerSentNoConn  = 5010
	defaultConnectTimeout  = 15 * time.Second
	defaultMaxPending      = 64
	maxBufferedCandidates  = 64
	maxReliablePerSignal   = 800 // bytes of reliable messages per signal, as GNS
	connectRequestInterval = 500 * time.Millisecond
	reliableRetransmit     = time.Second
	minSignalSpacing       = 100 * time.Millisecond
)

// Signaler sends an opaque blob to an identity, best effort.
// *signaling.Client implements it.
type Signaler interface {
	SendSignal(to string, data []byte) error
}

// Config configures a Transport.
type Config struct {
	// LocalIdentity is our identity ("steamid:<n>") as the signaling service
	// knows it; it goes into from_identity.
	LocalIdentity string
	// ICEServers are the STUN/TURN servers (signaling.Session.ICEServers).
	ICEServers []signaling.ICEServer
	// RelayOnly gathers only relay candidates and ignores the peer's other
	// candidates: peers never learn each other's address.
	RelayOnly bool
	// IncludeLoopback offers 127.0.0.1 host candidates (same-machine tests).
	IncludeLoopback bool
	// InterfaceFilter limits host candidates to some interfaces.
	InterfaceFilter func(name string) bool
	// ListenPort, if set, puts every host candidate on this one UDP port
	// (a hosted dedicated server's SDR_LISTEN_PORT; mux.go).
	ListenPort int
	// UDP6 also gathers IPv6 candidates (default: IPv4 only).
	UDP6 bool
	// ConnectTimeout bounds Dial and Accept when the context has no deadline
	// (default 15 s).
	ConnectTimeout time.Duration
	// MaxPendingIncoming bounds connect requests waiting for Accept
	// (default 64); more are dropped and counted.
	MaxPendingIncoming int
	// Logf receives diagnostics (optional).
	Logf func(format string, args ...any)
}

// Stats counts what the transport refused or dropped.
type Stats struct {
	SignalsIn         int64
	SignalsOut        int64
	Malformed         int64 // undecodable signals
	Spoofed           int64 // from_identity differs from the service-authenticated sender
	Unroutable        int64 // for a connection we do not have
	IncomingDropped   int64 // connect requests over MaxPendingIncoming
	CandidatesIgnored int64 // non-relay candidates in relay-only mode, or unparsable
}

type stats struct {
	in, out, malformed, spoofed, unroutable, dropped, ignored atomic.Int64
}

// Transport owns all P2P sessions of one local identity.
type Transport struct {
	cfg Config
	sig Signaler
	st  stats

	mu       sync.Mutex
	byLocal  map[uint32]*session // by our connection ID
	byRemote map[remoteKey]*session
	incoming chan *Incoming
	closed   bool
	done     chan struct{}
	wg       sync.WaitGroup
	mux      pice.UDPMux // ListenPort's sockets (nil without)
}

type remoteKey struct {
	identity string
	connID   uint32
}

// NewTransport creates a transport. Feed every received signal to
// HandleSignal (and no-peer notices to HandleNoPeer).
func NewTransport(cfg Config, sig Signaler) (*Transport, error) {
	if cfg.LocalIdentity == "" {
		return nil, errors.New("ice: Config.LocalIdentity is required (log in to the rendezvous service first)")
	}
	if sig == nil {
		return nil, errors.New("ice: a Signaler is required")
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.MaxPendingIncoming <= 0 {
		cfg.MaxPendingIncoming = defaultMaxPending
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if _, err := iceURLs(cfg.ICEServers); err != nil {
		return nil, err
	}
	if cfg.RelayOnly && !hasTURN(cfg.ICEServers) {
		return nil, errors.New("ice: relay-only mode needs at least one TURN server with credentials")
	}
	mux, err := newListenMux(&cfg)
	if err != nil {
		return nil, err
	}
	return &Transport{
		cfg: cfg, sig: sig,
		byLocal:  map[uint32]*session{},
		byRemote: map[remoteKey]*session{},
		incoming: make(chan *Incoming, cfg.MaxPendingIncoming),
		done:     make(chan struct{}),
		mux:      mux,
	}, nil
}

// LocalIdentity is the identity this transport signals as.
func (t *Transport) LocalIdentity() string { return t.cfg.LocalIdentity }

// SetICEServers replaces the STUN/TURN servers used by connections
// started from now on (fresh TURN credentials after a re-login).
func (t *Transport) SetICEServers(servers []signaling.ICEServer) error {
	if _, err := iceURLs(servers); err != nil {
		return err
	}
	t.mu.Lock()
	t.cfg.ICEServers = append([]signaling.ICEServer(nil), servers...)
	t.mu.Unlock()
	return nil
}

// Stats returns the counters.
func (t *Transport) Stats() Stats {
	return Stats{SignalsIn: t.st.in.Load(), SignalsOut: t.st.out.Load(), Malformed: t.st.malformed.Load(),
		Spoofed: t.st.spoofed.Load(), Unroutable: t.st.unroutable.Load(), IncomingDropped: t.st.dropped.Load(),
		CandidatesIgnored: t.st.ignored.Load()}
}

// Close ends every session (peers get connection_closed) and waits for the
// transport's goroutines.
func (t *Transport) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		t.wg.Wait()
		return
	}
	t.closed = true
	close(t.done)
	var all []*session
	for _, s := range t.byLocal {
		all = append(all, s)
	}
	for _, s := range t.byRemote {
		if s.localID == 0 {
			all = append(all, s)
		}
	}
	t.mu.Unlock()
	for _, s := range all {
		s.close(EndMiscGeneric, "P2P transport closed", true)
	}
	t.wg.Wait()
	if t.mux != nil {
		_ = t.mux.Close()
	}
}

// DialParams describe an outgoing connection.
type DialParams struct {
	// LocalConnID is our connection ID (the engine's); 0 picks a random one.
	LocalConnID uint32
	// ToVirtualPort is the remote listen socket's virtual port.
	ToVirtualPort int
	// FromVirtualPort is our local virtual port (-1 = none).
	FromVirtualPort int
	// Crypt and Cert are the serialized CMsgSteamDatagramSessionCryptInfoSigned
	// and CMsgSteamDatagramCertificateSigned the engine would put in a UDP
	// ConnectRequest; they travel in connect_request.
	Crypt, Cert []byte
	// RelayOnly makes this connection use relay candidates only, even if
	// the transport allows direct paths (P2P_Transport_ICE_Enable = Relay).
	RelayOnly bool
	// OnAnswered, if set, is called once when the peer's connect_ok
	// arrives, before ICE finishes (the engine enters FindingRoute). It
	// runs on the signaling goroutine: do not block.
	OnAnswered func()
	// FromFakeIP is our global FakeIP:port, sent as connect_request
	// from_fakeip.
	FromFakeIP string
	// HostedTicket is a relay auth ticket for a hosted dedicated server,
	// sent as hosted_server_ticket with the connect request.
	HostedTicket []byte
}

// Dial reaches `remote` through signaling and ICE. It returns when a path
// works, or an error (use EndReason on it) when the peer does not answer,
// refuses, or no path is found.
func (t *Transport) Dial(ctx context.Context, remote string, p DialParams) (*Conn, error) {
	if remote == "" || remote == t.cfg.LocalIdentity {
		return nil, &Error{Reason: EndLocalNetworkConfig, Msg: fmt.Sprintf("cannot connect P2P to %q", remote)}
	}
	ctx, cancel := t.withTimeout(ctx)
	defer cancel()
	s, err := t.newSession(true, remote, p.LocalConnID, 0)
	if err != nil {
		return nil, err
	}
	req := &sigmsg.ConnectRequest{Crypt: p.Crypt, Cert: p.Cert, ToVirtualPort: uint32(p.ToVirtualPort), HasToVPort: true}
	if p.FromVirtualPort >= 0 {
		req.FromVirtualPort, req.HasFromVPort = uint32(p.FromVirtualPort), true
	}
	req.FromFakeIP = p.FromFakeIP
	s.mu.Lock()
	s.connectReq = req
	s.hostedTicket = p.HostedTicket
	s.relayOnly = p.RelayOnly
	s.onAnswered = p.OnAnswered
	s.mu.Unlock()
	if err := s.startAgent(); err != nil {
		s.close(EndMiscInternalError, err.Error(), false)
		return nil, err
	}
	t.wg.Add(1)
	go s.signalLoop()
	return s.waitConnected(ctx)
}

// Incoming is a connect request waiting for Accept or Reject.
type Incoming struct {
	From            string // remote identity, authenticated by the signaling service
	RemoteConnID    uint32
	ToVirtualPort   int
	FromVirtualPort int // -1 if the peer sent none
	// Crypt and Cert from the peer's connect_request, for the engine to verify.
	Crypt, Cert []byte
	// FromFakeIP is the peer's claimed global FakeIP:port (unverified).
	FromFakeIP string
	// HostedTicket is the peer's relay auth ticket (hosted servers).
	HostedTicket []byte

	s    *session
	once sync.Once
}

// Accept waits for the next incoming connect request.
func (t *Transport) Accept(ctx context.Context) (*Incoming, error) {
	select {
	case in := <-t.incoming:
		return in, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.done:
		return nil, ErrClosed
	}
}

// Incoming returns the channel Accept reads (for select loops).
func (t *Transport) Incoming() <-chan *Incoming { return t.incoming }

// AcceptParams answer a connect request.
type AcceptParams struct {
	LocalConnID uint32 // 0 picks a random one
	Crypt, Cert []byte // our CryptInfoSigned and CertificateSigned, sent in connect_ok
	RelayOnly   bool   // use relay candidates only for this connection
}

// Accept answers the request with connect_ok and runs ICE (as the
// controlling agent) until a path works.
func (in *Incoming) Accept(ctx context.Context, p AcceptParams) (*Conn, error) {
	err := ErrAlreadyAnswered
	in.once.Do(func() { err = nil })
	if err != nil {
		return nil, err
	}
	t := in.s.t
	ctx, cancel := t.withTimeout(ctx)
	defer cancel()
	s := in.s
	if err := t.assignLocalID(s, p.LocalConnID); err != nil {
		s.close(EndMiscInternalError, err.Error(), false)
		return nil, err
	}
	s.mu.Lock()
	s.connectOK = &sigmsg.ConnectOK{Crypt: p.Crypt, Cert: p.Cert}
	s.relayOnly = p.RelayOnly
	s.mu.Unlock()
	if err := s.startAgent(); err != nil {
		s.close(EndMiscInternalError, err.Error(), true)
		return nil, err
	}
	t.wg.Add(1)
	go s.signalLoop()
	s.kick()
	return s.waitConnected(ctx)
}

// Reject refuses the request; the peer's Dial fails with reason.
func (in *Incoming) Reject(reason int, debug string) {
	in.once.Do(func() { in.s.close(reason, debug, true) })
}

// HandleSignal processes one blob received from the signaling service;
// from is the sender identity the service authenticated.
func (t *Transport) HandleSignal(from string, data []byte) {
	t.st.in.Add(1)
	m, err := sigmsg.Unmarshal(data)
	if err != nil {
		t.st.malformed.Add(1)
		return
	}
	if m.FromIdentity != from {
		t.st.spoofed.Add(1)
		return
	}
	if m.ToIdentity != "" && m.ToIdentity != t.cfg.LocalIdentity {
		t.st.unroutable.Add(1)
		return
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	var s *session
	if m.ToConnectionID != 0 {
		s = t.byLocal[m.ToConnectionID]
		if s != nil && s.remote != from {
			s = nil
		}
	} else {
		s = t.byRemote[remoteKey{from, m.FromConnectionID}]
	}
	if s == nil && m.ConnectRequest != nil && m.ToConnectionID == 0 && m.FromConnectionID != 0 && m.ConnectionClosed == nil {
		s = t.newIncomingLocked(from, m)
		if s == nil {
			t.mu.Unlock()
			return
		}
	}
	t.mu.Unlock()
	if s == nil {
		t.st.unroutable.Add(1)
		return
	}
	s.handle(m)
}

// HandleNoPeer fails pending dials to an identity the service does not
// know (the peer is offline).
func (t *Transport) HandleNoPeer(to string) {
	t.mu.Lock()
	var hit []*session
	for _, s := range t.byLocal {
		if s.remote == to && s.initiator && !s.isConnected() {
			hit = append(hit, s)
		}
	}
	t.mu.Unlock()
	for _, s := range hit {
		s.close(EndMiscP2PRendezvous, to+" is not logged in to the rendezvous service", false)
	}
}

func (t *Transport) newIncomingLocked(from string, m *sigmsg.Rendezvous) *session {
	if len(t.incoming) >= cap(t.incoming) {
		t.st.dropped.Add(1)
		return nil
	}
	s := newSession(t, false, from)
	s.remoteID = m.FromConnectionID
	t.byRemote[remoteKey{from, s.remoteID}] = s
	r := m.ConnectRequest
	in := &Incoming{From: from, RemoteConnID: m.FromConnectionID, ToVirtualPort: int(r.ToVirtualPort),
		FromVirtualPort: -1, Crypt: r.Crypt, Cert: r.Cert, FromFakeIP: r.FromFakeIP, HostedTicket: m.HostedServerTicket, s: s}
	if r.HasFromVPort {
		in.FromVirtualPort = int(r.FromVirtualPort)
	}
	s.incoming = in
	t.incoming <- in // cannot block: checked the room under t.mu
	return s
}

func (t *Transport) newSession(initiator bool, remote string, localID, remoteID uint32) (*session, error) {
	s := newSession(t, initiator, remote)
	s.remoteID = remoteID
	if err := t.assignLocalID(s, localID); err != nil {
		return nil, err
	}
	return s, nil
}

func (t *Transport) assignLocalID(s *session, id uint32) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if id == 0 {
		for id == 0 || t.byLocal[id] != nil {
			id = randomUint32()
		}
	} else if t.byLocal[id] != nil {
		return fmt.Errorf("ice: connection ID %08x already in use", id)
	}
	s.mu.Lock()
	s.localID = id
	s.mu.Unlock()
	t.byLocal[id] = s
	return nil
}

func (t *Transport) forget(s *session) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byLocal[s.localID] == s {
		delete(t.byLocal, s.localID)
	}
	k := remoteKey{s.remote, s.remoteID}
	if t.byRemote[k] == s {
		delete(t.byRemote, k)
	}
}

func (t *Transport) indexRemote(s *session) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.byRemote[remoteKey{s.remote, s.remoteID}] = s
	}
}

func (t *Transport) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, t.cfg.ConnectTimeout)
}

func (t *Transport) send(to string, m *sigmsg.Rendezvous) {
	t.st.out.Add(1)
	if err := t.sig.SendSignal(to, m.Marshal()); err != nil {
		t.cfg.Logf("ice: signal to %s not sent: %v", to, err)
	}
}

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint32(b[:])
}

// Errors.
var (
	ErrClosed          = errors.New("ice: transport closed")
	ErrAlreadyAnswered = errors.New("ice: connect request already accepted or rejected")
)

// Error is a failed or ended P2P connection with a GNS end reason.
type Error struct {
	Reason int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("ice: %s (end reason %d)", e.Msg, e.Reason) }

// EndReason extracts the GNS end reason from an error of this package
// (EndMiscGeneric for other errors, 0 for nil).
func EndReason(err error) int {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return EndMiscGeneric
}
