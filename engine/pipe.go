package engine

import (
	"net/netip"

	"godotsteam-sockets/engine/internal/crypto"
	"godotsteam-sockets/engine/internal/wire"
)

// createSocketPair makes two connected connections. loopback=false: an
// in-process pipe (messages go straight into the other side's receive
// queue, numbered per lane like SNP does). loopback=true: two UDP sockets on
// 127.0.0.1 and the full stack (AES-GCM, SNP, fake network conditions); the
// key exchange runs in-process instead of over the wire. Both sides are
// Connected at once and no events are posted.
func (s *sockets) createSocketPair(loopback bool, id1, id2 Identity) (Handle, Handle, bool) {
	c1, err := s.newConn(nil, false)
	if err != nil {
		return 0, 0, false
	}
	c2, err := s.newConn(nil, true)
	if err != nil {
		s.discardConn(c1)
		return 0, 0, false
	}
	c1.remoteIdentity, c2.remoteIdentity = id1, id2
	c1.remoteID, c2.remoteID = c2.id, c1.id
	if !loopback {
		now := nowUsec()
		for _, c := range []*conn{c1, c2} {
			c.lock()
			c.pipe = true
			c.suppressEvents = true
			c.setStateLocked(StateConnected, now)
			c.suppressEvents = false
			c.unlock()
		}
		c1.pipePeer, c2.pipePeer = c2, c1
		s.reg.mu.Lock()
		s.reg.publishConnLocked(c1)
		s.reg.publishConnLocked(c2)
		s.reg.mu.Unlock()
		return c1.id, c2.id, true
	}
	if !s.loopbackPair(c1, c2) {
		s.discardConn(c1)
		s.discardConn(c2)
		return 0, 0, false
	}
	return c1.id, c2.id, true
}

func (s *sockets) loopbackPair(c1, c2 *conn) bool {
	lo := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 0)
	u1, err := s.openUDP(lo, nil)
	if err != nil {
		return false
	}
	u2, err := s.openUDP(lo, nil)
	if err != nil {
		u1.close()
		return false
	}
	if !s.trackSock(u1) || !s.trackSock(u2) {
		u1.close()
		u2.close()
		s.untrackSock(u1)
		s.untrackSock(u2)
		return false
	}
	c1.remoteAddr, c2.remoteAddr = u2.local, u1.local
	c1.tr = &clientSockTransport{clientTransport{sock: u1, peer: u2.local}, s}
	c2.tr = &clientSockTransport{clientTransport{sock: u2, peer: u1.local}, s}
	now := nowUsec()
	c1.lock()
	c2.lock()
	ok := func() bool {
		if c1.prepareLocalCryptoLocked(crypto.CipherList(0)) != nil || c2.prepareLocalCryptoLocked([]uint32{wire.CipherAES256GCM}) != nil {
			return false
		}
		for _, p := range [][2]*conn{{c1, c2}, {c2, c1}} {
			me, peer := p[0], p[1]
			_, pc, err := crypto.VerifyPeer(&peer.localCert.Signed, &peer.localCrypt.Signed)
			if err != nil {
				return false
			}
			me.peerCertRaw, me.peerCrypt = peer.localCert.Signed.Cert, pc
			me.peerVersion = wire.ProtocolVersion
			me.cipher = wire.CipherAES256GCM
			me.unauthenticated = true
		}
		if c1.deriveKeysLocked(false) != nil || c2.deriveKeysLocked(true) != nil {
			return false
		}
		for _, c := range []*conn{c1, c2} {
			c.suppressEvents = true
			c.becomeConnectedLocked(now)
			c.suppressEvents = false
		}
		return true
	}()
	c2.unlock()
	c1.unlock()
	if !ok {
		u1.close()
		u2.close()
		s.untrackSock(u1)
		s.untrackSock(u2)
		return false
	}
	s.reg.mu.Lock()
	s.reg.publishConnLocked(c1)
	s.reg.publishConnLocked(c2)
	s.reg.mu.Unlock()
	for _, p := range []struct {
		u    *udpSock
		c    *conn
		peer netip.AddrPort
	}{{u1, c1, u2.local}, {u2, c2, u1.local}} {
		c, peer := p.c, p.peer
		p.u.start(func(b []byte, from netip.AddrPort, _ netip.Addr, now int64, fs *flushSet) {
			if from != peer {
				s.counters.spoofed.Add(1)
				return
			}
			c.onPacketFS(b, now, fs)
		})
	}
	return true
}

// pipeSendLocked delivers a message straight into the peer's queue.
func (c *conn) pipeSendLocked(data []byte, flags int, lane int, now int64) (int64, Result) {
	peer := c.pipePeer
	if peer == nil || ConnectionState(peer.apiState.Load()) != StateConnected {
		return -1, ResultNoConnection
	}
	num := c.laneNext[lane] + 1
	c.s.recv.mu.Lock()
	ok := peer.enqueueLocked(data, num, lane, flags&SendReliable != 0, now)
	c.s.recv.mu.Unlock()
	if !ok {
		return -1, ResultLimitExceeded
	}
	c.s.act.signal()
	c.laneNext[lane] = num
	return num, ResultOK
}
