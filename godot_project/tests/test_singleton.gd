extends "res://tests/test_base.gd"
## The Steam singleton as games see it: its global name, the class, typed method calls, compile-time
## constants, the registered methods and signals, and the version methods.

# Constants of the singleton are compile-time constants: usable in const declarations and match patterns.
const CONNECTED: int = Steam.CONNECTION_STATE_CONNECTED
const RELIABLE_NO_NAGLE: int = Steam.NETWORKING_SEND_RELIABLE | Steam.NETWORKING_SEND_NO_NAGLE

## Every method of the API (api.json plus our extras: the rendezvous service setters, the fake
## UDP port methods and get_godotsteam_sockets_version).
const METHODS := [
	"acceptConnection", "beginAsyncRequestFakeIP", "closeConnection", "closeListenSocket",
	"configureConnectionLanes", "connectByIPAddress", "connectP2P", "connectToHostedDedicatedServer",
	"createFakeUDPPort", "createHostedDedicatedServerListenSocket", "createListenSocketIP",
	"createListenSocketP2P", "createListenSocketP2PFakeIP", "createPollGroup", "createSocketPair",
	"destroyPollGroup", "findRelayAuthTicketForServer", "flushMessagesOnConnection",
	"getAuthenticationStatus", "getCertificateRequest", "getConnectionInfo", "getConnectionName",
	"getConnectionRealTimeStatus", "getConnectionUserData", "getDetailedConnectionStatus", "getFakeIP",
	"getGameCoordinatorServerLogin", "getHostedDedicatedServerAddress", "getHostedDedicatedServerPOPId",
	"getHostedDedicatedServerPort", "getListenSocketAddress", "getIdentity", "getRemoteFakeIPForConnection",
	"initAuthentication", "receiveMessagesOnConnection", "receiveMessagesOnPollGroup",
	"receivedRelayAuthTicket", "resetIdentity", "runNetworkingCallbacks", "sendMessages",
	"sendMessageToConnection", "setConnectionPollGroup", "setConnectionName", "setCertificate",
	"run_callbacks", "steamInit", "steamInitEx", "steamShutdown", "isSteamRunning", "getSteamID",
	"initRelayNetworkAccess", "get_godotsteam_version", "setRendezvousService", "startRendezvousService",
	"createFakeUDPPortHandle", "sendMessageToFakeIP", "receiveMessagesOnFakeUDPPort",
	"scheduleFakeUDPPortCleanup", "destroyFakeUDPPort", "get_godotsteam_sockets_version",
]


func test_global_singleton() -> void:
	check(Engine.has_singleton("Steam"), "Engine.has_singleton(\"Steam\")")
	check(ClassDB.class_exists("Steam"), "ClassDB.class_exists(\"Steam\")")
	check_eq(Steam.get_class(), "Steam", "Steam.get_class()")
	check(Steam.is_class("Object"), "Steam is an Object")
	check(Engine.get_singleton("Steam") == Steam, "Engine.get_singleton(\"Steam\") is the global Steam")
	var via_engine: Object = Engine.get_singleton("Steam")
	check_eq(via_engine.call("getHostedDedicatedServerPOPId"), 0, "dynamic call through Engine.get_singleton")


func test_methods_and_signals_registered() -> void:
	for method: String in METHODS:
		check(ClassDB.class_has_method("Steam", method), "Steam has method %s" % method)
		check(Steam.has_method(method), "Steam.has_method(%s)" % method)
	for sig: String in ["fake_ip_result", "network_authentication_status", "network_connection_status_changed"]:
		check(ClassDB.class_has_signal("Steam", sig), "Steam has signal %s" % sig)
		check(Steam.has_signal(sig), "Steam.has_signal(%s)" % sig)
	var args: Array = []
	for info: Dictionary in Steam.get_signal_list():
		if info["name"] == "network_connection_status_changed":
			args = info["args"]
	check_eq(args.size(), 3, "network_connection_status_changed argument count")
	if args.size() == 3:
		check_eq(args[0]["type"], TYPE_INT, "connect_handle type")
		check_eq(args[1]["type"], TYPE_DICTIONARY, "connection type")
		check_eq(args[2]["type"], TYPE_INT, "old_state type")


func test_constants_compile_time_and_values() -> void:
	check_eq(CONNECTED, 3, "const CONNECTED = Steam.CONNECTION_STATE_CONNECTED")
	check_eq(RELIABLE_NO_NAGLE, 9, "const from two Steam constants")
	var state: int = Steam.CONNECTION_STATE_CLOSED_BY_PEER
	var matched: String = ""
	match state:
		Steam.CONNECTION_STATE_CONNECTED:
			matched = "connected"
		Steam.CONNECTION_STATE_CLOSED_BY_PEER:
			matched = "closed"
		_:
			matched = "other"
	check_eq(matched, "closed", "match on Steam constants")

	var expected: Dictionary = {
		"MAX_STEAM_PACKET_SIZE": 524288,
		"CONNECTION_STATE_NONE": 0,
		"CONNECTION_STATE_CONNECTING": 1,
		"CONNECTION_STATE_FINDING_ROUTE": 2,
		"CONNECTION_STATE_CONNECTED": 3,
		"CONNECTION_STATE_CLOSED_BY_PEER": 4,
		"CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY": 5,
		"CONNECTION_STATE_FORCE32BIT": 0x7fffffff,
		"CONNECTION_STATE_FORCE_32BIT": 0x7fffffff,
		"NETWORKING_SEND_UNRELIABLE": 0,
		"NETWORKING_SEND_NO_NAGLE": 1,
		"NETWORKING_SEND_URELIABLE_NO_NAGLE": 1,
		"NETWORKING_SEND_NO_DELAY": 4,
		"NETWORKING_SEND_RELIABLE": 8,
		"NETWORKING_CONFIG_SEND_BUFFER_SIZE": 9,
		"NETWORKING_CONFIG_FAKE_PACKET_LAG_SEND": 4,
		"NETWORKING_CONFIG_FAKE_PACKET_DUP_REVC": 27,
		"NETWORKING_CONFIG_CONNECTION_USER_DATA": 40,
		"NETWORKING_CONFIG_SDR_CLIENT_DEBUG_TICKET_ADDRESS": 30,
		"NETWORKING_CONFIG_SDR_CLIENT_DEV_TICKET": 30,
		"CONNECTION_END_APP_MIN": 1000,
		"CONNECTION_END_MAX": 1999,
		"CONNECTION_END_APP_MAX": 1999,
		"CONNECTION_END_REMOVE_MIN": 4000,
		"CONNECTION_END_MISC_TIMEOUT": 5003,
		"RESULT_OK": 1,
		"RESULT_INVALID_PARAM": 8,
		"RESULT_LIMIT_EXCEEDED": 25,
		"RESULT_DISABLED": 80,
		"NETWORKING_AVAILABILITY_CANNOT_TRY": -102,
		"NETWORKING_AVAILABILITY_CURRENT": 100,
		"IDENTITY_TYPE_STEAMID": 16,
		"LISTEN_SOCKET_INVALID": 0,
		"NETWORKING_CONNECTION_INVALID": 0,
	}
	for name: String in expected:
		check(ClassDB.class_has_integer_constant("Steam", name), "constant %s registered" % name)
		check_eq(ClassDB.class_get_integer_constant("Steam", name), expected[name], "Steam.%s" % name)

	# Enum grouping, as ClassDB reports it for type hints and the docs.
	var states: PackedStringArray = ClassDB.class_get_enum_constants("Steam", "NetworkingConnectionState")
	check(states.has("CONNECTION_STATE_CONNECTED"), "CONNECTION_STATE_CONNECTED is in enum NetworkingConnectionState (have %s)" % states)
	var results: PackedStringArray = ClassDB.class_get_enum_constants("Steam", "Result")
	check(results.has("RESULT_OK") and results.size() >= 100, "enum Result has the result codes (%d)" % results.size())
	check_eq(String(ClassDB.class_get_integer_constant_enum("Steam", "NETWORKING_CONFIG_SEND_BUFFER_SIZE")), "NetworkingConfigValue", "enum of NETWORKING_CONFIG_SEND_BUFFER_SIZE")


func test_version_and_init() -> void:
	var version: String = Steam.get_godotsteam_sockets_version()
	check(not version.is_empty(), "get_godotsteam_sockets_version() is not empty")
	check_eq(Steam.get_godotsteam_version(), 4.11, "get_godotsteam_version()")
	var init: Dictionary = Steam.steamInit()
	check_keys(init, {"status": TYPE_INT, "verbal": TYPE_STRING}, "steamInit()")
	check_eq(init.get("status"), Steam.RESULT_OK, "steamInit().status")
	var init_ex: Dictionary = Steam.steamInitEx(false, 480)
	check_eq(init_ex.get("status"), Steam.STEAM_API_INIT_RESULT_OK, "steamInitEx().status")
	check(Steam.isSteamRunning(), "isSteamRunning() after steamInit")


func test_steam_backend_features_fail_cleanly() -> void:
	# Features that need Valve's backend return the documented failure values (and print why).
	check_eq(Steam.connectP2P(76561197960287930, 0, {}), 0, "connectP2P")
	check_eq(Steam.createListenSocketP2P(0, {}), 0, "createListenSocketP2P")
	check_eq(Steam.createHostedDedicatedServerListenSocket(0, {}), 0, "createHostedDedicatedServerListenSocket")
	check_eq(Steam.beginAsyncRequestFakeIP(1), false, "beginAsyncRequestFakeIP")
	var fake_ip: Dictionary = Steam.getFakeIP()
	check_keys(fake_ip, {"result": TYPE_INT, "identity_type": TYPE_INT, "ip": TYPE_STRING, "ports": TYPE_PACKED_INT32_ARRAY}, "getFakeIP()")
	check(fake_ip.get("result") != Steam.RESULT_OK, "getFakeIP().result is a failure")
	check_eq(Steam.findRelayAuthTicketForServer(1, 0), 0, "findRelayAuthTicketForServer stub")
	check_eq(Steam.getGameCoordinatorServerLogin(), Steam.RESULT_FAIL, "getGameCoordinatorServerLogin stub")
	check_eq(Steam.receivedRelayAuthTicket(), {}, "receivedRelayAuthTicket stub")
	var request: Dictionary = Steam.getCertificateRequest()
	check_keys(request, {"certificate": TYPE_PACKED_BYTE_ARRAY, "cert_size": TYPE_INT, "error_message": TYPE_STRING}, "getCertificateRequest()")


func test_identity() -> void:
	Steam.resetIdentity(76561198000000001)
	check_eq(Steam.getSteamID(), 76561198000000001, "getSteamID after resetIdentity")
	check_eq(Steam.getIdentity(), "steamid:76561198000000001", "getIdentity after resetIdentity")
	Steam.resetIdentity(0)
	check_eq(Steam.getSteamID(), 0, "getSteamID after resetIdentity(0)")
