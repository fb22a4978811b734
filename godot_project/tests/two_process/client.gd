extends SceneTree
## Client half of the two-process test (started by scripts/godot_two_process.sh once the server
## published its port):
##   godot --headless --path godot_project -s res://tests/two_process/client.gd -- --connect 127.0.0.1:PORT
## Talks to server.gd step by step: reliable and unreliable messages, a large message, ordered
## messages, lanes, status queries and a clean close. Exits 0 only if every check passed.

const Common := preload("res://tests/two_process/common.gd")

var t: Common


func _initialize() -> void:
	t = Common.new(self, "client")
	_main()


func _main() -> void:
	var address: String = t.arg("--connect")
	if not t.check(address != "", "--connect ADDRESS given"):
		t.finish()
		return

	# 1. Connect.
	var conn: int = Steam.connectByIPAddress(address, {Steam.NETWORKING_CONFIG_TIMEOUT_INITIAL: 15000})
	if not t.check(conn != 0, "connectByIPAddress(%s)" % address):
		t.finish()
		return
	var connected: Callable = func() -> bool: return t.state_of(conn) == Steam.CONNECTION_STATE_CONNECTED
	var up: bool = await t.wait_for(connected, "CONNECTED")
	if not up:
		t.finish()
		return
	var info: Dictionary = Steam.getConnectionInfo(conn)
	t.check(info.get("listen_socket") == 0, "an outgoing connection has no listen socket")
	t.check(info.get("remote_address") == "127.0.0.1", "remote_address is 127.0.0.1 (%s)" % info.get("remote_address"))

	# 2. Reliable hello.
	t.send_text(conn, "hello")
	var hello_back: String = await t.next_text(conn, false, "hello back")
	t.check(hello_back == "hello back", "server answered hello")

	# 3. Unreliable burst plus a reliable marker.
	var unreliable_failures: int = 0
	for i: int in range(Common.UNRELIABLE_COUNT):
		var sent: Dictionary = Steam.sendMessageToConnection(conn, ("u%d" % i).to_utf8_buffer(), Steam.NETWORKING_SEND_UNRELIABLE)
		if sent.get("result") != Steam.RESULT_OK:
			unreliable_failures += 1
	t.check(unreliable_failures == 0, "%d unreliable sends accepted" % Common.UNRELIABLE_COUNT)
	t.send_text(conn, "unreliable done %d" % Common.UNRELIABLE_COUNT)
	var count_reply: String = await t.next_text(conn, false, "the unreliable count")
	t.check(count_reply.begins_with("unreliable got ") and int(count_reply.get_slice(" ", 2)) > 0, "server got unreliable messages (%s)" % count_reply)

	# 4. A large reliable message.
	var large: PackedByteArray = Common.pattern(Common.LARGE_SIZE, Common.LARGE_SEED)
	var sent_large: Dictionary = Steam.sendMessageToConnection(conn, large, Steam.NETWORKING_SEND_RELIABLE)
	t.check(sent_large.get("result") == Steam.RESULT_OK, "sent %d bytes in one message" % Common.LARGE_SIZE)
	var large_reply: String = await t.next_text(conn, false, "the large-message verdict")
	t.check(large_reply == "large ok %d" % Common.LARGE_SIZE, "server verified the large message (%s)" % large_reply)

	# 5. Ordered reliable messages from the server.
	var in_order: bool = true
	for i: int in range(Common.ORDERED_COUNT):
		var text: String = await t.next_text(conn, false, "ordered message %d" % i)
		if text != "s%d" % i:
			in_order = false
			t.check(false, "message %d is %s, want s%d" % [i, text, i])
			break
	if t.check(in_order, "%d messages arrived in order" % Common.ORDERED_COUNT):
		t.send_text(conn, "order ok")

	# 6. Lanes.
	var lanes_text: String = await t.next_text(conn, false, "lanes 2")
	t.check(lanes_text == "lanes 2", "server configured lanes")
	t.check(Steam.configureConnectionLanes(conn, 2, [0, 1], [1, 1]) == Steam.RESULT_OK, "configureConnectionLanes(2)")
	var lane_status: Dictionary = Steam.getConnectionRealTimeStatus(conn, 2)
	var lanes: Array = lane_status.get("lanes_status", [])
	if t.check(lane_status.get("response") == Steam.RESULT_OK and lanes.size() == 2, "status reports 2 lanes"):
		t.send_text(conn, "lanes ok")

	# 7. Status queries.
	var status: Dictionary = Steam.getConnectionRealTimeStatus(conn, 0)
	var connection_status: Dictionary = status.get("connection_status", {})
	t.check(connection_status.get("state") == Steam.CONNECTION_STATE_CONNECTED, "status state CONNECTED")
	t.check(int(connection_status.get("ping", -1)) >= 0, "ping %s ms" % connection_status.get("ping"))
	t.check(typeof(connection_status.get("remote_quality")) == TYPE_FLOAT, "remote_quality %s" % connection_status.get("remote_quality"))
	var detailed: Dictionary = Steam.getDetailedConnectionStatus(conn)
	t.check(detailed.get("success") == 0, "getDetailedConnectionStatus succeeded")
	Steam.setConnectionName(conn, "two-process client")
	t.check(Steam.getConnectionName(conn) == "two-process client", "connection name round trip")
	t.send_text(conn, "status ok")

	# 8. Clean close: say bye, wait for the acknowledgement, close with a reason and linger.
	t.send_text(conn, "bye")
	var ack: String = await t.next_text(conn, false, "bye ack")
	t.check(ack == "bye ack", "server acknowledged bye")
	t.check(Steam.closeConnection(conn, Common.CLOSE_REASON, Common.CLOSE_DEBUG, true), "closeConnection with linger")
	t.check(Steam.getConnectionInfo(conn).is_empty(), "handle is gone after closeConnection")
	# Keep the process (and its network goroutines) alive long enough for the close to reach the server.
	await t.pump_for(1500)
	t.finish()
