extends "res://tests/test_base.gd"
## A listen socket and a client in one process over loopback UDP: the connection handshake as the
## signals report it, accept, messages both ways, status queries, config options, invalid handles
## and a clean close.


func test_listen_address() -> void:
	var listen_socket: int = listen("127.0.0.1:0")
	if not check(listen_socket != 0, "createListenSocketIP(127.0.0.1:0)"):
		return
	var with_port: String = Steam.getListenSocketAddress(listen_socket)
	check(with_port.begins_with("127.0.0.1:"), "getListenSocketAddress(socket) includes the port: %s" % with_port)
	var port: int = int(with_port.get_slice(":", 1))
	check(port > 0 and port < 65536, "an ephemeral port was chosen: %d" % port)
	check_eq(Steam.getListenSocketAddress(listen_socket, false), "127.0.0.1", "getListenSocketAddress(socket, false)")
	check_eq(Steam.getListenSocketAddress(0), "", "getListenSocketAddress of handle 0")
	# The same port cannot be bound twice.
	check_eq(Steam.createListenSocketIP(with_port, {}), 0, "a second listen socket on %s" % with_port)
	check(Steam.closeListenSocket(listen_socket), "closeListenSocket")
	forget_listen_socket(listen_socket)
	check(not Steam.closeListenSocket(listen_socket), "closing a listen socket twice returns false")


func test_connect_accept_and_talk() -> void:
	var listen_socket: int = listen("127.0.0.1:0")
	if not check(listen_socket != 0, "createListenSocketIP"):
		return
	var address: String = Steam.getListenSocketAddress(listen_socket)
	var client: int = connect_to(address)
	if not check(client != 0, "connectByIPAddress(%s)" % address):
		return
	check_eq(Steam.getConnectionInfo(client).get("connection_state"), Steam.CONNECTION_STATE_CONNECTING, "client state right after connect")
	# Sending while connecting is allowed; the message waits for the connection.
	check_eq(Steam.sendMessageToConnection(client, "early".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE).get("result"), Steam.RESULT_OK, "send while connecting")

	var has_incoming: Callable = func() -> bool: return incoming_on(listen_socket) != 0
	var ready_1: bool = await wait_until(has_incoming, "the incoming connection")
	if not ready_1:
		return
	var server: int = incoming_on(listen_socket)
	track_connection(server)
	var incoming: Dictionary = event_for(server, Steam.CONNECTION_STATE_CONNECTING)
	check_eq(incoming["old_state"], Steam.CONNECTION_STATE_NONE, "old_state of the incoming connection")
	check_keys(incoming["info"], {"identity": TYPE_INT, "user_data": TYPE_INT, "listen_socket": TYPE_INT,
		"remote_address": TYPE_STRING, "remote_pop": TYPE_INT, "pop_relay": TYPE_INT, "connection_state": TYPE_INT,
		"end_reason": TYPE_INT, "end_debug": TYPE_STRING, "debug_description": TYPE_STRING}, "signal connection Dictionary")
	check_eq(incoming["info"]["remote_address"], "127.0.0.1", "remote_address (no port)")
	check(incoming["main_thread"], "signal emitted on the main thread")

	check_eq(Steam.acceptConnection(server), Steam.RESULT_OK, "acceptConnection")
	check_eq(Steam.acceptConnection(server), Steam.RESULT_INVALID_STATE, "accepting twice")
	check_eq(Steam.acceptConnection(client), Steam.RESULT_INVALID_STATE, "accepting an outgoing connection")
	var both_up: Callable = func() -> bool:
		return last_state(client) == Steam.CONNECTION_STATE_CONNECTED and last_state(server) == Steam.CONNECTION_STATE_CONNECTED
	var ready_2: bool = await wait_until(both_up, "both ends CONNECTED")
	if not ready_2:
		return
	check(not event_for(client, Steam.CONNECTION_STATE_CONNECTING).is_empty(), "the client reported CONNECTING first")

	var server_info: Dictionary = Steam.getConnectionInfo(server)
	check_keys(server_info, {"info_flags": TYPE_INT, "identity": TYPE_INT}, "getConnectionInfo")
	check_eq(server_info.get("listen_socket"), listen_socket, "listen_socket of the accepted connection")
	check_eq(Steam.getConnectionInfo(client).get("listen_socket"), 0, "listen_socket of the client connection")
	check_eq(server_info.get("identity"), 0, "identity of a peer reached by IP address")

	var early: Array[Dictionary] = await receive(server, 1, "the message sent while connecting")
	if early.size() == 1:
		check_eq(early[0]["payload"].get_string_from_utf8(), "early", "message sent while connecting")
	Steam.sendMessageToConnection(server, "welcome".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	var welcome: Array[Dictionary] = await receive(client, 1, "server to client")
	if welcome.size() == 1:
		check_eq(welcome[0]["payload"].get_string_from_utf8(), "welcome", "server to client payload")
	var data: PackedByteArray = pattern(200 * 1024, 11)
	Steam.sendMessageToConnection(client, data, Steam.NETWORKING_SEND_RELIABLE)
	var big: Array[Dictionary] = await receive(server, 1, "200 KiB client to server")
	if big.size() == 1:
		check(big[0]["payload"] == data, "200 KiB arrived intact")
	check_eq(Steam.flushMessagesOnConnection(client), Steam.RESULT_OK, "flushMessagesOnConnection")


func test_status_queries() -> void:
	var ends: Array[int] = await connected_pair({Steam.NETWORKING_CONFIG_CONNECTION_USER_DATA: 77})
	var client: int = ends[0]
	var server: int = ends[1]
	if client == 0:
		return
	check_eq(Steam.getConnectionUserData(client), 77, "user data set through config_options")
	check_eq(Steam.getConnectionUserData(server), -1, "user data never set")
	Steam.setConnectionName(client, "client end")
	check_eq(Steam.getConnectionName(client), "client end", "getConnectionName")
	check_eq(Steam.getConnectionName(server), "", "name never set")

	var status: Dictionary = Steam.getConnectionRealTimeStatus(client, 0)
	check_eq(status.get("response"), Steam.RESULT_OK, "getConnectionRealTimeStatus response")
	var connection_status: Dictionary = status.get("connection_status", {})
	check_keys(connection_status, {"state": TYPE_INT, "ping": TYPE_INT, "local_quality": TYPE_FLOAT,
		"remote_quality": TYPE_FLOAT, "packets_out_per_second": TYPE_FLOAT, "bytes_out_per_second": TYPE_FLOAT,
		"packets_in_per_second": TYPE_FLOAT, "bytes_in_per_second": TYPE_FLOAT, "send_rate": TYPE_INT,
		"pending_unreliable": TYPE_INT, "pending_reliable": TYPE_INT, "sent_unacknowledged_reliable": TYPE_INT,
		"queue_time": TYPE_INT}, "connection_status")
	check_eq(connection_status.get("state"), Steam.CONNECTION_STATE_CONNECTED, "connection_status.state")
	check(int(connection_status.get("ping", -1)) >= 0, "ping is known on a live loopback connection: %s" % connection_status)
	check_eq(Steam.getConnectionRealTimeStatus(client, 0, false).get("connection_status"), {}, "get_status = false")
	check_eq(Steam.getConnectionRealTimeStatus(0, 0).get("response"), Steam.RESULT_NO_CONNECTION, "real-time status of handle 0")

	var detailed: Dictionary = Steam.getDetailedConnectionStatus(client)
	check_eq(detailed.get("success"), 0, "getDetailedConnectionStatus success")
	check(String(detailed.get("status", "")).length() > 0, "detailed status text is not empty")
	check_eq(detailed.get("buffer"), detailed.get("status"), "buffer and status carry the same text")
	check_eq(Steam.getDetailedConnectionStatus(0).get("success"), -1, "detailed status of handle 0")


func test_invalid_handles_fail_cleanly() -> void:
	check_eq(Steam.getConnectionInfo(0), {}, "getConnectionInfo(0)")
	check_eq(Steam.getConnectionInfo(123456789), {}, "getConnectionInfo(unknown)")
	check_eq(Steam.getConnectionName(42), "", "getConnectionName(unknown)")
	check_eq(Steam.getConnectionUserData(42), -1, "getConnectionUserData(unknown)")
	check_eq(Steam.receiveMessagesOnConnection(42, 10), [], "receiveMessagesOnConnection(unknown)")
	check_eq(Steam.receiveMessagesOnConnection(42, -5), [], "receiveMessagesOnConnection(max_messages < 0)")
	check_eq(Steam.acceptConnection(0), Steam.RESULT_INVALID_PARAM, "acceptConnection(0)")
	var sent: Dictionary = Steam.sendMessageToConnection(42, "x".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	check_eq(sent.get("result"), Steam.RESULT_INVALID_PARAM, "sendMessageToConnection(unknown).result")
	check_eq(sent.get("message_number"), -1, "sendMessageToConnection(unknown).message_number")
	check(not Steam.closeConnection(42, 0, "", false), "closeConnection(unknown)")
	check(not Steam.setConnectionPollGroup(42, 0), "setConnectionPollGroup(unknown, 0)")
	check(not Steam.destroyPollGroup(42), "destroyPollGroup(unknown)")
	Steam.setConnectionName(42, "nobody")  # silently ignored
	check_eq(Steam.getRemoteFakeIPForConnection(42).get("result"), Steam.RESULT_INVALID_PARAM, "getRemoteFakeIPForConnection(unknown)")
	# Handles are 32-bit: huge and negative ints are simply unknown handles.
	check_eq(Steam.getConnectionInfo(-1), {}, "getConnectionInfo(-1)")
	check_eq(Steam.getConnectionInfo(1 << 40), {}, "getConnectionInfo(1 << 40)")


func test_config_options() -> void:
	# The documentation's own example: global-scope fake lag accepted per socket here.
	var lenient: int = listen("127.0.0.1:0", {
		Steam.NETWORKING_CONFIG_FAKE_PACKET_LAG_SEND: 4,
		Steam.NETWORKING_CONFIG_SEND_BUFFER_SIZE: 5000,
		Steam.NETWORKING_CONFIG_RECV_BUFFER_SIZE: 3000,
	})
	check(lenient != 0, "createListenSocketIP with the documentation's example options")
	check(listen("127.0.0.1:0", {Steam.NETWORKING_CONFIG_FAKE_PACKET_LOSS_SEND: 1.5, Steam.NETWORKING_CONFIG_UNENCRYPTED: false}) != 0,
		"float and bool option values")
	check_eq(Steam.createListenSocketIP("127.0.0.1:0", {424242: 1}), 0, "an unknown option key")
	check_eq(Steam.createListenSocketIP("127.0.0.1:0", {Steam.NETWORKING_CONFIG_MTU_DATA_SIZE: 1000}), 0, "the read-only MTU_DATA_SIZE key")
	check_eq(Steam.connectByIPAddress("127.0.0.1:9", {424242: 1}), 0, "connectByIPAddress with an unknown option key")


func test_clean_close() -> void:
	var ends: Array[int] = await connected_pair()
	var client: int = ends[0]
	var server: int = ends[1]
	var listen_socket: int = ends[2]
	if client == 0:
		return
	Steam.sendMessageToConnection(client, "goodbye".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	check(Steam.closeConnection(client, 1001, "client leaving", true), "closeConnection with linger")
	forget_connection(client)
	var closed: Callable = func() -> bool: return last_state(server) == Steam.CONNECTION_STATE_CLOSED_BY_PEER
	var ready_3: bool = await wait_until(closed, "the server to see CLOSED_BY_PEER")
	if ready_3:
		var info: Dictionary = event_for(server, Steam.CONNECTION_STATE_CLOSED_BY_PEER)["info"]
		check_eq(info["end_reason"], 1001, "end_reason at the server")
		check_eq(info["end_debug"], "client leaving", "end_debug at the server")
		check_eq(Steam.getConnectionInfo(server).get("connection_state"), Steam.CONNECTION_STATE_CLOSED_BY_PEER, "getConnectionInfo after the peer closed")
	var got: Array[Dictionary] = await receive(server, 1, "the message sent before the lingering close")
	if got.size() == 1:
		check_eq(got[0]["payload"].get_string_from_utf8(), "goodbye", "lingering close delivered queued data")
	check_eq(Steam.sendMessageToConnection(server, "too late".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE).get("result"),
		Steam.RESULT_NO_CONNECTION, "sending on a connection the peer closed")
	check(Steam.closeConnection(server, 0, "", false), "closing the server end")
	forget_connection(server)
	check(Steam.closeListenSocket(listen_socket), "closeListenSocket")
	forget_listen_socket(listen_socket)
