package engine

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"godotsteam-sockets/engine/internal/crypto"
	"godotsteam-sockets/engine/internal/fault"
	"godotsteam-sockets/engine/internal/wire"
)

// P2P connections (ConnectP2P / CreateListenSocketP2P).
//
// A P2P connection is an ordinary engine connection — the same state
// machine, crypto (certificate + signed crypt info, X25519, the GNS key
// schedule, AES-256-GCM) and SNP data protocol — over a different path: the
// handshake travels through a signaling service (GNS's connect_request /
// connect_ok rendezvous messages) and the datagrams over an ICE path (direct
// when hole punching works, else through a TURN relay), exactly as GNS does
// with custom signaling (gns_wire_notes.md §7). The acceptor is the "server"
// of the key schedule.
//
// The engine does not import the P2P stack: it talks to a P2PBackend.
// engine/p2p provides one (p2p.Node.EngineBackend):
//
//	node, _ := p2p.Start(p2p.Config{Service: "rendezvous.example.com:27800", Token: ...})
//	s := engine.NewSockets(engine.Options{})
//	s.SetP2PBackend(node.EngineBackend())
//	ls, _ := s.CreateListenSocketP2P(0, nil)                            // accept players
//	h, _ := s.ConnectP2P(engine.SteamIDIdentity(friend), 0, nil)        // or reach one
//
// Certificates: both sides present the CA-signed certificate the service
// issued at login and verify the peer's against the CA keys the game
// trusts (the backend's trust store); a missing, forged, expired or
// mismatched certificate ends the connection with EndRemoteBadCert (4003).
//
// Connection info: Identity is the peer's SteamID; RemoteAddr is the peer's
// address only when the ICE path is direct, and zero (with InfoFlagRelayed)
// when it goes through a relay — so in relay-only mode
// (P2P_Transport_ICE_Enable = 1, or the backend's own relay-only setting) a
// peer's address is never exposed.

// P2PBackend is what the engine needs from a P2P stack: a logged-in local
// identity with a CA-signed certificate, certificate verification, and
// packet paths to remote identities. Implementations must be safe for
// concurrent use. One backend serves one Sockets.
type P2PBackend interface {
	// LocalIdentity is the identity the service certified; ok is false
	// before the first login.
	LocalIdentity() (id Identity, ok bool)
	// WaitReady blocks until logged in (or ctx ends).
	WaitReady(ctx context.Context) error
	// Credentials are the CA-signed certificate
	// (CMsgSteamDatagramCertificateSigned bytes) and the key it certifies.
	Credentials() (cert []byte, key ed25519.PrivateKey, ok bool)
	// VerifyPeerCert checks a peer's certificate against the trusted CA
	// keys for the expected identity. Failures should be *EndError
	// (EndRemoteBadCert).
	VerifyPeerCert(cert []byte, expect Identity) error
	// Dial reaches remote's listen socket through signaling and ICE and
	// returns once a path works. Failures should be *EndError.
	Dial(ctx context.Context, remote Identity, p P2PDialParams) (P2PPath, error)
	// Accept waits for the next incoming connect request; it fails when
	// ctx ends or the backend is closed.
	Accept(ctx context.Context) (*P2PRequest, error)
}

// P2PDialParams describe an outgoing P2P connection.
type P2PDialParams struct {
	LocalConnID     uint32 // our connection ID (sent as from_connection_id)
	ToVirtualPort   int
	FromVirtualPort int    // -1: none
	Cert, Crypt     []byte // our CertificateSigned and CryptInfoSigned (connect_request)
	RelayOnly       bool   // relay candidates only for this connection
	// OnAnswered, if set, is called once when the peer's connect_ok arrives
	// (before ICE finishes). Must not be called with backend locks held.
	OnAnswered func()
	// FromFakeIP is our global FakeIP:port, sent as from_fakeip (fakeip.go).
	FromFakeIP string
	// HostedTicket is the relay auth ticket for a hosted server (hosted.go).
	HostedTicket []byte
}

// P2PAcceptParams answer an incoming request.
type P2PAcceptParams struct {
	LocalConnID uint32
	Cert, Crypt []byte // our CertificateSigned and CryptInfoSigned (connect_ok)
	RelayOnly   bool
}

// P2PRequest is an incoming connect request, authenticated by the
// signaling service as coming from From.
type P2PRequest struct {
	From            Identity
	RemoteConnID    uint32
	ToVirtualPort   int
	FromVirtualPort int    // -1 if none
	Cert, Crypt     []byte // the requester's CertificateSigned and CryptInfoSigned
	Answer          P2PAnswer
	// FromFakeIP is the requester's from_fakeip; FromFakeIPVerified says
	// the backend checked with the service that From owns it (fakeip.go).
	FromFakeIP         string
	FromFakeIPVerified bool
	// HostedTicket is the requester's relay auth ticket (hosted.go).
	HostedTicket []byte
}

// P2PAnswer accepts or rejects one request (once).
type P2PAnswer interface {
	Accept(ctx context.Context, p P2PAcceptParams) (P2PPath, error)
	Reject(reason int, debug string)
}

// P2PPath is a working datagram path to one peer (an ICE connection): it
// carries whole GNS data and control packets.
type P2PPath interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	// CloseWithReason ends the path and tells the peer (through signaling).
	CloseWithReason(reason int, debug string) error
	// RemoteConnID is the peer's connection ID.
	RemoteConnID() uint32
	// PeerCert and PeerCrypt are the acceptor's connect_ok contents (dialer side).
	PeerCert() []byte
	PeerCrypt() []byte
	// Route describes the selected path.
	Route() P2PRoute
	// EndReason is why the path ended (0 while open), and whether the peer ended it.
	EndReason() (reason int, debug string, byPeer bool)
}

// P2PRoute describes a P2P path.
type P2PRoute struct {
	Relayed bool
	// RemoteAddr is the peer's address when the path is direct; zero when
	// relayed (never reveal a relayed peer's address).
	RemoteAddr netip.AddrPort
}

// EndError is an error carrying a GNS end reason (ESteamNetConnectionEnd).
type EndError struct {
	Reason int
	Msg    string
}

func (e *EndError) Error() string { return fmt.Sprintf("%s (end reason %d)", e.Msg, e.Reason) }

// endReasonOf extracts the end reason, defaulting to def.
func endReasonOf(err error, def int) (int, string) {
	var e *EndError
	if errors.As(err, &e) && e.Reason != 0 {
		return e.Reason, e.Msg
	}
	return def, err.Error()
}

// ICE_Enable values (k_nSteamNetworkingConfig_P2P_Transport_ICE_Enable_*).
const (
	iceEnableDisable = 0
	iceEnableRelay   = 1
)

// p2pGraceUsec lets an in-flight dial report its own, more precise failure
// (no answer through signaling, no route) before the generic timeout.
const p2pGraceUsec = 2_000_000

// p2pState is the Sockets' P2P side.
type p2pState struct {
	mu      sync.Mutex
	backend P2PBackend
	ctx     context.Context // ends at Sockets.Close
	cancel  context.CancelFunc
	stopAcc context.CancelFunc // stops the current accept loop
	listens map[int]*listenSocket
	paths   map[*p2pTransport]struct{} // live transports (fake network updates)
	closed  bool
}

func (p *p2pState) init() {
	if p.ctx == nil {
		p.ctx, p.cancel = context.WithCancel(context.Background())
		p.listens = map[int]*listenSocket{}
		p.paths = map[*p2pTransport]struct{}{}
	}
}

func (p *p2pState) get() P2PBackend {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.backend
}

// shutdown cancels every dial, accept and the accept loop (Sockets.Close).
func (p *p2pState) shutdown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	p.closed = true
	p.cancel()
}

// setP2PBackend installs b (nil removes the backend) and starts serving
// incoming requests for P2P listen sockets.
func (s *sockets) setP2PBackend(b P2PBackend) error {
	s.p2p.mu.Lock()
	defer s.p2p.mu.Unlock()
	s.p2p.init()
	if s.p2p.closed {
		return errClosed
	}
	if s.p2p.stopAcc != nil {
		s.p2p.stopAcc()
		s.p2p.stopAcc = nil
	}
	s.p2p.backend = b
	if b == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(s.p2p.ctx)
	s.p2p.stopAcc = cancel
	s.wg.Add(1)
	go s.p2pAcceptLoop(ctx, b)
	return nil
}

// p2pIdentity is the backend's identity, if logged in.
func (s *sockets) p2pIdentity() (Identity, bool) {
	b := s.p2p.get()
	if b == nil {
		return Identity{}, false
	}
	return b.LocalIdentity()
}

func (s *sockets) p2pAcceptLoop(ctx context.Context, b P2PBackend) {
	defer s.wg.Done()
	for {
		req, err := b.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.logf("engine: P2P backend stopped delivering connect requests: %v", err)
			return
		}
		if req == nil || req.Answer == nil {
			continue
		}
		s.onP2PRequest(ctx, b, req)
	}
}

// p2pConn is a connection's P2P side.
type p2pConn struct {
	backend   P2PBackend
	vport     int // remote virtual port (initiator) or our listen port (acceptor)
	relayOnly bool
	cert      []byte // our CA-signed cert (CertificateSigned bytes)
	key       ed25519.PrivateKey
	route     P2PRoute
	inFlight  bool     // a dial or accept is running
	fake      *p2pFake // FakeIP / hosted-server side (fakeip.go), nil if none
}

// p2pFlagsLocked adds P2P info flags.
func (c *conn) p2pFlagsLocked() int {
	if c.p2p != nil && c.p2p.route.Relayed {
		return InfoFlagRelayed
	}
	return 0
}

func (s *sockets) createListenSocketP2P(vport int, opts []ConfigOption) (Handle, error) {
	if vport < 0 || vport > 0xFFFF {
		return InvalidHandle, fmt.Errorf("engine: virtual port %d out of range 0..65535", vport)
	}
	h, _, err := s.listenP2P(vport, opts, nil) // fakeip_p2p.go
	return h, err
}

// forgetP2PListener unregisters a closed P2P listen socket.
func (s *sockets) forgetP2PListener(ls *listenSocket) {
	s.p2p.mu.Lock()
	if s.p2p.listens[ls.vport] == ls {
		delete(s.p2p.listens, ls.vport)
	}
	s.p2p.mu.Unlock()
	s.hostedListenerClosed(ls) // hosted.go
}

func (s *sockets) connectP2P(remote Identity, vport int, opts []ConfigOption) (Handle, error) {
	set := configSet{}
	if err := set.apply(opts); err != nil {
		return InvalidHandle, err
	}
	b := s.p2p.get()
	if b == nil {
		return InvalidHandle, errNoP2PBackend
	}
	if remote.Type != IdentitySteamID || remote.SteamID == 0 {
		return InvalidHandle, fmt.Errorf("engine: cannot connect P2P to %s: need a SteamID identity", remote)
	}
	if vport < 0 || vport > 0xFFFF {
		return InvalidHandle, fmt.Errorf("engine: virtual port %d out of range 0..65535", vport)
	}
	if local, ok := b.LocalIdentity(); ok && local == remote {
		return InvalidHandle, errors.New("engine: cannot connect P2P to our own identity (use CreateSocketPair)")
	}
	known := func(context.Context, *conn) (Identity, int, error) { return remote, vport, nil }
	return s.startP2PConn(remote, set, nil, known) // fakeip_p2p.go
}

func (s *sockets) p2pContext() context.Context {
	s.p2p.mu.Lock()
	defer s.p2p.mu.Unlock()
	s.p2p.init()
	return s.p2p.ctx
}

// dialP2P waits for the login, makes our crypt info and dials.
func (s *sockets) dialP2P(ctx context.Context, c *conn, b P2PBackend, remote Identity, vport, fromVPort int) (P2PPath, error) {
	if err := b.WaitReady(ctx); err != nil {
		return nil, &EndError{Reason: EndMiscP2PRendezvous, Msg: "not logged in to the rendezvous service: " + err.Error()}
	}
	cert, key, ok := b.Credentials()
	if !ok {
		return nil, &EndError{Reason: EndMiscP2PRendezvous, Msg: "no certificate from the rendezvous service yet"}
	}
	c.lock()
	if c.state != StateConnecting {
		c.unlock()
		return nil, &EndError{Reason: EndMiscGeneric, Msg: "connection closed while logging in"}
	}
	c.p2p.cert, c.p2p.key = cert, key
	if err := c.prepareLocalCryptoLocked(crypto.CipherList(c.cfg.unencrypted)); err != nil {
		c.unlock()
		return nil, &EndError{Reason: EndMiscInternalError, Msg: "crypto setup failed: " + err.Error()}
	}
	crypt := c.localCrypt.Signed.Append(nil)
	relayOnly := c.p2p.relayOnly
	var fromFake string
	var ticket []byte
	if fk := c.p2p.fake; fk != nil {
		fromFake, ticket = fk.fromFakeIP, fk.hostedTicket
	}
	c.unlock()
	return b.Dial(ctx, remote, P2PDialParams{
		LocalConnID: c.id, ToVirtualPort: vport, FromVirtualPort: fromVPort,
		Cert: cert, Crypt: crypt, RelayOnly: relayOnly, FromFakeIP: fromFake, HostedTicket: ticket,
		OnAnswered: func() {
			c.lock()
			if c.state == StateConnecting {
				c.setStateLocked(StateFindingRoute, nowUsec())
				c.thinkLocked(nowUsec())
			}
			c.unlock()
		},
	})
}

// prepareP2PCryptoLocked makes our signed crypt info with the CA-signed
// certificate and its key.
func (c *conn) prepareP2PCryptoLocked(ciphers []uint32) error {
	if c.p2p.cert == nil || len(c.p2p.key) != ed25519.PrivateKeySize {
		return errors.New("no CA-signed certificate")
	}
	var signed wire.CertSigned
	if err := signed.Unmarshal(c.p2p.cert); err != nil {
		return fmt.Errorf("our certificate does not decode: %w", err)
	}
	cert := &crypto.LocalCert{Signed: signed, Private: c.p2p.key}
	sess, err := crypto.NewSession(cert, ciphers)
	if err != nil {
		return err
	}
	c.localCert, c.localCrypt = cert, sess
	return nil
}

// checkP2PPeerLocked verifies the peer's CA-signed certificate (for the
// expected identity) and its crypt info signature, and stores the crypt
// info. Returns a non-zero end reason on failure.
func (c *conn) checkP2PPeerLocked(certRaw, cryptRaw []byte) (int, string) {
	if len(certRaw) == 0 || len(cryptRaw) == 0 {
		return EndRemoteBadCrypt, "Missing cert or crypt info"
	}
	if err := c.p2p.backend.VerifyPeerCert(certRaw, c.remoteIdentity); err != nil {
		return endReasonOf(err, EndRemoteBadCert)
	}
	var cert wire.CertSigned
	var crypt wire.CryptInfoSigned
	if err := cert.Unmarshal(certRaw); err != nil {
		return EndRemoteBadCert, "Bad cert: " + err.Error()
	}
	if err := crypt.Unmarshal(cryptRaw); err != nil {
		return EndRemoteBadCrypt, "Bad crypt info: " + err.Error()
	}
	_, pc, err := crypto.VerifyPeer(&cert, &crypt)
	if err != nil {
		return EndRemoteBadCrypt, "Bad crypt info: " + err.Error()
	}
	if pc.Info.ProtocolVersion < wire.MinProtocolVersion {
		return EndRemoteBadProtocolVersion, fmt.Sprintf("Peer is using old protocol version %d", pc.Info.ProtocolVersion)
	}
	c.peerCertRaw = cert.Cert
	c.peerCrypt = pc
	c.peerVersion = pc.Info.ProtocolVersion
	c.peerCiphers = pc.Info.Ciphers
	c.unauthenticated = false
	return 0, ""
}

// onP2PRequest handles one incoming request on the accept loop.
func (s *sockets) onP2PRequest(ctx context.Context, b P2PBackend, req *P2PRequest) {
	s.p2p.mu.Lock()
	ls := s.p2p.listens[req.ToVirtualPort]
	s.p2p.mu.Unlock()
	if ls == nil {
		s.counters.ignored.Add(1)
		req.Answer.Reject(EndMiscGeneric, fmt.Sprintf("Not listening on virtual port %d", req.ToVirtualPort))
		return
	}
	if req.RemoteConnID == 0 {
		s.counters.malformed.Add(1)
		req.Answer.Reject(EndMiscGeneric, "No connection ID")
		return
	}
	c, err := s.newConn(ls.opts, true)
	if err != nil {
		req.Answer.Reject(EndMiscGeneric, "Shutting down")
		return
	}
	ice := s.layers(ls.opts).int(ConfigP2PTransportICEEnable)
	c.lock()
	c.ls = ls
	c.remoteID = req.RemoteConnID
	c.remoteIdentity = req.From
	c.p2p = &p2pConn{backend: b, vport: ls.vport, relayOnly: ice == iceEnableRelay}
	reason, msg := c.checkP2PPeerLocked(req.Cert, req.Crypt)
	if reason == 0 {
		reason, msg = s.fakeOnRequestLocked(ls, c, req) // FakeIP, tickets (fakeip.go)
	}
	if reason != 0 {
		c.unlock()
		s.logf("engine: refusing P2P connect request from %s: %s", req.From, msg)
		s.counters.ignored.Add(1)
		s.discardConn(c)
		req.Answer.Reject(reason, msg)
		return
	}
	tr := newP2PTransport(s, c, ls.opts)
	tr.answer = req.Answer
	c.tr = tr
	ls.mu.Lock()
	if ls.closed {
		ls.mu.Unlock()
		tr.takeAnswer() // rejected below, with the real reason
		tr.close()
		c.unlock()
		s.discardConn(c)
		req.Answer.Reject(EndMiscGeneric, "Listen socket closed")
		return
	}
	ls.children[p2pChildKey(c.id)] = c
	ls.mu.Unlock()
	s.reg.mu.Lock()
	s.reg.publishConnLocked(c)
	s.reg.mu.Unlock()
	now := nowUsec()
	c.setStateLocked(StateConnecting, now)
	c.thinkLocked(now)
	s.fakeAfterRequestLocked(ls, c, now) // fake UDP ports accept at once
	c.unlock()
}

// p2pChildKey is a listen socket's children-map key for a P2P connection
// (port 0 never comes from a real UDP peer).
func p2pChildKey(id uint32) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}), 0)
}

// acceptP2PLocked is AcceptConnection for a P2P connection: choose the
// cipher, sign our crypt info, derive keys, answer with connect_ok and run
// ICE (FindingRoute) until the path works.
func (c *conn) acceptP2PLocked(now int64) Result {
	if !c.isServer || c.state != StateConnecting {
		return ResultInvalidState
	}
	tr, ok := c.tr.(*p2pTransport)
	if !ok {
		return ResultInvalidState
	}
	cert, key, ok := c.p2p.backend.Credentials()
	if !ok {
		c.problemLocked(EndMiscP2PRendezvous, "Not logged in to the rendezvous service", now)
		return ResultInvalidState
	}
	c.p2p.cert, c.p2p.key = cert, key
	if !c.negotiateServerCryptoLocked(now) { // handshake.go
		return ResultInvalidState
	}
	answer := tr.takeAnswer()
	if answer == nil {
		return ResultInvalidState
	}
	params := P2PAcceptParams{LocalConnID: c.id, Cert: cert, Crypt: c.localCrypt.Signed.Append(nil), RelayOnly: c.p2p.relayOnly}
	c.p2p.inFlight = true
	c.setStateLocked(StateFindingRoute, now)
	c.thinkLocked(now)
	s := c.s
	ctx, cancel := context.WithTimeout(s.p2pContext(), time.Duration(c.cfg.timeoutInitial)*time.Microsecond)
	tr.setCancel(cancel)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		path, err := answer.Accept(ctx, params)
		c.onP2PPath(path, err)
	}()
	return ResultOK
}

// onP2PPath finishes a dial or accept: the path works (verify the peer's
// certificate on the dialer side, derive keys, Connected) or it failed.
func (c *conn) onP2PPath(path P2PPath, err error) {
	now := nowUsec()
	c.lock()
	defer c.unlock()
	tr, _ := c.tr.(*p2pTransport)
	if c.p2p != nil {
		c.p2p.inFlight = false
	}
	if err != nil {
		if c.state == StateConnecting || c.state == StateFindingRoute {
			reason, msg := endReasonOf(err, EndMiscGeneric)
			c.problemLocked(reason, msg, now)
		}
		return
	}
	if tr == nil || !tr.setPath(path) || (c.state != StateConnecting && c.state != StateFindingRoute) {
		_ = path.CloseWithReason(EndMiscGeneric, "Connection closed while finding a route")
		return
	}
	c.p2p.route = path.Route()
	c.remoteAddr = c.p2p.route.RemoteAddr
	c.s.wg.Add(1)
	go tr.readLoop(path)
	if !c.isServer {
		if reason, msg := c.checkP2PPeerLocked(path.PeerCert(), path.PeerCrypt()); reason != 0 {
			c.problemLocked(reason, msg, now)
			return
		}
		pc := c.peerCrypt
		if len(pc.Info.Ciphers) != 1 {
			c.problemLocked(EndRemoteBadCrypt, "Server must select exactly only one cipher!", now)
			return
		}
		c.cipher = pc.Info.Ciphers[0]
		if !slices.Contains(crypto.CipherList(c.cfg.unencrypted), c.cipher) {
			c.problemLocked(EndRemoteBadCrypt, "Server selected a cipher we did not offer", now)
			return
		}
		c.remoteID = path.RemoteConnID()
		if c.remoteID&0xFFFF == 0 {
			c.problemLocked(EndRemoteBadCrypt, "Didn't send valid connection ID", now)
			return
		}
		if err := c.deriveKeysLocked(false); err != nil {
			c.problemLocked(EndRemoteBadCrypt, err.Error(), now)
			return
		}
	}
	c.becomeConnectedLocked(now)
}

// p2pTransport carries a connection's datagrams over its ICE path. Before
// the path exists, sends are dropped, except that our ConnectionClosed
// aborts the pending dial or rejects the pending request (so the peer hears
// the reason through signaling).
type p2pTransport struct {
	s        *sockets
	c        *conn
	own      configSet // the connection's options (fake network values among them)
	sendLink *fault.Link
	recvLink *fault.Link

	mu     sync.Mutex
	path   P2PPath
	answer P2PAnswer          // acceptor, until accepted
	cancel context.CancelFunc // the running dial/accept
	closed bool
}

func newP2PTransport(s *sockets, c *conn, own configSet) *p2pTransport {
	t := &p2pTransport{s: s, c: c, own: own}
	s.p2p.mu.Lock()
	s.p2p.init()
	s.p2p.paths[t] = struct{}{}
	s.p2p.mu.Unlock()
	l := s.layers(own)
	t.sendLink = fault.NewLink(fault.NewShaper(faultParams(l, true), nil), nowUsec, t.write)
	t.recvLink = fault.NewLink(fault.NewShaper(faultParams(l, false), nil), nowUsec, func(p []byte) {
		c.onPacket(p, nowUsec())
	})
	return t
}

func (t *p2pTransport) takeAnswer() P2PAnswer {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.answer
	t.answer = nil
	return a
}

func (t *p2pTransport) setCancel(cancel context.CancelFunc) {
	t.mu.Lock()
	t.cancel = cancel
	t.mu.Unlock()
}

// setPath installs the working path; false if the transport is closed.
func (t *p2pTransport) setPath(p P2PPath) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.path = p
	return true
}

func (t *p2pTransport) currentPath() P2PPath {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.path
}

func (t *p2pTransport) write(p []byte) {
	if path := t.currentPath(); path != nil {
		_, _ = path.Write(p)
	}
}

func (t *p2pTransport) send(p []byte) {
	path := t.currentPath()
	if path == nil {
		if wire.Classify(p) == wire.KindConnectionClosed {
			var m wire.ConnectionClosed
			if body, err := wire.Padded(p); err == nil && m.Unmarshal(body) == nil {
				t.abort(int(m.ReasonCode), m.Debug)
			}
		}
		return
	}
	if len(p) > wire.MaxUDPPayload {
		t.s.logf("engine: refusing to send %d-byte datagram (max %d)", len(p), wire.MaxUDPPayload)
		return
	}
	t.s.counters.datagramsSent.Add(1)
	t.sendLink.Submit(p)
}

func (t *p2pTransport) sendBatch(pkts [][]byte) {
	for _, p := range pkts {
		t.send(p)
	}
}

// abort ends a pending dial or refuses a pending request with reason.
func (t *p2pTransport) abort(reason int, debug string) {
	t.mu.Lock()
	answer, cancel := t.answer, t.cancel
	t.answer, t.cancel = nil, nil
	t.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if answer != nil {
		if reason == 0 {
			reason = EndMiscGeneric
		}
		answer.Reject(reason, debug)
	}
}

// close ends the path (the peer is told through signaling too).
func (t *p2pTransport) close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	path := t.path
	t.mu.Unlock()
	reason, debug := t.c.endReason, t.c.endDebug // close runs with c.mu held
	if reason == 0 {
		reason, debug = EndAppGeneric, "Connection closed"
	}
	t.abort(reason, debug)
	t.sendLink.Close()
	t.recvLink.Close()
	t.s.p2p.mu.Lock()
	delete(t.s.p2p.paths, t)
	t.s.p2p.mu.Unlock()
	if path != nil {
		_ = path.CloseWithReason(reason, debug)
	}
	if ls := t.c.ls; ls != nil {
		ls.removeChild(p2pChildKey(t.c.id), t.c)
	}
}

func (t *p2pTransport) remoteAddr() netip.AddrPort {
	if t.c.p2p == nil {
		return netip.AddrPort{}
	}
	return t.c.p2p.route.RemoteAddr
}

// readLoop feeds the path's datagrams to the connection until it ends.
func (t *p2pTransport) readLoop(path P2PPath) {
	defer t.s.wg.Done()
	buf := make([]byte, wire.MaxUDPPayload+1024)
	for {
		n, err := path.Read(buf)
		if err != nil {
			t.pathEnded(path)
			return
		}
		t.s.counters.datagramsRecv.Add(1)
		t.recvLink.Submit(buf[:n])
	}
}

// pathEnded reports a path that ended under an open connection.
func (t *p2pTransport) pathEnded(path P2PPath) {
	reason, debug, byPeer := path.EndReason()
	c := t.c
	now := nowUsec()
	c.lock()
	defer c.unlock()
	switch c.state {
	case StateConnecting, StateFindingRoute, StateConnected, StateLinger:
	default:
		return
	}
	if reason == 0 {
		reason, debug = EndMiscTimeout, "P2P path lost"
	}
	if byPeer {
		c.closedByPeerLocked(reason, debug, now)
		return
	}
	c.problemLocked(reason, debug, now)
}

func (s *sockets) postEvent(ev Event) {
	if ev == nil {
		return
	}
	s.events.post(ev)
	s.act.signal()
}

// IP connections and the P2P backend's certificate authority.
//
// With a P2P backend logged in, IP connections present its CA-signed
// certificate too, and a peer whose certificate a trusted CA signed is
// authenticated (no InfoFlagUnauthenticated, its identity from the
// certificate). Everyone else stays governed by IP_AllowWithoutAuth, and a
// listen socket with IP_AllowWithoutAuth = 0 (accept authenticated peers
// only) can be created. GNS peers see a certificate they cannot verify and
// treat it as unsigned, as before.

// caCredentials returns the backend's certificate when the local identity
// is the backend's (an identity set with Options.Identity or ResetIdentity
// differs from what the certificate names).
func (s *sockets) caCredentials() ([]byte, ed25519.PrivateKey, bool) {
	b := s.p2p.get()
	if b == nil {
		return nil, nil, false
	}
	id, ok := b.LocalIdentity()
	if !ok || id != s.identity() {
		return nil, nil, false
	}
	return b.Credentials()
}

// haveCA reports whether IP connections can be authenticated.
func (s *sockets) haveCA() bool {
	_, _, ok := s.caCredentials()
	return ok
}

// prepareCACryptoLocked signs our crypt info with the backend's CA-signed
// certificate; used is false when there is none (then the caller makes an
// unsigned certificate).
func (c *conn) prepareCACryptoLocked(ciphers []uint32) (used bool, err error) {
	cert, key, ok := c.s.caCredentials()
	if !ok {
		return false, nil
	}
	var signed wire.CertSigned
	if signed.Unmarshal(cert) != nil || len(key) != ed25519.PrivateKeySize {
		return false, nil
	}
	lc := &crypto.LocalCert{Signed: signed, Private: key}
	sess, err := crypto.NewSession(lc, ciphers)
	if err != nil {
		return true, err
	}
	c.localCert, c.localCrypt = lc, sess
	return true, nil
}

// caVerifies reports whether a peer's certificate is signed by a CA the
// backend trusts, for the identity it names.
func (s *sockets) caVerifies(cert *wire.CertSigned, id Identity) bool {
	if cert == nil || !cert.HasCAKeyID || len(cert.CASignature) == 0 || id.Type != IdentitySteamID {
		return false
	}
	b := s.p2p.get()
	if b == nil {
		return false
	}
	return b.VerifyPeerCert(cert.Append(nil), id) == nil
}

// updateP2PFault applies changed global fake-network values to live P2P
// paths, as setGlobalConfig does for UDP sockets.
func (s *sockets) updateP2PFault() {
	s.p2p.mu.Lock()
	paths := make([]*p2pTransport, 0, len(s.p2p.paths))
	for t := range s.p2p.paths {
		paths = append(paths, t)
	}
	s.p2p.mu.Unlock()
	for _, t := range paths {
		l := s.layers(t.own)
		t.sendLink.Shaper.SetParams(faultParams(l, true))
		t.recvLink.Shaper.SetParams(faultParams(l, false))
	}
}
