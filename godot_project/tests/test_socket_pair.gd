extends "res://tests/test_base.gd"
## createSocketPair in one process: reliable and unreliable messages, message fields, large messages,
## ordering, sendMessages, lanes, poll groups and a close that the other end sees.

const MESSAGE_KEYS: Dictionary = {
	"payload": TYPE_PACKED_BYTE_ARRAY, "size": TYPE_INT, "connection": TYPE_INT, "identity": TYPE_INT,
	"receiver_user_data": TYPE_INT, "time_received": TYPE_INT, "message_number": TYPE_INT,
	"channel": TYPE_INT, "flags": TYPE_INT, "sender_user_data": TYPE_INT,
}


func test_pair_is_connected_without_callbacks() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	check(pair[0] != pair[1], "the two handles differ")
	for handle: int in pair:
		var info: Dictionary = Steam.getConnectionInfo(handle)
		check_eq(info.get("connection_state"), Steam.CONNECTION_STATE_CONNECTED, "state of %d" % handle)
		check_eq(info.get("listen_socket"), 0, "listen_socket of a pair connection")
	await pump_frames(3)
	var about_pair: int = 0
	for event: Dictionary in events:
		if pair.has(int(event["handle"])):
			about_pair += 1
	check_eq(about_pair, 0, "status changes posted for a new socket pair")


func test_pair_reliable_and_unreliable() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	var sent: Dictionary = Steam.sendMessageToConnection(pair[0], "hello".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	check_keys(sent, {"result": TYPE_INT, "message_number": TYPE_INT}, "sendMessageToConnection result")
	check_eq(sent.get("result"), Steam.RESULT_OK, "reliable send result")
	check(int(sent.get("message_number", 0)) > 0, "reliable send got a message number: %s" % sent)
	var got: Array[Dictionary] = await receive(pair[1], 1, "reliable hello")
	if got.size() != 1:
		return
	var message: Dictionary = got[0]
	check_keys(message, MESSAGE_KEYS, "received message")
	check_eq(message["payload"], "hello".to_utf8_buffer(), "payload")
	check_eq(message["size"], 5, "size")
	check_eq(message["connection"], pair[1], "connection")
	check_eq(message["flags"], Steam.NETWORKING_SEND_RELIABLE, "flags of a reliable message")
	check_eq(message["channel"], -1, "channel")
	check_eq(message["message_number"], sent["message_number"], "message_number matches the sender's")

	sent = Steam.sendMessageToConnection(pair[1], "unreliable".to_utf8_buffer(), Steam.NETWORKING_SEND_UNRELIABLE_NO_DELAY)
	check_eq(sent.get("result"), Steam.RESULT_OK, "unreliable send result")
	got = await receive(pair[0], 1, "unreliable message")
	if got.size() == 1:
		check_eq(got[0]["payload"].get_string_from_utf8(), "unreliable", "unreliable payload")
		check_eq(got[0]["flags"], 0, "flags of an unreliable message")


func test_pair_large_messages() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	var big: PackedByteArray = pattern(300 * 1024, 7)
	var largest: PackedByteArray = pattern(Steam.MAX_STEAM_PACKET_SIZE, 8)
	check_eq(Steam.sendMessageToConnection(pair[0], big, Steam.NETWORKING_SEND_RELIABLE).get("result"), Steam.RESULT_OK, "send 300 KiB")
	check_eq(Steam.sendMessageToConnection(pair[0], largest, Steam.NETWORKING_SEND_RELIABLE).get("result"), Steam.RESULT_OK, "send MAX_STEAM_PACKET_SIZE bytes")
	var got: Array[Dictionary] = await receive(pair[1], 2, "two large messages")
	if got.size() == 2:
		check(got[0]["payload"] == big, "300 KiB payload arrived intact (size %d)" % got[0]["size"])
		check(got[1]["payload"] == largest, "largest payload arrived intact (size %d)" % got[1]["size"])

	var too_big: PackedByteArray = PackedByteArray()
	too_big.resize(Steam.MAX_STEAM_PACKET_SIZE + 1)
	var refused: Dictionary = Steam.sendMessageToConnection(pair[0], too_big, Steam.NETWORKING_SEND_RELIABLE)
	check_eq(refused.get("result"), Steam.RESULT_INVALID_PARAM, "a message over MAX_STEAM_PACKET_SIZE")
	check_eq(refused.get("message_number"), -1, "message_number of a refused message")


func test_pair_order_and_send_messages() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	for i: int in range(100):
		Steam.sendMessageToConnection(pair[0], ("r%d" % i).to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE_NO_NAGLE)
	var batch: Array = []
	for i: int in range(100, 120):
		batch.append(("r%d" % i).to_utf8_buffer())
	batch.append("r120")  # a String is sent as its UTF-8 bytes
	var numbers: Array = Steam.sendMessages(batch, pair[0], Steam.NETWORKING_SEND_RELIABLE)
	check_eq(numbers.size(), batch.size(), "sendMessages returns one result per message")
	var previous: int = 0
	for n: Variant in numbers:
		check(typeof(n) == TYPE_INT and int(n) > previous, "sendMessages numbers increase: %s" % [numbers])
		previous = int(n)
	var got: Array[Dictionary] = await receive(pair[1], 121, "121 ordered reliable messages")
	for i: int in range(mini(got.size(), 121)):
		if not check_eq(got[i]["payload"].get_string_from_utf8(), "r%d" % i, "message %d in order" % i):
			break
	var bad: Array = Steam.sendMessages(["x".to_utf8_buffer()], 0, Steam.NETWORKING_SEND_RELIABLE)
	check_eq(bad, [-Steam.RESULT_INVALID_PARAM], "sendMessages on handle 0")


func test_pair_close_seen_by_peer() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	Steam.sendMessageToConnection(pair[0], "last words".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	check(Steam.closeConnection(pair[0], Steam.CONNECTION_END_APP_MIN + 7, "bye from one", true), "closeConnection(one)")
	forget_connection(pair[0])
	var closed: Callable = func() -> bool: return last_state(pair[1]) == Steam.CONNECTION_STATE_CLOSED_BY_PEER
	await wait_until(closed, "CLOSED_BY_PEER on the other end")
	var event: Dictionary = event_for(pair[1], Steam.CONNECTION_STATE_CLOSED_BY_PEER)
	if not event.is_empty():
		var info: Dictionary = event["info"]
		check_eq(event["old_state"], Steam.CONNECTION_STATE_CONNECTED, "old_state")
		check_eq(info["end_reason"], Steam.CONNECTION_END_APP_MIN + 7, "end_reason seen by the peer")
		check_eq(info["end_debug"], "bye from one", "end_debug seen by the peer")
		check(event["main_thread"], "signal emitted on the main thread")
		check(not info.has("info_flags"), "the signal's connection Dictionary has no info_flags")
	# Data sent before the close can still be read.
	var got: Array[Dictionary] = await receive(pair[1], 1, "the message sent before closing")
	if got.size() == 1:
		check_eq(got[0]["payload"].get_string_from_utf8(), "last words", "message sent before the close")
	check_eq(Steam.getConnectionInfo(pair[0]), {}, "getConnectionInfo of a closed handle")
	check(Steam.closeConnection(pair[1], 0, "", false), "closing the other end frees it")
	forget_connection(pair[1])
	check(not Steam.closeConnection(pair[1], 0, "", false), "closing twice returns false")


func test_pair_over_loopback_udp() -> void:
	var pair: Array[int] = socket_pair(true, 76561198000000011, 76561198000000022)
	if pair[0] == 0:
		return
	check_eq(Steam.getConnectionInfo(pair[0]).get("identity"), 76561198000000011, "identity of connection1")
	check_eq(Steam.getConnectionInfo(pair[1]).get("identity"), 76561198000000022, "identity of connection2")
	var data: PackedByteArray = pattern(100 * 1024, 3)
	Steam.sendMessageToConnection(pair[1], data, Steam.NETWORKING_SEND_RELIABLE)
	var got: Array[Dictionary] = await receive(pair[0], 1, "100 KiB over loopback UDP")
	if got.size() == 1:
		check(got[0]["payload"] == data, "100 KiB arrived intact over loopback UDP")


func test_lanes() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	var status: Dictionary = Steam.getConnectionRealTimeStatus(pair[0], 2)
	check_eq(status.get("response"), Steam.RESULT_INVALID_PARAM, "asking for 2 lanes on a 1-lane connection")
	check_eq(Steam.configureConnectionLanes(pair[0], 3, [0, 0, 1], [1, 3, 1]), Steam.RESULT_OK, "configureConnectionLanes(3)")
	status = Steam.getConnectionRealTimeStatus(pair[0], 3)
	check_eq(status.get("response"), Steam.RESULT_OK, "real-time status with 3 lanes")
	var lanes: Array = status.get("lanes_status", [])
	check_eq(lanes.size(), 3, "lanes_status entries")
	for lane: Dictionary in lanes:
		check_keys(lane, {"pending_unreliable": TYPE_INT, "pending_reliable": TYPE_INT,
			"sent_unacknowledged_reliable": TYPE_INT, "queue_time": TYPE_INT}, "lane status")
	check_eq(Steam.configureConnectionLanes(pair[0], 2, [0, 0], [1, 1]), Steam.RESULT_INVALID_PARAM, "reducing the lane count")
	check_eq(Steam.configureConnectionLanes(pair[0], 3, [0, 0, 0], [1, 0, 1]), Steam.RESULT_INVALID_PARAM, "a zero weight")
	check_eq(Steam.configureConnectionLanes(0, 2, [0, 0], [1, 1]), Steam.RESULT_NO_CONNECTION, "lanes on handle 0")
	# Messages still flow after configuring lanes (GDScript sends on lane 0).
	Steam.sendMessageToConnection(pair[0], "after lanes".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	var got: Array[Dictionary] = await receive(pair[1], 1, "a message after configuring lanes")
	if got.size() == 1:
		check_eq(got[0]["payload"].get_string_from_utf8(), "after lanes", "payload after configuring lanes")


func test_poll_groups() -> void:
	var a: Array[int] = socket_pair()
	var b: Array[int] = socket_pair()
	if a[0] == 0 or b[0] == 0:
		return
	var group: int = poll_group()
	check(Steam.setConnectionPollGroup(a[1], group), "setConnectionPollGroup(a)")
	check(Steam.setConnectionPollGroup(b[1], group), "setConnectionPollGroup(b)")
	check(not Steam.setConnectionPollGroup(a[1], 987654), "setConnectionPollGroup with a bad group")
	Steam.sendMessageToConnection(a[0], "from a".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	Steam.sendMessageToConnection(b[0], "from b".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	var got: Array[Dictionary] = await receive(group, 2, "one message per group member", true)
	var by_connection: Dictionary = {}
	for message: Dictionary in got:
		by_connection[message["connection"]] = message["payload"].get_string_from_utf8()
	check_eq(by_connection.get(a[1], ""), "from a", "message from a, tagged with a's handle")
	check_eq(by_connection.get(b[1], ""), "from b", "message from b, tagged with b's handle")

	check(Steam.setConnectionPollGroup(a[1], 0), "removing a connection from its group")
	Steam.sendMessageToConnection(a[0], "direct".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	var direct: Array[Dictionary] = await receive(a[1], 1, "a message read on the connection after leaving the group")
	check_eq(direct.size(), 1, "message read directly")
	check_eq(Steam.receiveMessagesOnPollGroup(group, 10), [], "the group no longer gets a's messages")

	check(Steam.destroyPollGroup(group), "destroyPollGroup")
	forget_poll_group(group)
	check(not Steam.destroyPollGroup(group), "destroying twice returns false")
	check_eq(Steam.receiveMessagesOnPollGroup(group, 10), [], "receiving on a destroyed group")
	Steam.sendMessageToConnection(b[0], "still open".to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	var after: Array[Dictionary] = await receive(b[1], 1, "b still works after its group was destroyed")
	check_eq(after.size(), 1, "member connection survives destroyPollGroup")
