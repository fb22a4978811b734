extends SceneTree
## The README's "five lines a game needs", run as written (port 0 instead of 27015 so the test
## never collides): a server on one branch and a client on another, each with its own
## SceneMultiplayer, in one process. Exits 0 once the server saw peer_connected and the client
## connected_to_server. Run by scripts/godot_multiplayer.sh.

var joined_ids: Array[int] = []
var connected_as: int = 0
var deadline_ms: int = 0


func _initialize() -> void:
	deadline_ms = Time.get_ticks_msec() + 20000
	var server_node := Node.new()
	server_node.name = "Server"
	root.add_child(server_node)
	var client_node := Node.new()
	client_node.name = "Client"
	root.add_child(client_node)
	set_multiplayer(MultiplayerAPI.create_default_interface(), ^"/root/Server")
	set_multiplayer(MultiplayerAPI.create_default_interface(), ^"/root/Client")

	# Server: the README's lines.
	var multiplayer: MultiplayerAPI = get_multiplayer(^"/root/Server")
	var peer := SteamMultiplayerPeer.new()
	peer.create_host_ip(0)                     # server; a client: peer.create_client_ip("203.0.113.5", 27015)
	multiplayer.multiplayer_peer = peer
	multiplayer.peer_connected.connect(func(id: int) -> void: print("peer %d joined" % id))
	multiplayer.connected_to_server.connect(func() -> void: print("joined as %d" % multiplayer.get_unique_id()))
	multiplayer.peer_connected.connect(func(id: int) -> void: joined_ids.append(id))

	# Client: the same lines with create_client_ip.
	var port: int = peer.get_listen_port()
	var client_mp: MultiplayerAPI = get_multiplayer(^"/root/Client")
	var client_peer := SteamMultiplayerPeer.new()
	client_peer.create_client_ip("127.0.0.1", port)
	client_mp.multiplayer_peer = client_peer
	client_mp.connected_to_server.connect(func() -> void: print("joined as %d" % client_mp.get_unique_id()))
	client_mp.connected_to_server.connect(func() -> void: connected_as = client_mp.get_unique_id())


func _process(_delta: float) -> bool:
	if connected_as >= 2 and joined_ids == [connected_as]:
		print("five lines: PASS (server saw peer %d, client joined as %d)" % [joined_ids[0], connected_as])
		return _done(0)
	if Time.get_ticks_msec() > deadline_ms:
		push_error("five lines: FAIL: server saw %s, client joined as %d" % [joined_ids, connected_as])
		return _done(1)
	return false


func _done(code: int) -> bool:
	for path in [^"/root/Server", ^"/root/Client"]:
		var mp: MultiplayerAPI = get_multiplayer(path)
		if mp.multiplayer_peer is SteamMultiplayerPeer:
			mp.multiplayer_peer.close()
		mp.multiplayer_peer = null
		# The lambdas above capture the MultiplayerAPI they are connected to (a local variable
		# here, the `multiplayer` property in a game's Node): disconnect them to break the cycle.
		for sig in [mp.peer_connected, mp.connected_to_server]:
			for c in sig.get_connections():
				sig.disconnect(c["callable"])
	quit(code)
	return true
