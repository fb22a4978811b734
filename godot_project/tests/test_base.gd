extends RefCounted
## Base of the GDScript test suites (tests/test_*.gd), run by tests/run_tests.gd.
##
## A test is a method named test_*; it records failures with check()/check_eq() and may await
## wait_until() to let the network work. Handles created through the helpers here (listen(),
## connect_to(), socket_pair(), poll_group()) are closed after each test, and the status-change
## signal is captured into [member events] for the test to inspect.

## Timeout for anything that crosses loopback; generous because CI machines are slow and shared.
const NET_TIMEOUT_MS: int = 10000

var tree: SceneTree
var failures: PackedStringArray = PackedStringArray()
## Every network_connection_status_changed emission since the test began:
## {"handle": int, "info": Dictionary, "old_state": int, "main_thread": bool}.
var events: Array[Dictionary] = []

var _test_name: String = ""
var _connections: Array[int] = []
var _listen_sockets: Array[int] = []
var _poll_groups: Array[int] = []


func begin(scene_tree: SceneTree, test_name: String) -> void:
	tree = scene_tree
	_test_name = test_name
	failures = PackedStringArray()
	events.clear()
	_connections.clear()
	_listen_sockets.clear()
	_poll_groups.clear()
	Steam.network_connection_status_changed.connect(_on_status_changed)


## Closes what the test left open, lets the close notifications drain, and stops capturing.
func finish() -> void:
	for handle: int in _connections:
		Steam.closeConnection(handle, 0, "test finished", false)
	for handle: int in _listen_sockets:
		Steam.closeListenSocket(handle)
	for handle: int in _poll_groups:
		Steam.destroyPollGroup(handle)
	for i: int in range(3):
		Steam.run_callbacks()
		await tree.process_frame
	if Steam.network_connection_status_changed.is_connected(_on_status_changed):
		Steam.network_connection_status_changed.disconnect(_on_status_changed)


func _on_status_changed(connect_handle: int, connection: Dictionary, old_state: int) -> void:
	events.append({
		"handle": connect_handle,
		"info": connection,
		"old_state": old_state,
		"main_thread": OS.get_thread_caller_id() == OS.get_main_thread_id(),
	})


# --- assertions -----------------------------------------------------------------------------------

func fail(what: String) -> void:
	failures.append(what)


func check(condition: bool, what: String) -> bool:
	if not condition:
		failures.append(what)
	return condition


## Checks type and value: an int 3 and a float 3.0 are different results for this API.
func check_eq(got: Variant, want: Variant, what: String) -> bool:
	if typeof(got) != typeof(want) or got != want:
		failures.append("%s: got %s (%s), want %s (%s)" % [
			what, _show(got), type_string(typeof(got)), _show(want), type_string(typeof(want))])
		return false
	return true


## Checks that a Dictionary has exactly these keys with values of these Variant types.
func check_keys(dict: Dictionary, types: Dictionary, what: String) -> bool:
	var ok: bool = true
	for key: String in types:
		if not dict.has(key):
			failures.append("%s: missing key %s (have %s)" % [what, key, dict.keys()])
			ok = false
		elif typeof(dict[key]) != types[key]:
			failures.append("%s: key %s is %s, want %s" % [
				what, key, type_string(typeof(dict[key])), type_string(types[key])])
			ok = false
	return ok


func _show(value: Variant) -> String:
	var text: String = str(value)
	return text if text.length() <= 200 else text.substr(0, 200) + "..."


# --- waiting --------------------------------------------------------------------------------------

## Waits, frame by frame, until condition returns true; pumps Steam.run_callbacks() each frame
## unless pump is false (then something else must pump, e.g. a node's _process). Records a
## failure naming what and returns false on timeout.
func wait_until(condition: Callable, what: String, timeout_ms: int = NET_TIMEOUT_MS, pump: bool = true) -> bool:
	var deadline: int = Time.get_ticks_msec() + timeout_ms
	while not condition.call():
		if Time.get_ticks_msec() > deadline:
			failures.append("timed out after %d ms waiting for %s" % [timeout_ms, what])
			return false
		if pump:
			Steam.run_callbacks()
		await tree.process_frame
	return true


## Waits a number of frames, pumping callbacks.
func pump_frames(frames: int) -> void:
	for i: int in range(frames):
		Steam.run_callbacks()
		await tree.process_frame


## The state a connection reached according to the captured signals (-1 if none seen).
func last_state(handle: int) -> int:
	for i: int in range(events.size() - 1, -1, -1):
		if events[i]["handle"] == handle:
			return events[i]["info"]["connection_state"]
	return -1


func event_for(handle: int, state: int) -> Dictionary:
	for event: Dictionary in events:
		if event["handle"] == handle and event["info"]["connection_state"] == state:
			return event
	return {}


## The first incoming connection a listen socket announced (0 if none yet).
func incoming_on(listen_socket: int) -> int:
	for event: Dictionary in events:
		var info: Dictionary = event["info"]
		if info["listen_socket"] == listen_socket and info["connection_state"] == Steam.CONNECTION_STATE_CONNECTING:
			return event["handle"]
	return 0


# --- handles that are cleaned up after the test ---------------------------------------------------

func listen(address: String, options: Dictionary = {}) -> int:
	var handle: int = Steam.createListenSocketIP(address, options)
	if handle != 0:
		_listen_sockets.append(handle)
	return handle


func connect_to(address: String, options: Dictionary = {}) -> int:
	var handle: int = Steam.connectByIPAddress(address, options)
	if handle != 0:
		_connections.append(handle)
	return handle


func track_connection(handle: int) -> void:
	if handle != 0 and not _connections.has(handle):
		_connections.append(handle)


func forget_connection(handle: int) -> void:
	_connections.erase(handle)


func forget_listen_socket(handle: int) -> void:
	_listen_sockets.erase(handle)


func forget_poll_group(handle: int) -> void:
	_poll_groups.erase(handle)


## A socket pair [connection1, connection2], or [0, 0] with a failure recorded.
func socket_pair(loopback: bool = false, id1: int = 0, id2: int = 0) -> Array[int]:
	var pair: Dictionary = Steam.createSocketPair(loopback, id1, id2)
	if not check_keys(pair, {"success": TYPE_BOOL, "connection1": TYPE_INT, "connection2": TYPE_INT}, "createSocketPair"):
		return [0, 0]
	if not check(pair["success"], "createSocketPair(%s) failed: %s" % [loopback, pair]):
		return [0, 0]
	var c1: int = pair["connection1"]
	var c2: int = pair["connection2"]
	track_connection(c1)
	track_connection(c2)
	return [c1, c2]


func poll_group() -> int:
	var handle: int = Steam.createPollGroup()
	if check(handle != 0, "createPollGroup returned 0"):
		_poll_groups.append(handle)
	return handle


## Listens on loopback, connects to it and accepts: [client, server, listen_socket], all CONNECTED,
## or [0, 0, 0] with failures recorded.
func connected_pair(client_options: Dictionary = {}, server_options: Dictionary = {}) -> Array[int]:
	var listen_socket: int = listen("127.0.0.1:0", server_options)
	if not check(listen_socket != 0, "createListenSocketIP(127.0.0.1:0) returned 0"):
		return [0, 0, 0]
	var address: String = Steam.getListenSocketAddress(listen_socket, true)
	var client: int = connect_to(address, client_options)
	if not check(client != 0, "connectByIPAddress(%s) returned 0" % address):
		return [0, 0, 0]
	var has_incoming: Callable = func() -> bool: return incoming_on(listen_socket) != 0
	var arrived: bool = await wait_until(has_incoming, "the incoming connection on %s" % address)
	if not arrived:
		return [0, 0, 0]
	var server: int = incoming_on(listen_socket)
	track_connection(server)
	check_eq(Steam.acceptConnection(server), Steam.RESULT_OK, "acceptConnection")
	var both_up: Callable = func() -> bool:
		return last_state(client) == Steam.CONNECTION_STATE_CONNECTED and last_state(server) == Steam.CONNECTION_STATE_CONNECTED
	var up: bool = await wait_until(both_up, "both ends CONNECTED")
	if not up:
		return [0, 0, 0]
	return [client, server, listen_socket]


## Receives on a connection (or, with on_poll_group, a poll group) until count messages arrived.
func receive(handle: int, count: int, what: String, on_poll_group: bool = false) -> Array[Dictionary]:
	var got: Array[Dictionary] = []
	var take: Callable = func() -> bool:
		var batch: Array = Steam.receiveMessagesOnPollGroup(handle, 64) if on_poll_group else Steam.receiveMessagesOnConnection(handle, 64)
		for message: Dictionary in batch:
			got.append(message)
		return got.size() >= count
	await wait_until(take, "%d messages (%s)" % [count, what])
	return got


## Deterministic test bytes: the same (size, seed) always gives the same content.
static func pattern(size: int, seed_value: int) -> PackedByteArray:
	var bytes: PackedByteArray = PackedByteArray()
	bytes.resize(size)
	var x: int = seed_value * 2654435761 + 12345
	for i: int in range(size):
		x = (x * 1103515245 + 12345) & 0x7fffffff
		bytes[i] = (x >> 16) & 0xff
	return bytes
