package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"godotsteam-sockets/engine/internal/crypto"
	"godotsteam-sockets/engine/internal/wire"
)

// The plain-IP handshake (gns_wire_notes.md §2.2):
//
//	client                          server (listen socket)
//	ChallengeRequest  ─────────►    stateless cookie
//	                  ◄─────────    ChallengeReply
//	ConnectRequest    ─────────►    verify; new connection (Connecting); app decides
//	                  ◄─────────    ConnectOK (after AcceptConnection)
//	Connected                       Connected

// certIdentity is our certificate identity for a local Identity (zero value
// = the anonymous localhost identity ip:::1, as GNS uses for IP).
func certIdentity(id Identity) crypto.Identity {
	if id.IsInvalid() {
		id = LocalHostIdentity()
	}
	return crypto.Identity{String: id.String(), LegacyBinary: id.legacyBinary(), LegacySteamID: id.SteamID64()}
}

// prepareLocalCryptoLocked makes our certificate and signed crypt info.
func (c *conn) prepareLocalCryptoLocked(ciphers []uint32) error {
	if c.p2p != nil {
		return c.prepareP2PCryptoLocked(ciphers)
	}
	if used, err := c.prepareCACryptoLocked(ciphers); used {
		return err // the P2P backend's CA-signed certificate (p2p_path.go)
	}
	cert, err := crypto.NewUnsignedCert(certIdentity(c.s.identity()), c.s.opts.AppID)
	if err != nil {
		return err
	}
	sess, err := crypto.NewSession(cert, ciphers)
	if err != nil {
		return err
	}
	c.localCert, c.localCrypt = cert, sess
	return nil
}

// ---- client side ----

func (c *conn) sendChallengeRequestLocked(now int64) {
	m := wire.ChallengeRequest{ConnectionID: c.id, MyTimestamp: uint64(now), ProtocolVersion: wire.ProtocolVersion}
	c.tr.send(wire.AppendPadded(nil, wire.MsgChallengeRequest, m.Append(nil)))
	c.lastHandshakeTx = now
}

func (c *conn) onChallengeReplyLocked(p []byte, now int64) {
	var m wire.ChallengeReply
	if err := m.Unmarshal(wire.Unpadded(p)); err != nil {
		c.s.counters.malformed.Add(1)
		return
	}
	if c.isServer || c.state != StateConnecting || m.ConnectionID != c.id {
		c.s.counters.ignored.Add(1)
		return
	}
	if m.ProtocolVersion < wire.MinProtocolVersion {
		c.problemLocked(EndRemoteBadProtocolVersion, fmt.Sprintf("Peer is using old protocol version %d", m.ProtocolVersion), now)
		return
	}
	if m.HasYourTimestamp {
		if rtt := now - int64(m.YourTimestamp); rtt >= 0 && rtt <= 2_000_000 {
			c.pingSampleMS = int((rtt + 500) / 1000)
		}
	}
	c.challenge, c.haveChallenge = m.Challenge, true
	c.peerVersion = m.ProtocolVersion
	req := wire.ConnectRequest{
		ClientConnectionID: c.id,
		Challenge:          m.Challenge,
		MyTimestamp:        uint64(now),
		Cert:               &c.localCert.Signed,
		Crypt:              &c.localCrypt.Signed,
	}
	if c.pingSampleMS >= 0 {
		req.PingEstMS, req.HasPingEst = uint32(c.pingSampleMS), true
	}
	if sid := c.s.identity().SteamID64(); sid != 0 {
		req.LegacyClientSteamID, req.HasLegacyClientSteamID = sid, true
	}
	c.tr.send(wire.AppendUnpadded(nil, wire.MsgConnectRequest, req.Append(nil)))
	c.lastHandshakeTx = now
	c.scheduleLocked(now + handshakeRetryUsec)
}

func (c *conn) onConnectOKLocked(p []byte, now int64) {
	var m wire.ConnectOK
	if err := m.Unmarshal(wire.Unpadded(p)); err != nil {
		c.s.counters.malformed.Add(1)
		return
	}
	if c.isServer || m.ClientConnectionID != c.id {
		c.s.counters.spoofed.Add(1)
		return
	}
	switch {
	case c.state == StateConnected || c.state == StateLinger:
		return // duplicate
	case c.closing():
		c.sendCloseLocked()
		return
	case c.state != StateConnecting:
		return
	}
	if m.ServerConnectionID&0xFFFF == 0 {
		c.problemLocked(EndRemoteBadCrypt, "Didn't send valid connection ID", now)
		return
	}
	peerID, reason, msg := c.checkPeerLocked(m.Cert, m.Crypt,
		m.HasIdentityString, m.IdentityString, m.HasLegacyIdentityBinary, m.LegacyIdentityBinary,
		m.HasLegacyServerSteamID, m.LegacyServerSteamID, now)
	if reason != 0 {
		c.problemLocked(reason, msg, now)
		return
	}
	pc := c.peerCrypt
	if len(pc.Info.Ciphers) != 1 {
		c.problemLocked(EndRemoteBadCrypt, "Server must select exactly only one cipher!", now)
		return
	}
	if c.haveChallenge && pc.Info.ProtocolVersion != c.peerVersion {
		c.problemLocked(EndRemoteBadProtocolVersion, "Claiming protocol v"+fmt.Sprint(pc.Info.ProtocolVersion)+" in crypt info, but earlier sent v"+fmt.Sprint(c.peerVersion), now)
		return
	}
	c.cipher = pc.Info.Ciphers[0]
	if !slices.Contains(crypto.CipherList(c.cfg.unencrypted), c.cipher) {
		c.problemLocked(EndRemoteBadCrypt, "Server selected a cipher we did not offer", now)
		return
	}
	c.peerVersion = pc.Info.ProtocolVersion
	c.remoteIdentity = peerID
	c.remoteID = m.ServerConnectionID
	if m.HasYourTimestamp {
		if rtt := now - int64(m.YourTimestamp) - int64(m.DelayTimeUsec); rtt >= 0 && rtt <= 2_000_000 {
			c.pingSampleMS = int((rtt + 500) / 1000)
		}
	}
	if err := c.deriveKeysLocked(false); err != nil {
		c.problemLocked(EndRemoteBadCrypt, err.Error(), now)
		return
	}
	c.becomeConnectedLocked(now)
}

// checkPeerLocked verifies a peer's certificate, crypt-info signature,
// version and identity (§2.6, §3.2–3.3) and stores the crypt info. It
// returns the peer identity, or a non-zero end reason and message.
func (c *conn) checkPeerLocked(cert *wire.CertSigned, crypt *wire.CryptInfoSigned,
	hasStr bool, str string, hasBin bool, bin []byte, hasSteam bool, steam uint64, now int64) (Identity, int, string) {
	if cert == nil || crypt == nil {
		return Identity{}, EndRemoteBadCrypt, "Missing cert or crypt info"
	}
	certMsg, pc, err := crypto.VerifyPeer(cert, crypt)
	if err != nil {
		if certMsg == nil {
			return Identity{}, EndRemoteBadCert, "Bad cert: " + err.Error()
		}
		return Identity{}, EndRemoteBadCrypt, "Bad crypt info: " + err.Error()
	}
	if pc.Info.ProtocolVersion < wire.MinProtocolVersion {
		return Identity{}, EndRemoteBadProtocolVersion, fmt.Sprintf("Peer is using old protocol version %d", pc.Info.ProtocolVersion)
	}
	// Identity: certificate first, then the message fields.
	id, found, err := identityFromFields(certMsg.HasIdentityString, certMsg.IdentityString,
		certMsg.HasLegacyIdentityBinary, certMsg.LegacyIdentityBinary, certMsg.HasLegacySteamID, certMsg.LegacySteamID)
	if err != nil {
		return Identity{}, EndRemoteBadCert, "Bad identity in cert: " + err.Error()
	}
	fromCert := found
	if !found {
		id, found, err = identityFromFields(hasStr, str, hasBin, bin, hasSteam, steam)
		if err != nil {
			return Identity{}, EndRemoteBadCert, "Bad identity: " + err.Error()
		}
	}
	if !found || id.IsLocalHost() {
		id = IPIdentity(c.remoteAddr)
	} else if id.Type == IdentityIPAddress && !fromCert {
		return Identity{}, EndRemoteBadCert, "IP identity must come from the cert"
	}
	if fromCert && !id.IsLocalHost() && id.Type != IdentityIPAddress && len(certMsg.AppIDs) == 0 {
		return Identity{}, EndRemoteBadCert, "Cert must list at least one AppID"
	}
	if len(certMsg.AppIDs) > 0 && !slices.Contains(certMsg.AppIDs, c.s.opts.AppID) {
		return Identity{}, EndRemoteBadCert, fmt.Sprintf("Cert is not valid for AppID %d", c.s.opts.AppID)
	}
	// A certificate signed by a CA we trust (the P2P backend's) makes the
	// peer authenticated; any other is unsigned for us, allowed only if
	// IP_AllowWithoutAuth (or the localhost variant) permits.
	if fromCert && c.s.caVerifies(cert, id) {
		c.unauthenticated = false
	} else {
		if c.cfg.effectiveAllow(c.remoteAddr.Addr()) == 0 {
			return Identity{}, EndRemoteBadCert, "Unsigned cert and IP_AllowWithoutAuth is 0"
		}
		c.unauthenticated = true
	}
	c.peerCertRaw = cert.Cert
	c.peerCrypt = pc
	return id, 0, ""
}

// deriveKeysLocked runs the key exchange and schedule (§3.5) and sets up
// both directions with the negotiated cipher.
func (c *conn) deriveKeysLocked(server bool) error {
	shared, err := crypto.SharedSecret(c.localCrypt.DH, c.peerCrypt.Info.KeyData)
	if err != nil {
		return errors.New("key exchange failed")
	}
	in := crypto.KDFInput{Shared: shared}
	if server {
		in.NonceServer, in.NonceClient = c.localCrypt.Nonce, c.peerCrypt.Info.Nonce
		in.ConnIDClient, in.ConnIDServer = c.remoteID, c.id
		in.CertServer, in.CertClient = c.localCert.Signed.Cert, c.peerCertRaw
		in.CryptInfoServer, in.CryptInfoClient = c.localCrypt.Signed.Info, c.peerCrypt.Raw
	} else {
		in.NonceServer, in.NonceClient = c.peerCrypt.Info.Nonce, c.localCrypt.Nonce
		in.ConnIDClient, in.ConnIDServer = c.id, c.remoteID
		in.CertServer, in.CertClient = c.peerCertRaw, c.localCert.Signed.Cert
		in.CryptInfoServer, in.CryptInfoClient = c.peerCrypt.Raw, c.localCrypt.Signed.Info
	}
	km, err := crypto.DeriveKeys(in)
	if err != nil {
		return err
	}
	null := c.cipher == wire.CipherNull
	c2s, err := crypto.NewDirection(km.KeyClientToServer, km.IVClientToServer, null)
	if err != nil {
		return err
	}
	s2c, err := crypto.NewDirection(km.KeyServerToClient, km.IVServerToClient, null)
	if err != nil {
		return err
	}
	if server {
		c.sendDir, c.recvDir = s2c, c2s
	} else {
		c.sendDir, c.recvDir = c2s, s2c
	}
	return nil
}

// ---- server side ----

// onUnknownPeer handles datagrams from addresses without a connection.
func (ls *listenSocket) onUnknownPeer(p []byte, from netip.AddrPort, dst netip.Addr, now int64) {
	s := ls.s
	switch wire.Classify(p) {
	case wire.KindChallengeRequest:
		body, err := wire.Padded(p)
		var m wire.ChallengeRequest
		if err == nil {
			err = m.Unmarshal(body)
		}
		if err != nil {
			s.counters.malformed.Add(1)
			return
		}
		if m.ConnectionID == 0 {
			s.counters.malformed.Add(1)
			return
		}
		reply := wire.ChallengeReply{
			ConnectionID: m.ConnectionID, Challenge: ls.cookieFor(from, now),
			YourTimestamp: m.MyTimestamp, HasYourTimestamp: true, ProtocolVersion: wire.ProtocolVersion,
		}
		ls.sock.sendTo(wire.AppendUnpadded(nil, wire.MsgChallengeReply, reply.Append(nil)), from, dst)
	case wire.KindConnectRequest:
		ls.onConnectRequest(p, from, dst, now)
	case wire.KindConnectionClosed:
		// Safe to answer: the request was padded.
		body, err := wire.Padded(p)
		var m wire.ConnectionClosed
		if err == nil {
			err = m.Unmarshal(body)
		}
		if err != nil {
			s.counters.malformed.Add(1)
			return
		}
		reply := wire.NoConnection{FromConnectionID: m.ToConnectionID, ToConnectionID: m.FromConnectionID}
		ls.sock.sendTo(wire.AppendUnpadded(nil, wire.MsgNoConnection, reply.Append(nil)), from, dst)
	case wire.KindSourceEngine:
	case wire.KindInvalid:
		s.counters.malformed.Add(1)
	default: // data, NoConnection, ChallengeReply, ConnectOK from strangers
		s.counters.spoofed.Add(1)
	}
}

func addr16(a netip.AddrPort) [16]byte { return a.Addr().As16() }

func (ls *listenSocket) cookieFor(from netip.AddrPort, now int64) uint64 {
	return ls.cookie.Cookie(addr16(from), from.Port(), crypto.CookieTick(now))
}

func (ls *listenSocket) onConnectRequest(p []byte, from netip.AddrPort, dst netip.Addr, now int64) {
	s := ls.s
	var m wire.ConnectRequest
	if err := m.Unmarshal(wire.Unpadded(p)); err != nil {
		s.counters.malformed.Add(1)
		return
	}
	if !ls.cookie.CheckCookie(m.Challenge, addr16(from), from.Port(), now) {
		s.counters.spoofed.Add(1)
		return
	}
	if m.ClientConnectionID == 0 {
		s.counters.malformed.Add(1)
		return
	}
	if debug := ls.overLimit(); debug != "" {
		ls.refuse(from, dst, m.ClientConnectionID, debug)
		return
	}
	c, err := s.newConn(ls.opts, true)
	if err != nil {
		s.logf("engine: cannot create incoming connection: %v", err)
		if errors.Is(err, ErrLimitExceeded) {
			ls.refuse(from, dst, m.ClientConnectionID, refusedDebugTooManyInstance)
		}
		return
	}
	c.lock()
	c.ls = ls
	c.remoteAddr = from
	c.remoteID = m.ClientConnectionID
	id, reason, msg := c.checkPeerLocked(m.Cert, m.Crypt, m.HasIdentityString, m.IdentityString,
		m.HasLegacyIdentityBinary, m.LegacyIdentityBinary, m.HasLegacyClientSteamID, m.LegacyClientSteamID, now)
	if reason != 0 {
		// GNS drops bad requests silently; the client times out.
		c.unlock()
		s.logf("engine: rejecting connect request from %s: %s", from, msg)
		s.counters.ignored.Add(1)
		s.discardConn(c)
		return
	}
	c.remoteIdentity = id
	c.peerVersion = c.peerCrypt.Info.ProtocolVersion
	c.peerCiphers = c.peerCrypt.Info.Ciphers
	if m.HasPingEst && m.PingEstMS <= 1500 {
		c.pingSampleMS = int(m.PingEstMS)
	}
	c.clientTimestamp, c.clientTSArrival = m.MyTimestamp, now
	ct := &childTransport{ls: ls, c: c, peer: from, local: dst}
	if ls.sock.pktinfo {
		ct.oob = srcOOB(dst, ls.sock.v6)
	}
	c.tr = ct

	ls.mu.Lock()
	if ls.closed {
		ls.mu.Unlock()
		c.unlock()
		s.discardConn(c)
		return
	}
	if existing := ls.children[from]; existing != nil {
		// Raced with another request from the same address.
		ls.mu.Unlock()
		c.unlock()
		s.discardConn(c)
		existing.onPacket(p, now)
		return
	}
	for _, other := range ls.children {
		if other.remoteID == m.ClientConnectionID && other.remoteIdentityEq(id) {
			ls.mu.Unlock()
			closed := wire.ConnectionClosed{ToConnectionID: m.ClientConnectionID, ReasonCode: EndMiscGeneric,
				Debug: "A connection with that ID already exists."}
			ls.sock.sendTo(wire.AppendPadded(nil, wire.MsgConnectionClosed, closed.Append(nil)), from, dst)
			c.unlock()
			s.discardConn(c)
			return
		}
	}
	ls.children[from] = c
	ls.mu.Unlock()
	s.reg.mu.Lock()
	s.reg.publishConnLocked(c)
	s.reg.mu.Unlock()
	c.setStateLocked(StateConnecting, now)
	c.thinkLocked(now)
	c.unlock()
}

// overLimit checks the listen socket's limits for one more incoming
// connection; it returns the debug text to refuse it with, or "".
func (ls *listenSocket) overLimit() string {
	lim := &ls.s.limits
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if len(ls.children) >= lim.connsPerListen {
		return refusedDebugServerFull
	}
	if len(ls.children) < lim.pendingPerListen {
		return ""
	}
	pending := 0
	for _, c := range ls.children {
		if ConnectionState(c.apiState.Load()) == StateConnecting {
			pending++
		}
	}
	if pending >= lim.pendingPerListen {
		return refusedDebugTooManyPending
	}
	return ""
}

// refuse answers a valid (cookie-checked) connect request that a limit
// turned down: the client sees ClosedByPeer with EndMiscGeneric at once
// instead of timing out.
func (ls *listenSocket) refuse(to netip.AddrPort, dst netip.Addr, peerID uint32, debug string) {
	ls.s.counters.refused.Add(1)
	ls.s.logf("engine: refusing connection from %s: %s", to, debug)
	closed := wire.ConnectionClosed{ToConnectionID: peerID, ReasonCode: EndMiscGeneric, Debug: debug}
	ls.sock.sendTo(wire.AppendPadded(nil, wire.MsgConnectionClosed, closed.Append(nil)), to, dst)
}

// remoteIdentityEq compares identities without taking c's lock (identity is
// fixed once the connection is registered).
func (c *conn) remoteIdentityEq(id Identity) bool { return c.remoteIdentity == id }

// onHandshakeRetryLocked: a ChallengeRequest/ConnectRequest from the
// address of an existing server-side connection (§2.2 server step 3).
func (c *conn) onHandshakeRetryLocked(kind wire.Kind, p []byte, now int64) {
	if !c.isServer {
		c.s.counters.ignored.Add(1)
		return
	}
	var clientID uint32
	if kind == wire.KindChallengeRequest {
		body, err := wire.Padded(p)
		var m wire.ChallengeRequest
		if err == nil {
			err = m.Unmarshal(body)
		}
		if err != nil {
			c.s.counters.malformed.Add(1)
			return
		}
		clientID = m.ConnectionID
	} else {
		var m wire.ConnectRequest
		if err := m.Unmarshal(wire.Unpadded(p)); err != nil {
			c.s.counters.malformed.Add(1)
			return
		}
		clientID = m.ClientConnectionID
	}
	if clientID != c.remoteID {
		c.s.counters.ignored.Add(1)
		return
	}
	switch {
	case c.state == StateConnecting:
		// still waiting for the application
	case c.state == StateConnected || c.state == StateLinger:
		if c.connectOK != nil {
			c.tr.send(c.connectOK)
		}
	case c.closing():
		c.sendCloseLocked()
	}
}

// negotiateServerCryptoLocked is the acceptor's half of the key exchange, the
// same over UDP and P2P: choose the cipher from the peer's list, prepare our
// crypt info and derive the session keys. On failure the connection is
// already ended with the reason, and it reports false.
func (c *conn) negotiateServerCryptoLocked(now int64) bool {
	cipher, err := crypto.ChooseCipher(crypto.CipherList(c.cfg.unencrypted), c.peerCiphers)
	if err != nil {
		c.problemLocked(EndRemoteBadCrypt, "Failed to negotiate cipher", now)
		return false
	}
	c.cipher = cipher
	if err := c.prepareLocalCryptoLocked([]uint32{cipher}); err != nil {
		c.problemLocked(EndMiscInternalError, "Crypto setup failed", now)
		return false
	}
	if err := c.deriveKeysLocked(true); err != nil {
		c.problemLocked(EndRemoteBadCrypt, err.Error(), now)
		return false
	}
	return true
}

// acceptLocked finishes the server handshake: choose the cipher, sign our
// crypt info, derive keys, send ConnectOK, become Connected.
func (c *conn) acceptLocked(now int64) Result {
	if c.p2p != nil {
		return c.acceptP2PLocked(now)
	}
	if !c.isServer || c.state != StateConnecting {
		return ResultInvalidState
	}
	if !c.negotiateServerCryptoLocked(now) {
		return ResultInvalidState
	}
	ok := wire.ConnectOK{
		ClientConnectionID: c.remoteID,
		ServerConnectionID: c.id,
		Cert:               &c.localCert.Signed,
		Crypt:              &c.localCrypt.Signed,
	}
	if age := now - c.clientTSArrival; age < connectOKEchoMaxAge {
		ok.YourTimestamp, ok.HasYourTimestamp = c.clientTimestamp, true
		ok.DelayTimeUsec = uint32(age)
	}
	if sid := c.s.identity().SteamID64(); sid != 0 {
		ok.LegacyServerSteamID, ok.HasLegacyServerSteamID = sid, true
	}
	c.connectOK = wire.AppendUnpadded(nil, wire.MsgConnectOK, ok.Append(nil))
	c.tr.send(c.connectOK)
	c.becomeConnectedLocked(now)
	return ResultOK
}
