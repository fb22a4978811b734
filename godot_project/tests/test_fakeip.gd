extends "res://tests/test_base.gd"
## FakeIP through a rendezvous service running inside this Godot process (startRendezvousService):
## beginAsyncRequestFakeIP -> the fake_ip_result signal from run_callbacks(), getFakeIP, a FakeIP
## listen socket, and the fake UDP port extras. The suite stops the service and forgets it at the
## end, so later suites see no service again.

var _fake_ip_results: Array[Array] = []


func _on_fake_ip_result(result: int, identity: int, fake_ip: String, port_list: Array) -> void:
	_fake_ip_results.append([result, identity, fake_ip, port_list])


func test_fake_ip_through_an_embedded_service() -> void:
	var address: String = Steam.startRendezvousService("127.0.0.1:0", {})
	if not check(address.begins_with("127.0.0.1:"), "startRendezvousService() = %s" % address):
		return
	check_eq(Steam.getFakeIP().get("result"), Steam.RESULT_NO_MATCH, "getFakeIP() before any request")
	Steam.fake_ip_result.connect(_on_fake_ip_result)
	check(Steam.beginAsyncRequestFakeIP(2), "beginAsyncRequestFakeIP(2)")
	var got: Callable = func() -> bool: return not _fake_ip_results.is_empty()
	if await wait_until(got, "fake_ip_result"):
		var r: Array = _fake_ip_results[0]
		check_eq(r[0], Steam.RESULT_OK, "fake_ip_result result")
		check_eq(r[1], Steam.getSteamID(), "fake_ip_result identity is ours")
		check(String(r[2]).begins_with("169.254."), "fake_ip_result fake_ip %s is in 169.254.0.0/16" % r[2])
		var ports: Array = r[3]
		check_eq(ports.size(), 8, "port_list has 8 entries")
		if ports.size() == 8:
			check(int(ports[0]) > 1024 and int(ports[1]) > 1024 and int(ports[2]) == 0, "two ports above 1024, the rest 0: %s" % [ports])
		var info: Dictionary = Steam.getFakeIP(0)
		check_eq(info.get("result"), Steam.RESULT_OK, "getFakeIP().result")
		check_eq(info.get("ip"), r[2], "getFakeIP().ip")
		check_eq(info.get("identity_type"), Steam.IDENTITY_TYPE_STEAMID, "getFakeIP().identity_type")
	Steam.fake_ip_result.disconnect(_on_fake_ip_result)
	check_eq(Steam.getFakeIP(1).get("result"), Steam.RESULT_INVALID_PARAM, "getFakeIP(1)")

	var ls: int = Steam.createListenSocketP2PFakeIP(0, {})
	check(ls != 0, "createListenSocketP2PFakeIP(0)")
	if ls != 0:
		forget_listen_socket(ls)
		check(Steam.closeListenSocket(ls), "closeListenSocket(FakeIP listen socket)")
	check_eq(Steam.createListenSocketP2PFakeIP(3, {}), 0, "createListenSocketP2PFakeIP(3) of 2 ports")

	var port: int = Steam.createFakeUDPPortHandle(1)
	check(port != 0, "createFakeUDPPortHandle(1)")
	check_eq(Steam.createFakeUDPPortHandle(1), port, "the same server port twice")
	check_eq(Steam.sendMessageToFakeIP(port, "10.0.0.1:27015", PackedByteArray([1]), 0), Steam.RESULT_INVALID_PARAM, "sendMessageToFakeIP to a real address")
	check_eq(Steam.sendMessageToFakeIP(port, "169.254.200.1:2000", PackedByteArray([1]), 0), Steam.RESULT_NO_CONNECTION, "sendMessageToFakeIP to an unknown local FakeIP")
	check_eq(Steam.receiveMessagesOnFakeUDPPort(port, 8), [], "nothing received")
	check(Steam.destroyFakeUDPPort(port), "destroyFakeUDPPort")
	check(not Steam.destroyFakeUDPPort(port), "destroyFakeUDPPort twice")

	# Forget the service so that later suites run without one.
	Steam.setRendezvousService("", {})
	Steam.steamShutdown()
	check(not Steam.beginAsyncRequestFakeIP(1), "no service after steamShutdown")
