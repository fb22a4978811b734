extends SceneTree
## Server half of the two-process test (scripts/godot_two_process.sh starts it first):
##   godot --headless --path godot_project -s res://tests/two_process/server.gd -- --port-file FILE
## Listens on an ephemeral loopback port, writes the port to FILE, accepts one client into a poll
## group, then follows the script in client.gd step by step. Exits 0 only if every check passed.

const Common := preload("res://tests/two_process/common.gd")

var t: Common


func _initialize() -> void:
	t = Common.new(self, "server")
	_main()


func _main() -> void:
	var listen_socket: int = Steam.createListenSocketIP("127.0.0.1:0", {})
	if not t.check(listen_socket != 0, "createListenSocketIP(127.0.0.1:0)"):
		t.finish()
		return
	var address: String = Steam.getListenSocketAddress(listen_socket, true)
	var port: String = address.get_slice(":", 1)
	t.note("listening on %s" % address)
	var port_file: String = t.arg("--port-file")
	if port_file != "":
		var file: FileAccess = FileAccess.open(port_file + ".tmp", FileAccess.WRITE)
		file.store_string(port)
		file.close()
		DirAccess.rename_absolute(port_file + ".tmp", port_file)
	var group: int = Steam.createPollGroup()
	t.check(group != 0, "createPollGroup")

	# 1. Accept the client.
	var incoming: Callable = func() -> bool: return _incoming(listen_socket) != 0
	var got_client: bool = await t.wait_for(incoming, "a client to connect")
	if not got_client:
		t.finish()
		return
	var conn: int = _incoming(listen_socket)
	t.check(Steam.acceptConnection(conn) == Steam.RESULT_OK, "acceptConnection")
	t.check(Steam.setConnectionPollGroup(conn, group), "setConnectionPollGroup")
	var connected: Callable = func() -> bool: return t.state_of(conn) == Steam.CONNECTION_STATE_CONNECTED
	var up: bool = await t.wait_for(connected, "CONNECTED")
	if not up:
		t.finish()
		return
	var info: Dictionary = Steam.getConnectionInfo(conn)
	t.check(info.get("listen_socket") == listen_socket, "connection info names our listen socket")
	t.check(info.get("remote_address") == "127.0.0.1", "remote_address is 127.0.0.1 (%s)" % info.get("remote_address"))

	# 2. Reliable hello, answered.
	var hello: String = await t.next_text(group, true, "hello")
	t.check(hello == "hello", "received hello")
	t.send_text(conn, "hello back")

	# 3. Unreliable burst, then a reliable marker; report how many unreliable messages arrived.
	var marker: String = await t.next_text(group, true, "the end of the unreliable burst")
	t.check(marker == "unreliable done %d" % Common.UNRELIABLE_COUNT, "unreliable burst marker (%s)" % marker)
	await t.pump_for(200)
	t.drain(group, true)
	t.check(t.unreliable_received > 0, "unreliable messages arrived: %d of %d" % [t.unreliable_received, Common.UNRELIABLE_COUNT])
	t.send_text(conn, "unreliable got %d" % t.unreliable_received)

	# 4. A large reliable message, verified byte for byte.
	var large: Dictionary = await t.next_reliable(group, true, "the large message")
	var expected: PackedByteArray = Common.pattern(Common.LARGE_SIZE, Common.LARGE_SEED)
	var large_ok: bool = not large.is_empty() and large["payload"] == expected
	t.check(large_ok, "large message of %d bytes intact (got %d)" % [Common.LARGE_SIZE, large.get("size", -1)])
	t.send_text(conn, "large %s %d" % ["ok" if large_ok else "BAD", large.get("size", -1)])

	# 5. Ordered reliable messages with sendMessages (Array form).
	var batch: Array = []
	for i: int in range(Common.ORDERED_COUNT):
		batch.append(("s%d" % i).to_utf8_buffer())
	var numbers: Array = Steam.sendMessages(batch, conn, Steam.NETWORKING_SEND_RELIABLE)
	var all_sent: bool = numbers.size() == Common.ORDERED_COUNT
	for n: Variant in numbers:
		all_sent = all_sent and int(n) > 0
	t.check(all_sent, "sendMessages sent %d messages: %s" % [Common.ORDERED_COUNT, numbers])
	var order_reply: String = await t.next_text(group, true, "order ok")
	t.check(order_reply == "order ok", "client saw the messages in order")

	# 6. Lanes on both ends.
	t.check(Steam.configureConnectionLanes(conn, 2, [0, 1], [1, 1]) == Steam.RESULT_OK, "configureConnectionLanes(2)")
	var status: Dictionary = Steam.getConnectionRealTimeStatus(conn, 2)
	t.check(status.get("response") == Steam.RESULT_OK and (status.get("lanes_status", []) as Array).size() == 2, "status reports 2 lanes")
	t.send_text(conn, "lanes 2")
	var lanes_reply: String = await t.next_text(group, true, "lanes ok")
	t.check(lanes_reply == "lanes ok", "client configured its lanes")

	# 7. Status queries at the server end.
	var live: Dictionary = Steam.getConnectionRealTimeStatus(conn, 0)
	var connection_status: Dictionary = live.get("connection_status", {})
	t.check(int(connection_status.get("ping", -1)) >= 0, "ping known (%s ms)" % connection_status.get("ping"))
	t.check(float(connection_status.get("local_quality", -2.0)) >= -1.0, "local_quality present (%s)" % connection_status.get("local_quality"))
	var detailed: Dictionary = Steam.getDetailedConnectionStatus(conn)
	t.check(detailed.get("success") == 0 and str(detailed.get("status", "")) != "", "detailed status text")
	var status_reply: String = await t.next_text(group, true, "status ok")
	t.check(status_reply == "status ok", "client checked its status")

	# 8. Clean close initiated by the client.
	var bye: String = await t.next_text(group, true, "bye")
	t.check(bye == "bye", "received bye")
	t.send_text(conn, "bye ack")
	var closed: Callable = func() -> bool: return t.state_of(conn) == Steam.CONNECTION_STATE_CLOSED_BY_PEER
	var peer_closed: bool = await t.wait_for(closed, "CLOSED_BY_PEER")
	if peer_closed:
		var end: Dictionary = Steam.getConnectionInfo(conn)
		t.check(end.get("end_reason") == Common.CLOSE_REASON, "end_reason %s" % end.get("end_reason"))
		t.check(end.get("end_debug") == Common.CLOSE_DEBUG, "end_debug '%s'" % end.get("end_debug"))
	t.check(Steam.closeConnection(conn, 0, "", false), "closeConnection after CLOSED_BY_PEER")
	t.check(Steam.destroyPollGroup(group), "destroyPollGroup")
	t.check(Steam.closeListenSocket(listen_socket), "closeListenSocket")
	t.finish()


func _incoming(listen_socket: int) -> int:
	for event: Dictionary in t.events:
		var info: Dictionary = event["info"]
		if info["listen_socket"] == listen_socket and event["state"] == Steam.CONNECTION_STATE_CONNECTING:
			return event["handle"]
	return 0
