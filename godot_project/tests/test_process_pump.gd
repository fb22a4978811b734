extends "res://tests/test_base.gd"
## Signals arrive only through run_callbacks(), and a node that calls it from _process() (as games do)
## is all it takes to receive them. runNetworkingCallbacks() drains the same queue.

const PumpNode := preload("res://tests/helpers/pump_node.gd")


func test_no_signal_without_pumping_then_process_pumps() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	check(Steam.closeConnection(pair[0], 0, "", false), "closeConnection")
	forget_connection(pair[0])
	# Let the network side work for a while without pumping: nothing may be emitted.
	var until: int = Time.get_ticks_msec() + 300
	while Time.get_ticks_msec() < until:
		await tree.process_frame
	check_eq(events.size(), 0, "signals emitted without run_callbacks()")

	var pump: Node = PumpNode.new()
	tree.root.add_child(pump)
	var closed: Callable = func() -> bool: return last_state(pair[1]) == Steam.CONNECTION_STATE_CLOSED_BY_PEER
	await wait_until(closed, "CLOSED_BY_PEER delivered by the _process pump", NET_TIMEOUT_MS, false)
	check(int(pump.get("frames_pumped")) > 0, "the pump node ran _process")
	if not events.is_empty():
		check(events[0]["main_thread"], "emitted on the main thread")
	pump.queue_free()
	await tree.process_frame


func test_run_networking_callbacks_drains_too() -> void:
	var pair: Array[int] = socket_pair()
	if pair[0] == 0:
		return
	Steam.closeConnection(pair[1], 0, "", false)
	forget_connection(pair[1])
	var deadline: int = Time.get_ticks_msec() + NET_TIMEOUT_MS
	while last_state(pair[0]) != Steam.CONNECTION_STATE_CLOSED_BY_PEER and Time.get_ticks_msec() < deadline:
		Steam.runNetworkingCallbacks()
		await tree.process_frame
	check_eq(last_state(pair[0]), Steam.CONNECTION_STATE_CLOSED_BY_PEER, "state delivered by runNetworkingCallbacks()")
	var count: int = events.size()
	Steam.run_callbacks()
	Steam.runNetworkingCallbacks()
	check_eq(events.size(), count, "draining twice emits nothing new")


func test_connect_signal_with_callable_and_disconnect() -> void:
	var seen: Array[int] = []
	var handler: Callable = func(connect_handle: int, _connection: Dictionary, _old_state: int) -> void:
		seen.append(connect_handle)
	Steam.network_connection_status_changed.connect(handler)
	check(Steam.network_connection_status_changed.is_connected(handler), "is_connected after connect")
	var pair: Array[int] = socket_pair()
	if pair[0] != 0:
		Steam.closeConnection(pair[0], 0, "", false)
		forget_connection(pair[0])
		var got_it: Callable = func() -> bool: return seen.has(pair[1])
		await wait_until(got_it, "the lambda handler to see the close")
	Steam.network_connection_status_changed.disconnect(handler)
	var before: int = seen.size()
	if pair[1] != 0:
		Steam.closeConnection(pair[1], 0, "", false)
		forget_connection(pair[1])
	await pump_frames(5)
	check_eq(seen.size(), before, "a disconnected handler is not called")
