package ice

import (
	"net"
	"net/netip"
	"sync"
	"time"

	pice "github.com/pion/ice/v4"
)

// Conn is a working P2P path to one remote identity. It carries whole
// datagrams (GNS data packets and control messages); STUN is filtered out.
// It implements net.Conn and net.PacketConn (ReadFrom reports the peer as
// an Addr holding its identity; WriteTo ignores the address).
type Conn struct {
	s    *session
	ice  *pice.Conn
	once sync.Once
	done chan struct{}
}

func newConn(s *session, c *pice.Conn) *Conn {
	return &Conn{s: s, ice: c, done: make(chan struct{})}
}

// Addr is a peer identity used as a net.Addr.
type Addr struct{ Identity string }

// Network implements net.Addr.
func (Addr) Network() string  { return "p2p" }
func (a Addr) String() string { return a.Identity }

// RemoteIdentity is the peer's identity, as authenticated by the service.
func (c *Conn) RemoteIdentity() string { return c.s.remote }

// LocalConnID is our connection ID (sent as from_connection_id).
func (c *Conn) LocalConnID() uint32 {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.localID
}

// RemoteConnID is the peer's connection ID.
func (c *Conn) RemoteConnID() uint32 {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.remoteID
}

// PeerCrypt and PeerCert are what the acceptor sent in connect_ok (on the
// dialing side; nil on the accepting side, where Incoming has the
// requester's).
func (c *Conn) PeerCrypt() []byte {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.initiator && c.s.connectOK != nil {
		return c.s.connectOK.Crypt
	}
	return nil
}

// PeerCert is the acceptor's CMsgSteamDatagramCertificateSigned (dialer side).
func (c *Conn) PeerCert() []byte {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.initiator && c.s.connectOK != nil {
		return c.s.connectOK.Cert
	}
	return nil
}

// PathInfo describes the selected ICE path.
type PathInfo struct {
	// Relayed is true when either end of the path is a TURN relay
	// (InfoFlagRelayed in connection info).
	Relayed bool
	// RemoteAddr is the peer's address, only when the path is direct;
	// zero when relayed so the engine never reveals a peer address.
	RemoteAddr          netip.AddrPort
	LocalCandidateType  string // host, srflx, prflx, relay
	RemoteCandidateType string
}

// Path returns the selected path.
func (c *Conn) Path() PathInfo {
	c.s.mu.Lock()
	agent := c.s.agent
	c.s.mu.Unlock()
	if agent == nil {
		return PathInfo{}
	}
	pair, err := agent.GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return PathInfo{}
	}
	p := PathInfo{LocalCandidateType: pair.Local.Type().String(), RemoteCandidateType: pair.Remote.Type().String()}
	p.Relayed = pair.Local.Type() == pice.CandidateTypeRelay || pair.Remote.Type() == pice.CandidateTypeRelay
	if !p.Relayed {
		if a, err := netip.ParseAddr(pair.Remote.Address()); err == nil {
			p.RemoteAddr = netip.AddrPortFrom(a.Unmap(), uint16(pair.Remote.Port()))
		}
	}
	return p
}

// Read reads one datagram.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.ice.Read(p)
	if err != nil {
		return 0, c.endErr(err)
	}
	return n, nil
}

// Write sends one datagram.
func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.ice.Write(p)
	if err != nil {
		return 0, c.endErr(err)
	}
	return n, nil
}

// ReadFrom implements net.PacketConn.
func (c *Conn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, err := c.Read(p)
	return n, Addr{c.s.remote}, err
}

// WriteTo implements net.PacketConn; addr is ignored.
func (c *Conn) WriteTo(p []byte, _ net.Addr) (int, error) { return c.Write(p) }

func (c *Conn) endErr(err error) error {
	select {
	case <-c.done:
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		return &Error{Reason: c.s.reason, Msg: c.s.debug}
	default:
		return err
	}
}

// Close ends the connection with an app reason (GNS sends
// connection_closed through signaling too).
func (c *Conn) Close() error { return c.CloseWithReason(EndAppGeneric, "closed") }

// CloseWithReason ends the connection and tells the peer why.
func (c *Conn) CloseWithReason(reason int, debug string) error {
	c.s.close(reason, debug, true)
	return nil
}

// Done is closed when the connection ends (either side, or path lost).
func (c *Conn) Done() <-chan struct{} { return c.done }

// EndReason is the reason the connection ended (0 while open) and its text.
func (c *Conn) EndReason() (int, string) {
	select {
	case <-c.done:
	default:
		return 0, ""
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.reason, c.s.debug
}

// ClosedByPeer reports whether the peer ended the connection (its
// connection_closed arrived), as opposed to a local close or a lost path.
func (c *Conn) ClosedByPeer() bool {
	select {
	case <-c.done:
	default:
		return false
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.byPeer
}

func (c *Conn) markClosed() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ice.Close()
	})
}

// LocalAddr implements net.Conn.
func (c *Conn) LocalAddr() net.Addr { return Addr{c.s.t.cfg.LocalIdentity} }

// RemoteAddr implements net.Conn (the identity, never an IP).
func (c *Conn) RemoteAddr() net.Addr { return Addr{c.s.remote} }

// SetDeadline implements net.Conn.
func (c *Conn) SetDeadline(t time.Time) error { return c.ice.SetDeadline(t) }

// SetReadDeadline implements net.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.ice.SetReadDeadline(t) }

// SetWriteDeadline implements net.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.ice.SetWriteDeadline(t) }

var (
	_ net.Conn       = (*Conn)(nil)
	_ net.PacketConn = (*Conn)(nil)
)
