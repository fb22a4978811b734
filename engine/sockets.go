package engine

import (
	"errors"
	"net/netip"
)

// Options configures a Sockets object.
type Options struct {
	// Identity is the local identity put in our certificates. Zero value:
	// the anonymous localhost identity (ip:::1), as GNS uses for IP.
	Identity Identity
	// AppID is the AppID listed in our certificates and required in peers'
	// certificates that list AppIDs. GNS's open-source default is 0.
	AppID uint32
	// Logf, if set, receives diagnostic lines (never called with a lock held
	// that user code could need; may be called from network goroutines).
	Logf func(format string, args ...any)

	// Resource limits (zero = the default; engine/README.md "Resource
	// limits" has the table). Exceeding one fails cleanly: API calls return
	// an error wrapping ErrLimitExceeded (RESULT_LIMIT_EXCEEDED in the
	// bindings), an incoming connection is refused with a ConnectionClosed
	// (end reason EndMiscGeneric) and counted in Counters.Refused.

	// MaxConnections caps this instance's live connections (incoming,
	// outgoing, socket pairs; closing ones included). Default 16384, range
	// 1..60000 (connection IDs need a unique low 16-bit half).
	MaxConnections int
	// MaxConnectionsPerListenSocket caps the connections one listen socket
	// holds, in any state. Default 4096, range 1..60000.
	MaxConnectionsPerListenSocket int
	// MaxPendingConnections caps a listen socket's incoming connections that
	// the application has not accepted (or closed) yet. Default 256, range
	// 1..60000. Unaccepted connections time out after TimeoutInitial.
	MaxPendingConnections int
	// MaxListenSockets caps live listen sockets. Default 256, range 1..4096.
	MaxListenSockets int
	// MaxPollGroups caps live poll groups. Default 4096, range 1..65536.
	MaxPollGroups int
}

// ErrLimitExceeded is wrapped by the errors of calls refused by a resource
// limit of Options.
var ErrLimitExceeded = errors.New("engine: resource limit exceeded")

// Sockets is one instance of the networking engine: the equivalent of
// ISteamNetworkingSockets. It owns all listen sockets, connections and poll
// groups it creates. Close releases everything and stops every goroutine.
type Sockets struct {
	impl *sockets
}

// NewSockets creates an engine instance. Nothing is bound until a listen
// socket or connection is created.
func NewSockets(opts Options) *Sockets { return &Sockets{impl: newSockets(opts)} }

// Close closes every connection (without linger) and listen socket, stops
// all goroutines and waits for them. Calls after Close fail like calls with
// invalid handles.
func (s *Sockets) Close() { s.impl.close() }

// SetGlobalConfig sets a config value at global scope (inherited by objects
// created afterwards; fake-network values apply to every packet). Unknown
// and read-only keys fail.
func (s *Sockets) SetGlobalConfig(opt ConfigOption) error { return s.impl.setGlobalConfig(opt) }

// CreateListenSocketIP binds a UDP listen socket. An unspecified IPv6
// address (::) binds dual-stack; port 0 picks an ephemeral port. Options
// apply to the socket and are inherited by accepted connections. Returns
// InvalidHandle and an error on failure (bad option, address in use).
func (s *Sockets) CreateListenSocketIP(addr netip.AddrPort, opts []ConfigOption) (Handle, error) {
	return s.impl.createListenSocketIP(addr, opts)
}

// ConnectByIPAddress starts a connection to a GNS listen socket at addr, from
// a fresh ephemeral UDP socket. Posts NONE→CONNECTING at once.
func (s *Sockets) ConnectByIPAddress(addr netip.AddrPort, opts []ConfigOption) (Handle, error) {
	return s.impl.connectByIPAddress(addr, opts)
}

// AcceptConnection accepts an incoming connection waiting in CONNECTING.
// ResultInvalidParam for a bad handle, ResultInvalidState if not waiting.
func (s *Sockets) AcceptConnection(conn Handle) Result { return s.impl.acceptConnection(conn) }

// CloseConnection closes a connection and frees its handle. reason 0 means
// EndAppGeneric; codes outside 1000..2999 become 1999. debug is truncated to
// 127 bytes. linger keeps flushing queued reliable data in the background.
// Returns false for an invalid handle.
func (s *Sockets) CloseConnection(conn Handle, reason int, debug string, linger bool) bool {
	return s.impl.closeConnection(conn, reason, debug, linger)
}

// CloseListenSocket closes a listen socket; its accepted connections are
// closed ungracefully (the peers see ClosedByPeer). False if invalid.
func (s *Sockets) CloseListenSocket(ls Handle) bool { return s.impl.closeListenSocket(ls) }

// ListenSocketAddress returns the bound local address of a listen socket.
func (s *Sockets) ListenSocketAddress(ls Handle) (netip.AddrPort, bool) {
	return s.impl.listenSocketAddress(ls)
}

// CreateSocketPair creates two connections connected to each other, both
// CONNECTED at once with no events posted. loopback=false: in-process
// buffers; true: real UDP on 127.0.0.1 through the full protocol stack.
// conn1's remote identity is id1, conn2's is id2.
func (s *Sockets) CreateSocketPair(loopback bool, id1, id2 Identity) (conn1, conn2 Handle, ok bool) {
	return s.impl.createSocketPair(loopback, id1, id2)
}

// SendMessageToConnection queues one message on lane 0. Returns the message
// number (>0) and ResultOK, or -1 and: ResultInvalidParam (bad handle, size >
// MaxMessageSizeSend), ResultInvalidState, ResultNoConnection (closed by peer
// / problem), ResultIgnored (SendNoDelay while not ready), ResultLimitExceeded
// (send buffer full).
func (s *Sockets) SendMessageToConnection(conn Handle, data []byte, flags int) (int64, Result) {
	return s.impl.sendMessage(conn, data, flags, 0)
}

// SendMessageOnLane is SendMessageToConnection on a given lane.
func (s *Sockets) SendMessageOnLane(conn Handle, data []byte, flags int, lane int) (int64, Result) {
	return s.impl.sendMessage(conn, data, flags, lane)
}

// OutgoingMessage is one element of a SendMessages batch.
type OutgoingMessage struct {
	Conn  Handle
	Data  []byte
	Flags int
	Lane  int
}

// SendMessages sends a batch; the result per message is its message number
// (>0) or a negative Result.
func (s *Sockets) SendMessages(msgs []OutgoingMessage) []int64 { return s.impl.sendMessages(msgs) }

// FlushMessagesOnConnection sends Nagle-delayed messages now.
func (s *Sockets) FlushMessagesOnConnection(conn Handle) Result { return s.impl.flush(conn) }

// ReceiveMessagesOnConnection returns up to max pending messages, oldest
// first. Nil for an invalid handle or nothing pending.
func (s *Sockets) ReceiveMessagesOnConnection(conn Handle, max int) []*Message {
	return s.impl.receiveOnConnection(conn, max)
}

// ReceiveMessagesOnPollGroup returns up to max pending messages from every
// connection in the group, in arrival order.
func (s *Sockets) ReceiveMessagesOnPollGroup(pg Handle, max int) []*Message {
	return s.impl.receiveOnPollGroup(pg, max)
}

// ConfigureConnectionLanes sets the lane count (cannot shrink), priorities
// (lower value served first) and weights (>0, within a priority class).
func (s *Sockets) ConfigureConnectionLanes(conn Handle, lanes int, priorities []int, weights []int) Result {
	return s.impl.configureLanes(conn, lanes, priorities, weights)
}

// CreatePollGroup creates a poll group.
func (s *Sockets) CreatePollGroup() Handle { return s.impl.createPollGroup() }

// DestroyPollGroup destroys a group; its members are left in no group.
func (s *Sockets) DestroyPollGroup(pg Handle) bool { return s.impl.destroyPollGroup(pg) }

// SetConnectionPollGroup moves a connection (and its queued messages) to a
// group; pg 0 removes it from its group.
func (s *Sockets) SetConnectionPollGroup(conn, pg Handle) bool { return s.impl.setPollGroup(conn, pg) }

// ConnectionInfo returns the connection's info (false for invalid handles).
func (s *Sockets) ConnectionInfo(conn Handle) (ConnectionInfo, bool) {
	return s.impl.connectionInfo(conn)
}

// RealTimeStatus returns the status and the first `lanes` lane statuses.
// ResultNoConnection for a bad handle, ResultInvalidParam if lanes < 0 or
// more than configured.
func (s *Sockets) RealTimeStatus(conn Handle, lanes int) (RealTimeStatus, []LaneStatus, Result) {
	return s.impl.realTimeStatus(conn, lanes)
}

// DetailedStatus returns a human-readable multi-line status for logs.
func (s *Sockets) DetailedStatus(conn Handle) (string, bool) { return s.impl.detailedStatus(conn) }

// SetConnectionName sets the debug name (truncated to 31 bytes).
func (s *Sockets) SetConnectionName(conn Handle, name string) bool { return s.impl.setName(conn, name) }

// ConnectionName returns the name set with SetConnectionName.
func (s *Sockets) ConnectionName(conn Handle) (string, bool) { return s.impl.name(conn) }

// SetConnectionUserData sets the int64 user data.
func (s *Sockets) SetConnectionUserData(conn Handle, v int64) bool {
	return s.impl.setUserData(conn, v)
}

// ConnectionUserData returns the user data, -1 if invalid or never set.
func (s *Sockets) ConnectionUserData(conn Handle) int64 { return s.impl.userData(conn) }

// Identity returns the local identity.
func (s *Sockets) Identity() Identity { return s.impl.identity() }

// ResetIdentity adopts a new local identity and closes every connection
// (peers see ClosedByPeer).
func (s *Sockets) ResetIdentity(id Identity) { s.impl.resetIdentity(id) }

// PollEvents appends every queued event to dst, in the order they happened,
// and returns it. Call it from the application's own goroutine.
func (s *Sockets) PollEvents(dst []Event) []Event { return s.impl.pollEvents(dst) }

// EventsPending reports whether PollEvents would return something; cheap.
func (s *Sockets) EventsPending() bool { return s.impl.eventsPending() }

// GlobalConfig returns a global config value (the default if never set).
// MTU_DataSize is computed from MTU_PacketSize.
func (s *Sockets) GlobalConfig(k ConfigKey) (ConfigValue, bool) { return s.impl.getGlobalConfig(k) }

// Counters returns engine-wide packet counters: datagrams dropped as
// malformed, spoofed, undecryptable or replayed, among others.
func (s *Sockets) Counters() Counters { return s.impl.counters.snapshot() }

// SetP2PBackend installs the P2P stack that ConnectP2P and
// CreateListenSocketP2P use (engine/p2p: node.EngineBackend()); nil removes
// it. Incoming P2P connect requests are served from then on. Once logged
// in, the backend's identity is the local identity unless Options.Identity
// or ResetIdentity set one. See p2p_path.go for the model.
func (s *Sockets) SetP2PBackend(b P2PBackend) error { return s.impl.setP2PBackend(b) }

// CreateListenSocketP2P listens for P2P connections on a virtual port
// (0..65535): requests arriving through the backend for that port become
// connections in CONNECTING for AcceptConnection, after their CA-signed
// certificate checked out. Fails without a backend, for a port already in
// use, or when P2P_Transport_ICE_Enable is 0. ListenSocketAddress reports
// nothing for a P2P listen socket.
func (s *Sockets) CreateListenSocketP2P(virtualPort int, opts []ConfigOption) (Handle, error) {
	return s.impl.createListenSocketP2P(virtualPort, opts)
}

// ConnectP2P starts a connection to a SteamID identity's P2P listen socket
// on virtualPort, through the backend's signaling and ICE. Posts
// NONE→CONNECTING at once, CONNECTING→FINDING_ROUTE when the peer answers,
// then CONNECTED when a path works and the peer's certificate checked out.
// Failures end the connection with GNS end reasons: 5008 (no answer
// through signaling: peer offline or not listening), 5009 (no route), 4003
// (bad certificate), 3004 (relay-only without a TURN server).
// P2P_Transport_ICE_Enable = 1 (relay) keeps the path on the TURN relay so
// neither side learns the other's address; LocalVirtualPort is sent as
// from_virtual_port.
func (s *Sockets) ConnectP2P(remote Identity, virtualPort int, opts []ConfigOption) (Handle, error) {
	return s.impl.connectP2P(remote, virtualPort, opts)
}

// PostEvent queues an event for PollEvents, after those already queued
// (and wakes WaitForActivity). Backends living outside the engine use it:
// the P2P login's AuthenticationStatus changes, FakeIP results. nil is
// ignored.
func (s *Sockets) PostEvent(ev Event) { s.impl.postEvent(ev) }
