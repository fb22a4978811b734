package engine

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"godotsteam-sockets/engine/internal/crypto"
	"godotsteam-sockets/engine/internal/snp"
	"godotsteam-sockets/engine/internal/wire"
)

// Timing constants (gns_wire_notes.md §2.7, §5.4).
const (
	handshakeRetryUsec  = 500_000   // ChallengeRequest/ConnectRequest retry
	finWaitUsec         = 5_000_000 // FinWait → Dead
	connectOKEchoMaxAge = 4_000_000 // echo the client's timestamp only if fresher
	maxPacketsPerFlush  = 256
	maxBatch            = 64 // datagrams handed to the transport at once
)

// connCfg is a connection's resolved configuration (read without locks
// after creation; the values GNS locks once connecting are never changed).
type connCfg struct {
	timeoutInitial     int64 // µs
	timeoutConnected   int64 // µs
	sendBufferSize     int
	recvBufferSize     int
	recvBufferMessages int
	recvMaxMessageSize int
	recvMaxSegments    int
	sendRateMin        int
	sendRateMax        int
	nagle              int64 // µs
	mtu                int
	allowWithoutAuth   int
	allowLocalHost     int
	unencrypted        int
}

func resolveConnCfg(l layered) connCfg {
	return connCfg{
		timeoutInitial:     l.int(ConfigTimeoutInitial) * 1000,
		timeoutConnected:   l.int(ConfigTimeoutConnected) * 1000,
		sendBufferSize:     int(l.int(ConfigSendBufferSize)),
		recvBufferSize:     int(l.int(ConfigRecvBufferSize)),
		recvBufferMessages: int(l.int(ConfigRecvBufferMessages)),
		recvMaxMessageSize: int(l.int(ConfigRecvMaxMessageSize)),
		recvMaxSegments:    int(l.int(ConfigRecvMaxSegmentsPerPacket)),
		sendRateMin:        int(l.int(ConfigSendRateMin)),
		sendRateMax:        int(l.int(ConfigSendRateMax)),
		nagle:              l.int(ConfigNagleTime),
		mtu:                int(l.int(ConfigMTUPacketSize)),
		allowWithoutAuth:   int(l.int(ConfigIPAllowWithoutAuth)),
		allowLocalHost:     int(l.int(ConfigIPLocalHostAllowWithoutAuth)),
		unencrypted:        int(l.int(ConfigUnencrypted)),
	}
}

func (c connCfg) snp() snp.Config {
	return snp.Config{
		SendBufferSize: c.sendBufferSize, RecvBufferSize: c.recvBufferSize,
		RecvBufferMessages: c.recvBufferMessages, RecvMaxMessageSize: c.recvMaxMessageSize,
		RecvMaxSegmentsPerPacket: c.recvMaxSegments, SendRateMin: c.sendRateMin, SendRateMax: c.sendRateMax,
		NagleTime: c.nagle, TimeoutConnected: c.timeoutConnected,
	}
}

// effectiveAllow is IP_AllowWithoutAuth, raised by
// IPLocalHost_AllowWithoutAuth for loopback peers.
func (c connCfg) effectiveAllow(peer netip.Addr) int {
	a := c.allowWithoutAuth
	if peer.Unmap().IsLoopback() && c.allowLocalHost > a {
		a = c.allowLocalHost
	}
	return a
}

// pendingMsg is a message sent while still connecting; it is handed to SNP
// once the session exists.
type pendingMsg struct {
	data  []byte
	flags int
	lane  int
}

// connStats are per-connection packet counters.
type connStats struct {
	malformed, spoofed, decryptFailed, replayed int64
	lastRecv                                    int64
}

// conn is one connection. mu guards everything except the fields noted.
type conn struct {
	s  *sockets
	id uint32 // handle == local connection ID

	mu        sync.Mutex
	state     ConnectionState // internal state (may be negative)
	apiState  atomic.Int32    // API-visible state, readable without mu
	entered   int64           // when state was entered
	endReason int
	endDebug  string
	// wireClosedByPeer: the peer told us it closed, so our own close
	// notifications are NoConnection rather than ConnectionClosed.
	wireClosedByPeer bool
	apiClosed        bool // the app closed the handle
	suppressEvents   bool // destroyed without telling the app (Sockets.Close, listen socket closed)
	flushQueued      bool // in a reader's flushSet

	isServer       bool // accepted by a listen socket
	ls             *listenSocket
	remoteID       uint32
	remoteIdentity Identity
	remoteAddr     netip.AddrPort
	tr             transport
	cfg            connCfg
	name           string
	userData       atomic.Int64 // read by receive calls under the recv lock

	// handshake
	localCert       *crypto.LocalCert
	localCrypt      *crypto.Session
	peerCertRaw     []byte
	peerCrypt       *crypto.PeerCrypt
	peerCiphers     []uint32
	peerVersion     uint32
	challenge       uint64
	haveChallenge   bool
	lastHandshakeTx int64
	clientTimestamp uint64 // server: client's ConnectRequest timestamp
	clientTSArrival int64
	connectOK       []byte // server: the ConnectOK datagram, resent on retries
	pingSampleMS    int    // handshake ping sample, -1 none
	unauthenticated bool
	cipher          uint32

	// data
	session     *snp.Session
	sendDir     *crypto.Direction
	recvDir     *crypto.Direction
	maxRecvPkt  uint64
	pending     []pendingMsg
	pendingSize int
	laneNext    []int64 // next message number per lane, before the session exists
	lanePrio    []int
	laneWeight  []int
	plain       []byte
	outBufs     [][]byte // reusable datagram buffers for one flush
	batch       [][]byte
	rbuf        []byte
	recvHeld    bool // deliver holds s.recv.mu until ReceivePacket returns
	delivered   bool // a message was queued: onPacketFS wakes the app after unlocking
	stats       connStats

	// pipe socket pair
	pipe     bool
	pipePeer *conn

	p2p *p2pConn // P2P connections only (p2p_path.go)

	// timer queue entry (guarded by s.timers.mu)
	tqIdx int   // index in the heap, -1 when not scheduled
	tqAt  int64 // wake time

	// guarded by s.recv.mu
	recvQ connQueue
	group *pollGroup
}

func collapse(st ConnectionState) ConnectionState {
	if st < 0 {
		return StateNone
	}
	return st
}

func (c *conn) lock()   { c.mu.Lock() }
func (c *conn) unlock() { c.mu.Unlock() }

// setStateLocked changes state and posts the API-visible change.
func (c *conn) setStateLocked(st ConnectionState, now int64) {
	old := c.state
	if old == st {
		return
	}
	c.state = st
	c.entered = now
	oldAPI, newAPI := collapse(old), collapse(st)
	c.apiState.Store(int32(newAPI))
	if oldAPI != newAPI && !c.suppressEvents && !(old == StateNone && st == StateProblemDetectedLocally) {
		c.s.events.post(&ConnectionStatusChanged{Conn: c.id, Info: c.infoLocked(), OldState: oldAPI})
		c.s.act.signal()
	}
	if newAPI == StateNone && st != StateNone {
		c.s.recv.mu.Lock()
		c.purgeLocked()
		c.setGroupLocked(nil)
		c.s.recv.mu.Unlock()
	}
	switch st {
	case StateFinWait, StateClosedByPeer, StateProblemDetectedLocally, StateDead:
		c.pending, c.pendingSize = nil, 0
	}
}

func (c *conn) infoLocked() ConnectionInfo {
	info := ConnectionInfo{
		Identity:    c.remoteIdentity,
		UserData:    c.userData.Load(),
		RemoteAddr:  c.remoteAddr,
		State:       collapse(c.state),
		EndReason:   c.endReason,
		EndDebug:    c.endDebug,
		Description: c.descriptionLocked(),
	}
	if c.ls != nil {
		info.ListenSocket = c.ls.handle
	}
	if c.pipe {
		info.Flags |= InfoFlagLoopbackBuffers | InfoFlagFast
	} else {
		if c.unauthenticated {
			info.Flags |= InfoFlagUnauthenticated
		}
		if c.cipher == wire.CipherNull {
			info.Flags |= InfoFlagUnencrypted
		}
		if c.remoteAddr.Addr().IsLoopback() {
			info.Flags |= InfoFlagFast
		}
		info.Flags |= c.p2pFlagsLocked()
	}
	return info
}

// descriptionLocked is GNS's connection description: "#<id> UDP <addr>",
// "#<id> UDP <identity>@<addr>" or "#<id> pipe", plus " '<name>'".
func (c *conn) descriptionLocked() string {
	var typ string
	switch {
	case c.pipe:
		typ = "pipe"
	case c.p2p != nil:
		typ = "P2P " + c.remoteIdentity.String()
	case c.remoteIdentity.IsLocalHost() || c.remoteIdentity.Type == IdentityIPAddress && c.remoteIdentity.Addr == c.remoteAddr:
		typ = "UDP " + formatAddr(c.remoteAddr, true)
	case c.remoteIdentity.IsInvalid():
		typ = "UDP " + formatAddr(c.remoteAddr, true)
	default:
		typ = "UDP " + c.remoteIdentity.String() + "@" + formatAddr(c.remoteAddr, true)
	}
	d := fmt.Sprintf("#%d %s", c.id, typ)
	if c.name != "" {
		d += " '" + c.name + "'"
	}
	return truncateUTF8(d, MaxConnectionDescriptionLen)
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8Valid(s) {
		s = s[:len(s)-1]
	}
	return s
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// scheduleLocked makes sure the timer fires no later than at (0 = nothing).
func (c *conn) scheduleLocked(at int64) {
	if at == 0 || c.state == StateDead {
		return
	}
	c.s.timers.schedule(c, at)
}

// onTimer runs on the timer goroutine when c's wake time has come.
func (c *conn) onTimer() {
	c.lock()
	if c.state != StateDead {
		c.thinkLocked(nowUsec())
	}
	c.unlock()
}

// thinkLocked runs every timer-driven duty of the current state and
// re-arms the timer.
func (c *conn) thinkLocked(now int64) {
	var next int64
	switch c.state {
	case StateConnecting, StateFindingRoute:
		deadline := c.entered + c.cfg.timeoutInitial
		if c.p2p != nil && c.p2p.inFlight {
			deadline += p2pGraceUsec // the dial reports a more precise failure first
		}
		if now >= deadline {
			if c.isServer {
				c.problemLocked(EndMiscTimeout, "App didn't accept or close incoming connection in time.", now)
			} else {
				c.problemLocked(EndMiscTimeout, "Timed out attempting to connect", now)
			}
			return
		}
		next = deadline
		if !c.isServer && !c.pipe && c.p2p == nil {
			if now >= c.lastHandshakeTx+handshakeRetryUsec {
				c.sendChallengeRequestLocked(now)
			}
			next = min(next, c.lastHandshakeTx+handshakeRetryUsec)
		}
	case StateConnected, StateLinger:
		if c.session == nil {
			return
		}
		if c.session.CheckTimeouts(now) {
			c.problemLocked(EndMiscTimeout, "Connection dropped", now)
			return
		}
		c.flushLocked(now)
		if c.state == StateLinger && c.session.ReliableDrained() {
			c.finWaitLocked(now)
			return
		}
		next = c.session.NextWakeTime()
	case StateFinWait:
		if now >= c.entered+finWaitUsec || c.pipe {
			c.destroyLocked()
			return
		}
		next = c.entered + finWaitUsec
	}
	c.scheduleLocked(next)
}

// problemLocked enters ProblemDetectedLocally (or FinWait from Linger) and
// tells the peer.
func (c *conn) problemLocked(reason int, debug string, now int64) {
	switch c.state {
	case StateConnecting, StateFindingRoute, StateConnected:
	case StateLinger:
		c.setEndLocked(reason, debug)
		c.finWaitLocked(now)
		return
	default:
		return
	}
	c.setEndLocked(reason, debug)
	c.setStateLocked(StateProblemDetectedLocally, now)
	c.sendCloseLocked()
}

// closedByPeerLocked enters ClosedByPeer with the peer's reason.
func (c *conn) closedByPeerLocked(reason int, debug string, now int64) {
	switch c.state {
	case StateConnecting, StateFindingRoute, StateConnected:
		c.wireClosedByPeer = true
		c.setEndLocked(reason, debug)
		c.setStateLocked(StateClosedByPeer, now)
	case StateLinger:
		c.wireClosedByPeer = true
		c.finWaitLocked(now)
	}
}

func (c *conn) setEndLocked(reason int, debug string) {
	c.endReason = reason
	c.endDebug = truncateUTF8(debug, MaxConnectionCloseReasonLen)
}

// finWaitLocked enters FinWait: send our close, wait 5 s for stragglers.
func (c *conn) finWaitLocked(now int64) {
	if c.state == StateFinWait || c.state == StateDead {
		return
	}
	c.setStateLocked(StateFinWait, now)
	if c.pipe {
		c.destroyLocked()
		return
	}
	c.sendCloseLocked()
	c.scheduleLocked(now + finWaitUsec)
}

// destroyLocked frees everything: Dead.
func (c *conn) destroyLocked() {
	if c.state == StateDead {
		return
	}
	c.setStateLocked(StateDead, nowUsec())
	c.s.timers.remove(c)
	if c.tr != nil {
		c.tr.close()
	}
	c.session = nil
	c.s.recv.mu.Lock()
	c.purgeLocked()
	c.setGroupLocked(nil)
	c.s.recv.mu.Unlock()
	c.s.reg.mu.Lock()
	c.s.reg.removeConnLocked(c)
	c.s.reg.mu.Unlock()
}

// sendCloseLocked sends ConnectionClosed, or NoConnection if the peer
// already told us it closed (§5.3).
func (c *conn) sendCloseLocked() {
	if c.tr == nil {
		return
	}
	if c.wireClosedByPeer {
		m := wire.NoConnection{FromConnectionID: c.id, ToConnectionID: c.remoteID}
		c.tr.send(wire.AppendUnpadded(nil, wire.MsgNoConnection, m.Append(nil)))
		return
	}
	m := wire.ConnectionClosed{ToConnectionID: c.remoteID, FromConnectionID: c.id, Debug: c.endDebug, ReasonCode: uint32(c.endReason)}
	c.tr.send(wire.AppendPadded(nil, wire.MsgConnectionClosed, m.Append(nil)))
}

func (c *conn) closing() bool {
	switch c.state {
	case StateFinWait, StateClosedByPeer, StateProblemDetectedLocally:
		return true
	}
	return false
}

// flushSet collects connections that received data during one batch of
// datagrams, so each sends its acks and data once per batch instead of once
// per datagram. Used only by one socket's reader goroutine.
type flushSet struct{ conns []*conn }

// addLocked queues c (c.mu held).
func (f *flushSet) addLocked(c *conn) {
	if !c.flushQueued {
		c.flushQueued = true
		f.conns = append(f.conns, c)
	}
}

// run flushes every queued connection.
func (f *flushSet) run(now int64) {
	for i, c := range f.conns {
		c.lock()
		c.flushQueued = false
		if c.session != nil && (c.state == StateConnected || c.state == StateLinger) {
			c.flushLocked(now)
			c.scheduleLocked(c.session.NextWakeTime())
		}
		c.unlock()
		f.conns[i] = nil
	}
	f.conns = f.conns[:0]
}

// onPacket handles one datagram addressed to this connection.
func (c *conn) onPacket(p []byte, now int64) { c.onPacketFS(p, now, nil) }

// onPacketFS is onPacket; with fs != nil, sending is deferred to fs.run.
// The application is woken once per packet, after c.mu is released, so
// the woken receiver (and its reply's SendMessage) never waits on locks
// this goroutine still holds.
func (c *conn) onPacketFS(p []byte, now int64, fs *flushSet) {
	c.lock()
	c.onPacketLocked(p, now, fs)
	wake := c.delivered
	c.delivered = false
	c.unlock()
	if wake {
		c.s.act.signal()
	}
}

func (c *conn) onPacketLocked(p []byte, now int64, fs *flushSet) {
	kind := wire.Classify(p)
	if c.state == StateDead {
		return
	}
	switch kind {
	case wire.KindData:
		c.onDataLocked(p, now, fs)
	case wire.KindChallengeReply:
		c.onChallengeReplyLocked(p, now)
	case wire.KindConnectOK:
		c.onConnectOKLocked(p, now)
	case wire.KindChallengeRequest, wire.KindConnectRequest:
		c.onHandshakeRetryLocked(kind, p, now)
	case wire.KindConnectionClosed:
		c.onConnectionClosedLocked(p, now)
	case wire.KindNoConnection:
		c.onNoConnectionLocked(p, now)
	case wire.KindSourceEngine:
	default:
		c.s.counters.malformed.Add(1)
		c.stats.malformed++
	}
}

func (c *conn) onConnectionClosedLocked(p []byte, now int64) {
	body, err := wire.Padded(p)
	var m wire.ConnectionClosed
	if err == nil {
		err = m.Unmarshal(body)
	}
	if err != nil {
		c.s.counters.malformed.Add(1)
		c.stats.malformed++
		return
	}
	if !(m.ToConnectionID == c.id || (m.ToConnectionID == 0 && m.FromConnectionID == c.remoteID && c.remoteID != 0)) {
		c.s.counters.spoofed.Add(1)
		c.stats.spoofed++
		return
	}
	reply := wire.NoConnection{FromConnectionID: m.ToConnectionID, ToConnectionID: m.FromConnectionID}
	c.tr.send(wire.AppendUnpadded(nil, wire.MsgNoConnection, reply.Append(nil)))
	c.closedByPeerLocked(int(m.ReasonCode), m.Debug, now)
}

func (c *conn) onNoConnectionLocked(p []byte, now int64) {
	var m wire.NoConnection
	if err := m.Unmarshal(wire.Unpadded(p)); err != nil {
		c.s.counters.malformed.Add(1)
		c.stats.malformed++
		return
	}
	if m.ToConnectionID != c.id || m.FromConnectionID != c.remoteID || c.remoteID == 0 {
		c.s.counters.spoofed.Add(1)
		c.stats.spoofed++
		return
	}
	c.closedByPeerLocked(EndMiscPeerSentNoConnection, "Received unexpected 'no connection' from peer", now)
}

// onDataLocked decrypts a data packet and hands it to SNP.
func (c *conn) onDataLocked(p []byte, now int64, fs *flushSet) {
	if c.closing() {
		// Peer hasn't heard our close yet: repeat it.
		c.sendCloseLocked()
		return
	}
	if (c.state != StateConnected && c.state != StateLinger) || c.session == nil {
		c.s.counters.ignored.Add(1)
		return
	}
	var h wire.DataHeader
	payload, err := wire.ParseData(p, &h)
	if err != nil {
		c.s.counters.malformed.Add(1)
		c.stats.malformed++
		return
	}
	if h.ConnID != c.id {
		c.s.counters.spoofed.Add(1)
		c.stats.spoofed++
		return
	}
	if len(payload)-c.recvDir.Overhead() > wire.MaxUDPPayload || len(payload) < c.recvDir.Overhead() {
		c.s.counters.malformed.Add(1)
		c.stats.malformed++
		return
	}
	pkt := c.session.ExpandPacketNumber(h.PktNum)
	plain, err := c.recvDir.Open(c.rbuf[:0], payload, pkt)
	if err != nil {
		c.s.counters.decryptFailed.Add(1)
		c.stats.decryptFailed++
		return
	}
	if pkt > c.maxRecvPkt && pkt-c.maxRecvPkt > 0x4000 {
		c.problemLocked(EndMiscGeneric, fmt.Sprintf("Pkt number lurch by %d; %04x->%04x",
			pkt-c.maxRecvPkt, uint16(c.maxRecvPkt), h.PktNum), now)
		return
	}
	var flags uint32
	if h.HasStats {
		flags = h.Stats.ImpliedFlags()
	}
	accepted, err := c.session.ReceivePacket(pkt, plain, flags, now)
	if c.recvHeld {
		c.recvHeld = false
		c.s.recv.mu.Unlock()
	}
	if err != nil {
		c.problemLocked(EndMiscInternalError, "Packet decode error: "+err.Error(), now)
		return
	}
	if !accepted {
		c.s.counters.replayed.Add(1)
		c.stats.replayed++
		return
	}
	if h.Stats.HasQuality {
		c.session.OnPeerStats(&h.Stats.Quality, now)
	}
	if pkt > c.maxRecvPkt {
		c.maxRecvPkt = pkt
	}
	c.stats.lastRecv = now
	if fs != nil {
		fs.addLocked(c)
		return
	}
	c.flushLocked(now)
	c.scheduleLocked(c.session.NextWakeTime())
}

// maxPlaintext is the SNP payload budget per packet: MTU minus the data
// header, the largest stats blob we may add and the AEAD tag; at most 1232
// with AES-GCM (1248 with the NULL cipher), as GNS.
func (c *conn) maxPlaintext() int {
	n := c.cfg.mtu - wire.DataHeaderSize - 4 - c.sendDir.Overhead()
	limit := 1248 - c.sendDir.Overhead()
	if n > limit {
		n = limit
	}
	return n
}

// minPlainWithReport is the smallest SNP payload budget we accept for a
// packet that carries a connection-quality report.
const minPlainWithReport = 100

// flushLocked sends every packet SNP wants to send now, in batches.
func (c *conn) flushLocked(now int64) {
	if c.session == nil || c.tr == nil {
		return
	}
	maxPlain := c.maxPlaintext()
	// A connection-quality report rides on the first packet of this flush.
	// maxPlaintext leaves 4 bytes for a flags-only blob; the report (plus
	// up to 2 bytes of flags) takes the rest from the payload. With a tiny
	// MTU the lifetime report, then the whole report, is left out (GNS
	// does not require reports).
	var report wire.Stats
	report.Quality, report.HasQuality = c.session.StatsToSend(now)
	reportRoom := func() int { return max(0, wire.StatsBlobSize(&report)+2-4) }
	if report.HasQuality && maxPlain-reportRoom() < minPlainWithReport {
		report.Quality.HasLifetime = false
		report.HasQuality = report.Quality.HasInstantaneous && maxPlain-reportRoom() >= minPlainWithReport
	}
	n := 0
	for range maxPacketsPerFlush {
		mp := maxPlain
		if report.HasQuality {
			mp -= reportRoom()
		}
		payload, pktNum, hdrFlags, ok := c.session.BuildPacket(now, c.plain[:0], mp)
		if !ok {
			break
		}
		if n == len(c.outBufs) {
			c.outBufs = append(c.outBufs, make([]byte, 0, wire.MaxUDPPayload+64))
			c.batch = append(c.batch, nil)
		}
		var out []byte
		if report.HasQuality {
			report.Flags = hdrFlags
			out = wire.AppendDataHeaderStats(c.outBufs[n][:0], c.remoteID, uint16(pktNum), &report)
			c.session.StatsSent(&report.Quality, pktNum, now)
			report.HasQuality = false
		} else {
			out = wire.AppendDataHeader(c.outBufs[n][:0], c.remoteID, uint16(pktNum), hdrFlags)
		}
		out = c.sendDir.Seal(out, payload, pktNum)
		c.outBufs[n] = out[:0]
		c.batch[n] = out
		n++
		if n == maxBatch {
			c.tr.sendBatch(c.batch[:n])
			n = 0
		}
	}
	if n > 0 {
		c.tr.sendBatch(c.batch[:n])
	}
}

// deliver is the SNP Deliverer: called with c.mu held, only from inside
// Session.ReceivePacket. It takes the receive-queue lock once per packet,
// not once per message: onDataLocked releases it when ReceivePacket returns.
func (c *conn) deliver(data []byte, msgNum int64, lane int, reliable bool, now int64) bool {
	if !c.recvHeld {
		c.s.recv.mu.Lock()
		c.recvHeld = true
	}
	if !c.enqueueLocked(data, msgNum, lane, reliable, now) {
		return false
	}
	c.delivered = true
	return true
}

// becomeConnectedLocked starts the data phase: SNP session, queued
// messages, first packets.
func (c *conn) becomeConnectedLocked(now int64) {
	c.maxRecvPkt = 1 // version >= 10: packet 1 is the handshake
	c.plain = make([]byte, 0, wire.MaxUDPPayload)
	c.rbuf = make([]byte, 0, wire.MaxUDPPayload+64)
	c.session = snp.NewSession(c.cfg.snp(), c.peerVersion, now, c.deliver)
	if len(c.lanePrio) > 1 {
		c.session.ConfigureLanes(c.lanePrio, c.laneWeight)
	}
	if c.pingSampleMS >= 0 {
		c.session.AddPingSample(c.pingSampleMS, now)
	}
	c.setStateLocked(StateConnected, now)
	pending := c.pending
	c.pending, c.pendingSize = nil, 0
	for _, m := range pending {
		c.session.SendMessage(m.data, m.flags, m.lane, true, now)
	}
	c.flushLocked(now)
	c.scheduleLocked(c.session.NextWakeTime())
}

func (c *conn) laneCountLocked() int {
	if c.session != nil {
		return c.session.LaneCount()
	}
	if len(c.lanePrio) > 0 {
		return len(c.lanePrio)
	}
	return 1
}
