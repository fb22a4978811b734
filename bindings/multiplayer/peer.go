// Package multiplayer is the pure-Go logic of SteamMultiplayerPeer: a Godot
// MultiplayerPeer (star topology, server relay) over the engine's sockets.
//
// The extension layer maps MultiplayerPeerExtension virtuals one to one onto
// the methods of Peer and turns the Events returned by Poll into the
// peer_connected / peer_disconnected signals. Nothing here knows about Godot's
// ABI, so every rule (ids, modes, channels, signal timing) is unit tested
// over the real engine on loopback.
//
// Wire format of one message (first byte = kind):
//
//	kindData:   kind, mode, channel, [seq uint32 LE if UNRELIABLE_ORDERED], payload
//	kindAssign: kind, id uint32 LE (server → client: "your unique id is id")
package multiplayer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"sort"
	"sync"

	"godotsteam-sockets/engine"
)

// TransferMode is MultiplayerPeer.TransferMode.
type TransferMode int

// Godot's transfer modes.
const (
	TransferUnreliable        TransferMode = 0
	TransferUnreliableOrdered TransferMode = 1
	TransferReliable          TransferMode = 2
)

// ConnectionStatus is MultiplayerPeer.ConnectionStatus.
type ConnectionStatus int

// Godot's connection statuses.
const (
	StatusDisconnected ConnectionStatus = 0
	StatusConnecting   ConnectionStatus = 1
	StatusConnected    ConnectionStatus = 2
)

// Godot Error codes returned by the methods that return Error.
const (
	OK                   = 0
	ErrUnavailable       = 2
	ErrUnconfigured      = 3
	ErrOutOfMemory       = 6
	ErrInvalidParameter  = 31
	ErrAlreadyInUse      = 22
	ErrCantCreate        = 20
	ErrCantConnect       = 25
	ErrBusy              = 44
	ErrConnectionError   = 26
	ErrAlreadyExists     = 32
	ErrInvalidData       = 30
	ErrDoesNotExist      = 33
	ErrParameterRangeErr = 5
)

// Peer ids with a meaning in Godot.
const (
	TargetBroadcast = 0
	ServerID        = 1
)

// MaxChannels is the number of transfer channels (one engine lane each).
const MaxChannels = 16

const (
	kindData   = 0
	kindAssign = 1

	headerLen        = 3
	orderedHeaderLen = headerLen + 4
)

// MaxPacketSize is the largest payload put_packet accepts: the engine's
// message limit minus our header. The engine fragments large messages.
const MaxPacketSize = engine.MaxMessageSizeSend - orderedHeaderLen

// Event is a signal the extension must emit: PeerConnected or PeerDisconnected.
type Event struct {
	Connected bool // true: peer_connected, false: peer_disconnected
	ID        int32
}

// Error is a failure with the Godot Error code the virtual returns.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func fail(code int, format string, args ...any) error {
	return &Error{Code: code, Msg: "SteamMultiplayerPeer: " + fmt.Sprintf(format, args...)}
}

// Code is the Godot Error code of err (OK for nil).
func Code(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrConnectionError
}

// Packet is one received packet with what get_packet_peer/channel/mode report.
type Packet struct {
	Data    []byte
	From    int32
	Channel int
	Mode    TransferMode
}

type remote struct {
	conn      engine.Handle
	id        int32 // 0 until known (client: until the server assigned ours)
	announced bool  // peer_connected emitted
	sendSeq   [MaxChannels]uint32
	recvSeq   [MaxChannels]uint32
	recvAny   [MaxChannels]bool
	// early holds data that reached a client before its id (lanes are
	// ordered independently, so a packet on lane 3 can overtake the
	// assignment on lane 0); delivered right after the assignment.
	early [][]byte
}

// maxEarly bounds what a (possibly hostile) server can make a client hold.
const maxEarly = 4096

// Peer is one SteamMultiplayerPeer. All methods are safe for concurrent use;
// Godot calls them from the main thread.
type Peer struct {
	mu sync.Mutex

	sockets  *engine.Sockets
	shared   Transport // non-nil: sockets is not ours (P2P over the shared engine)
	listen   engine.Handle
	group    engine.Handle
	server   bool
	selfID   int32
	status   ConnectionStatus
	byConn   map[engine.Handle]*remote
	byID     map[int32]*remote
	incoming []Packet
	events   []Event
	refuse   bool
	// leaving holds the ids dropped by DisconnectPeer whose
	// peer_disconnected the next Poll reports: until then Godot may still
	// address them, and such packets are dropped without an error.
	leaving map[int32]bool

	target   int32
	channel  int
	mode     TransferMode
	lastPeer int32
}

// New returns a disconnected peer.
func New() *Peer {
	return &Peer{mode: TransferReliable}
}

func (p *Peer) resetLocked() {
	p.byConn = map[engine.Handle]*remote{}
	p.byID = map[int32]*remote{}
	p.incoming = nil
	p.events = nil
	p.leaving = nil
	p.target = TargetBroadcast
}

// CreateHost listens on UDP port (all addresses; 0 = any free port).
func (p *Peer) CreateHost(port int, opts []engine.ConfigOption) error {
	return p.CreateHostAddr(netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(port)), port, opts)
}

// CreateHostAddr listens on addr (tests use loopback).
func (p *Peer) CreateHostAddr(addr netip.AddrPort, port int, opts []engine.ConfigOption) error {
	if port < 0 || port > 65535 {
		return fail(ErrInvalidParameter, "port %d out of range 0..65535", port)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.idleLocked(); err != nil {
		return err
	}
	s := engine.NewSockets(engine.Options{})
	ls, err := s.CreateListenSocketIP(addr, opts)
	if err != nil || ls == engine.InvalidHandle {
		s.Close()
		return fail(ErrCantCreate, "cannot listen on %v: %v", addr, err)
	}
	p.hostingLocked(s, nil, ls)
	return nil
}

// ListenPort is the bound port of a host (useful after CreateHost(0)).
func (p *Peer) ListenPort() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sockets == nil || !p.server {
		return 0
	}
	a, ok := p.sockets.ListenSocketAddress(p.listen)
	if !ok {
		return 0
	}
	return int(a.Port())
}

// CreateClient connects to address:port. Status is CONNECTING until the
// server has assigned our unique id; then peer_connected(1) is emitted.
func (p *Peer) CreateClient(address string, port int, opts []engine.ConfigOption) error {
	if port <= 0 || port > 65535 {
		return fail(ErrInvalidParameter, "port %d out of range 1..65535", port)
	}
	ip, err := netip.ParseAddr(address)
	if err != nil {
		if address == "localhost" {
			ip = netip.MustParseAddr("127.0.0.1")
		} else {
			return fail(ErrInvalidParameter, "address %q is not an IP address (host names are not resolved)", address)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.idleLocked(); err != nil {
		return err
	}
	s := engine.NewSockets(engine.Options{})
	c, cerr := s.ConnectByIPAddress(netip.AddrPortFrom(ip, uint16(port)), opts)
	if cerr != nil || c == engine.InvalidHandle {
		s.Close()
		return fail(ErrCantConnect, "cannot connect to %s:%d: %v", address, port, cerr)
	}
	p.connectingLocked(s, nil, c)
	return nil
}

// idleLocked fails unless the peer is closed (a new host or client may start).
func (p *Peer) idleLocked() error {
	if p.status != StatusDisconnected {
		return fail(ErrAlreadyInUse, "already active: call close() before creating a new host or client")
	}
	return nil
}

// hostingLocked makes the peer the server on listen socket ls of s
// (shared: s is lent by a Transport, not ours).
func (p *Peer) hostingLocked(s *engine.Sockets, shared Transport, ls engine.Handle) {
	p.resetLocked()
	p.sockets, p.shared, p.listen, p.group = s, shared, ls, s.CreatePollGroup()
	p.server, p.selfID, p.status = true, ServerID, StatusConnected
}

// connectingLocked makes the peer a client whose server is connection c.
func (p *Peer) connectingLocked(s *engine.Sockets, shared Transport, c engine.Handle) {
	p.resetLocked()
	p.sockets, p.shared, p.listen, p.group = s, shared, engine.InvalidHandle, s.CreatePollGroup()
	s.SetConnectionPollGroup(c, p.group)
	p.configureLanes(c)
	p.server, p.selfID, p.status = false, 0, StatusConnecting
	p.byConn[c] = &remote{conn: c, id: ServerID}
}

func (p *Peer) configureLanes(c engine.Handle) {
	prio := make([]int, MaxChannels)
	weights := make([]int, MaxChannels)
	for i := range weights {
		weights[i] = 1
	}
	p.sockets.ConfigureConnectionLanes(c, MaxChannels, prio, weights)
}

// Close drops every connection without peer_disconnected (Godot's rule) and
// returns to DISCONNECTED. Safe at any time, repeatable.
func (p *Peer) Close() {
	p.mu.Lock()
	s, shared := p.sockets, p.shared
	if s != nil && shared != nil {
		// Not our engine: close only what this peer opened.
		for c := range p.byConn {
			s.CloseConnection(c, engine.EndAppGeneric, "close", false)
		}
		if p.listen != engine.InvalidHandle {
			s.CloseListenSocket(p.listen)
		}
		s.DestroyPollGroup(p.group)
		shared.Release()
	}
	p.sockets, p.shared, p.listen = nil, nil, engine.InvalidHandle
	p.status = StatusDisconnected
	p.server, p.selfID = false, 0
	p.resetLocked()
	p.mu.Unlock()
	if s != nil && shared == nil {
		s.Close()
	}
}

// Transport is an engine a Peer uses without owning it: the Steam
// singleton's engine, logged in to the P2P service. Claim routes the events
// of a listen socket (and the connections it accepts) or of a connection to
// Events instead of the singleton's signals; Release stops that and drops
// what is queued. The peer closes its own handles, never the engine.
type Transport interface {
	Sockets() *engine.Sockets
	Claim(h engine.Handle)
	Events() []engine.Event
	Release()
}

// releaseOnError gives t back when a P2P creation fails: the peer keeps a
// transport only while it uses it.
func releaseOnError(t Transport, err *error) {
	if *err != nil {
		t.Release()
	}
}

// CreateHostP2P listens on a P2P virtual port of t's engine (identity-based
// connections through the rendezvous service).
func (p *Peer) CreateHostP2P(t Transport, virtualPort int, opts []engine.ConfigOption) (err error) {
	defer releaseOnError(t, &err)
	if virtualPort < 0 || virtualPort > 65535 {
		return fail(ErrInvalidParameter, "virtual_port %d out of range 0..65535", virtualPort)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.idleLocked(); err != nil {
		return err
	}
	s := t.Sockets()
	ls, lerr := s.CreateListenSocketP2P(virtualPort, opts)
	if lerr != nil || ls == engine.InvalidHandle {
		return fail(ErrCantCreate, "cannot listen on P2P virtual port %d: %v", virtualPort, lerr)
	}
	t.Claim(ls)
	p.hostingLocked(s, t, ls)
	return nil
}

// CreateClientP2P connects to the P2P listen socket of identity to on virtualPort.
func (p *Peer) CreateClientP2P(t Transport, to engine.Identity, virtualPort int, opts []engine.ConfigOption) (err error) {
	defer releaseOnError(t, &err)
	if virtualPort < 0 || virtualPort > 65535 {
		return fail(ErrInvalidParameter, "virtual_port %d out of range 0..65535", virtualPort)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.idleLocked(); err != nil {
		return err
	}
	s := t.Sockets()
	c, cerr := s.ConnectP2P(to, virtualPort, opts)
	if cerr != nil || c == engine.InvalidHandle {
		return fail(ErrCantConnect, "cannot connect to %v on P2P virtual port %d: %v", to, virtualPort, cerr)
	}
	t.Claim(c)
	p.connectingLocked(s, t, c)
	return nil
}

// stableID maps a connection's remote identity to a 31-bit id (2..2^31-1),
// probing on collision so ids stay unique.
func (p *Peer) stableIDLocked(info engine.ConnectionInfo) int32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d|%d|%s|%s", info.Identity.Type, info.Identity.SteamID, info.Identity.Addr, info.Identity.Generic)
	fmt.Fprintf(h, "|%s", info.RemoteAddr)
	id := int32(h.Sum32() & 0x7fffffff)
	for {
		if id < 2 {
			id = 2
		}
		if _, used := p.byID[id]; !used {
			return id
		}
		id = (id + 1) & 0x7fffffff
	}
}

// Poll processes connection changes and incoming messages. It returns the
// signals to emit, in order, each exactly once.
func (p *Peer) Poll() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sockets == nil {
		ev := p.events
		p.events, p.leaving = nil, nil
		return ev
	}
	var evs []engine.Event
	if p.shared != nil {
		evs = p.shared.Events()
	} else {
		evs = p.sockets.PollEvents(nil)
	}
	for _, e := range evs {
		if ch, ok := e.(*engine.ConnectionStatusChanged); ok {
			p.onStatusLocked(ch)
		}
	}
	for p.sockets != nil {
		msgs := p.sockets.ReceiveMessagesOnPollGroup(p.group, 256)
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			p.onMessageLocked(m)
		}
	}
	ev := p.events
	p.events, p.leaving = nil, nil
	return ev
}

func (p *Peer) onStatusLocked(ch *engine.ConnectionStatusChanged) {
	switch ch.Info.State {
	case engine.StateConnecting:
		if !p.server || ch.Info.ListenSocket != p.listen {
			return
		}
		if p.refuse {
			p.sockets.CloseConnection(ch.Conn, engine.EndAppGeneric, "refusing new connections", false)
			return
		}
		if p.sockets.AcceptConnection(ch.Conn) != engine.ResultOK {
			p.sockets.CloseConnection(ch.Conn, engine.EndMiscGeneric, "accept failed", false)
			return
		}
		p.sockets.SetConnectionPollGroup(ch.Conn, p.group)
		p.byConn[ch.Conn] = &remote{conn: ch.Conn}
	case engine.StateConnected:
		r := p.byConn[ch.Conn]
		if r == nil {
			return
		}
		if p.server && r.id == 0 {
			p.configureLanes(ch.Conn)
			r.id = p.stableIDLocked(ch.Info)
			var msg [5]byte
			msg[0] = kindAssign
			binary.LittleEndian.PutUint32(msg[1:], uint32(r.id))
			if _, res := p.sockets.SendMessageToConnection(ch.Conn, msg[:], engine.SendReliable|engine.SendNoNagle); res != engine.ResultOK {
				p.dropLocked(r, false)
				return
			}
			p.byID[r.id] = r
			r.announced = true
			p.events = append(p.events, Event{Connected: true, ID: r.id})
		}
	case engine.StateClosedByPeer, engine.StateProblemDetectedLocally, engine.StateNone:
		r := p.byConn[ch.Conn]
		p.sockets.CloseConnection(ch.Conn, 0, "", false)
		if r == nil {
			return
		}
		p.dropLocked(r, true)
	}
}

// dropLocked forgets r; emits peer_disconnected if it had been announced.
// A client losing the server goes DISCONNECTED (server_disconnected or, if
// never connected, connection_failed in SceneMultiplayer).
func (p *Peer) dropLocked(r *remote, emit bool) {
	delete(p.byConn, r.conn)
	if r.id != 0 && p.byID[r.id] == r {
		delete(p.byID, r.id)
	}
	if emit && r.announced {
		p.events = append(p.events, Event{Connected: false, ID: r.id})
	}
	r.announced = false
	if !p.server {
		p.status = StatusDisconnected
		p.selfID = 0
	}
}

func (p *Peer) onMessageLocked(m *engine.Message) {
	r := p.byConn[m.Conn]
	if r == nil || len(m.Data) == 0 {
		return
	}
	switch m.Data[0] {
	case kindAssign:
		if p.server || len(m.Data) != 5 || p.status != StatusConnecting {
			return
		}
		id := int32(binary.LittleEndian.Uint32(m.Data[1:]))
		if id < 2 {
			return
		}
		p.selfID = id
		p.status = StatusConnected
		p.byID[ServerID] = r
		r.announced = true
		p.events = append(p.events, Event{Connected: true, ID: ServerID})
		early := r.early
		r.early = nil
		for _, d := range early {
			p.onDataLocked(r, d)
		}
	case kindData:
		if !p.server && !r.announced && p.status == StatusConnecting {
			if len(r.early) < maxEarly {
				r.early = append(r.early, m.Data)
			}
			return
		}
		p.onDataLocked(r, m.Data)
	}
}

func (p *Peer) onDataLocked(r *remote, data []byte) {
	if r.id == 0 || !r.announced || len(data) < headerLen {
		return
	}
	mode, ch := TransferMode(data[1]), int(data[2])
	if ch >= MaxChannels || mode > TransferReliable {
		return
	}
	payload := data[headerLen:]
	if mode == TransferUnreliableOrdered {
		if len(data) < orderedHeaderLen {
			return
		}
		seq := binary.LittleEndian.Uint32(data[headerLen:])
		// Drop stale: anything not newer than the last delivered (wrap-safe).
		if r.recvAny[ch] && int32(seq-r.recvSeq[ch]) <= 0 {
			return
		}
		r.recvAny[ch], r.recvSeq[ch] = true, seq
		payload = data[orderedHeaderLen:]
	}
	p.incoming = append(p.incoming, Packet{Data: payload, From: r.id, Channel: ch, Mode: mode})
}

// AvailablePacketCount is _get_available_packet_count.
func (p *Peer) AvailablePacketCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.incoming)
}

// GetPacket pops the next packet (_get_packet_script). After it,
// PacketPeer/Channel/Mode describe that packet.
func (p *Peer) GetPacket() (Packet, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.incoming) == 0 {
		return Packet{}, fail(ErrUnavailable, "no packet available: check get_available_packet_count() first")
	}
	pk := p.incoming[0]
	p.incoming[0] = Packet{}
	p.incoming = p.incoming[1:]
	p.lastPeer = pk.From
	return pk, nil
}

// NextPacketInfo is what _get_packet_peer/_get_packet_channel/_get_packet_mode
// report: Godot asks before popping the packet.
func (p *Peer) NextPacketInfo() (from int32, channel int, mode TransferMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.incoming) == 0 {
		return 0, 0, TransferReliable
	}
	pk := p.incoming[0]
	return pk.From, pk.Channel, pk.Mode
}

// PutPacket sends data to the current target with the current channel and
// mode (_put_packet_script). A full send buffer (LimitExceeded) is an error,
// never a silent drop.
func (p *Peer) PutPacket(data []byte) error {
	if len(data) > MaxPacketSize {
		return fail(ErrInvalidParameter, "packet of %d bytes exceeds the maximum %d", len(data), MaxPacketSize)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status != StatusConnected || p.sockets == nil {
		return fail(ErrUnconfigured, "not connected: create a host or client first")
	}
	ch, mode := p.channel, p.mode
	var dests []*remote
	switch {
	case p.target == TargetBroadcast:
		for _, r := range p.byID {
			dests = append(dests, r)
		}
	case p.target > 0:
		r := p.byID[p.target]
		if r == nil && p.leaving[p.target] {
			return nil // disconnect_peer'd; its peer_disconnected is still queued
		}
		if r == nil {
			return fail(ErrInvalidParameter, "peer %d is not connected to this peer (clients reach other clients through the server relay)", p.target)
		}
		dests = append(dests, r)
	default:
		for id, r := range p.byID {
			if id != -p.target {
				dests = append(dests, r)
			}
		}
	}
	sort.Slice(dests, func(i, j int) bool { return dests[i].id < dests[j].id })
	flags := engine.SendUnreliable | engine.SendNoNagle
	if mode == TransferReliable {
		flags = engine.SendReliable | engine.SendNoNagle
	}
	var firstErr error
	for _, r := range dests {
		msg := make([]byte, 0, orderedHeaderLen+len(data))
		msg = append(msg, kindData, byte(mode), byte(ch))
		if mode == TransferUnreliableOrdered {
			r.sendSeq[ch]++
			msg = binary.LittleEndian.AppendUint32(msg, r.sendSeq[ch])
		}
		msg = append(msg, data...)
		_, res := p.sockets.SendMessageOnLane(r.conn, msg, flags, ch)
		switch res {
		case engine.ResultOK:
		case engine.ResultNoConnection, engine.ResultInvalidState:
			// The connection is closing (the remote left, or timed out) and
			// the next poll reports peer_disconnected: like ENet, a packet
			// to a peer that is going away is dropped without an error.
		case engine.ResultLimitExceeded:
			if firstErr == nil {
				firstErr = fail(ErrOutOfMemory, "send buffer to peer %d is full (LimitExceeded): packet not sent; send less or raise the send buffer size", r.id)
			}
		default:
			if firstErr == nil {
				firstErr = fail(ErrConnectionError, "send to peer %d failed (EResult %d)", r.id, res)
			}
		}
	}
	return firstErr
}

// SetTargetPeer is _set_target_peer: 0 all, >0 one peer, <0 all but -id.
func (p *Peer) SetTargetPeer(id int32) { p.mu.Lock(); p.target = id; p.mu.Unlock() }

// SetTransferChannel is _set_transfer_channel (clamped to 0..MaxChannels-1).
func (p *Peer) SetTransferChannel(ch int) {
	if ch < 0 {
		ch = 0
	}
	if ch >= MaxChannels {
		ch = MaxChannels - 1
	}
	p.mu.Lock()
	p.channel = ch
	p.mu.Unlock()
}

// TransferChannel is _get_transfer_channel.
func (p *Peer) TransferChannel() int { p.mu.Lock(); defer p.mu.Unlock(); return p.channel }

// SetTransferMode is _set_transfer_mode (unknown modes become reliable).
func (p *Peer) SetTransferMode(m TransferMode) {
	if m < TransferUnreliable || m > TransferReliable {
		m = TransferReliable
	}
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
}

// TransferMode is _get_transfer_mode.
func (p *Peer) TransferMode() TransferMode { p.mu.Lock(); defer p.mu.Unlock(); return p.mode }

// UniqueID is _get_unique_id (1 on the server, 0 while a client connects).
func (p *Peer) UniqueID() int32 { p.mu.Lock(); defer p.mu.Unlock(); return p.selfID }

// IsServer is _is_server.
func (p *Peer) IsServer() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.server }

// ConnectionStatus is _get_connection_status.
func (p *Peer) ConnectionStatus() ConnectionStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// IsServerRelaySupported is _is_server_relay_supported: clients only connect
// to the server; SceneMultiplayer relays between clients through it.
func (p *Peer) IsServerRelaySupported() bool { return true }

// SetRefuseNewConnections is _set_refuse_new_connections.
func (p *Peer) SetRefuseNewConnections(v bool) { p.mu.Lock(); p.refuse = v; p.mu.Unlock() }

// IsRefusingNewConnections is _is_refusing_new_connections.
func (p *Peer) IsRefusingNewConnections() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.refuse }

// DisconnectPeer is _disconnect_peer. peer_disconnected is emitted by the
// next Poll, once. Unknown ids are ignored; repeatable.
func (p *Peer) DisconnectPeer(id int32, force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.byID[id]
	if r == nil || p.sockets == nil {
		return
	}
	p.sockets.CloseConnection(r.conn, engine.EndAppGeneric, "disconnect_peer", !force)
	p.dropLocked(r, true)
	if p.leaving == nil {
		p.leaving = map[int32]bool{}
	}
	p.leaving[id] = true
}

// PeerIDs lists connected peer ids (sorted).
func (p *Peer) PeerIDs() []int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]int32, 0, len(p.byID))
	for id, r := range p.byID {
		if r.announced {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
