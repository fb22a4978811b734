package engine

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Config keys (ESteamNetworkingConfigValue; NETWORKING_CONFIG_* in api.md).
const (
	ConfigFakePacketLossSend                  ConfigKey = 2
	ConfigFakePacketLossRecv                  ConfigKey = 3
	ConfigFakePacketLagSend                   ConfigKey = 4
	ConfigFakePacketLagRecv                   ConfigKey = 5
	ConfigFakePacketReorderSend               ConfigKey = 6
	ConfigFakePacketReorderRecv               ConfigKey = 7
	ConfigFakePacketReorderTime               ConfigKey = 8
	ConfigSendBufferSize                      ConfigKey = 9
	ConfigSendRateMin                         ConfigKey = 10
	ConfigSendRateMax                         ConfigKey = 11
	ConfigNagleTime                           ConfigKey = 12
	ConfigLogLevelAckRTT                      ConfigKey = 13
	ConfigLogLevelPacketDecode                ConfigKey = 14
	ConfigLogLevelMessage                     ConfigKey = 15
	ConfigLogLevelPacketGaps                  ConfigKey = 16
	ConfigLogLevelP2PRendezvous               ConfigKey = 17
	ConfigLogLevelSDRRelayPings               ConfigKey = 18
	ConfigSDRClientConsecPingTimeoutFailInit  ConfigKey = 19
	ConfigSDRClientConsecPingTimeoutFail      ConfigKey = 20
	ConfigSDRClientMinPingsBeforePingAccurate ConfigKey = 21
	ConfigSDRClientSingleSocket               ConfigKey = 22
	ConfigIPAllowWithoutAuth                  ConfigKey = 23
	ConfigTimeoutInitial                      ConfigKey = 24
	ConfigTimeoutConnected                    ConfigKey = 25
	ConfigFakePacketDupSend                   ConfigKey = 26
	ConfigFakePacketDupRecv                   ConfigKey = 27
	ConfigFakePacketDupTimeMax                ConfigKey = 28
	ConfigSDRClientForceRelayCluster          ConfigKey = 29
	ConfigSDRClientDevTicket                  ConfigKey = 30
	ConfigSDRClientForceProxyAddr             ConfigKey = 31
	ConfigMTUPacketSize                       ConfigKey = 32
	ConfigMTUDataSize                         ConfigKey = 33
	ConfigUnencrypted                         ConfigKey = 34
	ConfigSDRClientFakeClusterPing            ConfigKey = 36
	ConfigSymmetricConnect                    ConfigKey = 37
	ConfigLocalVirtualPort                    ConfigKey = 38
	ConfigDualWifiEnable                      ConfigKey = 39
	ConfigConnectionUserData                  ConfigKey = 40
	ConfigPacketTraceMaxBytes                 ConfigKey = 41
	ConfigFakeRateLimitSendRate               ConfigKey = 42
	ConfigFakeRateLimitSendBurst              ConfigKey = 43
	ConfigFakeRateLimitRecvRate               ConfigKey = 44
	ConfigFakeRateLimitRecvBurst              ConfigKey = 45
	ConfigEnableDiagnosticsUI                 ConfigKey = 46
	ConfigRecvBufferSize                      ConfigKey = 47
	ConfigRecvBufferMessages                  ConfigKey = 48
	ConfigRecvMaxMessageSize                  ConfigKey = 49
	ConfigRecvMaxSegmentsPerPacket            ConfigKey = 50
	ConfigOutOfOrderCorrectionWindowMicrosecs ConfigKey = 51
	ConfigIPLocalHostAllowWithoutAuth         ConfigKey = 52
	ConfigFakePacketJitterSendAvg             ConfigKey = 53
	ConfigFakePacketJitterSendMax             ConfigKey = 54
	ConfigFakePacketJitterSendPct             ConfigKey = 55
	ConfigFakePacketJitterRecvAvg             ConfigKey = 56
	ConfigFakePacketJitterRecvMax             ConfigKey = 57
	ConfigFakePacketJitterRecvPct             ConfigKey = 58
	ConfigSendTimeSincePreviousPacket         ConfigKey = 59
	ConfigSDRClientLimitPingProbesToNearestN  ConfigKey = 60
	ConfigP2PSTUNServerList                   ConfigKey = 103
	ConfigP2PTransportICEEnable               ConfigKey = 104
	ConfigP2PTransportICEPenalty              ConfigKey = 105
	ConfigP2PTransportSDRPenalty              ConfigKey = 106
	ConfigP2PTURNServerList                   ConfigKey = 107
	ConfigP2PTURNUserList                     ConfigKey = 108
	ConfigP2PTURNPassList                     ConfigKey = 109
	ConfigP2PTransportICEImplementation       ConfigKey = 110
	ConfigCallbackConnectionStatusChanged     ConfigKey = 201
	ConfigCallbackAuthStatusChanged           ConfigKey = 202
	ConfigCallbackRelayNetworkStatusChanged   ConfigKey = 203
	ConfigCallbackMessagesSessionRequest      ConfigKey = 204
	ConfigCallbackMessagesSessionFailed       ConfigKey = 205
	ConfigCallbackCreateConnectionSignaling   ConfigKey = 206
	ConfigCallbackFakeIPResult                ConfigKey = 207
	ConfigECN                                 ConfigKey = 999
)

// ConfigScope is where GNS lets a value be set.
type ConfigScope int

// Scopes. Global values are process-wide in GNS; connection values can also
// be set on a listen socket (inherited by accepted connections) or globally
// (the default for new objects). Following api.md §2.4, the engine accepts
// global-scope keys in creation options too and applies them to that socket
// or connection.
const (
	ScopeGlobal     ConfigScope = 1
	ScopeConnection ConfigScope = 4
)

// ConfigDescription describes one config value: GNS's name, number, type,
// scope, default and range. Min/Max are meaningful for numeric types only.
type ConfigDescription struct {
	Key      ConfigKey
	Name     string // GNS name, e.g. "TimeoutInitial"
	Type     ConfigDataType
	Scope    ConfigScope
	Default  ConfigValue
	Min, Max float64
	ReadOnly bool
	Doc      string
}

func ci(k ConfigKey, name string, scope ConfigScope, def, lo, hi int64, doc string) ConfigDescription {
	return ConfigDescription{Key: k, Name: name, Type: ConfigInt32, Scope: scope,
		Default: ConfigValue{Type: ConfigInt32, Int: def}, Min: float64(lo), Max: float64(hi), Doc: doc}
}

func cf(k ConfigKey, name string, scope ConfigScope, def, lo, hi float32, doc string) ConfigDescription {
	return ConfigDescription{Key: k, Name: name, Type: ConfigFloat, Scope: scope,
		Default: ConfigValue{Type: ConfigFloat, Float: def}, Min: float64(lo), Max: float64(hi), Doc: doc}
}

func cs(k ConfigKey, name string, scope ConfigScope, doc string) ConfigDescription {
	return ConfigDescription{Key: k, Name: name, Type: ConfigString, Scope: scope,
		Default: ConfigValue{Type: ConfigString}, Doc: doc}
}

func cp(k ConfigKey, name string, scope ConfigScope, doc string) ConfigDescription {
	return ConfigDescription{Key: k, Name: name, Type: ConfigFunctionPtr, Scope: scope,
		Default: ConfigValue{Type: ConfigFunctionPtr}, Doc: doc}
}

const (
	maxI32     = math.MaxInt32
	logWarning = 4 // k_ESteamNetworkingSocketsDebugOutputType_Warning
	logError   = 2
	logAll     = 8
)

// configTable is THE one place that lists every config value the engine
// knows, with GNS's numbers, types, scopes, defaults and ranges
// (gns_wire_notes.md §6, GNS csteamnetworkingsockets.cpp). Values GNS
// compiles only into the Steam build (SDR) are kept as inert values with
// neutral defaults: they have no effect on direct UDP.
var configTable = []ConfigDescription{
	cf(ConfigFakePacketLossSend, "FakePacketLoss_Send", ScopeGlobal, 0, 0, 100, "percent of sent datagrams dropped"),
	cf(ConfigFakePacketLossRecv, "FakePacketLoss_Recv", ScopeGlobal, 0, 0, 100, "percent of received datagrams dropped"),
	ci(ConfigFakePacketLagSend, "FakePacketLag_Send", ScopeGlobal, 0, 0, 5000, "ms added to every sent datagram"),
	ci(ConfigFakePacketLagRecv, "FakePacketLag_Recv", ScopeGlobal, 0, 0, 5000, "ms added to every received datagram"),
	cf(ConfigFakePacketReorderSend, "FakePacketReorder_Send", ScopeGlobal, 0, 0, 100, "percent of sent datagrams delayed by FakePacketReorder_Time"),
	cf(ConfigFakePacketReorderRecv, "FakePacketReorder_Recv", ScopeGlobal, 0, 0, 100, "percent of received datagrams delayed by FakePacketReorder_Time"),
	ci(ConfigFakePacketReorderTime, "FakePacketReorder_Time", ScopeGlobal, 15, 0, 5000, "extra ms for reordered datagrams"),
	ci(ConfigSendBufferSize, "SendBufferSize", ScopeConnection, 512*1024, 4*1024, 0x10000000, "max bytes queued for sending"),
	ci(ConfigSendRateMin, "SendRateMin", ScopeConnection, 256*1024, 1024, 0x10000000, "minimum send rate, bytes/s"),
	ci(ConfigSendRateMax, "SendRateMax", ScopeConnection, 256*1024, 1024, 0x10000000, "maximum send rate, bytes/s"),
	ci(ConfigNagleTime, "NagleTime", ScopeConnection, 5000, 0, 20000, "Nagle delay, µs"),
	ci(ConfigLogLevelAckRTT, "LogLevel_AckRTT", ScopeConnection, logWarning, logError, logAll, "log level (diagnostics only)"),
	ci(ConfigLogLevelPacketDecode, "LogLevel_PacketDecode", ScopeConnection, logWarning, logError, logAll, "log level (diagnostics only)"),
	ci(ConfigLogLevelMessage, "LogLevel_Message", ScopeConnection, logWarning, logError, logAll, "log level (diagnostics only)"),
	ci(ConfigLogLevelPacketGaps, "LogLevel_PacketGaps", ScopeConnection, logWarning, logError, logAll, "log level (diagnostics only)"),
	ci(ConfigLogLevelP2PRendezvous, "LogLevel_P2PRendezvous", ScopeConnection, logWarning, logError, logAll, "log level (diagnostics only)"),
	ci(ConfigLogLevelSDRRelayPings, "LogLevel_SDRRelayPings", ScopeGlobal, logWarning, logError, logAll, "SDR (Steam build only): inert"),
	ci(ConfigSDRClientConsecPingTimeoutFailInit, "SDRClient_ConsecutitivePingTimeoutsFailInitial", ScopeGlobal, 0, 0, maxI32, "SDR (Steam build only): inert"),
	ci(ConfigSDRClientConsecPingTimeoutFail, "SDRClient_ConsecutitivePingTimeoutsFail", ScopeGlobal, 0, 0, maxI32, "SDR (Steam build only): inert"),
	ci(ConfigSDRClientMinPingsBeforePingAccurate, "SDRClient_MinPingsBeforePingAccurate", ScopeGlobal, 0, 0, maxI32, "SDR (Steam build only): inert"),
	ci(ConfigSDRClientSingleSocket, "SDRClient_SingleSocket", ScopeGlobal, 0, 0, 1, "SDR (Steam build only): inert"),
	ci(ConfigIPAllowWithoutAuth, "IP_AllowWithoutAuth", ScopeConnection, 2, 0, 2, "accept unauthenticated IP peers: 0 no, 1 warn, 2 yes (GNS open-source default 2)"),
	ci(ConfigTimeoutInitial, "TimeoutInitial", ScopeConnection, 10000, 0, maxI32, "ms to finish connecting (or for the app to accept)"),
	ci(ConfigTimeoutConnected, "TimeoutConnected", ScopeConnection, 10000, 0, maxI32, "ms of silence before a connected peer is dropped"),
	cf(ConfigFakePacketDupSend, "FakePacketDup_Send", ScopeGlobal, 0, 0, 100, "percent of sent datagrams duplicated"),
	cf(ConfigFakePacketDupRecv, "FakePacketDup_Recv", ScopeGlobal, 0, 0, 100, "percent of received datagrams duplicated"),
	ci(ConfigFakePacketDupTimeMax, "FakePacketDup_TimeMax", ScopeGlobal, 10, 0, 5000, "max ms between a datagram and its duplicate"),
	cs(ConfigSDRClientForceRelayCluster, "SDRClient_ForceRelayCluster", ScopeGlobal, "SDR (Steam build only): inert"),
	cs(ConfigSDRClientDevTicket, "SDRClient_DevTicket", ScopeConnection, "SDR (Steam build only): inert"),
	cs(ConfigSDRClientForceProxyAddr, "SDRClient_ForceProxyAddr", ScopeGlobal, "SDR (Steam build only): inert"),
	ci(ConfigMTUPacketSize, "MTU_PacketSize", ScopeConnection, 1300, 200, 1300, "max UDP payload we send"),
	{Key: ConfigMTUDataSize, Name: "MTU_DataSize", Type: ConfigInt32, Scope: ScopeConnection, ReadOnly: true,
		Default: ConfigValue{Type: ConfigInt32, Int: 1200}, Min: 0, Max: 1200, Doc: "read-only: MTU_PacketSize - 100"},
	ci(ConfigUnencrypted, "Unencrypted", ScopeConnection, 0, 0, 3, "0 AES only, 1 AES preferred, 2 NULL preferred, 3 NULL only"),
	cs(ConfigSDRClientFakeClusterPing, "SDRClient_FakeClusterPing", ScopeGlobal, "SDR (Steam build only): inert"),
	ci(ConfigSymmetricConnect, "SymmetricConnect", ScopeConnection, 0, 0, 1, "P2P only; stored, no effect on IP connections"),
	ci(ConfigLocalVirtualPort, "LocalVirtualPort", ScopeConnection, -1, -1, maxI32, "P2P only; stored"),
	ci(ConfigDualWifiEnable, "DualWifi_Enable", ScopeConnection, 1, 0, 4, "Windows Steam build only: inert"),
	{Key: ConfigConnectionUserData, Name: "ConnectionUserData", Type: ConfigInt64, Scope: ScopeConnection,
		Default: ConfigValue{Type: ConfigInt64, Int: -1}, Min: math.MinInt64, Max: math.MaxInt64, Doc: "initial user data of the connection"},
	ci(ConfigPacketTraceMaxBytes, "PacketTraceMaxBytes", ScopeGlobal, -1, -1, 99999, "diagnostics only"),
	ci(ConfigFakeRateLimitSendRate, "FakeRateLimit_Send_Rate", ScopeGlobal, 0, 0, 1024*1024*1024, "simulated send bandwidth, bytes/s (0 off)"),
	ci(ConfigFakeRateLimitSendBurst, "FakeRateLimit_Send_Burst", ScopeGlobal, 16*1024, 0, 1024*1024, "simulated send burst, bytes"),
	ci(ConfigFakeRateLimitRecvRate, "FakeRateLimit_Recv_Rate", ScopeGlobal, 0, 0, 1024*1024*1024, "simulated receive bandwidth, bytes/s (0 off)"),
	ci(ConfigFakeRateLimitRecvBurst, "FakeRateLimit_Recv_Burst", ScopeGlobal, 16*1024, 0, 1024*1024, "simulated receive burst, bytes"),
	ci(ConfigEnableDiagnosticsUI, "EnableDiagnosticsUI", ScopeConnection, 1, 0, 1, "Steam client only: inert"),
	ci(ConfigRecvBufferSize, "RecvBufferSize", ScopeConnection, 1024*1024, 4*1024, 0x10000000, "max bytes waiting in the receive queue"),
	ci(ConfigRecvBufferMessages, "RecvBufferMessages", ScopeConnection, 1000, 2, 0x10000000, "max messages waiting in the receive queue"),
	ci(ConfigRecvMaxMessageSize, "RecvMaxMessageSize", ScopeConnection, 512*1024, 64, 0x10000000, "largest message accepted"),
	ci(ConfigRecvMaxSegmentsPerPacket, "RecvMaxSegmentsPerPacket", ScopeConnection, 1300, 1, 1300, "max segments decoded per packet"),
	ci(ConfigOutOfOrderCorrectionWindowMicrosecs, "OutOfOrderCorrectionWindowMicroseconds", ScopeGlobal, 1000, 0, 50000, "local receive behaviour only"),
	ci(ConfigIPLocalHostAllowWithoutAuth, "IPLocalHost_AllowWithoutAuth", ScopeConnection, 2, 0, 2, "like IP_AllowWithoutAuth, for loopback peers"),
	cf(ConfigFakePacketJitterSendAvg, "FakePacketJitter_Send_Avg", ScopeGlobal, 0, 0, 2000, "mean exponential jitter on send, ms (0 off)"),
	cf(ConfigFakePacketJitterSendMax, "FakePacketJitter_Send_Max", ScopeGlobal, 100, 0, 5000, "max jitter on send, ms"),
	cf(ConfigFakePacketJitterSendPct, "FakePacketJitter_Send_Pct", ScopeGlobal, 75, 0, 100, "percent of sent datagrams jittered"),
	cf(ConfigFakePacketJitterRecvAvg, "FakePacketJitter_Recv_Avg", ScopeGlobal, 0, 0, 2000, "mean exponential jitter on receive, ms (0 off)"),
	cf(ConfigFakePacketJitterRecvMax, "FakePacketJitter_Recv_Max", ScopeGlobal, 100, 0, 5000, "max jitter on receive, ms"),
	cf(ConfigFakePacketJitterRecvPct, "FakePacketJitter_Recv_Pct", ScopeGlobal, 75, 0, 100, "percent of received datagrams jittered"),
	ci(ConfigSendTimeSincePreviousPacket, "SendTimeSincePreviousPacket", ScopeConnection, -1, -1, 1, "stored; the engine never sends the field"),
	ci(ConfigSDRClientLimitPingProbesToNearestN, "SDRClient_LimitPingProbesToNearestN", ScopeGlobal, 0, 0, maxI32, "SDR (Steam build only): inert"),
	cs(ConfigP2PSTUNServerList, "P2P_STUN_ServerList", ScopeConnection, "P2P/ICE: STUN servers (stored)"),
	ci(ConfigP2PTransportICEEnable, "P2P_Transport_ICE_Enable", ScopeConnection, 0x7FFFFFFF, 0, 0x7FFFFFFF, "P2P/ICE (stored)"),
	ci(ConfigP2PTransportICEPenalty, "P2P_Transport_ICE_Penalty", ScopeConnection, 0, 0, maxI32, "P2P/ICE (stored)"),
	ci(ConfigP2PTransportSDRPenalty, "P2P_Transport_SDR_Penalty", ScopeConnection, 0, 0, maxI32, "SDR: inert"),
	cs(ConfigP2PTURNServerList, "P2P_TURN_ServerList", ScopeConnection, "P2P/ICE (stored)"),
	cs(ConfigP2PTURNUserList, "P2P_TURN_UserList", ScopeConnection, "P2P/ICE (stored)"),
	cs(ConfigP2PTURNPassList, "P2P_TURN_PassList", ScopeConnection, "P2P/ICE (stored)"),
	ci(ConfigP2PTransportICEImplementation, "P2P_Transport_ICE_Implementation", ScopeConnection, 0, 0, 2, "P2P/ICE (stored)"),
	cp(ConfigCallbackConnectionStatusChanged, "Callback_ConnectionStatusChanged", ScopeConnection, "function pointers cannot be set from this API: only a null value is accepted"),
	cp(ConfigCallbackAuthStatusChanged, "Callback_AuthStatusChanged", ScopeGlobal, "function pointer: only null accepted"),
	cp(ConfigCallbackRelayNetworkStatusChanged, "Callback_RelayNetworkStatusChanged", ScopeGlobal, "function pointer: only null accepted"),
	cp(ConfigCallbackMessagesSessionRequest, "Callback_MessagesSessionRequest", ScopeGlobal, "function pointer: only null accepted"),
	cp(ConfigCallbackMessagesSessionFailed, "Callback_MessagesSessionFailed", ScopeGlobal, "function pointer: only null accepted"),
	cp(ConfigCallbackCreateConnectionSignaling, "Callback_CreateConnectionSignaling", ScopeGlobal, "function pointer: only null accepted"),
	cp(ConfigCallbackFakeIPResult, "Callback_FakeIPResult", ScopeGlobal, "function pointer: only null accepted"),
	ci(ConfigECN, "ECN", ScopeGlobal, -1, -1, 2, "Windows only: inert"),
}

var configIndex = func() map[ConfigKey]int {
	m := make(map[ConfigKey]int, len(configTable))
	for i, d := range configTable {
		if _, dup := m[d.Key]; dup {
			panic(fmt.Sprintf("engine: duplicate config key %d", d.Key))
		}
		m[d.Key] = i
	}
	return m
}()

// DescribeConfig returns the description of a config key.
func DescribeConfig(k ConfigKey) (ConfigDescription, bool) {
	i, ok := configIndex[k]
	if !ok {
		return ConfigDescription{}, false
	}
	return configTable[i], true
}

// ConfigKeys returns every known key, sorted.
func ConfigKeys() []ConfigKey {
	keys := make([]ConfigKey, 0, len(configTable))
	for _, d := range configTable {
		keys = append(keys, d.Key)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// convertConfig converts v to k's type leniently and clamps it. It fails
// for unknown and read-only keys and for values that cannot be converted.
func convertConfig(k ConfigKey, v ConfigValue) (ConfigValue, error) {
	d, ok := DescribeConfig(k)
	if !ok {
		return ConfigValue{}, fmt.Errorf("engine: unknown config key %d", k)
	}
	if d.ReadOnly {
		return ConfigValue{}, fmt.Errorf("engine: config %s (%d) is read-only", d.Name, k)
	}
	bad := func() (ConfigValue, error) {
		return ConfigValue{}, fmt.Errorf("engine: config %s (%d): cannot use a value of type %d (%q)", d.Name, k, v.Type, v.String)
	}
	switch d.Type {
	case ConfigFunctionPtr:
		if v.Type == ConfigFunctionPtr && v.Int == 0 {
			return ConfigValue{Type: ConfigFunctionPtr}, nil
		}
		return bad()
	case ConfigString:
		switch v.Type {
		case ConfigString:
			return v, nil
		case ConfigInt32, ConfigInt64:
			return ConfigValue{Type: ConfigString, String: strconv.FormatInt(v.Int, 10)}, nil
		case ConfigFloat:
			return ConfigValue{Type: ConfigString, String: strconv.FormatFloat(float64(v.Float), 'g', -1, 32)}, nil
		}
		return bad()
	case ConfigFloat:
		var f float64
		switch v.Type {
		case ConfigFloat:
			f = float64(v.Float)
		case ConfigInt32, ConfigInt64:
			f = float64(v.Int)
		case ConfigString:
			x, err := strconv.ParseFloat(strings.TrimSpace(v.String), 32)
			if err != nil {
				return bad()
			}
			f = x
		default:
			return bad()
		}
		if math.IsNaN(f) {
			return bad()
		}
		f = math.Max(d.Min, math.Min(d.Max, f))
		return ConfigValue{Type: ConfigFloat, Float: float32(f)}, nil
	default: // ConfigInt32, ConfigInt64
		var n int64
		switch v.Type {
		case ConfigInt32, ConfigInt64:
			n = v.Int
		case ConfigFloat:
			f := math.Floor(float64(v.Float) + 0.5)
			if math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64 {
				return bad()
			}
			n = int64(f)
		case ConfigString:
			s := strings.TrimSpace(v.String)
			x, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				fl, ferr := strconv.ParseFloat(s, 64)
				if ferr != nil || math.IsNaN(fl) || fl < math.MinInt64 || fl >= math.MaxInt64 {
					return bad()
				}
				x = int64(math.Floor(fl + 0.5))
			}
			n = x
		default:
			return bad()
		}
		if d.Type == ConfigInt32 && (n < math.MinInt32 || n > math.MaxInt32) {
			return ConfigValue{}, fmt.Errorf("engine: config %s (%d): %d does not fit in int32", d.Name, k, n)
		}
		if float64(n) < d.Min {
			n = int64(d.Min)
		}
		if float64(n) > d.Max {
			n = int64(d.Max)
		}
		return ConfigValue{Type: d.Type, Int: n}, nil
	}
}

// configSet holds explicitly set values (already converted). The zero value
// is empty. Not safe for concurrent mutation; callers copy or lock.
type configSet map[ConfigKey]ConfigValue

// apply converts and stores every option; the first failure aborts.
func (c configSet) apply(opts []ConfigOption) error {
	for i, o := range opts {
		v, err := convertConfig(o.Key, o.Value)
		if err != nil {
			return fmt.Errorf("option %d: %w", i, err)
		}
		c[o.Key] = v
	}
	return nil
}

func (c configSet) clone() configSet {
	out := make(configSet, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// layered resolves a key through several sets, first match wins, then the
// default.
type layered []configSet

func (l layered) get(k ConfigKey) ConfigValue {
	for _, c := range l {
		if v, ok := c[k]; ok {
			return v
		}
	}
	d, _ := DescribeConfig(k)
	return d.Default
}

func (l layered) int(k ConfigKey) int64 {
	v := l.get(k)
	if v.Type == ConfigFloat {
		return int64(v.Float)
	}
	return v.Int
}

func (l layered) float(k ConfigKey) float64 {
	v := l.get(k)
	if v.Type == ConfigFloat {
		return float64(v.Float)
	}
	return float64(v.Int)
}
