package ice

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	pice "github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/stun/v4"

	"godotsteam-sockets/engine/p2p/sigmsg"
	"godotsteam-sockets/engine/p2p/signaling"
)

// session is one P2P connection attempt or connection.
type session struct {
	t         *Transport
	initiator bool
	remote    string
	incoming  *Incoming // acceptor only
	// relayOnly: this connection uses relay candidates only (the
	// transport's RelayOnly, or the Dial/Accept parameter).
	relayOnly  bool
	onAnswered func() // initiator: called once when connect_ok arrives
	// hostedTicket goes with every connect request (initiator).
	hostedTicket []byte

	mu         sync.Mutex
	localID    uint32
	remoteID   uint32
	connectReq *sigmsg.ConnectRequest // initiator: what we send
	connectOK  *sigmsg.ConnectOK      // acceptor: what we send; initiator: what we got
	agent      *pice.Agent
	localPwd   string
	remotePwd  string
	pending    []string // remote candidates received before the agent exists
	started    bool     // ICE Dial/Accept launched

	// Reliable stream (IDs start at 1).
	nextOut  uint32
	unacked  []outMsg
	lastRecv uint32
	needAck  bool
	fresh    bool // unsent reliable messages queued
	lastSent time.Time
	lastReq  time.Time

	conn      *Conn
	connected chan struct{}
	closedCh  chan struct{}
	closed    bool
	byPeer    bool // ended by the peer's connection_closed
	reason    int
	debug     string
	wake      chan struct{}
}

type outMsg struct {
	id  uint32
	msg sigmsg.ReliableMessage
}

func newSession(t *Transport, initiator bool, remote string) *session {
	return &session{t: t, initiator: initiator, remote: remote, nextOut: 1,
		connected: make(chan struct{}), closedCh: make(chan struct{}), wake: make(chan struct{}, 1)}
}

// ufrag is GNS's local ICE ufrag: the base64 alphabet applied to the low 30
// bits of the connection ID, 6 bits at a time, most significant first.
func ufrag(connID uint32) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b [5]byte
	for i := 0; i < 5; i++ {
		b[i] = alphabet[(connID>>(24-6*i))&63]
	}
	return string(b[:])
}

// icePassword makes a password long enough for pion (22 ice-chars). GNS
// itself sends 5 characters; longer ones are valid ICE.
func icePassword() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	for i := range raw {
		raw[i] = alphabet[raw[i]&63]
	}
	return string(raw[:])
}

func hasTURN(servers []signaling.ICEServer) bool {
	for _, s := range servers {
		for _, u := range s.URLs {
			if strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:") {
				if s.Username != "" && s.Credential != "" {
					return true
				}
			}
		}
	}
	return false
}

func iceURLs(servers []signaling.ICEServer) ([]*stun.URI, error) {
	var out []*stun.URI
	for _, s := range servers {
		for _, raw := range s.URLs {
			u, err := stun.ParseURI(raw)
			if err != nil {
				return nil, fmt.Errorf("ice: bad STUN/TURN URL %q: %w", raw, err)
			}
			if u.Scheme == stun.SchemeTypeTURN || u.Scheme == stun.SchemeTypeTURNS {
				u.Username, u.Password = s.Username, s.Credential
			}
			out = append(out, u)
		}
	}
	return out, nil
}

var quietLogs = func() logging.LoggerFactory {
	f := logging.NewDefaultLoggerFactory()
	f.DefaultLogLevel = logging.LogLevelDisabled
	return f
}()

// startAgent creates the ICE agent, queues our auth and starts gathering.
func (s *session) startAgent() error {
	s.t.mu.Lock()
	cfgCopy := s.t.cfg
	s.t.mu.Unlock()
	cfg := &cfgCopy
	urls, err := iceURLs(cfg.ICEServers)
	if err != nil {
		return err
	}
	s.mu.Lock()
	localID := s.localID
	s.mu.Unlock()
	nets := []pice.NetworkType{pice.NetworkTypeUDP4}
	if cfg.UDP6 {
		nets = append(nets, pice.NetworkTypeUDP6)
	}
	types := []pice.CandidateType{pice.CandidateTypeHost, pice.CandidateTypeServerReflexive, pice.CandidateTypeRelay}
	relayOnly := cfg.RelayOnly || s.relayOnly
	if relayOnly {
		if !hasTURN(cfg.ICEServers) {
			return &Error{Reason: EndLocalNetworkConfig, Msg: "relay-only mode needs a TURN server with credentials (the rendezvous service announces none)"}
		}
		types = []pice.CandidateType{pice.CandidateTypeRelay}
	}
	pwd := icePassword()
	failed := 10 * time.Second
	agent, err := pice.NewAgent(&pice.AgentConfig{ //nolint:staticcheck // AgentConfig is the stable, documented form in v4
		Urls:             urls,
		NetworkTypes:     nets,
		CandidateTypes:   types,
		LocalUfrag:       ufrag(localID),
		LocalPwd:         pwd,
		MulticastDNSMode: pice.MulticastDNSModeDisabled,
		IncludeLoopback:  cfg.IncludeLoopback,
		InterfaceFilter:  cfg.InterfaceFilter,
		FailedTimeout:    &failed,
		LoggerFactory:    quietLogs,
		UDPMux:           s.t.mux,
	})
	if err != nil {
		return fmt.Errorf("ice: cannot create ICE agent: %w", err)
	}
	if err := agent.OnCandidate(func(c pice.Candidate) {
		if c == nil {
			return // gathering finished
		}
		if relayOnly && c.Type() != pice.CandidateTypeRelay {
			return
		}
		s.queueReliable(sigmsg.ReliableMessage{ICE: &sigmsg.ICE{HasCandidate: true, Candidate: "candidate:" + c.Marshal()}})
	}); err != nil {
		_ = agent.Close()
		return err
	}
	if err := agent.OnConnectionStateChange(func(st pice.ConnectionState) {
		if st == pice.ConnectionStateFailed || st == pice.ConnectionStateClosed {
			if s.isConnected() {
				s.close(EndMiscTimeout, "ICE path lost: "+st.String(), false)
			}
		}
	}); err != nil {
		_ = agent.Close()
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = agent.Close()
		return ErrClosed
	}
	s.agent = agent
	s.localPwd = pwd
	pending := s.pending
	s.pending = nil
	s.mu.Unlock()
	s.queueReliable(sigmsg.ReliableMessage{ICE: &sigmsg.ICE{HasAuth: true, PwdFrag: pwd}})
	for _, c := range pending {
		s.addRemoteCandidate(c)
	}
	if err := agent.GatherCandidates(); err != nil {
		return fmt.Errorf("ice: gathering candidates: %w", err)
	}
	s.maybeStartICE()
	return nil
}

func (s *session) queueReliable(m sigmsg.ReliableMessage) {
	s.mu.Lock()
	s.unacked = append(s.unacked, outMsg{id: s.nextOut, msg: m})
	s.nextOut++
	s.fresh = true
	s.mu.Unlock()
	s.kick()
}

func (s *session) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// addRemoteCandidate parses and adds one candidate (or buffers it).
func (s *session) addRemoteCandidate(raw string) {
	s.mu.Lock()
	agent := s.agent
	if agent == nil {
		if len(s.pending) < maxBufferedCandidates {
			s.pending = append(s.pending, raw)
		} else {
			s.t.st.ignored.Add(1)
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	c, err := pice.UnmarshalCandidate(raw)
	if err != nil {
		s.t.st.ignored.Add(1)
		return
	}
	s.mu.Lock()
	relayOnly := s.relayOnly
	s.mu.Unlock()
	if (s.t.cfg.RelayOnly || relayOnly) && c.Type() != pice.CandidateTypeRelay {
		s.t.st.ignored.Add(1)
		return
	}
	if err := agent.AddRemoteCandidate(c); err != nil {
		s.t.st.ignored.Add(1)
	}
}

// handle processes one signal for this session.
func (s *session) handle(m *sigmsg.Rendezvous) {
	if c := m.ConnectionClosed; c != nil {
		reason := int(c.ReasonCode)
		if reason == 0 {
			reason = EndMiscPeerSentNoConn
		}
		s.mu.Lock()
		if !s.closed {
			s.byPeer = true
		}
		s.mu.Unlock()
		s.close(reason, "closed by peer: "+c.Debug, false)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.initiator && m.ConnectOK != nil && s.connectOK == nil {
		if m.FromConnectionID == 0 {
			s.mu.Unlock()
			return
		}
		s.connectOK = m.ConnectOK
		s.remoteID = m.FromConnectionID
		answered := s.onAnswered
		s.mu.Unlock()
		s.t.indexRemote(s)
		if answered != nil {
			answered() // no lock held: the engine takes its connection lock here
		}
		s.mu.Lock()
	}
	if !s.initiator && m.ConnectRequest != nil && s.connectOK != nil {
		s.needAck = true // a retransmitted request: answer again
	}
	// Acks of our reliable messages.
	if m.AckReliableMsg > 0 {
		i := 0
		for i < len(s.unacked) && s.unacked[i].id <= m.AckReliableMsg {
			i++
		}
		s.unacked = s.unacked[i:]
	}
	// Their reliable messages, in order; a gap drops the rest (resent later).
	var deliver []sigmsg.ReliableMessage
	if m.FirstReliableMsg > 0 && len(m.ReliableMessages) > 0 {
		s.needAck = true
		first := m.FirstReliableMsg
		if first <= s.lastRecv+1 {
			for i := int(s.lastRecv + 1 - first); i < len(m.ReliableMessages); i++ {
				deliver = append(deliver, m.ReliableMessages[i])
				s.lastRecv++
			}
		}
	}
	s.mu.Unlock()
	for _, rm := range deliver {
		if rm.ICE == nil {
			continue
		}
		if rm.ICE.HasAuth && rm.ICE.PwdFrag != "" {
			s.mu.Lock()
			if s.remotePwd == "" {
				s.remotePwd = rm.ICE.PwdFrag
			}
			s.mu.Unlock()
		}
		if rm.ICE.HasCandidate {
			s.addRemoteCandidate(rm.ICE.Candidate)
		}
	}
	s.maybeStartICE()
	s.kick()
}

// maybeStartICE launches the ICE check once we know the remote ufrag (its
// connection ID) and password and have an agent.
func (s *session) maybeStartICE() {
	s.mu.Lock()
	if s.started || s.closed || s.agent == nil || s.remotePwd == "" || s.remoteID == 0 {
		s.mu.Unlock()
		return
	}
	s.started = true
	agent, remoteUfrag, remotePwd := s.agent, ufrag(s.remoteID), s.remotePwd
	s.mu.Unlock()
	s.t.wg.Add(1)
	go func() {
		defer s.t.wg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-s.closedCh:
				cancel()
			case <-ctx.Done():
			}
		}()
		defer cancel()
		var conn *pice.Conn
		var err error
		if s.initiator {
			conn, err = agent.Accept(ctx, remoteUfrag, remotePwd) // controlled
		} else {
			conn, err = agent.Dial(ctx, remoteUfrag, remotePwd) // acceptor controls, as in GNS
		}
		if err != nil {
			s.close(EndMiscP2PNATFirewall, "ICE found no working path: "+err.Error(), true)
			return
		}
		c := newConn(s, conn)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		s.conn = c
		close(s.connected)
		s.mu.Unlock()
	}()
}

func (s *session) isConnected() bool {
	select {
	case <-s.connected:
		return true
	default:
		return false
	}
}

// waitConnected blocks until ICE works, the session ends or ctx expires.
func (s *session) waitConnected(ctx context.Context) (*Conn, error) {
	select {
	case <-s.connected:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.conn, nil
	case <-s.closedCh:
		s.mu.Lock()
		defer s.mu.Unlock()
		return nil, &Error{Reason: s.reason, Msg: s.debug}
	case <-ctx.Done():
		s.mu.Lock()
		answered := s.connectOK != nil && s.initiator || !s.initiator
		s.mu.Unlock()
		if answered {
			s.close(EndMiscP2PNATFirewall, "timed out finding a P2P route (ICE)", true)
		} else {
			s.close(EndMiscP2PRendezvous, "timed out waiting for the peer to answer through signaling", true)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return nil, &Error{Reason: s.reason, Msg: s.debug}
	}
}

// signalLoop sends signals: connect_request every 0.5 s until answered,
// new reliable messages (≥ 100 ms apart), retransmits every 1 s, acks.
func (s *session) signalLoop() {
	defer s.t.wg.Done()
	tick := time.NewTicker(minSignalSpacing)
	defer tick.Stop()
	for {
		select {
		case <-s.closedCh:
			return
		case <-s.t.done:
			return
		case <-s.wake:
		case <-tick.C:
		}
		if m := s.nextSignal(time.Now()); m != nil {
			s.t.send(s.remote, m)
		}
	}
}

// nextSignal builds the signal to send now, or nil.
func (s *session) nextSignal(now time.Time) *sigmsg.Rendezvous {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || now.Sub(s.lastSent) < minSignalSpacing {
		return nil
	}
	m := &sigmsg.Rendezvous{FromIdentity: s.t.cfg.LocalIdentity, ToIdentity: s.remote,
		FromConnectionID: s.localID, ToConnectionID: s.remoteID, ICEEnabled: true, HasICEEnabled: true}
	send := false
	if s.initiator && s.connectOK == nil && now.Sub(s.lastReq) >= connectRequestInterval {
		m.ConnectRequest = s.connectReq
		m.HostedServerTicket = s.hostedTicket
		s.lastReq = now
		send = true
	}
	if !s.initiator && s.connectOK != nil && !s.isConnected() {
		m.ConnectOK = s.connectOK
	}
	if len(s.unacked) > 0 && (s.fresh || now.Sub(s.lastSent) >= reliableRetransmit) {
		send = true
	}
	if s.needAck {
		send = true
	}
	if !send {
		return nil
	}
	if !s.initiator && !s.isConnected() {
		m.ConnectOK = s.connectOK
	}
	if s.initiator && s.connectOK == nil {
		m.ConnectRequest = s.connectReq
		m.HostedServerTicket = s.hostedTicket
	}
	m.AckReliableMsg = s.lastRecv
	size := 0
	for i, om := range s.unacked {
		if i == 0 {
			m.FirstReliableMsg = om.id
		}
		m.ReliableMessages = append(m.ReliableMessages, om.msg)
		size += len(om.msg.ICE.Candidate) + len(om.msg.ICE.PwdFrag) + 8
		if size >= maxReliablePerSignal {
			break
		}
	}
	s.fresh = false
	s.needAck = false
	s.lastSent = now
	return m
}

// close ends the session once; notify sends connection_closed to the peer.
func (s *session) close(reason int, debug string, notify bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.reason, s.debug = reason, debug
	agent := s.agent
	conn := s.conn
	localID, remoteID := s.localID, s.remoteID
	close(s.closedCh)
	s.mu.Unlock()
	if notify {
		s.t.send(s.remote, &sigmsg.Rendezvous{FromIdentity: s.t.cfg.LocalIdentity, ToIdentity: s.remote,
			FromConnectionID: localID, ToConnectionID: remoteID,
			ConnectionClosed: &sigmsg.ConnectionClosed{ReasonCode: uint32(reason), Debug: truncate(debug, 127)}})
	}
	if conn != nil {
		conn.markClosed()
	}
	if agent != nil {
		_ = agent.Close()
	}
	s.t.forget(s)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
