// Package rendezvous is the rendezvous service: it logs players in (issuing
// a SteamID-style identity and a CA-signed GNS certificate), forwards
// signaling blobs between logged-in identities best-effort, and hands out
// TURN relay credentials for an embedded pion/turn relay or an external
// coturn that shares the TURN REST secret.
//
// Run it with `go run ./cmd/rendezvous --dev`, or embed it:
//
//	srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: "127.0.0.1:0"})
//	defer srv.Close()
//	addr := srv.Addr() // give this to signaling.Config.Addr
//
// Memory is bounded: MaxSessions sessions, MaxPendingLogins unauthenticated
// connections, a per-session send queue of SendQueueBytes, frames of at most
// MaxFrame bytes, and a bounded token replay cache. Floods, unknown
// identities, oversized and malformed frames are refused and counted (Stats).
//
// At scale, relaying moves to external coturn servers (TURNConfig.External,
// turn_external.go) and several nodes share signaling, presence, the
// token replay check, FakeIP claims and hosted-server registrations through
// Redis (Config.Broker, cluster.go, shared.go).
// README.md in this directory documents the command's flags, defaults and
// the login token format.
package rendezvous

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/internal/proto"
	"godotsteam-sockets/engine/p2p/token"
)

// Config configures the service. Zero values pick the defaults noted.
type Config struct {
	// Listen is the TCP address for clients (default "127.0.0.1:27800" with
	// Dev, ":27800" otherwise). Port 0 picks a free port.
	Listen string
	// Dev enables anonymous login: no token; the client may ask for a
	// SteamID, else one is allocated at random. Never use on the internet.
	Dev bool
	// TokenSecret verifies login tokens (token package); required unless Dev.
	TokenSecret []byte
	// TokenMaxTTL refuses tokens valid for longer (default 10 min).
	TokenMaxTTL time.Duration
	// CA signs certificates; nil generates a fresh one (certificates then do
	// not survive a restart; clients re-login and get new ones).
	CA *ca.Authority
	// ExtraTrustedCAKeys are announced to clients in addition to CA's key
	// (e.g. the previous key during a rotation, or other nodes' keys).
	ExtraTrustedCAKeys []ed25519.PublicKey
	// AppID is listed in every certificate and required from clients.
	AppID uint32
	// CertLifetime of issued certificates (default 24 h).
	CertLifetime time.Duration

	MaxSessions      int           // default 10000
	MaxPendingLogins int           // default 256
	LoginTimeout     time.Duration // default 10 s
	IdleTimeout      time.Duration // default 60 s without any frame
	MaxFrame         int           // bytes, default 16 KiB
	SendQueueBytes   int           // per session, default 256 KiB
	SignalRate       float64       // signals per second per session, default 100
	SignalBurst      int           // default 200
	// FloodDisconnect closes a session after this many signals dropped for
	// flooding (default 1000).
	FloodDisconnect int

	TURN TURNConfig

	// FakeIP configures global FakeIP allocation (fakeip.go).
	FakeIP FakeIPConfig
	// Hosted configures hosted dedicated servers and relay tickets (hosted.go).
	Hosted HostedConfig
	// Broker links several service nodes through Redis pub/sub (empty
	// Broker.Redis: this node runs alone). See cluster.go.
	Broker BrokerConfig

	// Logf receives diagnostics (optional).
	Logf func(format string, args ...any)
}

func (c *Config) defaults() error {
	if c.Listen == "" {
		c.Listen = ":27800"
		if c.Dev {
			c.Listen = "127.0.0.1:27800"
		}
	}
	if !c.Dev && len(c.TokenSecret) < token.MinSecretLen {
		return fmt.Errorf("rendezvous: production mode needs a TokenSecret of at least %d bytes (or set Dev for anonymous logins)", token.MinSecretLen)
	}
	if err := c.TURN.validateExternal(); err != nil {
		return err
	}
	if c.TokenMaxTTL <= 0 {
		c.TokenMaxTTL = 10 * time.Minute
	}
	if c.CertLifetime <= 0 {
		c.CertLifetime = 24 * time.Hour
	}
	setInt(&c.MaxSessions, 10000)
	setInt(&c.MaxPendingLogins, 256)
	setInt(&c.MaxFrame, 16<<10)
	setInt(&c.SendQueueBytes, 256<<10)
	setInt(&c.SignalBurst, 200)
	setInt(&c.FloodDisconnect, 1000)
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = 10 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 60 * time.Second
	}
	if c.SignalRate <= 0 {
		c.SignalRate = 100
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return nil
}

func setInt(p *int, def int) {
	if *p <= 0 {
		*p = def
	}
}

// Stats are the service's counters.
type Stats struct {
	Sessions         int64 // logged in now
	PendingLogins    int64 // connected, not yet logged in
	LoginsOK         int64
	LoginsRefused    int64 // any reason, including the three below
	TokensReplayed   int64
	TokensExpired    int64
	TokensBad        int64
	Replaced         int64 // sessions closed because the identity logged in again
	SignalsForwarded int64
	UnknownIdentity  int64 // signals for an identity that is not logged in
	FloodDropped     int64 // signals dropped by the per-session rate limit
	FloodDisconnects int64
	QueueDropped     int64 // frames dropped because the receiver's queue was full (or it was closing)
	Oversize         int64 // frames over MaxFrame (connection closed)
	Malformed        int64 // undecodable frames (connection closed)
	Refused          int64 // connections refused because the service was full
	TURNAllocations  int64 // live relay allocations (embedded relay)
	QueuedBytes      int64 // bytes waiting in all send queues (each ≤ SendQueueBytes)
	Broker           BrokerStats
}

type counters struct {
	loginsOK, loginsRefused, tokensReplayed, tokensExpired, tokensBad, replaced atomic.Int64
	forwarded, unknown, floodDropped, floodDisconnects, queueDropped            atomic.Int64
	oversize, malformed, refused, pending                                       atomic.Int64
}

// Server is a running rendezvous service.
type Server struct {
	cfg      Config
	ca       *ca.Authority
	caKeys   [][]byte
	verifier *token.Verifier
	ln       net.Listener
	relay    *relay
	cluster  *cluster // nil without a broker
	stats    counters
	fakeips  *fakeIPTable // nil when disabled
	hosted   *hostedTable // nil when disabled
	xstats   extraCounters

	mu       sync.Mutex
	sessions map[string]*session // by identity string
	conns    map[net.Conn]struct{}
	closed   bool

	wg sync.WaitGroup
}

// Start listens on cfg.Listen (and the TURN relay unless disabled) and
// serves in background goroutines until Close.
func Start(cfg Config) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, sessions: map[string]*session{}, conns: map[net.Conn]struct{}{}}
	s.ca = cfg.CA
	if s.ca == nil {
		a, err := ca.GenerateAuthority()
		if err != nil {
			return nil, err
		}
		s.ca = a
	}
	s.caKeys = append(s.caKeys, s.ca.PublicKey())
	for _, k := range cfg.ExtraTrustedCAKeys {
		s.caKeys = append(s.caKeys, k)
	}
	if err := s.startExtras(); err != nil {
		return nil, err
	}
	var shared token.ReplayStore
	if cfg.Broker.Redis != "" {
		s.cluster = startCluster(s, cfg.Broker)
		shared = s.cluster
	}
	if len(cfg.TokenSecret) > 0 {
		v, err := token.NewVerifier(token.VerifierConfig{Secret: cfg.TokenSecret, MaxTTL: cfg.TokenMaxTTL, Shared: shared})
		if err != nil {
			s.closeCluster()
			return nil, err
		}
		s.verifier = v
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		s.closeCluster()
		return nil, fmt.Errorf("rendezvous: listen %s: %w", cfg.Listen, err)
	}
	s.ln = ln
	if !cfg.TURN.Disabled {
		r, err := startRelay(cfg.TURN, ln.Addr().(*net.TCPAddr), cfg.Logf)
		if err != nil {
			ln.Close()
			s.closeCluster()
			return nil, err
		}
		s.relay = r
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr is the TCP address clients connect to.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// CAPublicKey is the key of the CA that signs this service's certificates.
func (s *Server) CAPublicKey() ed25519.PublicKey { return s.ca.PublicKey() }

// TURNAddr is the UDP address of the embedded relay (nil if disabled).
func (s *Server) TURNAddr() net.Addr {
	if s.relay == nil {
		return nil
	}
	return s.relay.addr()
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := int64(len(s.sessions))
	s.mu.Unlock()
	st := Stats{
		Sessions: n, PendingLogins: s.stats.pending.Load(),
		LoginsOK: s.stats.loginsOK.Load(), LoginsRefused: s.stats.loginsRefused.Load(),
		TokensReplayed: s.stats.tokensReplayed.Load(), TokensExpired: s.stats.tokensExpired.Load(),
		TokensBad: s.stats.tokensBad.Load(), Replaced: s.stats.replaced.Load(),
		SignalsForwarded: s.stats.forwarded.Load(), UnknownIdentity: s.stats.unknown.Load(),
		FloodDropped: s.stats.floodDropped.Load(), FloodDisconnects: s.stats.floodDisconnects.Load(),
		QueueDropped: s.stats.queueDropped.Load(), Oversize: s.stats.oversize.Load(),
		Malformed: s.stats.malformed.Load(), Refused: s.stats.refused.Load(),
	}
	if s.relay != nil {
		st.TURNAllocations = int64(s.relay.allocations())
	}
	st.Broker = s.cluster.statsSnapshot()
	st.QueuedBytes = s.queuedBytes()
	return st
}

// Close stops accepting, closes every session and the relay, and waits for
// all goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	if s.relay != nil {
		s.relay.close()
	}
	s.closeCluster()
	return err
}

func (s *Server) closeCluster() {
	if s.cluster != nil {
		s.cluster.close()
	}
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		if s.stats.pending.Load() >= int64(s.cfg.MaxPendingLogins) {
			s.mu.Unlock()
			s.stats.refused.Add(1)
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.stats.pending.Add(1)
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

func (s *Server) forget(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// serveConn runs one client connection: login, then the session.
func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer s.forget(c)
	r := bufio.NewReaderSize(c, 4096)
	sess, err := s.login(c, r)
	s.stats.pending.Add(-1)
	if err != nil {
		s.cfg.Logf("rendezvous: login from %s refused: %v", c.RemoteAddr(), err)
		return
	}
	s.run(sess, r)
}

type loginError struct{ code, text string }

func (e *loginError) Error() string { return e.code + ": " + e.text }

func (s *Server) login(c net.Conn, r *bufio.Reader) (*session, error) {
	_ = c.SetDeadline(time.Now().Add(s.cfg.LoginTimeout))
	challenge := make([]byte, 32)
	if _, err := rand.Read(challenge); err != nil {
		return nil, err
	}
	if err := writeFrame(c, &proto.Msg{T: proto.THello, Version: proto.Version, Challenge: challenge}); err != nil {
		return nil, err
	}
	m, err := proto.Read(r, s.cfg.MaxFrame)
	if err != nil {
		s.countReadError(err)
		return nil, err
	}
	sess, lerr := s.authenticate(m, challenge)
	if lerr != nil {
		s.stats.loginsRefused.Add(1)
		_ = writeFrame(c, &proto.Msg{T: proto.TError, Code: lerr.code, Text: lerr.text})
		return nil, lerr
	}
	sess.conn = c
	sess.srv = s
	sess.queue = make(chan []byte, 1024)
	sess.done = make(chan struct{})
	sess.bucket = float64(s.cfg.SignalBurst)
	sess.lastFill = time.Now()

	signed, err := s.ca.Issue(ca.IssueParams{SteamID: sess.steamID, PublicKey: sess.pubKey, AppIDs: []uint32{s.cfg.AppID}, Lifetime: s.cfg.CertLifetime})
	if err != nil {
		return nil, err
	}
	welcome := &proto.Msg{
		T: proto.TWelcome, Identity: sess.identity, SteamID: sess.steamID, Cert: signed,
		CertExpiry: time.Now().Add(s.cfg.CertLifetime).Unix(), CAKeys: s.caKeys,
		Features: s.features(), POP: s.POPID(),
	}
	if s.relay != nil {
		welcome.ICEServers = s.relay.credentials(sess.identity)
	}
	welcome.ICEServers = append(welcome.ICEServers, s.cfg.TURN.externalCredentials(sess.identity)...)

	// Register, replacing an older session of the same identity.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errors.New("shutting down")
	}
	old := s.sessions[sess.identity]
	if old == nil && len(s.sessions) >= s.cfg.MaxSessions {
		s.mu.Unlock()
		s.stats.loginsRefused.Add(1)
		_ = writeFrame(c, &proto.Msg{T: proto.TError, Code: proto.CodeBusy, Text: "service is full; retry later"})
		return nil, errors.New("service full")
	}
	s.sessions[sess.identity] = sess
	s.mu.Unlock()
	s.reviveExtras(sess) // a FakeIP held for this identity is live again (requests.go)
	if old != nil {
		s.stats.replaced.Add(1)
		old.kick(proto.CodeReplaced, "this identity logged in again from elsewhere")
	}
	if s.cluster != nil {
		// Before the welcome: once the client is told it is logged in,
		// signals from other nodes reach it.
		s.cluster.joined(sess.identity)
	}
	if err := writeFrame(c, welcome); err != nil {
		s.unregister(sess)
		return nil, err
	}
	s.stats.loginsOK.Add(1)
	_ = c.SetDeadline(time.Time{})
	return sess, nil
}

func (s *Server) authenticate(m *proto.Msg, challenge []byte) (*session, *loginError) {
	if m.T != proto.TLogin {
		return nil, &loginError{proto.CodeBadLogin, "expected a login frame"}
	}
	if !proto.VerifyLoginProof(challenge, m.PubKey, m.Sig) {
		return nil, &loginError{proto.CodeBadLogin, "login key proof does not verify"}
	}
	if m.AppID != s.cfg.AppID {
		return nil, &loginError{proto.CodeWrongApp, fmt.Sprintf("this service serves AppID %d, not %d", s.cfg.AppID, m.AppID)}
	}
	var id uint64
	switch {
	case m.Token != "" && s.verifier != nil:
		claims, err := s.verifier.Verify(m.Token)
		switch {
		case errors.Is(err, token.ErrReplayed):
			s.stats.tokensReplayed.Add(1)
			return nil, &loginError{proto.CodeTokenReplay, err.Error()}
		case errors.Is(err, token.ErrExpired):
			s.stats.tokensExpired.Add(1)
			return nil, &loginError{proto.CodeTokenExpired, err.Error()}
		case errors.Is(err, token.ErrBusy), errors.Is(err, token.ErrReplayStore):
			return nil, &loginError{proto.CodeBusy, err.Error()}
		case err != nil:
			s.stats.tokensBad.Add(1)
			return nil, &loginError{proto.CodeBadToken, err.Error()}
		}
		if !ca.ValidSteamID(claims.SteamID) {
			s.stats.tokensBad.Add(1)
			return nil, &loginError{proto.CodeBadToken, "token names an invalid SteamID"}
		}
		id = claims.SteamID
	case s.cfg.Dev:
		id = m.SteamID
		if id == 0 {
			id = randomSteamID()
		} else if !ca.ValidSteamID(id) {
			return nil, &loginError{proto.CodeBadLogin, fmt.Sprintf("requested SteamID %d is not a valid individual or game-server ID", id)}
		}
	default:
		s.stats.tokensBad.Add(1)
		return nil, &loginError{proto.CodeBadToken, "a login token is required (the service is not in dev mode)"}
	}
	return &session{steamID: id, identity: ca.IdentityString(id), pubKey: ed25519.PublicKey(append([]byte{}, m.PubKey...))}, nil
}

func randomSteamID() uint64 {
	var b [4]byte
	for {
		_, _ = rand.Read(b[:])
		if acct := binary.LittleEndian.Uint32(b[:]); acct != 0 {
			return ca.SteamIDBase + uint64(acct)
		}
	}
}

func (s *Server) countReadError(err error) {
	switch {
	case errors.Is(err, proto.ErrFrameTooLarge):
		s.stats.oversize.Add(1)
	case err == io.EOF || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF):
	default:
		var ne net.Error
		if !errors.As(err, &ne) {
			s.stats.malformed.Add(1)
		}
	}
}

func (s *Server) unregister(sess *session) {
	s.mu.Lock()
	removed := s.sessions[sess.identity] == sess
	if removed {
		delete(s.sessions, sess.identity)
	}
	s.mu.Unlock()
	if removed {
		s.releaseExtras(sess)
	}
	if s.cluster != nil {
		s.cluster.sync(sess.identity)
	}
}

func (s *Server) lookup(identity string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[identity]
}

func writeFrame(w io.Writer, m *proto.Msg) error {
	b, err := proto.Encode(m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
