package p2p

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/ice"
	"godotsteam-sockets/engine/p2p/signaling"
)

// Config configures a Node: one local player's presence on a rendezvous
// service.
type Config struct {
	// Service is the rendezvous service's host:port.
	Service string
	// Token returns a fresh login token per login; nil = anonymous (dev).
	Token func(ctx context.Context) (string, error)
	// SteamID asks a dev-mode service for this identity (0 = any).
	SteamID uint64
	// AppID must match the service's (and is required in peers' certs).
	AppID uint32
	// Key is the Ed25519 key to certify (nil = fresh).
	Key ed25519.PrivateKey
	// RelayOnly makes every connection go through the TURN relay; peers
	// never learn each other's address.
	RelayOnly bool
	// IncludeLoopback offers loopback host candidates (same machine).
	IncludeLoopback bool
	// InterfaceFilter limits host candidates to some interfaces.
	InterfaceFilter func(name string) bool
	// ListenPort puts all host candidates on this UDP port (0: any). A
	// hosted dedicated server sets it to SDR_LISTEN_PORT (node_extras.go).
	ListenPort int
	// ExtraICEServers are added to the service's (P2P_STUN_ServerList,
	// P2P_TURN_* config values).
	ExtraICEServers []signaling.ICEServer
	// TrustedCAKeys pins the certificate authorities the game trusts: when
	// set, peers' certificates must be signed by one of these keys and the
	// keys the service announces at login are ignored (so a compromised or
	// impostor service cannot vouch for anyone). Empty: trust what the
	// service announces.
	TrustedCAKeys []ed25519.PublicKey
	// ConnectTimeout bounds Dial/Accept without a context deadline.
	ConnectTimeout time.Duration
	// MaxPendingIncoming bounds unanswered connect requests (default 64).
	MaxPendingIncoming int
	// OnStatus reports authentication availability changes
	// (network_authentication_status). Do not block.
	OnStatus func(availability int, msg string)
	// DialService overrides how the service is reached (TLS, tests).
	DialService func(ctx context.Context, addr string) (net.Conn, error)
	// Logf receives diagnostics (optional).
	Logf func(format string, args ...any)
}

// Node is a logged-in player: identity, certificate and the P2P transport.
// It logs in again by itself after the service restarts; connections made
// before keep running (they do not need the service once connected).
type Node struct {
	cfg    Config
	client *signaling.Client

	mu       sync.Mutex
	tr       *ice.Transport
	sess     signaling.Session
	trust    *ca.TrustStore
	override *credentials // setCertificate: used instead of the login's cert
	incoming chan *ice.Incoming
	closed   bool
	done     chan struct{}
	wg       sync.WaitGroup
	fake     nodeFake // our FakeIP, kept across re-logins (node_extras.go)
}

// Errors.
var (
	ErrNotReady = errors.New("p2p: not logged in to the rendezvous service yet")
	ErrClosed   = errors.New("p2p: node closed")
)

// Start logs in in the background. Use WaitReady to wait for the first login.
func Start(cfg Config) (*Node, error) {
	if cfg.MaxPendingIncoming <= 0 {
		cfg.MaxPendingIncoming = 64
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	n := &Node{cfg: cfg, trust: ca.NewTrustStore(cfg.TrustedCAKeys...), incoming: make(chan *ice.Incoming, cfg.MaxPendingIncoming), done: make(chan struct{})}
	// onLogin (on the client's goroutine) uses n.client: hold n.mu until it is set.
	n.mu.Lock()
	defer n.mu.Unlock()
	c, err := signaling.Start(signaling.Config{
		Addr: cfg.Service, Dial: cfg.DialService, Token: cfg.Token, SteamID: cfg.SteamID, AppID: cfg.AppID, Key: cfg.Key,
		OnSignal: func(from string, data []byte) {
			if tr := n.transport(); tr != nil {
				tr.HandleSignal(from, data)
			}
		},
		OnNoPeer: func(to string) {
			if tr := n.transport(); tr != nil {
				tr.HandleNoPeer(to)
			}
		},
		OnLogin:  n.onLogin,
		OnStatus: cfg.OnStatus,
		Logf:     cfg.Logf,
	})
	if err != nil {
		return nil, err
	}
	n.client = c
	return n, nil
}

func (n *Node) transport() *ice.Transport {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tr
}

// onLogin installs the session: same identity → refresh ICE servers and
// trusted CA keys; new identity → a new transport.
func (n *Node) onLogin(s signaling.Session) {
	n.afterLogin(s) // FakeIP renewal (node_extras.go)
	servers := append(append([]signaling.ICEServer{}, s.ICEServers...), n.cfg.ExtraICEServers...)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if len(n.cfg.TrustedCAKeys) == 0 {
		for _, k := range s.CAKeys {
			_ = n.trust.Add(k)
		}
	}
	if n.sess.Identity != s.Identity {
		n.override = nil // a certificate set for another identity no longer applies
	}
	n.sess = s
	if n.tr != nil && n.tr.LocalIdentity() == s.Identity {
		if err := n.tr.SetICEServers(servers); err != nil {
			n.cfg.Logf("p2p: ICE servers from the service refused: %v", err)
		}
		return
	}
	old := n.tr
	tr, err := ice.NewTransport(ice.Config{
		LocalIdentity: s.Identity, ICEServers: servers, RelayOnly: n.cfg.RelayOnly,
		IncludeLoopback: n.cfg.IncludeLoopback, InterfaceFilter: n.cfg.InterfaceFilter, ListenPort: n.cfg.ListenPort,
		ConnectTimeout: n.cfg.ConnectTimeout, MaxPendingIncoming: n.cfg.MaxPendingIncoming, Logf: n.cfg.Logf,
	}, n.client)
	if err != nil {
		n.cfg.Logf("p2p: cannot start the P2P transport: %v", err)
		n.tr = nil
	} else {
		n.tr = tr
		n.wg.Add(1)
		go n.forwardIncoming(tr)
	}
	if old != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			old.Close()
		}()
	}
}

func (n *Node) forwardIncoming(tr *ice.Transport) {
	defer n.wg.Done()
	for {
		in, err := tr.Accept(context.Background())
		if err != nil {
			return
		}
		select {
		case n.incoming <- in:
		case <-n.done:
			in.Reject(ice.EndMiscGeneric, "shutting down")
			return
		}
	}
}

// WaitReady waits for the first login.
func (n *Node) WaitReady(ctx context.Context) error {
	_, err := n.client.WaitSession(ctx)
	if err != nil {
		return err
	}
	// OnLogin runs before WaitSession can return the session, but be safe.
	for n.transport() == nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// Identity is the local SteamID and its identity string (getSteamID).
// ok is false before the first login.
func (n *Node) Identity() (steamID uint64, identity string, ok bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sess.SteamID, n.sess.Identity, n.sess.Identity != ""
}

// Credentials returns the CA-signed certificate
// (CMsgSteamDatagramCertificateSigned), the key it certifies, and the CA
// keys to verify peers with. The engine uses them in its handshake
// (cert + crypt info signed with key) and verifies peers' certs with Trust.
func (n *Node) Credentials() (cert []byte, key ed25519.PrivateKey, ok bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if o := n.override; o != nil {
		return o.cert, o.key, true
	}
	return n.sess.Cert, n.sess.PrivateKey, n.sess.Cert != nil
}

type credentials struct {
	cert []byte
	key  ed25519.PrivateKey
}

// SetCertificate adopts a certificate issued outside the login (a game
// backend's CA signing getCertificateRequest's request): it must certify
// key's public half, be signed by a trusted CA, be unexpired and name the
// logged-in identity. It is used until the identity changes.
func (n *Node) SetCertificate(cert []byte, key ed25519.PrivateKey) error {
	if !ca.MatchesKey(cert, key) {
		return errors.New("p2p: the certificate does not certify this key (use the key from the certificate request)")
	}
	steamID, _, ok := n.Identity()
	if !ok {
		return ErrNotReady
	}
	if _, err := n.VerifyPeerCert(cert, steamID); err != nil {
		return err
	}
	n.mu.Lock()
	n.override = &credentials{cert: append([]byte(nil), cert...), key: key}
	n.mu.Unlock()
	return nil
}

// Trust is the store of CA keys announced by the service (grows across
// logins; add game-pinned keys with Trust().Add).
func (n *Node) Trust() *ca.TrustStore { return n.trust }

// VerifyPeerCert checks a peer's certificate for the expected SteamID
// (0 = any) and this app; errors are *ca.CertError with end reason 4003.
func (n *Node) VerifyPeerCert(cert []byte, expectSteamID uint64) (*ca.Verified, error) {
	return n.trust.Verify(cert, ca.VerifyParams{AppID: n.cfg.AppID, ExpectSteamID: expectSteamID})
}

// Availability is getAuthenticationStatus's value and message.
func (n *Node) Availability() (int, string) { return n.client.Availability() }

// Dial connects to a remote SteamID (connectP2P).
func (n *Node) Dial(ctx context.Context, remoteSteamID uint64, p ice.DialParams) (*ice.Conn, error) {
	tr := n.transport()
	if tr == nil {
		return nil, &ice.Error{Reason: ice.EndMiscP2PRendezvous, Msg: ErrNotReady.Error()}
	}
	if !ca.ValidSteamID(remoteSteamID) {
		return nil, &ice.Error{Reason: ice.EndLocalNetworkConfig, Msg: fmt.Sprintf("%d is not a valid SteamID", remoteSteamID)}
	}
	return tr.Dial(ctx, ca.IdentityString(remoteSteamID), p)
}

// Incoming delivers connect requests (createListenSocketP2P): the engine
// matches ToVirtualPort to a listen socket, verifies Cert/Crypt, then calls
// Accept or Reject on each. Closed by Close.
func (n *Node) Incoming() <-chan *ice.Incoming { return n.incoming }

// Close logs out and ends every P2P connection.
func (n *Node) Close() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	close(n.done)
	tr := n.tr
	n.tr = nil
	n.mu.Unlock()
	if tr != nil {
		tr.Close()
	}
	n.client.Close()
	n.wg.Wait()
	for {
		select {
		case in := <-n.incoming:
			in.Reject(ice.EndMiscGeneric, "shutting down")
		default:
			close(n.incoming) // ends range loops over Incoming()
			return
		}
	}
}
