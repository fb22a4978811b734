// Package signaling is the client of the rendezvous service: it logs in
// (anonymously in dev mode, or with a login token from the game's backend),
// receives its identity, a CA-signed certificate and STUN/TURN servers, and
// sends and receives opaque signaling blobs addressed by identity
// ("steamid:<n>"). It reconnects and logs in again on its own when the
// connection or the service goes away.
package signaling

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/internal/proto"
)

// ICEServer is one STUN or TURN server (RTCIceServer shape).
type ICEServer = proto.ICEServer

// Session is what a successful login yields.
type Session struct {
	Identity   string // "steamid:<n>"
	SteamID    uint64
	Cert       []byte // CMsgSteamDatagramCertificateSigned, signed by the service's CA
	CertExpiry time.Time
	PrivateKey ed25519.PrivateKey // the key Cert certifies
	CAKeys     []ed25519.PublicKey
	ICEServers []ICEServer
	Login      int // 1 for the first login, incremented on every re-login
	// Features are the optional services this rendezvous service offers
	// (proto.FeatureFakeIP, proto.FeatureHosted; see requests.go).
	Features []string
	// POP is the service's data-centre id for hosted servers (0: none).
	POP uint32
}

// Availability values (NetworkingAvailability) for getAuthenticationStatus.
const (
	AvailabilityCannotTry  = -102
	AvailabilityFailed     = -101
	AvailabilityPreviously = -100
	AvailabilityRetrying   = -10
	AvailabilityNeverTried = 1
	AvailabilityWaiting    = 2
	AvailabilityAttempting = 3
	AvailabilityCurrent    = 100
)

// Config configures a client.
type Config struct {
	// Addr is the service's host:port.
	Addr string
	// Dial opens the stream (default: TCP with a 5 s timeout). Wrap with TLS here.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Token returns a fresh login token for each login attempt; nil logs in
	// anonymously (service in dev mode).
	Token func(ctx context.Context) (string, error)
	// SteamID asks a dev-mode service for this identity (0: let it pick).
	// After the first login the client keeps asking for the identity it got.
	SteamID uint64
	// AppID must match the service's.
	AppID uint32
	// Key is the Ed25519 key to certify (default: a fresh key).
	Key ed25519.PrivateKey

	// OnSignal receives every incoming blob with the sender's identity as
	// authenticated by the service. Called from the client's read goroutine:
	// do not block.
	OnSignal func(from string, data []byte)
	// OnNoPeer is told when the service had nobody logged in as `to`.
	OnNoPeer func(to string)
	// OnLogin is told about every successful login (the first and each
	// re-login after a reconnect), with the new session. Do not block.
	OnLogin func(Session)
	// OnStatus is told about every availability change (for the
	// network_authentication_status signal). Do not block.
	OnStatus func(availability int, msg string)

	MinBackoff   time.Duration // default 100 ms
	MaxBackoff   time.Duration // default 5 s
	PingInterval time.Duration // default 15 s
	MaxFrame     int           // default 64 KiB
	Logf         func(format string, args ...any)
}

// Errors.
var (
	ErrNotLoggedIn = errors.New("signaling: not logged in to the rendezvous service (yet)")
	ErrClosed      = errors.New("signaling: client closed")
	ErrTooLarge    = errors.New("signaling: signal too large")
)

// MaxSignal is the largest blob SendSignal accepts (GNS signals stay far
// below this).
const MaxSignal = 8 << 10

// Client is a logged-in (or logging-in) connection to the service.
type Client struct {
	cfg Config

	mu       sync.Mutex
	conn     net.Conn
	session  *Session
	avail    int
	lastErr  error
	logins   int
	closed   bool
	loggedIn chan struct{} // closed while a session exists; replaced on logout
	reqs     requests      // outstanding requests (requests.go)

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// Start begins logging in in the background and returns at once.
func Start(cfg Config) (*Client, error) {
	if cfg.Addr == "" {
		return nil, errors.New("signaling: Config.Addr (the rendezvous service host:port) is required")
	}
	if cfg.Key == nil {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		cfg.Key = k
	}
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("signaling: Config.Key must be an Ed25519 private key")
	}
	if cfg.Dial == nil {
		cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: 5 * time.Second}
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 15 * time.Second
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = 64 << 10
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	c := &Client{cfg: cfg, avail: AvailabilityNeverTried, loggedIn: make(chan struct{}), done: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.loop()
	return c, nil
}

// Session returns the current session, if logged in.
func (c *Client) Session() (Session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == nil {
		return Session{}, false
	}
	return *c.session, true
}

// WaitSession blocks until logged in (or ctx ends / the client closes).
func (c *Client) WaitSession(ctx context.Context) (Session, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return Session{}, ErrClosed
		}
		if c.session != nil {
			s := *c.session
			c.mu.Unlock()
			return s, nil
		}
		ch := c.loggedIn
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			c.mu.Lock()
			err := c.lastErr
			c.mu.Unlock()
			if err != nil {
				return Session{}, fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
			}
			return Session{}, ctx.Err()
		case <-c.done:
			return Session{}, ErrClosed
		}
	}
}

// Availability is the NetworkingAvailability value for
// getAuthenticationStatus, and the reason text.
func (c *Client) Availability() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	msg := ""
	if c.lastErr != nil {
		msg = c.lastErr.Error()
	}
	return c.avail, msg
}

// SendSignal sends data to identity `to`, best effort: the service drops it
// if `to` is not logged in (then OnNoPeer fires) or a queue is full.
func (c *Client) SendSignal(to string, data []byte) error {
	if len(data) > MaxSignal {
		return ErrTooLarge
	}
	b, err := proto.Encode(&proto.Msg{T: proto.TSignal, To: to, Data: data})
	if err != nil {
		return err
	}
	c.mu.Lock()
	conn := c.conn
	ok := c.session != nil
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !ok || conn == nil {
		return ErrNotLoggedIn
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(b); err != nil {
		conn.Close()
		return fmt.Errorf("signaling: send failed (will reconnect): %w", err)
	}
	return nil
}

// Close logs out and stops the client's goroutines.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.done
		return nil
	}
	c.closed = true
	conn := c.conn
	c.mu.Unlock()
	c.cancel()
	if conn != nil {
		if b, err := proto.Encode(&proto.Msg{T: proto.TBye}); err == nil {
			_ = conn.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			_, _ = conn.Write(b)
		}
		conn.Close()
	}
	<-c.done
	return nil
}

func (c *Client) setStatus(avail int, err error) {
	c.mu.Lock()
	changed := c.avail != avail
	c.avail = avail
	if err != nil {
		c.lastErr = err
	}
	c.mu.Unlock()
	if changed && c.cfg.OnStatus != nil {
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		c.cfg.OnStatus(avail, msg)
	}
}

// loop logs in, serves the session, and retries with backoff.
func (c *Client) loop() {
	defer close(c.done)
	backoff := c.cfg.MinBackoff
	for c.ctx.Err() == nil {
		c.setStatus(AvailabilityAttempting, nil)
		start := time.Now()
		err := c.connectOnce()
		if c.ctx.Err() != nil {
			break
		}
		c.cfg.Logf("signaling: session with %s ended: %v", c.cfg.Addr, err)
		c.setStatus(AvailabilityRetrying, err)
		if time.Since(start) > 10*time.Second {
			backoff = c.cfg.MinBackoff // we were logged in for a while: retry fast
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
		}
		backoff = min(backoff*2, c.cfg.MaxBackoff)
	}
	c.setStatus(AvailabilityPreviously, ErrClosed)
}

func (c *Client) connectOnce() error {
	conn, err := c.cfg.Dial(c.ctx, c.cfg.Addr)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		conn.Close()
		return ErrClosed
	}
	c.conn = conn
	c.mu.Unlock()
	stop := context.AfterFunc(c.ctx, func() { conn.Close() })
	defer stop()
	defer func() {
		conn.Close()
		c.mu.Lock()
		c.conn = nil
		if c.session != nil {
			c.session = nil
			c.loggedIn = make(chan struct{})
		}
		c.mu.Unlock()
		c.reqs.failAll(ErrNotLoggedIn)
	}()

	r := bufio.NewReaderSize(conn, 4096)
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	hello, err := proto.Read(r, c.cfg.MaxFrame)
	if err != nil {
		return err
	}
	if hello.T != proto.THello || len(hello.Challenge) < 16 {
		return fmt.Errorf("signaling: %s is not a rendezvous service (first frame %q)", c.cfg.Addr, hello.T)
	}
	pub := c.cfg.Key.Public().(ed25519.PublicKey)
	login := &proto.Msg{T: proto.TLogin, AppID: c.cfg.AppID, PubKey: pub,
		Sig: ed25519.Sign(c.cfg.Key, proto.LoginProof(hello.Challenge, pub))}
	if c.cfg.Token != nil {
		tok, err := c.cfg.Token(c.ctx)
		if err != nil {
			return fmt.Errorf("signaling: getting a login token: %w", err)
		}
		login.Token = tok
	}
	c.mu.Lock()
	login.SteamID = c.cfg.SteamID
	c.mu.Unlock()
	if err := writeMsg(conn, login); err != nil {
		return err
	}
	w, err := proto.Read(r, c.cfg.MaxFrame)
	if err != nil {
		return err
	}
	if w.T == proto.TError {
		return &LoginError{Code: w.Code, Text: w.Text}
	}
	if w.T != proto.TWelcome {
		return fmt.Errorf("signaling: unexpected frame %q instead of welcome", w.T)
	}
	sess, err := c.adopt(w)
	if err != nil {
		return err
	}
	c.cfg.Logf("signaling: logged in to %s as %s (login %d)", c.cfg.Addr, sess.Identity, sess.Login)
	if c.cfg.OnLogin != nil {
		c.cfg.OnLogin(*sess)
	}
	c.setStatus(AvailabilityCurrent, nil)
	_ = conn.SetDeadline(time.Time{})

	pingDone := make(chan struct{})
	defer close(pingDone)
	go c.pinger(conn, pingDone)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(3 * c.cfg.PingInterval))
		m, err := proto.Read(r, c.cfg.MaxFrame)
		if err != nil {
			return err
		}
		switch m.T {
		case proto.TSignal:
			if c.cfg.OnSignal != nil && m.From != "" {
				c.cfg.OnSignal(m.From, m.Data)
			}
		case proto.TResponse:
			c.reqs.deliver(m)
		case proto.TNoPeer:
			if c.cfg.OnNoPeer != nil {
				c.cfg.OnNoPeer(m.To)
			}
		case proto.TBye:
			return &LoginError{Code: m.Code, Text: m.Text}
		}
	}
}

// adopt checks the welcome and installs the session.
func (c *Client) adopt(w *proto.Msg) (*Session, error) {
	if !ca.MatchesKey(w.Cert, c.cfg.Key) {
		return nil, errors.New("signaling: the service's certificate does not certify our key")
	}
	var keys []ed25519.PublicKey
	for _, k := range w.CAKeys {
		if len(k) == ed25519.PublicKeySize {
			keys = append(keys, ed25519.PublicKey(k))
		}
	}
	v, err := ca.NewTrustStore(keys...).Verify(w.Cert, ca.VerifyParams{AppID: c.cfg.AppID, ExpectSteamID: w.SteamID})
	if err != nil {
		return nil, fmt.Errorf("signaling: the service issued a certificate that does not verify: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logins++
	c.cfg.SteamID = v.SteamID // keep the identity across re-logins (dev mode)
	c.session = &Session{
		Identity: v.Identity, SteamID: v.SteamID, Cert: w.Cert, CertExpiry: v.Expiry,
		PrivateKey: c.cfg.Key, CAKeys: keys, ICEServers: w.ICEServers, Login: c.logins,
		Features: w.Features, POP: w.POP,
	}
	close(c.loggedIn)
	c.lastErr = nil
	return c.session, nil
}

func (c *Client) pinger(conn net.Conn, done chan struct{}) {
	t := time.NewTicker(c.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := writeMsg(conn, &proto.Msg{T: proto.TPing}); err != nil {
				conn.Close()
				return
			}
		case <-done:
			return
		}
	}
}

// LoginError is a refusal from the service (error or bye frame).
type LoginError struct{ Code, Text string }

func (e *LoginError) Error() string {
	return "signaling: rendezvous service refused: " + e.Code + ": " + e.Text
}

func writeMsg(conn net.Conn, m *proto.Msg) error {
	b, err := proto.Encode(m)
	if err != nil {
		return err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Write(b)
	return err
}
