extends RefCounted
## Shared by tests/two_process/server.gd and client.gd (run by scripts/godot_two_process.sh):
## argument parsing, pumping, waiting with deadlines, a receive queue and pass/fail bookkeeping.

const STEP_TIMEOUT_MS: int = 20000
const LARGE_SIZE: int = 400 * 1024
const LARGE_SEED: int = 5
const ORDERED_COUNT: int = 30
const UNRELIABLE_COUNT: int = 50
const CLOSE_REASON: int = 1042
const CLOSE_DEBUG: String = "client done"

var tree: SceneTree
var role: String
var failures: PackedStringArray = PackedStringArray()
## Every network_connection_status_changed: {"handle", "state", "old_state", "info"}.
var events: Array[Dictionary] = []
## Reliable messages received and not yet taken, oldest first.
var reliable_inbox: Array[Dictionary] = []
var unreliable_received: int = 0


func _init(scene_tree: SceneTree, role_name: String) -> void:
	tree = scene_tree
	role = role_name
	Engine.max_fps = 240
	Steam.network_connection_status_changed.connect(_on_status_changed)


func _on_status_changed(connect_handle: int, connection: Dictionary, old_state: int) -> void:
	var state: int = connection["connection_state"]
	note("status: connection %d %s -> %s %s" % [connect_handle, state_name(old_state), state_name(state),
		"(end %d: %s)" % [connection["end_reason"], connection["end_debug"]] if state >= Steam.CONNECTION_STATE_CLOSED_BY_PEER else ""])
	events.append({"handle": connect_handle, "state": state, "old_state": old_state, "info": connection})


static func state_name(state: int) -> String:
	match state:
		Steam.CONNECTION_STATE_NONE:
			return "NONE"
		Steam.CONNECTION_STATE_CONNECTING:
			return "CONNECTING"
		Steam.CONNECTION_STATE_FINDING_ROUTE:
			return "FINDING_ROUTE"
		Steam.CONNECTION_STATE_CONNECTED:
			return "CONNECTED"
		Steam.CONNECTION_STATE_CLOSED_BY_PEER:
			return "CLOSED_BY_PEER"
		Steam.CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY:
			return "PROBLEM_DETECTED_LOCALLY"
	return str(state)


func note(text: String) -> void:
	print("[%s %6d ms] %s" % [role, Time.get_ticks_msec(), text])


func arg(name: String, fallback: String = "") -> String:
	var args: PackedStringArray = OS.get_cmdline_user_args()
	var at: int = args.find(name)
	if at >= 0 and at + 1 < args.size():
		return args[at + 1]
	return fallback


func check(condition: bool, what: String) -> bool:
	if condition:
		note("ok: " + what)
	else:
		note("FAIL: " + what)
		failures.append(what)
	return condition


## Waits frame by frame, pumping run_callbacks(), until condition is true; false (and a failure) on timeout.
func wait_for(condition: Callable, what: String, timeout_ms: int = STEP_TIMEOUT_MS) -> bool:
	var deadline: int = Time.get_ticks_msec() + timeout_ms
	while not condition.call():
		if Time.get_ticks_msec() > deadline:
			check(false, "timed out after %d ms waiting for %s" % [timeout_ms, what])
			return false
		Steam.run_callbacks()
		await tree.process_frame
	return true


func pump_for(milliseconds: int) -> void:
	var until: int = Time.get_ticks_msec() + milliseconds
	while Time.get_ticks_msec() < until:
		Steam.run_callbacks()
		await tree.process_frame


func state_of(handle: int) -> int:
	for i: int in range(events.size() - 1, -1, -1):
		if events[i]["handle"] == handle:
			return events[i]["state"]
	return -1


## Moves newly received messages into the inbox (reliable) or the unreliable counter.
func drain(source: int, is_poll_group: bool) -> void:
	var batch: Array = Steam.receiveMessagesOnPollGroup(source, 100) if is_poll_group else Steam.receiveMessagesOnConnection(source, 100)
	for message: Dictionary in batch:
		if int(message["flags"]) & Steam.NETWORKING_SEND_RELIABLE:
			reliable_inbox.append(message)
		else:
			unreliable_received += 1


## The next reliable message as a Dictionary, or {} (and a failure) on timeout.
func next_reliable(source: int, is_poll_group: bool, what: String) -> Dictionary:
	var has_one: Callable = func() -> bool:
		drain(source, is_poll_group)
		return not reliable_inbox.is_empty()
	var arrived: bool = await wait_for(has_one, what)
	if not arrived:
		return {}
	return reliable_inbox.pop_front()


## The next reliable message as text ("" on timeout).
func next_text(source: int, is_poll_group: bool, what: String) -> String:
	var message: Dictionary = await next_reliable(source, is_poll_group, what)
	if message.is_empty():
		return ""
	var payload: PackedByteArray = message["payload"]
	return payload.get_string_from_utf8()


func send_text(connection: int, text: String) -> bool:
	var sent: Dictionary = Steam.sendMessageToConnection(connection, text.to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	return check(sent.get("result") == Steam.RESULT_OK, "send %s (result %s)" % [text.left(40), sent.get("result")])


## Deterministic bytes, identical in both processes for the same (size, seed).
static func pattern(size: int, seed_value: int) -> PackedByteArray:
	var bytes: PackedByteArray = PackedByteArray()
	bytes.resize(size)
	var x: int = seed_value * 2654435761 + 12345
	for i: int in range(size):
		x = (x * 1103515245 + 12345) & 0x7fffffff
		bytes[i] = (x >> 16) & 0xff
	return bytes


## Prints the verdict and quits with 0 (all checks passed) or 1.
func finish() -> void:
	if failures.is_empty():
		note("RESULT: PASS")
		tree.quit(0)
	else:
		note("RESULT: FAIL (%d): %s" % [failures.size(), ", ".join(failures)])
		tree.quit(1)
