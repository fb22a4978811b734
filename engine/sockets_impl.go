package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"godotsteam-sockets/engine/internal/crypto"
	"godotsteam-sockets/engine/internal/snp"
)

var errClosed = errors.New("engine: Sockets is closed")

// sockets is the implementation behind Sockets.
type sockets struct {
	opts   Options
	limits limits

	idMu     sync.RWMutex
	localID  Identity
	cfgMu    sync.RWMutex
	global   configSet
	reg      *registry
	socks    map[*udpSock]struct{} // guarded by reg.mu
	closed   bool                  // guarded by reg.mu
	events   eventQueue
	recv     recvQueues
	counters counters
	timers   *timerQueue
	act      activity  // WaitForActivity (activity.go)
	p2p      p2pState  // P2P backend and listen sockets (p2p_path.go)
	fake     fakeState // FakeIP, fake UDP ports, hosted servers (fakeip.go, hosted.go)
	wg       sync.WaitGroup
}

func newSockets(opts Options) *sockets {
	return &sockets{opts: opts, limits: resolveLimits(opts), localID: opts.Identity, global: configSet{}, reg: newRegistry(),
		socks: map[*udpSock]struct{}{}, timers: newTimerQueue()}
}

func (s *sockets) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// layers returns the config chain for a new object: its own options, then
// the global values, then defaults.
func (s *sockets) layers(own configSet) layered {
	s.cfgMu.RLock()
	g := s.global.clone()
	s.cfgMu.RUnlock()
	return layered{own, g}
}

// identity is the local identity: Options.Identity / ResetIdentity, else
// the P2P backend's certified identity once logged in.
func (s *sockets) identity() Identity {
	s.idMu.RLock()
	id := s.localID
	s.idMu.RUnlock()
	if id.IsInvalid() {
		if pid, ok := s.p2pIdentity(); ok {
			return pid
		}
	}
	return id
}

func (s *sockets) trackSock(u *udpSock) bool {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	if s.closed {
		return false
	}
	s.socks[u] = struct{}{}
	return true
}

func (s *sockets) untrackSock(u *udpSock) {
	s.reg.mu.Lock()
	delete(s.socks, u)
	s.reg.mu.Unlock()
}

// newConn allocates a connection and reserves its ID.
func (s *sockets) newConn(own configSet, server bool) (*conn, error) {
	l := s.layers(own)
	c := &conn{s: s, cfg: resolveConnCfg(l), isServer: server, pingSampleMS: -1, laneNext: []int64{0}, tqIdx: -1}
	c.userData.Store(l.int(ConfigConnectionUserData))
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if len(s.reg.all) >= s.limits.conns {
		return nil, fmt.Errorf("%w: %d live connections (Options.MaxConnections); close some first", ErrLimitExceeded, len(s.reg.all))
	}
	c.id = s.reg.newIDLocked(true)
	s.reg.reserveConnLocked(c)
	s.timers.start.Do(func() { // under reg.mu: Close cannot be running
		s.wg.Add(1)
		go s.timers.run(&s.wg)
	})
	return c, nil
}

// discardConn releases a connection that never became visible.
func (s *sockets) discardConn(c *conn) {
	c.lock()
	c.state = StateDead
	c.unlock()
	s.timers.remove(c)
	s.reg.mu.Lock()
	s.reg.removeConnLocked(c)
	s.reg.mu.Unlock()
}

func (s *sockets) lookupConn(h Handle) *conn {
	s.reg.mu.RLock()
	c := s.reg.conns[h]
	s.reg.mu.RUnlock()
	return c
}

func (s *sockets) close() {
	s.reg.mu.Lock()
	if s.closed {
		s.reg.mu.Unlock()
		return
	}
	s.closed = true
	conns := make([]*conn, 0, len(s.reg.all))
	for _, c := range s.reg.all {
		conns = append(conns, c)
	}
	listens := make([]*listenSocket, 0, len(s.reg.listens))
	for _, ls := range s.reg.listens {
		listens = append(listens, ls)
	}
	clear(s.reg.listens)
	clear(s.reg.groups)
	socks := make([]*udpSock, 0, len(s.socks))
	for u := range s.socks {
		socks = append(socks, u)
	}
	s.reg.mu.Unlock()
	for _, c := range conns {
		c.lock()
		c.suppressEvents = true
		switch c.state {
		case StateConnecting, StateFindingRoute, StateConnected, StateLinger:
			if c.remoteID != 0 {
				c.setEndLocked(EndAppGeneric, "Application closed connection")
				c.sendCloseLocked()
			}
		}
		c.destroyLocked()
		c.unlock()
	}
	for _, ls := range listens {
		ls.mu.Lock()
		ls.closed = true
		ls.mu.Unlock()
	}
	for _, u := range socks {
		u.close()
	}
	s.p2p.shutdown()
	close(s.timers.stop)
	s.wg.Wait()
}

func (s *sockets) setGlobalConfig(opt ConfigOption) error {
	v, err := convertConfig(opt.Key, opt.Value)
	if err != nil {
		return err
	}
	s.cfgMu.Lock()
	s.global[opt.Key] = v
	s.cfgMu.Unlock()
	s.reg.mu.Lock()
	socks := make([]*udpSock, 0, len(s.socks))
	for u := range s.socks {
		socks = append(socks, u)
	}
	s.reg.mu.Unlock()
	for _, u := range socks {
		u.updateFault()
	}
	s.updateP2PFault() // P2P paths (p2p_path.go)
	return nil
}

func (s *sockets) getGlobalConfig(k ConfigKey) (ConfigValue, bool) {
	d, ok := DescribeConfig(k)
	if !ok {
		return ConfigValue{}, false
	}
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	if k == ConfigMTUDataSize {
		return ConfigValue{Type: ConfigInt32, Int: layered{s.global}.int(ConfigMTUPacketSize) - 100}, true
	}
	if v, ok := s.global[k]; ok {
		return v, true
	}
	return d.Default, true
}

func (s *sockets) createListenSocketIP(addr netip.AddrPort, opts []ConfigOption) (Handle, error) {
	set := configSet{}
	if err := set.apply(opts); err != nil {
		return InvalidHandle, err
	}
	if !addr.IsValid() {
		addr = netip.AddrPortFrom(netip.IPv6Unspecified(), addr.Port())
	}
	// Like GNS's open-source build: with no certificate authority, a listen
	// socket that refuses unauthenticated peers could never accept anyone.
	if s.layers(set).int(ConfigIPAllowWithoutAuth) == 0 && !s.haveCA() {
		return InvalidHandle, errors.New("engine: no cert authority, must set IP_AllowWithoutAuth (it is 0)")
	}
	u, err := s.openUDP(addr, set)
	if err != nil {
		return InvalidHandle, fmt.Errorf("engine: cannot bind %s: %w", formatAddr(addr, true), err)
	}
	ls := &listenSocket{s: s, sock: u, opts: set, cookie: crypto.NewCookieKey(), children: map[netip.AddrPort]*conn{}}
	if !s.trackSock(u) {
		u.close()
		return InvalidHandle, errClosed
	}
	s.reg.mu.Lock()
	if n := len(s.reg.listens); n >= s.limits.listens {
		s.reg.mu.Unlock()
		u.close()
		s.untrackSock(u)
		return InvalidHandle, fmt.Errorf("%w: %d listen sockets (Options.MaxListenSockets)", ErrLimitExceeded, n)
	}
	ls.handle = s.reg.newIDLocked(false)
	s.reg.listens[ls.handle] = ls
	s.reg.mu.Unlock()
	u.start(ls.onPacket)
	return ls.handle, nil
}

func (s *sockets) connectByIPAddress(addr netip.AddrPort, opts []ConfigOption) (Handle, error) {
	set := configSet{}
	if err := set.apply(opts); err != nil {
		return InvalidHandle, err
	}
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	if isGlobalFakeIP(addr) && s.hasFakeIPBackend() {
		return s.connectFakeIP(addr, set)
	}
	if !addr.IsValid() || addr.Port() == 0 || addr.Addr().IsUnspecified() {
		return InvalidHandle, fmt.Errorf("engine: cannot connect to %q: need an address and a non-zero port", formatAddr(addr, true))
	}
	c, err := s.newConn(set, false)
	if err != nil {
		return InvalidHandle, err
	}
	bind := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	if addr.Addr().Is6() {
		bind = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	}
	u, err := s.openUDP(bind, set)
	if err != nil {
		s.discardConn(c)
		return InvalidHandle, fmt.Errorf("engine: cannot open a UDP socket: %w", err)
	}
	if !s.trackSock(u) {
		u.close()
		s.discardConn(c)
		return InvalidHandle, errClosed
	}
	c.lock()
	c.remoteAddr = addr
	c.remoteIdentity = IPIdentity(addr)
	if err := c.prepareLocalCryptoLocked(crypto.CipherList(c.cfg.unencrypted)); err != nil {
		c.unlock()
		u.close()
		s.untrackSock(u)
		s.discardConn(c)
		return InvalidHandle, err
	}
	c.tr = &clientSockTransport{clientTransport{sock: u, peer: addr}, s}
	s.reg.mu.Lock()
	s.reg.publishConnLocked(c)
	s.reg.mu.Unlock()
	now := nowUsec()
	c.setStateLocked(StateConnecting, now)
	c.sendChallengeRequestLocked(now)
	c.thinkLocked(now)
	c.unlock()
	u.start(func(p []byte, from netip.AddrPort, _ netip.Addr, now int64, fs *flushSet) {
		if from != addr {
			s.counters.spoofed.Add(1)
			return
		}
		c.onPacketFS(p, now, fs)
	})
	return c.id, nil
}

// clientSockTransport also untracks the socket when the connection dies.
type clientSockTransport struct {
	clientTransport
	s *sockets
}

func (t *clientSockTransport) close() {
	t.clientTransport.close()
	t.s.untrackSock(t.sock)
}

func (s *sockets) acceptConnection(h Handle) Result {
	c := s.lookupConn(h)
	if c == nil {
		return ResultInvalidParam
	}
	c.lock()
	defer c.unlock()
	return c.acceptLocked(nowUsec())
}

func (s *sockets) closeConnection(h Handle, reason int, debug string, linger bool) bool {
	s.reg.mu.Lock()
	c := s.reg.conns[h]
	if c != nil {
		delete(s.reg.conns, h)
	}
	s.reg.mu.Unlock()
	if c == nil {
		return false
	}
	now := nowUsec()
	c.lock()
	c.apiClosed = true
	active := c.state == StateConnecting || c.state == StateFindingRoute || c.state == StateConnected
	if c.endReason == EndInvalid || active {
		if reason == 0 {
			reason = EndAppGeneric
		} else if reason < EndAppGeneric || reason > EndAppExceptionMax {
			reason = EndAppMax
			debug = "Invalid numeric reason code"
		}
		c.endReason = reason
		if c.endDebug == "" {
			if debug == "" {
				if reason >= EndAppExceptionGeneric {
					debug = "Application closed connection in an unusual way"
				} else {
					debug = "Application closed connection"
				}
			}
			c.endDebug = truncateUTF8(debug, MaxConnectionCloseReasonLen)
		}
	}
	peer := c.pipePeer
	endReason, endDebug := c.endReason, c.endDebug
	if c.state == StateConnected && linger && c.session != nil && !c.session.ReliableDrained() {
		c.setStateLocked(StateLinger, now)
		c.thinkLocked(now)
		c.unlock()
		return true
	}
	c.finWaitLocked(now)
	c.unlock()
	if peer != nil {
		peer.lock()
		peer.closedByPeerLocked(endReason, endDebug, now)
		peer.unlock()
	}
	return true
}

func (s *sockets) closeListenSocket(h Handle) bool {
	s.reg.mu.Lock()
	ls := s.reg.listens[h]
	if ls != nil {
		delete(s.reg.listens, h)
		s.reg.forgetLocked(h, false)
	}
	s.reg.mu.Unlock()
	if ls == nil {
		return false
	}
	ls.mu.Lock()
	ls.closed = true
	children := make([]*conn, 0, len(ls.children))
	for _, c := range ls.children {
		children = append(children, c)
	}
	ls.mu.Unlock()
	for _, c := range children {
		s.reg.mu.Lock()
		if s.reg.conns[c.id] == c {
			delete(s.reg.conns, c.id)
		}
		s.reg.mu.Unlock()
		c.lock()
		// Ungraceful: the handle just becomes invalid (no event, as GNS);
		// the peer is told so it sees ClosedByPeer instead of a timeout.
		c.suppressEvents = true
		if !c.closing() && c.state != StateDead && c.state != StateFinWait {
			c.setEndLocked(EndMiscGeneric, "Listen socket closed")
			c.sendCloseLocked()
		}
		c.destroyLocked()
		c.unlock()
	}
	if ls.p2p {
		s.forgetP2PListener(ls)
		return true
	}
	ls.sock.close()
	s.untrackSock(ls.sock)
	return true
}

func (s *sockets) listenSocketAddress(h Handle) (netip.AddrPort, bool) {
	s.reg.mu.Lock()
	ls := s.reg.listens[h]
	s.reg.mu.Unlock()
	if ls == nil || ls.sock == nil {
		return netip.AddrPort{}, false
	}
	a := ls.sock.local
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()), true
}

func (s *sockets) sendMessage(h Handle, data []byte, flags int, lane int) (int64, Result) {
	c := s.lookupConn(h)
	if c == nil {
		return -1, ResultInvalidParam
	}
	now := nowUsec()
	c.lock()
	defer c.unlock()
	num, res := c.queueMessageLocked(data, flags, lane, now)
	if res == ResultOK {
		c.afterQueueLocked(now)
	}
	return num, res
}

// queueMessageLocked queues one message without sending packets yet; the
// caller calls afterQueueLocked once per batch.
func (c *conn) queueMessageLocked(data []byte, flags int, lane int, now int64) (int64, Result) {
	if len(data) > MaxMessageSizeSend || lane < 0 || lane >= c.laneCountLocked() {
		return -1, ResultInvalidParam
	}
	switch c.state {
	case StateClosedByPeer, StateProblemDetectedLocally:
		return -1, ResultNoConnection
	case StateConnecting, StateFindingRoute:
		if flags&SendNoDelay != 0 {
			return -1, ResultIgnored
		}
		if c.pendingSize+len(data) > c.cfg.sendBufferSize {
			return -1, ResultLimitExceeded
		}
		c.laneNext[lane]++
		c.pending = append(c.pending, pendingMsg{data: append([]byte(nil), data...), flags: flags, lane: lane})
		c.pendingSize += len(data)
		return c.laneNext[lane], ResultOK
	case StateConnected:
	default:
		return -1, ResultInvalidState
	}
	if c.pipe {
		return c.pipeSendLocked(data, flags, lane, now)
	}
	num, res := c.session.SendMessage(data, flags, lane, true, now)
	if Result(res) != ResultOK {
		return -1, Result(res)
	}
	return num, ResultOK
}

// afterQueueLocked sends what the queued messages allow and re-arms the timer.
func (c *conn) afterQueueLocked(now int64) {
	if c.state != StateConnected || c.pipe || c.session == nil {
		return
	}
	c.flushLocked(now)
	c.scheduleLocked(c.session.NextWakeTime())
}

// sendMessages queues a batch, locking and flushing each connection once per
// run of consecutive messages to it (one packet build per run, not per message).
func (s *sockets) sendMessages(msgs []OutgoingMessage) []int64 {
	out := make([]int64, len(msgs))
	now := nowUsec()
	for i := 0; i < len(msgs); {
		h := msgs[i].Conn
		j := i
		for j < len(msgs) && msgs[j].Conn == h {
			j++
		}
		c := s.lookupConn(h)
		if c == nil {
			for k := i; k < j; k++ {
				out[k] = -int64(ResultInvalidParam)
			}
			i = j
			continue
		}
		c.lock()
		queued := false
		for k := i; k < j; k++ {
			n, r := c.queueMessageLocked(msgs[k].Data, msgs[k].Flags, msgs[k].Lane, now)
			if r != ResultOK {
				n = -int64(r)
			} else {
				queued = true
			}
			out[k] = n
		}
		if queued {
			c.afterQueueLocked(now)
		}
		c.unlock()
		i = j
	}
	return out
}

func (s *sockets) flush(h Handle) Result {
	c := s.lookupConn(h)
	if c == nil {
		return ResultInvalidParam
	}
	now := nowUsec()
	c.lock()
	defer c.unlock()
	switch c.state {
	case StateConnected:
		if c.session != nil {
			c.session.Flush(now)
			c.flushLocked(now)
			c.scheduleLocked(c.session.NextWakeTime())
		}
		return ResultOK
	case StateConnecting, StateFindingRoute:
		return ResultIgnored
	case StateClosedByPeer, StateProblemDetectedLocally:
		return ResultNoConnection
	}
	return ResultInvalidState
}

func (s *sockets) receiveOnConnection(h Handle, max int) []*Message {
	if max <= 0 {
		return nil
	}
	c := s.lookupConn(h)
	if c == nil {
		return nil
	}
	s.recv.mu.Lock()
	defer s.recv.mu.Unlock()
	return c.takeFromConnLocked(max, nil)
}

func (s *sockets) receiveOnPollGroup(h Handle, max int) []*Message {
	if max <= 0 {
		return nil
	}
	s.reg.mu.RLock()
	g := s.reg.groups[h]
	s.reg.mu.RUnlock()
	if g == nil {
		return nil
	}
	s.recv.mu.Lock()
	defer s.recv.mu.Unlock()
	return g.takeFromGroupLocked(max, nil)
}

func (s *sockets) configureLanes(h Handle, lanes int, priorities []int, weights []int) Result {
	c := s.lookupConn(h)
	if c == nil {
		return ResultNoConnection
	}
	if lanes < 1 || lanes > 255 || len(priorities) < lanes || len(weights) < lanes {
		return ResultInvalidParam
	}
	for _, w := range weights[:lanes] {
		if w <= 0 || w > 0xFFFF {
			return ResultInvalidParam
		}
	}
	c.lock()
	defer c.unlock()
	switch c.state {
	case StateConnecting, StateFindingRoute, StateConnected:
	default:
		return ResultInvalidState
	}
	if lanes < c.laneCountLocked() {
		return ResultInvalidParam
	}
	if lanes > 1 && c.peerVersion != 0 && c.peerVersion < 11 {
		return ResultInvalidParam
	}
	prio := append([]int(nil), priorities[:lanes]...)
	wts := append([]int(nil), weights[:lanes]...)
	if c.session != nil {
		r := Result(c.session.ConfigureLanes(prio, wts))
		if r == ResultOK {
			c.lanePrio, c.laneWeight = prio, wts
		}
		return r
	}
	c.lanePrio, c.laneWeight = prio, wts
	for len(c.laneNext) < lanes {
		c.laneNext = append(c.laneNext, 0)
	}
	return ResultOK
}

func (s *sockets) createPollGroup() Handle {
	s.reg.mu.Lock()
	defer s.reg.mu.Unlock()
	if s.closed {
		return InvalidHandle
	}
	if n := len(s.reg.groups); n >= s.limits.groups {
		s.logf("engine: cannot create a poll group: %v: %d poll groups (Options.MaxPollGroups)", ErrLimitExceeded, n)
		return InvalidHandle
	}
	g := &pollGroup{members: map[*conn]struct{}{}}
	g.handle = s.reg.newIDLocked(false)
	s.reg.groups[g.handle] = g
	return g.handle
}

func (s *sockets) destroyPollGroup(h Handle) bool {
	s.reg.mu.Lock()
	g := s.reg.groups[h]
	if g != nil {
		delete(s.reg.groups, h)
		s.reg.forgetLocked(h, false)
	}
	s.reg.mu.Unlock()
	if g == nil {
		return false
	}
	s.recv.mu.Lock()
	g.dead = true
	for c := range g.members {
		c.setGroupLocked(nil)
	}
	s.recv.mu.Unlock()
	return true
}

func (s *sockets) setPollGroup(h, pg Handle) bool {
	c := s.lookupConn(h)
	if c == nil {
		return false
	}
	var g *pollGroup
	if pg != InvalidHandle {
		s.reg.mu.Lock()
		g = s.reg.groups[pg]
		s.reg.mu.Unlock()
		if g == nil {
			return false
		}
	}
	s.recv.mu.Lock()
	defer s.recv.mu.Unlock()
	if g != nil && g.dead {
		return false
	}
	c.setGroupLocked(g)
	return true
}

func (s *sockets) connectionInfo(h Handle) (ConnectionInfo, bool) {
	c := s.lookupConn(h)
	if c == nil {
		return ConnectionInfo{}, false
	}
	c.lock()
	defer c.unlock()
	return c.infoLocked(), true
}

func (s *sockets) realTimeStatus(h Handle, lanes int) (RealTimeStatus, []LaneStatus, Result) {
	c := s.lookupConn(h)
	if c == nil {
		return RealTimeStatus{}, nil, ResultNoConnection
	}
	now := nowUsec()
	c.lock()
	defer c.unlock()
	if lanes < 0 || lanes > c.laneCountLocked() {
		return RealTimeStatus{}, nil, ResultInvalidParam
	}
	st := RealTimeStatus{State: collapse(c.state), Ping: -1, LocalQuality: -1, RemoteQuality: -1,
		SendRateBytesPerSecond: c.cfg.sendRateMin}
	ls := make([]LaneStatus, lanes)
	switch {
	case c.session != nil:
		ss := c.session.Status(now)
		st.Ping, st.LocalQuality, st.RemoteQuality = ss.Ping, ss.LocalQuality, ss.RemoteQuality
		st.OutPacketsPerSec, st.OutBytesPerSec = ss.OutPacketsPerSec, ss.OutBytesPerSec
		st.InPacketsPerSec, st.InBytesPerSec = ss.InPacketsPerSec, ss.InBytesPerSec
		st.SendRateBytesPerSecond = ss.SendRate
		st.PendingUnreliable, st.PendingReliable = ss.PendingUnreliable, ss.PendingReliable
		st.SentUnackedReliable, st.QueueTimeMicroseconds = ss.SentUnackedReliable, ss.QueueTime
		for i := range ls {
			l := c.session.LaneStatus(i, now)
			ls[i] = LaneStatus{PendingUnreliable: l.PendingUnreliable, PendingReliable: l.PendingReliable,
				SentUnackedReliable: l.SentUnackedReliable, QueueTimeMicroseconds: l.QueueTime}
		}
	case c.pipe:
		st.Ping, st.LocalQuality, st.RemoteQuality = 0, 1, 1
	default:
		for _, m := range c.pending {
			if m.flags&SendReliable != 0 {
				st.PendingReliable += len(m.data)
				if m.lane < lanes {
					ls[m.lane].PendingReliable += len(m.data)
				}
			} else {
				st.PendingUnreliable += len(m.data)
				if m.lane < lanes {
					ls[m.lane].PendingUnreliable += len(m.data)
				}
			}
		}
		if c.pingSampleMS >= 0 {
			st.Ping = c.pingSampleMS
		}
	}
	return st, ls, ResultOK
}

func (s *sockets) detailedStatus(h Handle) (string, bool) {
	c := s.lookupConn(h)
	if c == nil {
		return "", false
	}
	now := nowUsec()
	c.lock()
	defer c.unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "Connection %s\n", c.descriptionLocked())
	fmt.Fprintf(&b, "State: %s (%d)", stateName(c.state), collapse(c.state))
	if c.endReason != 0 {
		fmt.Fprintf(&b, ", end reason %d: %s", c.endReason, c.endDebug)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Remote: %s identity %s, connection ID %#08x, protocol v%d\n",
		formatAddr(c.remoteAddr, true), c.remoteIdentity, c.remoteID, c.peerVersion)
	cipher := "AES-256-GCM"
	if c.cipher == 1 {
		cipher = "NULL (unencrypted)"
	} else if c.cipher == 0 {
		cipher = "none yet"
	}
	if c.pipe {
		cipher = "in-process pipe"
	}
	fmt.Fprintf(&b, "Cipher: %s; unauthenticated: %v\n", cipher, c.unauthenticated)
	fmt.Fprintf(&b, "Dropped packets: malformed %d, spoofed %d, decrypt failed %d, replayed %d\n",
		c.stats.malformed, c.stats.spoofed, c.stats.decryptFailed, c.stats.replayed)
	if c.session != nil {
		ss := c.session.Status(now)
		st := c.session.Stats()
		fmt.Fprintf(&b, "Ping: %d ms; quality local %.2f remote %.2f; send rate %d B/s\n", ss.Ping, ss.LocalQuality, ss.RemoteQuality, ss.SendRate)
		fmt.Fprintf(&b, "Pending: reliable %d B, unreliable %d B, sent unacked %d B\n", ss.PendingReliable, ss.PendingUnreliable, ss.SentUnackedReliable)
		fmt.Fprintf(&b, "Packets: sent %d recv %d dropped %d dup %d out-of-order %d retransmits %d\n",
			st.PacketsSent, st.PacketsRecv, st.PacketsDropped, st.PacketsDuplicate, st.PacketsOutOfOrder, st.Retransmits)
		fmt.Fprintf(&b, "Messages: sent %d recv %d; decode errors %d\n", st.MessagesSent, st.MessagesRecv, st.DecodeError)
		writePeerReports(&b, c.session.PeerReports(), now)
	}
	return b.String(), true
}

func stateName(st ConnectionState) string {
	switch st {
	case StateNone:
		return "None"
	case StateConnecting:
		return "Connecting"
	case StateFindingRoute:
		return "FindingRoute"
	case StateConnected:
		return "Connected"
	case StateClosedByPeer:
		return "ClosedByPeer"
	case StateProblemDetectedLocally:
		return "ProblemDetectedLocally"
	case StateFinWait:
		return "FinWait"
	case StateLinger:
		return "Linger"
	case StateDead:
		return "Dead"
	}
	return fmt.Sprintf("state(%d)", int(st))
}

func (s *sockets) setName(h Handle, name string) bool {
	c := s.lookupConn(h)
	if c == nil {
		return false
	}
	c.lock()
	c.name = truncateUTF8(name, MaxConnectionNameLen)
	c.unlock()
	return true
}

func (s *sockets) name(h Handle) (string, bool) {
	c := s.lookupConn(h)
	if c == nil {
		return "", false
	}
	c.lock()
	defer c.unlock()
	return c.name, true
}

func (s *sockets) setUserData(h Handle, v int64) bool {
	c := s.lookupConn(h)
	if c == nil {
		return false
	}
	c.userData.Store(v)
	return true
}

func (s *sockets) userData(h Handle) int64 {
	c := s.lookupConn(h)
	if c == nil {
		return -1
	}
	return c.userData.Load()
}

func (s *sockets) resetIdentity(id Identity) {
	s.idMu.Lock()
	s.localID = id
	s.idMu.Unlock()
	s.resetFakeIP() // the FakeIP and fake UDP ports belonged to the old identity (fakeip.go)
	s.reg.mu.Lock()
	conns := make([]*conn, 0, len(s.reg.conns))
	for _, c := range s.reg.conns {
		conns = append(conns, c)
	}
	s.reg.mu.Unlock()
	now := nowUsec()
	for _, c := range conns {
		c.lock()
		peer := c.pipePeer
		c.problemLocked(EndMiscGeneric, "Local identity reset", now)
		c.unlock()
		if peer != nil {
			peer.lock()
			peer.closedByPeerLocked(EndMiscGeneric, "Local identity reset", now)
			peer.unlock()
		}
	}
}

func (s *sockets) pollEvents(dst []Event) []Event { return s.events.drain(dst) }
func (s *sockets) eventsPending() bool            { return s.events.pending() }

var _ = snp.ResultOK

// writePeerReports describes the peer's latest connection-quality reports
// (its view of our packets) for the detailed status.
func writePeerReports(b *strings.Builder, r snp.PeerReports, now int64) {
	if r.InstantaneousAt == 0 {
		b.WriteString("Peer report: none yet (GNS sends one 20-30 s into an active connection)\n")
	} else {
		in := r.Instantaneous
		opt := func(v int64, unit string) string {
			if v < 0 {
				return "?"
			}
			return strconv.FormatInt(v, 10) + unit
		}
		fmt.Fprintf(b, "Peer report %.1fs ago: sent %.1f pkts/s %.1f KB/s, recv %.1f pkts/s %.1f KB/s, ping %s, dropped %s, weird sequence %s, peak jitter %s\n",
			float64(now-r.InstantaneousAt)/1e6, float64(in.OutPacketsPerSecX10)/10, float64(in.OutBytesPerSec)/1024,
			float64(in.InPacketsPerSecX10)/10, float64(in.InBytesPerSec)/1024, opt(in.PingMS, " ms"),
			opt(in.PacketsDroppedPct, "%"), opt(in.PacketsWeirdSequencePct, "%"), opt(in.PeakJitterUsec, " µs"))
	}
	if r.LifetimeAt != 0 {
		l := r.Lifetime
		fmt.Fprintf(b, "Peer lifetime report %.1fs ago: connected %d s, sent %d pkts %d KB, recv %d pkts %d KB, dropped %d, out of order %d, duplicate %d, lurch %d\n",
			float64(now-r.LifetimeAt)/1e6, l.ConnectedSeconds, l.PacketsSent, l.KBSent, l.PacketsRecv, l.KBRecv,
			l.PacketsRecvDropped, l.PacketsRecvOutOfOrder, l.PacketsRecvDuplicate, l.PacketsRecvLurch)
	}
}
