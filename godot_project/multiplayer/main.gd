extends Node
## Minimal high-level multiplayer over godotsteam-sockets' SteamMultiplayerPeer:
## RPCs (reliable + unreliable), a MultiplayerSpawner and a MultiplayerSynchronizer at 60 Hz.
##
## Headless:
##   godot --headless --path godot_project res://multiplayer/main.tscn -- --server [--port 7777]
##   godot --headless --path godot_project res://multiplayer/main.tscn -- --client [--address 127.0.0.1] [--port 7777]
## The client self-checks: connect, ping/pong over a reliable RPC, receive unreliable RPCs and
## synchronized positions, disconnect, reconnect once, then quit with exit code 0 only if every
## signal fired exactly once per connection. The server runs until killed (or --seconds N).

const PLAYER_SCENE := "res://multiplayer/player.tscn"

var port: int = 7777
var address: String = "127.0.0.1"
var is_server: bool = false
var run_seconds: float = 0.0

var counts: Dictionary = {
	"connected_to_server": 0, "connection_failed": 0, "server_disconnected": 0,
	"peer_connected": 0, "peer_disconnected": 0, "pong": 0, "tick": 0,
}
var round_index: int = 0
var elapsed: float = 0.0

@onready var players: Node = $Players


func _ready() -> void:
	var args: PackedStringArray = OS.get_cmdline_user_args()
	for i in args.size():
		match args[i]:
			"--server": is_server = true
			"--client": is_server = false
			"--port": port = int(args[i + 1])
			"--address": address = args[i + 1]
			"--seconds": run_seconds = float(args[i + 1])
	Engine.physics_ticks_per_second = 60
	multiplayer.peer_connected.connect(func(id: int) -> void: _count("peer_connected", id))
	multiplayer.peer_disconnected.connect(_on_peer_disconnected)
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.connection_failed.connect(_on_connection_failed)
	multiplayer.server_disconnected.connect(func() -> void: _count("server_disconnected", 0))
	if is_server:
		_start_server()
	else:
		_start_client()


func _new_peer() -> MultiplayerPeer:
	return ClassDB.instantiate("SteamMultiplayerPeer")


func _start_server() -> void:
	var peer: MultiplayerPeer = _new_peer()
	var err: int = peer.call("create_host_ip", port, {})
	if err != OK:
		push_error("create_host_ip(%d) failed: %s" % [port, error_string(err)])
		get_tree().quit(1)
		return
	multiplayer.multiplayer_peer = peer
	print("server: listening on port %d" % port)


func _start_client() -> void:
	var peer: MultiplayerPeer = _new_peer()
	var err: int = peer.call("create_client_ip", address, port, {})
	if err != OK:
		push_error("create_client_ip(%s, %d) failed: %s" % [address, port, error_string(err)])
		get_tree().quit(1)
		return
	multiplayer.multiplayer_peer = peer
	print("client: connecting to %s:%d (round %d)" % [address, port, round_index])


func _count(what: String, id: int) -> void:
	counts[what] += 1
	print("%s: %s %d" % ["server" if is_server else "client", what, id])
	if is_server and what == "peer_connected":
		var player: Node = (load(PLAYER_SCENE) as PackedScene).instantiate()
		player.name = str(id)
		players.add_child(player, true)  # the MultiplayerSpawner replicates it


func _on_peer_disconnected(id: int) -> void:
	_count("peer_disconnected", id)
	if is_server and players.has_node(str(id)):
		players.get_node(str(id)).queue_free()


func _on_connection_failed() -> void:
	_count("connection_failed", 0)
	_finish()


func _on_connected() -> void:
	_count("connected_to_server", multiplayer.get_unique_id())
	ping.rpc_id(1, round_index)


@rpc("any_peer", "call_remote", "reliable")
func ping(n: int) -> void:
	pong.rpc_id(multiplayer.get_remote_sender_id(), n)


@rpc("authority", "call_remote", "reliable")
func pong(n: int) -> void:
	counts["pong"] += 1
	print("client: pong %d" % n)


@rpc("authority", "call_remote", "unreliable")
func tick(frame: int) -> void:
	counts["tick"] += 1


func _physics_process(delta: float) -> void:
	elapsed += delta
	if is_server:
		if multiplayer.multiplayer_peer != null and multiplayer.get_peers().size() > 0:
			tick.rpc(Engine.get_physics_frames())
			for p in players.get_children():
				p.position += Vector2(1, 0)  # synchronized by the MultiplayerSynchronizer
		if run_seconds > 0.0 and elapsed > run_seconds:
			get_tree().quit(0)
		return
	# Client script: after a pong, 60+ ticks and a synchronized player, disconnect; reconnect once.
	var synced: bool = players.get_child_count() > 0 and players.get_child(0).position.x > 0.0
	if counts["pong"] > round_index and counts["tick"] >= 60 * (round_index + 1) and synced:
		multiplayer.multiplayer_peer.close()
		multiplayer.multiplayer_peer = null
		round_index += 1
		if round_index < 2:
			_start_client()
		else:
			_finish()
	elif elapsed > 30.0:
		push_error("client: timed out: %s" % counts)
		get_tree().quit(1)


func _finish() -> void:
	var ok: bool = counts["connected_to_server"] == 2 and counts["connection_failed"] == 0 \
		and counts["peer_connected"] == 2 and counts["pong"] == 2
	print("client: %s %s" % ["PASS" if ok else "FAIL", counts])
	get_tree().quit(0 if ok else 1)
