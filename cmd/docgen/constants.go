package main

import (
	"fmt"
	"strings"

	"godotsteam-sockets/bindings"
)

// constantDescription returns the description of one constant: a written
// text from constantDocs, or for the long tail of Steam result codes that this
// API never produces, a sentence built from the name.
func constantDescription(c bindings.Constant) string {
	if d, ok := constantDocs[c.Name]; ok {
		return d
	}
	if c.Enum == "Result" && strings.HasPrefix(c.Name, "RESULT_") {
		words := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(c.Name, "RESULT_"), "_", " "))
		return fmt.Sprintf("Steam result code %d (%q). Part of Steam's shared result list and registered so code written for GodotSteam compiles; no networking sockets method of this extension returns it.", c.Value, words)
	}
	if strings.HasSuffix(c.Name, "FORCE32BIT") || strings.HasSuffix(c.Name, "FORCE_32BIT") {
		return "Largest value of the enumeration, present only to fix its size in C. Never returned."
	}
	return ""
}

const (
	fakeNote   = " Applies to the listen socket or connection it is given to in [code]config_options[/code] (Steam only accepts it globally); used to test games under bad network conditions."
	sdrNote    = " Concerns Valve's relay network, which this extension does not use; accepted and ignored."
	logNote    = " Log detail level for one kind of diagnostic (a [enum NetworkingSocketsDebugOutputType] value); accepted, and used by the engine's own debug logging where it has the matching messages."
	p2pNote    = " Concerns P2P connections by identity, which this extension does not offer yet; accepted and stored."
	cbNote     = " Holds a C function pointer in Steamworks; GDScript cannot set it (use the signals instead), so passing it in [code]config_options[/code] fails."
	resultProd = " Returned by this extension: "
)

var constantDocs = map[string]string{
	// Plain constants.
	"MAX_STEAM_PACKET_SIZE":                            "Largest message, in bytes, that [method sendMessageToConnection] and [method sendMessages] accept (512 KiB). Larger payloads fail with [constant RESULT_INVALID_PARAM]; split them yourself.",
	"NETWORKING_SEND_UNRELIABLE":                       "Send flag: the message may be lost, and arrives intact or not at all; messages are not retransmitted. Combine with the other flags using [code]|[/code].",
	"NETWORKING_SEND_NO_NAGLE":                         "Send flag: do not hold the message back to batch it with later small messages (Nagle's algorithm); send it with the next packet.",
	"NETWORKING_SEND_URELIABLE_NO_NAGLE":               "Send flags [constant NETWORKING_SEND_UNRELIABLE] | [constant NETWORKING_SEND_NO_NAGLE]. The misspelling is the name GodotSteam registers and is kept for compatibility.",
	"NETWORKING_SEND_NO_DELAY":                         "Send flag: send the message now or not at all. If the connection is not ready or the message would have to wait in a queue, it is dropped ([constant RESULT_IGNORED] while connecting). Implies [constant NETWORKING_SEND_NO_NAGLE].",
	"NETWORKING_SEND_UNRELIABLE_NO_DELAY":              "Send flags [constant NETWORKING_SEND_UNRELIABLE] | [constant NETWORKING_SEND_NO_DELAY] | [constant NETWORKING_SEND_NO_NAGLE]: fire-and-forget, typical for position updates.",
	"NETWORKING_SEND_RELIABLE":                         "Send flag: the message is retransmitted until acknowledged and arrives exactly once, in order with the other reliable messages of its lane. Received messages carry this value in [code]flags[/code].",
	"NETWORKING_SEND_RELIABLE_NO_NAGLE":                "Send flags [constant NETWORKING_SEND_RELIABLE] | [constant NETWORKING_SEND_NO_NAGLE].",
	"NETWORKING_SEND_USE_CURRENT_THREAD":               "Send flag asking Steam to do the sending work on the calling thread. Accepted and has no effect here: sending never blocks the caller.",
	"NETWORKING_SEND_AUTORESTART_BROKEN_SESSION":       "Send flag of Steam's connectionless messages API (not of sockets). Accepted and ignored.",
	"NETWORKING_CONNECTION_INFO_FLAG_UNAUTHENTICATED":  "Bit in [code]info_flags[/code] of [method getConnectionInfo]: the peer's identity is not backed by a certificate. Set on connections by IP address here, since there is no certificate authority.",
	"NETWORKING_CONNECTION_INFO_FLAG_UNENCRYPTED":      "Bit in [code]info_flags[/code]: the connection does not encrypt its traffic (only when [constant NETWORKING_CONFIG_UNENCRYPTED] allowed it on both sides).",
	"NETWORKING_CONNECTION_INFO_FLAG_LOOPBACK_BUFFERS": "Bit in [code]info_flags[/code]: one end of an in-process [method createSocketPair] connection whose messages pass through memory.",
	"NETWORKING_CONNECTION_INFO_FLAG_FAST":             "Bit in [code]info_flags[/code]: the connection has LAN-like latency (low ping).",
	"NETWORKING_CONNECTION_INFO_FLAG_RELAYED":          "Bit in [code]info_flags[/code]: the traffic goes through a relay. Never set here yet (no relays).",
	"NETWORKING_CONNECTION_INFO_FLAG_DUALWIFI":         "Bit in [code]info_flags[/code]: the connection uses two Wi-Fi paths at once (a Steam feature). Never set here.",
	"NETWORKING_CONNECTION_INVALID":                    "The invalid connection handle, 0. Every method that creates a connection returns it on failure.",
	"LISTEN_SOCKET_INVALID":                            "The invalid listen socket handle, 0. [method createListenSocketIP] returns it on failure.",
	"MAX_NETWORKING_ERROR_MESSAGE":                     "Size in bytes of the error-message buffers of the Steamworks API. Informational.",
	"MAX_NETWORKING_PING_LOCATION_STRING":              "Size in bytes of a ping-location string in the Steamworks API. Informational.",
	"NETWORKING_MAX_CONNECTION_APP_NAME":               "Size of the connection-name buffer, including the terminating zero: [method setConnectionName] keeps at most 31 bytes of a name.",
	"NETWORKING_MAX_CONNECTION_CLOSE_REASON":           "Size of the close-reason text buffer including the terminating zero: [code]debug_message[/code] of [method closeConnection] and [code]end_debug[/code] hold at most 127 bytes.",
	"NETWORKING_MAX_CONNECTION_DESCRIPTION":            "Size of the [code]debug_description[/code] buffer including the terminating zero (at most 127 bytes of text).",
	"NETWORKING_PING_FAILED":                           "Ping value meaning that a measurement was attempted and failed.",
	"NETWORKING_PING_UNKNOWN":                          "Ping value meaning that no measurement is available yet.",
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_DEFAULT":      "Value for [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE]: use the platform's default set of NAT-traversal candidates.",
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_DISABLE":      "Value for [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE]: no NAT traversal; only relayed P2P.",
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_RELAY":        "Bit for [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE]: allow TURN relay candidates.",
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_PRIVATE":      "Bit for [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE]: allow candidates on private (LAN) addresses.",
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_PUBLIC":       "Bit for [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE]: allow public addresses learned through STUN.",
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ALL":          "Value for [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE]: allow every kind of candidate.",

	// NetworkingConfigValue.
	"NETWORKING_CONFIG_INVALID":                                     "Not a configuration key. Passing it in [code]config_options[/code] fails.",
	"NETWORKING_CONFIG_FAKE_PACKET_LOSS_SEND":                       "Float, percent (0 to 100): drop this share of outgoing packets on purpose." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_LOSS_RECV":                       "Float, percent (0 to 100): drop this share of incoming packets on purpose." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_LAG_SEND":                        "Int, milliseconds: delay every outgoing packet by this much." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_LAG_RECV":                        "Int, milliseconds: delay every incoming packet by this much." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_REORDER_SEND":                    "Float, percent: hold back this share of outgoing packets by [constant NETWORKING_CONFIG_FAKE_PACKET_REORDER_TIME] so they arrive out of order." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_REORDER_RECV":                    "Float, percent: hold back this share of incoming packets by [constant NETWORKING_CONFIG_FAKE_PACKET_REORDER_TIME]." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_REORDER_TIME":                    "Int, milliseconds: extra delay of the packets picked for reordering." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_DUP_SEND":                        "Float, percent: send this share of outgoing packets twice, the copy up to [constant NETWORKING_CONFIG_FAKE_PACKET_DUP_TIME_MAX] later." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_DUP_REVC":                        "Float, percent: deliver this share of incoming packets twice. The misspelling (REVC) is the name GodotSteam registers." + fakeNote,
	"NETWORKING_CONFIG_FAKE_PACKET_DUP_TIME_MAX":                    "Int, milliseconds: largest delay of a duplicated packet's copy." + fakeNote,
	"NETWORKING_CONFIG_TIMEOUT_INITIAL":                             "Int, milliseconds: how long a new connection may take to complete its handshake before it fails with [constant CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY].",
	"NETWORKING_CONFIG_TIMEOUT_CONNECTED":                           "Int, milliseconds: how long an established connection may go without hearing from the peer before it fails with [constant CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY] (end reason [constant CONNECTION_END_MISC_TIMEOUT]).",
	"NETWORKING_CONFIG_SEND_BUFFER_SIZE":                            "Int, bytes: how much unsent data a connection may queue. Sends beyond it fail with [constant RESULT_LIMIT_EXCEEDED] instead of growing memory without bound.",
	"NETWORKING_CONFIG_RECV_BUFFER_SIZE":                            "Int, bytes: how much received data may wait to be read before further packets are dropped (and, for reliable data, retransmitted later).",
	"NETWORKING_CONFIG_RECV_BUFFER_MESSAGES":                        "Int: how many received messages may wait to be read before further packets are dropped.",
	"NETWORKING_CONFIG_RECV_MAX_MESSAGE_SIZE":                       "Int, bytes: largest message this end accepts; a peer sending a larger one is disconnected.",
	"NETWORKING_CONFIG_RECV_MAX_SEGMENTS_PER_PACKET":                "Int: largest number of message segments accepted in one packet; a protection against hostile peers.",
	"NETWORKING_CONFIG_SEND_RATE_MIN":                               "Int, bytes per second: lower bound of the send rate the congestion control may choose.",
	"NETWORKING_CONFIG_SEND_RATE_MAX":                               "Int, bytes per second: upper bound of the send rate the congestion control may choose.",
	"NETWORKING_CONFIG_NAGLE_TIME":                                  "Int, microseconds: how long a small message may wait to be batched with later ones, unless sent with [constant NETWORKING_SEND_NO_NAGLE].",
	"NETWORKING_CONFIG_IP_ALLOW_WITHOUT_AUTH":                       "Int (0, 1 or 2): whether connections by IP address may proceed without certificates. Without a certificate authority every IP connection here is unauthenticated, so this is treated as allowed.",
	"NETWORKING_CONFIG_SDR_CLIENT_CONSEC_PING_TIMEOUT_FAIL_INITIAL": "Int: relay ping timeouts tolerated during the first measurement." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_CONSEC_PING_TIMEOUT_FAIL":         "Int: consecutive relay ping timeouts tolerated before a relay is considered down." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_MIN_PINGS_BEFORE_PING_ACCURATE":   "Int: relay pings needed before a ping estimate counts as accurate." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_SINGLE_SOCKET":                    "Int: use one local socket for all relay traffic." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_FORCE_RELAY_CLUSTER":              "String: force the use of one relay cluster." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_DEBUG_TICKET_ADDRESS":             "String: development relay ticket. The documentation's name for the value GodotSteam registers as [constant NETWORKING_CONFIG_SDR_CLIENT_DEV_TICKET]." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_FORCE_PROXY_ADDR":                 "String: send relay traffic through this address." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_DEV_TICKET":                       "String: development relay ticket (same value as [constant NETWORKING_CONFIG_SDR_CLIENT_DEBUG_TICKET_ADDRESS])." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_FAKE_CLUSTER_PING":                "String: fake ping times to relay clusters, for testing." + sdrNote,
	"NETWORKING_CONFIG_SDR_CLIENT_LIMIT_PING_PROBES_TO_NEAREST_N":   "Int: ping only the nearest N relay clusters." + sdrNote,
	"NETWORKING_CONFIG_LOG_LEVEL_ACK_RTT":                           "Int: diagnostics about acknowledgements and round-trip times." + logNote,
	"NETWORKING_CONFIG_LOG_LEVEL_PACKET_DECODE":                     "Int: diagnostics about decoding received packets." + logNote,
	"NETWORKING_CONFIG_LOG_LEVEL_MESSAGE":                           "Int: diagnostics about every message sent and received." + logNote,
	"NETWORKING_CONFIG_LOG_LEVEL_PACKET_GAPS":                       "Int: diagnostics about lost and out-of-order packets." + logNote,
	"NETWORKING_CONFIG_LOG_LEVEL_P2P_RENDEZVOUS":                    "Int: diagnostics about P2P signalling." + logNote,
	"NETWORKING_CONFIG_LOG_LEVEL_SRD_RELAY_PINGS":                   "Int: diagnostics about relay pings; the misspelling (SRD for SDR) is the name GodotSteam registers." + logNote,
	"NETWORKING_CONFIG_PACKET_TRACE_MAX_BYTES":                      "Int, bytes: how much of each packet to include in packet traces (-1: none). Accepted; a debugging aid.",
	"NETWORKING_CONFIG_FAKE_RATE_LIMIT_SEND_RATE":                   "Int, bytes per second: simulate an outgoing bandwidth limit." + fakeNote,
	"NETWORKING_CONFIG_FAKE_RATE_LIMIT_SEND_BURST":                  "Int, bytes: burst allowance of the simulated outgoing bandwidth limit." + fakeNote,
	"NETWORKING_CONFIG_FAKE_RATE_LIMIT_RECV_RATE":                   "Int, bytes per second: simulate an incoming bandwidth limit." + fakeNote,
	"NETWORKING_CONFIG_FAKE_RATE_LIMIT_RECV_BURST":                  "Int, bytes: burst allowance of the simulated incoming bandwidth limit." + fakeNote,
	"NETWORKING_CONFIG_OUT_OF_ORDER_CORRECTION_WINDOW_MICROSECONDS": "Int, microseconds: how long to wait for a late packet before treating it as lost when packets arrive out of order.",
	"NETWORKING_CONFIG_CONNECTION_USER_DATA":                        "Int (64-bit): your own value attached to the connection, returned by [method getConnectionUserData] and in [code]user_data[/code] and [code]receiver_user_data[/code]. The one 64-bit option; the default is -1.",
	"NETWORKING_CONFIG_IP_LOCAL_HOST_ALLOW_WITHOUT_AUTH":            "Int (0 or 1): allow unauthenticated connections from the same machine. Treated as allowed here (see [constant NETWORKING_CONFIG_IP_ALLOW_WITHOUT_AUTH]).",
	"NETWORKING_CONFIG_MTU_PACKET_SIZE":                             "Int, bytes: the largest UDP payload to send. Lower it for networks that drop large datagrams.",
	"NETWORKING_CONFIG_MTU_DATA_SIZE":                               "Int, bytes, read-only: the largest message data that fits in one packet, derived from [constant NETWORKING_CONFIG_MTU_PACKET_SIZE]. Passing it in [code]config_options[/code] fails.",
	"NETWORKING_CONFIG_UNENCRYPTED":                                 "Int: 0 always encrypt (default), 1 allow unencrypted if the peer asks, 2 prefer unencrypted, 3 require unencrypted. Unencrypted connections are only for debugging on trusted networks.",
	"NETWORKING_CONFIG_SYMMETRIC_CONNECT":                           "Int (0 or 1): let two peers connect to each other at the same time and end up with one connection." + p2pNote,
	"NETWORKING_CONFIG_LOCAL_VIRTUAL_PORT":                          "Int: the local virtual port of a P2P connection, for symmetric connects." + p2pNote,
	"NETWORKING_CONFIG_DUAL_WIFI_ENABLE":                            "Int: use two Wi-Fi paths at once (a Steam feature). Accepted and ignored.",
	"NETWORKING_CONFIG_ENABLE_DIAGNOSTICS_UI":                       "Int: show Steam's networking diagnostics overlay. Accepted and ignored (there is no Steam overlay).",
	"NETWORKING_CONFIG_CALLBACK_CONNECTION_STATUS_CHANGED":          "Connection-status callback." + cbNote,
	"NETWORKING_CONFIG_CALLBACK_AUTH_STATUS_CHANGED":                "Authentication-status callback." + cbNote,
	"NETWORKING_CONFIG_CALLBACK_RELAY_NETWORK_STATUS_CHANGED":       "Relay-network-status callback." + cbNote,
	"NETWORKING_CONFIG_CALLBACK_MESSAGE_SESSION_REQUEST":            "Message-session-request callback." + cbNote,
	"NETWORKING_CONFIG_CALLBACK_MESSAGES_SESSION_FAILED":            "Message-session-failed callback." + cbNote,
	"NETWORKING_CONFIG_CALLBACK_CREATE_CONNECTION_SIGNALING":        "Custom-signalling factory callback." + cbNote,
	"NETWORKING_CONFIG_CALLBACK_FAKE_IP_RESULT":                     "FakeIP-result callback." + cbNote,
	"NETWORKING_CONFIG_P2P_STUN_SERVER_LIST":                        "String: comma-separated STUN servers used to learn public addresses for NAT traversal." + p2pNote,
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE":                    "Int: which NAT-traversal candidates P2P may use, a combination of the [code]NETWORKING_CONFIG_P2P_TRANSPORT_ICE_*[/code] values." + p2pNote,
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_PENALTY":                   "Int, milliseconds: handicap added to direct (ICE) routes when choosing between routes." + p2pNote,
	"NETWORKING_CONFIG_P2P_TRANSPORT_SDR_PENALTY":                   "Int, milliseconds: handicap added to relayed routes when choosing between routes." + p2pNote,
	"NETWORKING_CONFIG_P2P_TURN_SERVER_LIST":                        "String: comma-separated TURN relay servers." + p2pNote,
	"NETWORKING_CONFIG_P2P_TURN_uSER_LIST":                          "String: comma-separated TURN user names, one per server. The odd lower-case u is the name GodotSteam registers." + p2pNote,
	"NETWORKING_CONFIG_P2P_TURN_PASS_LIST":                          "String: comma-separated TURN passwords, one per server." + p2pNote,
	"NETWORKING_CONFIG_P2P_TRANSPORT_ICE_IMPLEMENTATION":            "Int: which NAT-traversal implementation to use." + p2pNote,
	"NETWORKING_CONFIG_ECN":                                         "Int: experimental Explicit Congestion Notification support. Accepted.",

	// NetworkingGetConfigValueResult.
	"NETWORKING_GET_CONFIG_VALUE_BAD_VALUE":        "Result of reading a configuration value: no such key.",
	"NETWORKING_GET_CONFIG_VALUE_BAD_SCOPE_OBJ":    "Result of reading a configuration value: the object (connection, socket) does not exist.",
	"NETWORKING_GET_CONFIG_VALUE_BUFFER_TOO_SMALL": "Result of reading a configuration value: the output buffer is too small.",
	"NETWORKING_GET_CONFIG_VALUE_OK":               "Result of reading a configuration value: the value was set on this object.",
	"NETWORKING_GET_CONFIG_VALUE_OK_INHERITED":     "Result of reading a configuration value: the value is inherited from a wider scope.",

	// NetworkingConnectionState.
	"CONNECTION_STATE_NONE":                     "No connection: the handle is invalid or the connection was closed and freed with [method closeConnection]. Also the [code]old_state[/code] of a connection's first status change.",
	"CONNECTION_STATE_CONNECTING":               "The handshake is in progress. On a listen server, an incoming connection waits in this state until you call [method acceptConnection].",
	"CONNECTION_STATE_FINDING_ROUTE":            "The connection is looking for a route to the peer (P2P and relays). Direct IP connections go straight to [constant CONNECTION_STATE_CONNECTED].",
	"CONNECTION_STATE_CONNECTED":                "The connection is up: messages flow both ways.",
	"CONNECTION_STATE_CLOSED_BY_PEER":           "The peer closed the connection (or refused it); [code]end_reason[/code] and [code]end_debug[/code] hold what it gave. Call [method closeConnection] to free the handle.",
	"CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY": "The connection failed on this side, e.g. a timeout ([constant CONNECTION_END_MISC_TIMEOUT]) or a protocol error; [code]end_reason[/code] and [code]end_debug[/code] say why. Call [method closeConnection] to free the handle.",
	"CONNECTION_STATE_FIN_WAIT":                 "Internal state (closing, waiting for the peer's acknowledgement). Never reported by this API.",
	"CONNECTION_STATE_LINGER":                   "Internal state (closed by the app but still delivering queued reliable data). Never reported by this API.",
	"CONNECTION_STATE_DEAD":                     "Internal state (about to be freed). Never reported by this API.",
	"CONNECTION_STATE_FORCE32BIT":               "Largest value of the enumeration (the documentation's spelling of [constant CONNECTION_STATE_FORCE_32BIT]). Never returned.",

	// NetworkingConnectionEnd.
	"CONNECTION_END_INVALID":                            "No end reason: the connection has not ended.",
	"CONNECTION_END_APP_MIN":                            "First of the end reasons for normal closes by the application (1000 to 1999). Pass a value in this range as [code]reason[/code] of [method closeConnection]; 0 is turned into this value.",
	"CONNECTION_END_MAX":                                "Last of the end reasons for normal closes by the application (the documentation's name for [constant CONNECTION_END_APP_MAX]).",
	"CONNECTION_END_APP_EXCEPTION_MIN":                  "First of the end reasons for unusual closes by the application (2000 to 2999), e.g. a cheat detected or a protocol error in your own messages.",
	"CONNECTION_END_APP_EXCEPTION_MAX":                  "Last of the end reasons for unusual closes by the application.",
	"CONNECTION_END_LOCAL_MIN":                          "First of the end reasons for problems on this machine (3000 to 3999).",
	"CONNECTION_END_LOCAL_OFFLINE_MODE":                 "Ended because this instance is in offline mode (a Steam condition).",
	"CONNECTION_END_LOCAL_MANY_RELAY_CONNECTIVITY":      "Ended because many relays could not be reached from this machine (a relay-network condition).",
	"CONNECTION_END_LOCAL_HOSTED_sERVER_PRIMARY_RELAY":  "Ended because a hosted server lost its relay. The documentation's misspelling of [constant CONNECTION_END_LOCAL_HOSTED_SERVER_PRIMARY_RELAY].",
	"CONNECTION_END_LOCAL_NETWORK_CONFIG":               "Ended because this machine's network configuration could not be obtained.",
	"CONNECTION_END_LOCAL_RIGHTS":                       "Ended because this instance lacks the rights for the connection.",
	"CONNECTION_END_LOCAL_MAX":                          "Last of the end reasons for problems on this machine.",
	"CONNECTION_END_REMOVE_MIN":                         "First of the end reasons for problems with the remote host (4000 to 4999). The misspelling (REMOVE for REMOTE) is the name GodotSteam registers.",
	"CONNECTION_END_REMOTE_TIMEOUT":                     "Ended because the remote host stopped answering.",
	"CONNECTION_END_REMOTE_BAD_CRYPT":                   "Ended because the remote host's encryption handshake was invalid (bad key or signature).",
	"CONNECTION_END_REMOTE_BAD_CERT":                    "Ended because the remote host's certificate was missing, expired or not trusted.",
	"CONNECTION_END_REMOTE_NOT_LOGGED_IN":               "Documented end reason removed from recent Steamworks SDKs; registered for compatibility, never produced.",
	"CONNECTION_END_REMOTE_NOT_RUNNING_APP":             "Documented end reason removed from recent Steamworks SDKs; registered for compatibility, never produced.",
	"CONNECTION_END_BAD_PROTOCOL_VERSION":               "Ended because the remote host speaks an incompatible protocol version.",
	"CONNECTION_END_REMOTE_MAX":                         "Last of the end reasons for problems with the remote host.",
	"CONNECTION_END_MISC_MIN":                           "First of the end reasons for other problems (5000 to 5999).",
	"CONNECTION_END_MISC_GENERIC":                       "Ended for an unspecified reason; see [code]end_debug[/code].",
	"CONNECTION_END_MISC_INTERNAL_ERROR":                "Ended because of an internal error of the networking library; see [code]end_debug[/code].",
	"CONNECTION_END_MISC_TIMEOUT":                       "Ended because the peer could not be reached or stopped answering within [constant NETWORKING_CONFIG_TIMEOUT_INITIAL] or [constant NETWORKING_CONFIG_TIMEOUT_CONNECTED].",
	"CONNECTION_END_MISC_RELAY_CONNECTIVITY":            "Documented end reason removed from recent Steamworks SDKs; registered for compatibility, never produced.",
	"CONNECTION_END_MISC_STEAM_CONNECTIVITY":            "Ended because the connection to Steam's servers was lost (a Steam condition).",
	"CONNECTION_END_MISC_NO_RELAY_SESSIONS_TO_CLIENT":   "Ended because a hosted server has no relay session to the client (a relay-network condition).",
	"CONNECTION_END_MISC_MAX":                           "Last of the end reasons for other problems.",
	"CONNECTION_END_APP_GENERIC":                        "End reason of a normal close by the application without a more specific code (same value as [constant CONNECTION_END_APP_MIN]).",
	"CONNECTION_END_APP_MAX":                            "Last of the end reasons for normal closes by the application.",
	"CONNECTION_END_APP_EXCEPTION_GENERIC":              "End reason of an unusual close by the application without a more specific code (same value as [constant CONNECTION_END_APP_EXCEPTION_MIN]).",
	"CONNECTION_END_LOCAL_HOSTED_SERVER_PRIMARY_RELAY":  "Ended because a hosted server lost its relay (a relay-network condition).",
	"CONNECTION_END_NO_PUBLIC_ADDRESS":                  "Ended because NAT traversal found no public address for this machine.",
	"CONNECTION_END_REMOTE_P2P_ICE_NO_PUBLIC_ADDRESSES": "Ended because NAT traversal found no public address for the remote host.",
	"CONNECTION_END_MISC_P2P_RENDEZVOUS":                "Ended because the P2P rendezvous (exchanging addresses through signalling) failed.",
	"CONNECTION_END_MISC_P2P_NAT_FIREWALL":              "Ended because no direct route through the NATs and firewalls was found and no relay was allowed.",
	"CONNECTION_END_MISC_PEER_SENT_NO_CONNECTION":       "Ended because the peer no longer knows this connection (for example, it restarted) and said so.",

	// NetworkingIdentityType.
	"IDENTITY_TYPE_INVALID":        "Identity type: none or invalid.",
	"IDENTITY_TYPE_STEAMID":        "Identity type: a 64-bit Steam ID. The only type whose value GDScript sees (as [code]identity[/code]); others read as 0.",
	"IDENTITY_TYPE_IP_ADDRESS":     "Identity type: an IP address and port, the identity of peers reached by address.",
	"IDENTITY_TYPE_GENERIC_STRING": "Identity type: an application-defined string.",
	"IDENTITY_TYPE_GENERIC_BYTES":  "Identity type: application-defined bytes.",
	"IDENTITY_TYPE_UNKNOWN_TYPE":   "Identity type: received from a peer but not understood by this version.",
	"IDENTITY_TYPE_XBOX_PAIRWISE":  "Identity type: an Xbox pairwise id.",
	"IDENTITY_TYPE_SONY_PSN":       "Identity type: a PlayStation Network id.",
	"IDENTITY_TYPE_GOOGLE_STADIA":  "Identity type: a Google Stadia id.",

	// NetworkingSocketsDebugOutputType.
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_NONE":       "Debug output level: nothing.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_BUG":        "Debug output level: only bugs in the library itself.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_ERROR":      "Debug output level: errors, e.g. a failed connection.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_IMPORTANT":  "Debug output level: important information.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_WARNING":    "Debug output level: warnings and above.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_MSG":        "Debug output level: ordinary messages and above.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_VERBOSE":    "Debug output level: verbose detail.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_DEBUG":      "Debug output level: debugging detail.",
	"NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_EVERYTHING": "Debug output level: everything.",

	// NetworkingAvailability.
	"NETWORKING_AVAILABILITY_CANNOT_TRY":  "Availability: there is nothing to attempt (here: no certificate authority backend). What [method getAuthenticationStatus] returns in this extension.",
	"NETWORKING_AVAILABILITY_FAILED":      "Availability: the last attempt failed and no retry is planned.",
	"NETWORKING_AVAILABILITY_PREVIOUSLY":  "Availability: it worked before, but was lost and is not being retried.",
	"NETWORKING_AVAILABILITY_RETRYING":    "Availability: it was lost or failed and is being retried.",
	"NETWORKING_AVAILABILITY_NEVER_TRIED": "Availability: not requested yet.",
	"NETWORKING_AVAILABILITY_WAITING":     "Availability: waiting for something else before trying.",
	"NETWORKING_AVAILABILITY_ATTEMPTING":  "Availability: an attempt is in progress.",
	"NETWORKING_AVAILABILITY_CURRENT":     "Availability: ready to use.",
	"NETWORKING_AVAILABILITY_UNKNOWN":     "Availability: unknown. GodotSteam also returns it before Steam is initialised.",

	// NetworkingFakeIPType.
	"FAKE_IP_TYPE_INVALID":     "FakeIP type: not an address, or the lookup failed.",
	"FAKE_IP_TYPE_NOT_FAKE":    "FakeIP type: an ordinary IP address, not a FakeIP.",
	"FAKE_IP_TYPE_GLOBAL_IPV4": "FakeIP type: a globally unique FakeIP assigned by the backend.",
	"FAKE_IP_TYPE_LOCAL_IPV4":  "FakeIP type: a FakeIP only meaningful on this machine.",
	"FAKE_IP_TYPE_FORCE32BIT":  "Largest value of the enumeration. Never returned.",

	// NetworkingConfigDataType.
	"NETWORKING_CONFIG_TYPE_INT32":        "Configuration value type: 32-bit int. Give such keys an int (a float or a numeric String is converted).",
	"NETWORKING_CONFIG_TYPE_INT64":        "Configuration value type: 64-bit int (only [constant NETWORKING_CONFIG_CONNECTION_USER_DATA]).",
	"NETWORKING_CONFIG_TYPE_FLOAT":        "Configuration value type: float.",
	"NETWORKING_CONFIG_TYPE_STRING":       "Configuration value type: String.",
	"NETWORKING_CONFIG_TYPE_FUNCTION_PTR": "Configuration value type: a C function pointer, which GDScript cannot supply.",

	// NetworkingConfigScope.
	"NETWORKING_CONFIG_SCOPE_GLOBAL":            "Configuration scope: the whole process.",
	"NETWORKING_CONFIG_SCOPE_SOCKETS_INTERFACE": "Configuration scope: one sockets interface (one [code]Steam[/code] singleton).",
	"NETWORKING_CONFIG_SCOPE_LISTEN_SOCKET":     "Configuration scope: one listen socket and the connections it accepts.",
	"NETWORKING_CONFIG_SCOPE_CONNECTION":        "Configuration scope: one connection.",

	// SteamAPIInitResult.
	"STEAM_API_INIT_RESULT_OK":               "[method steamInitEx] status: success (always, here).",
	"STEAM_API_INIT_RESULT_FAILED_GENERIC":   "[method steamInitEx] status on Steam: initialisation failed. Never returned here.",
	"STEAM_API_INIT_RESULT_NO_STEAM_CLIENT":  "[method steamInitEx] status on Steam: no Steam client is running. Never returned here (none is needed).",
	"STEAM_API_INIT_RESULT_VERSION_MISMATCH": "[method steamInitEx] status on Steam: the Steam client is too old. Never returned here.",

	// Result values this API produces.
	"RESULT_NONE":                "Result 0: no result. Not returned by the sockets methods.",
	"RESULT_OK":                  "Success." + resultProd + "by every method that returns a [enum Result] when the call worked.",
	"RESULT_FAIL":                "Generic failure." + resultProd + "by the disabled relay-ticket stubs [method getGameCoordinatorServerLogin] and [method getHostedDedicatedServerAddress].",
	"RESULT_NO_CONNECTION":       "The connection has ended or the handle is not a connection." + resultProd + "by [method sendMessageToConnection], [method flushMessagesOnConnection], [method configureConnectionLanes] and [method getConnectionRealTimeStatus].",
	"RESULT_INVALID_PARAM":       "An argument is invalid: unknown handle, message too large, bad lane configuration." + resultProd + "by most methods that return a [enum Result].",
	"RESULT_BUSY":                "A request is already in progress (FakeIP requests).",
	"RESULT_INVALID_STATE":       "The object is in the wrong state for the call, e.g. accepting a connection that is already connected." + resultProd + "by [method acceptConnection], [method sendMessageToConnection] and [method configureConnectionLanes].",
	"RESULT_TIMEOUT":             "An operation timed out.",
	"RESULT_SERVICE_UNAVAILABLE": "The service is unavailable. On Steam, [method steamInit] reports it when the Steam client is not running; never returned here.",
	"RESULT_LIMIT_EXCEEDED":      "A limit was reached: the send buffer ([constant NETWORKING_CONFIG_SEND_BUFFER_SIZE]) is full." + resultProd + "by [method sendMessageToConnection] and [method sendMessages] (negated).",
	"RESULT_IP_NOT_FOUND":        "No such address." + resultProd + "by [method getRemoteFakeIPForConnection] for connections not made through FakeIP.",
	"RESULT_IGNORED":             "The request was ignored." + resultProd + "by [method sendMessageToConnection] with [constant NETWORKING_SEND_NO_DELAY] before the connection is ready, and by [method flushMessagesOnConnection] while connecting.",
	"RESULT_NO_MATCH":            "Nothing matched, e.g. no FakeIP was ever requested.",
	"RESULT_UNEXPECTED_ERROR":    "An unexpected error. On Steam, [method steamInit] reports it for an invalid app ID; never returned here.",
	"RESULT_DISABLED":            "The feature is disabled or unavailable." + resultProd + "by [method getFakeIP], since FakeIP needs a backend this extension does not have yet.",
}
