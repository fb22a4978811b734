// Package engine is a pure-Go networking engine that speaks the wire protocol
// of Valve's GameNetworkingSockets (GNS) over UDP: encrypted connections,
// the SNP message protocol (reliable and unreliable messages, lanes, acks and
// retransmission), poll groups, socket pairs and fault injection.
//
// It has no cgo and no Godot dependency. The Godot binding (package bindings)
// is one user; a dedicated server written in Go is another:
//
//	s := engine.NewSockets(engine.Options{})
//	defer s.Close()
//	ls, err := s.CreateListenSocketIP(netip.MustParseAddrPort("[::]:27015"), nil)
//	...
//	for {
//		for _, ev := range s.PollEvents(nil) { ... accept, close ... }
//		for _, m := range s.ReceiveMessagesOnPollGroup(pg, 64) { ... }
//	}
//
// Concurrency: every method of Sockets is safe to call from any goroutine.
// Network goroutines never call user code; state changes become Events that
// the application drains with PollEvents, on its own goroutine, in order.
//
// Handles (connections, listen sockets, poll groups) are non-zero uint32
// values, unique among live objects and not quickly reused. 0 is invalid.
package engine

import (
	"net/netip"
)

// Handle identifies a connection, listen socket or poll group. 0 is invalid.
type Handle = uint32

// InvalidHandle is the value every creation function returns on failure.
const InvalidHandle Handle = 0

// Result is a Steam EResult code (RESULT_* in api.md).
type Result int

// EResult values this API produces.
const (
	ResultNone               Result = 0
	ResultOK                 Result = 1
	ResultFail               Result = 2
	ResultNoConnection       Result = 3
	ResultInvalidParam       Result = 8
	ResultBusy               Result = 10
	ResultInvalidState       Result = 11
	ResultTimeout            Result = 16
	ResultServiceUnavailable Result = 20
	ResultLimitExceeded      Result = 25
	ResultIPNotFound         Result = 31
	ResultIgnored            Result = 41
	ResultNoMatch            Result = 42
	ResultDisabled           Result = 80
)

// ConnectionState is ESteamNetworkingConnectionState.
type ConnectionState int

// Connection states. The negative ones are internal and reported as StateNone.
const (
	StateNone                   ConnectionState = 0
	StateConnecting             ConnectionState = 1
	StateFindingRoute           ConnectionState = 2
	StateConnected              ConnectionState = 3
	StateClosedByPeer           ConnectionState = 4
	StateProblemDetectedLocally ConnectionState = 5
	StateFinWait                ConnectionState = -1
	StateLinger                 ConnectionState = -2
	StateDead                   ConnectionState = -3
)

// End reasons (ESteamNetConnectionEnd) used by the engine.
const (
	EndInvalid                  = 0
	EndAppGeneric               = 1000
	EndAppMax                   = 1999
	EndAppExceptionGeneric      = 2000
	EndAppExceptionMax          = 2999
	EndLocalOfflineMode         = 3001
	EndLocalNetworkConfig       = 3004
	EndLocalP2PICENoPublicAddr  = 3006
	EndRemoteTimeout            = 4001
	EndRemoteBadCrypt           = 4002
	EndRemoteBadCert            = 4003
	EndRemoteBadProtocolVersion = 4006
	EndMiscGeneric              = 5001
	EndMiscInternalError        = 5002
	EndMiscTimeout              = 5003
	EndMiscSteamConnectivity    = 5005
	EndMiscP2PRendezvous        = 5008
	EndMiscP2PNATFirewall       = 5009
	EndMiscPeerSentNoConnection = 5010
	MaxConnectionCloseReasonLen = 127 // bytes of debug text kept (128 with NUL)
	MaxConnectionNameLen        = 31  // bytes of a connection name kept (32 with NUL)
	MaxConnectionDescriptionLen = 127
)

// Send flags (k_nSteamNetworkingSend_*).
const (
	SendUnreliable       = 0
	SendNoNagle          = 1
	SendNoDelay          = 4
	SendReliable         = 8
	SendUseCurrentThread = 16
)

// MaxMessageSizeSend is the largest message SendMessage accepts (512 KiB).
const MaxMessageSizeSend = 512 * 1024

// Connection info flags (k_nSteamNetworkConnectionInfoFlags_*).
const (
	InfoFlagUnauthenticated = 1
	InfoFlagUnencrypted     = 2
	InfoFlagLoopbackBuffers = 4
	InfoFlagFast            = 8
	InfoFlagRelayed         = 16
	InfoFlagDualWifi        = 32
)

// IdentityType is ESteamNetworkingIdentityType.
type IdentityType int

// Identity types.
const (
	IdentityInvalid       IdentityType = 0
	IdentityIPAddress     IdentityType = 1
	IdentityGenericString IdentityType = 2
	IdentityGenericBytes  IdentityType = 3
	IdentityUnknown       IdentityType = 4
	IdentitySteamID       IdentityType = 16
)

// Identity is a SteamNetworkingIdentity: who a peer claims to be.
// IP connections without certificates use the IP-address identity of the peer.
type Identity struct {
	Type    IdentityType
	SteamID uint64         // IdentitySteamID
	Addr    netip.AddrPort // IdentityIPAddress
	Generic string         // IdentityGenericString / GenericBytes (raw bytes) / Unknown (whole "prefix:data" text)
}

// Message is one received message. Data is owned by the caller.
type Message struct {
	Data          []byte
	Conn          Handle
	Identity      Identity // the peer's identity
	ConnUserData  int64    // the connection's user data when the message was fetched
	TimeReceived  int64    // local monotonic clock, microseconds
	MessageNumber int64
	Lane          int
	Flags         int // SendReliable bit set for reliable messages
	Channel       int // always -1 for connections
	UserData      int64
}

// ConnectionInfo is SteamNetConnectionInfo_t.
type ConnectionInfo struct {
	Identity     Identity
	UserData     int64 // -1 if never set
	ListenSocket Handle
	RemoteAddr   netip.AddrPort // zero value when unknown (pipe socket pair)
	RemotePOP    uint32
	RelayPOP     uint32
	State        ConnectionState // API-visible: 0..5
	EndReason    int
	EndDebug     string
	Description  string
	Flags        int // InfoFlag*
}

// RealTimeStatus is SteamNetConnectionRealTimeStatus_t.
type RealTimeStatus struct {
	State                  ConnectionState
	Ping                   int     // ms; -1 unknown
	LocalQuality           float32 // 0..1, -1 unknown
	RemoteQuality          float32 // 0..1, -1 unknown
	OutPacketsPerSec       float32
	OutBytesPerSec         float32
	InPacketsPerSec        float32
	InBytesPerSec          float32
	SendRateBytesPerSecond int
	PendingUnreliable      int
	PendingReliable        int
	SentUnackedReliable    int
	QueueTimeMicroseconds  int64
}

// LaneStatus is SteamNetConnectionRealTimeLaneStatus_t.
type LaneStatus struct {
	PendingUnreliable     int
	PendingReliable       int
	SentUnackedReliable   int
	QueueTimeMicroseconds int64
}

// Event is one of *ConnectionStatusChanged, *AuthenticationStatus, *FakeIPResult.
type Event interface{ isEvent() }

// ConnectionStatusChanged is SteamNetConnectionStatusChangedCallback_t.
type ConnectionStatusChanged struct {
	Conn     Handle
	Info     ConnectionInfo // Info.State is the new state
	OldState ConnectionState
}

// AuthenticationStatus is SteamNetAuthenticationStatus_t.
type AuthenticationStatus struct {
	Available int // NetworkingAvailability
	Debug     string
}

// FakeIPResult is SteamNetworkingFakeIPResult_t.
type FakeIPResult struct {
	Result   Result
	Identity Identity
	IP       uint32 // host order IPv4, 0 if none
	Ports    [8]uint16
}

func (*ConnectionStatusChanged) isEvent() {}
func (*AuthenticationStatus) isEvent()    {}
func (*FakeIPResult) isEvent()            {}
