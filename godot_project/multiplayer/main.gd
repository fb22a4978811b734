extends Node
## Godot's high-level multiplayer over godotsteam-sockets' SteamMultiplayerPeer: RPCs (reliable,
## unreliable, unreliable-ordered on channel 2, a 100 KB reliable payload on channel 1), a
## MultiplayerSpawner and a MultiplayerSynchronizer replicating positions at 60 Hz.
##
## Headless (scripts/godot_multiplayer.sh runs both and requires exit code 0 from each):
##   godot --headless --path godot_project res://multiplayer/main.tscn -- --server [--port 7777] [--port-file F]
##   godot --headless --path godot_project res://multiplayer/main.tscn -- --client [--address 127.0.0.1] --port 7777
## Without --server/--client the scene opens as a server on port 7777 (run a second instance with
## --client to join it).
##
## The client plays three rounds and asserts every SceneMultiplayer signal fires exactly once where
## it should:
##   round 0: connect (connected_to_server, peer_connected(1)), ping/pong, bulk, ticks, spawned and
##            synchronized player, then leave with close() (no signal: Godot's rule);
##   round 1: reconnect, the same checks, then ask the server to kick it (disconnect_peer):
##            peer_disconnected(1) and server_disconnected;
##   round 2: connect to a port nobody listens on: connection_failed.
## The server asserts two sessions, each with one peer_connected and one peer_disconnected, a pong
## per ping, intact bulk payloads and strictly increasing ordered inputs, then exits.

## Loaded at run time, not preloaded: player.tscn uses SceneReplicationConfig, which only exists
## with the multiplayer module, and every script must parse without it.
const PLAYER_SCENE: String = "res://multiplayer/player.tscn"
const BULK_SIZE: int = 100 * 1024
const ROUND_TIMEOUT_S: float = 30.0
const SESSIONS: int = 2

var port: int = 7777
var port_file: String = ""
var address: String = "127.0.0.1"
var is_server: bool = true
var failures: PackedStringArray = PackedStringArray()

## Signal and RPC counters; the client resets the per-round ones each round.
var counts: Dictionary = {
	"connected_to_server": 0, "connection_failed": 0, "server_disconnected": 0,
	"peer_connected": 0, "peer_disconnected": 0,
	"pong": 0, "bulk_ok": 0, "tick": 0, "ping": 0, "bulk": 0, "input": 0,
}
var round_index: int = 0
var round_started_ms: int = 0
var round_counts: Dictionary = {}
var leaving: bool = false
var first_x: float = -1.0
var synced: bool = false
var input_seq: int = 0
var last_input: Dictionary = {}  # server: peer id -> last ordered input seen
var finish_at_ms: int = 0

@onready var players: Node = $Players


func _ready() -> void:
	var args: PackedStringArray = OS.get_cmdline_user_args()
	for i in args.size():
		match args[i]:
			"--server": is_server = true
			"--client": is_server = false
			"--port": port = int(args[i + 1])
			"--port-file": port_file = args[i + 1]
			"--address": address = args[i + 1]
	Engine.physics_ticks_per_second = 60
	Engine.max_fps = 120
	multiplayer.peer_connected.connect(_on_peer_connected)
	multiplayer.peer_disconnected.connect(_on_peer_disconnected)
	multiplayer.connected_to_server.connect(_on_connected_to_server)
	multiplayer.connection_failed.connect(_on_connection_failed)
	multiplayer.server_disconnected.connect(_on_server_disconnected)
	if is_server:
		_start_server()
	else:
		_start_round()


func _log(text: String) -> void:
	print("%s: %s" % ["server" if is_server else "client", text])


func _fail(text: String) -> void:
	failures.append(text)
	push_error(("server" if is_server else "client") + ": " + text)


func _count(what: String) -> void:
	counts[what] += 1
	round_counts[what] = round_counts.get(what, 0) + 1


# ---------------------------------------------------------------- server

func _start_server() -> void:
	var peer := SteamMultiplayerPeer.new()
	var err: int = peer.create_host_ip(port)
	if err != OK:
		_fail("create_host_ip(%d) failed: %s" % [port, error_string(err)])
		get_tree().quit(1)
		return
	multiplayer.multiplayer_peer = peer
	port = peer.get_listen_port()
	if port_file != "":
		var f := FileAccess.open(port_file, FileAccess.WRITE)
		f.store_string(str(port))
		f.close()
	round_started_ms = Time.get_ticks_msec()
	_log("listening on port %d" % port)


func _on_peer_connected(id: int) -> void:
	_count("peer_connected")
	_log("peer_connected %d" % id)
	if is_server:
		if id <= 1:
			_fail("peer_connected(%d): a client id must be >= 2" % id)
		var player: Node2D = (load(PLAYER_SCENE) as PackedScene).instantiate()
		player.name = str(id)
		players.add_child(player, true)  # the MultiplayerSpawner replicates it
		last_input[id] = -1
	elif id != 1:
		_fail("peer_connected(%d) on a client: only the server (1) connects to it" % id)


func _on_peer_disconnected(id: int) -> void:
	_count("peer_disconnected")
	_log("peer_disconnected %d" % id)
	if is_server:
		if players.has_node(str(id)):
			players.get_node(str(id)).queue_free()
		else:
			_fail("peer_disconnected(%d) for a peer that has no player" % id)
		if counts["peer_disconnected"] >= SESSIONS:
			finish_at_ms = Time.get_ticks_msec() + 1500  # let the kick's close reach the client
	elif id != 1 or round_index != 1:
		_fail("peer_disconnected(%d) in round %d: expected only peer 1, only when kicked (round 1)" % [id, round_index])


func _on_connected_to_server() -> void:
	_count("connected_to_server")
	_log("connected_to_server as %d (round %d)" % [multiplayer.get_unique_id(), round_index])
	if is_server or round_index > 1:
		_fail("connected_to_server in round %d" % round_index)
		return
	ping.rpc_id(1, round_index)
	var data := PackedByteArray()
	data.resize(BULK_SIZE)
	for i in BULK_SIZE:
		data[i] = (i * 31 + round_index) % 251
	bulk.rpc_id(1, data)


func _on_connection_failed() -> void:
	_count("connection_failed")
	_log("connection_failed (round %d)" % round_index)
	if is_server or round_index != 2:
		_fail("connection_failed in round %d: expected only in round 2 (dead port)" % round_index)
		return
	_finish.call_deferred()  # not from inside SceneMultiplayer.poll()


func _on_server_disconnected() -> void:
	_count("server_disconnected")
	_log("server_disconnected (round %d)" % round_index)
	if is_server or round_index != 1:
		_fail("server_disconnected in round %d: expected only in round 1 (kicked)" % round_index)
		return
	_next_round.call_deferred()  # replace the peer outside SceneMultiplayer.poll()


@rpc("any_peer", "call_remote", "reliable")
func ping(n: int) -> void:
	_count("ping")
	pong.rpc_id(multiplayer.get_remote_sender_id(), n)


@rpc("authority", "call_remote", "reliable")
func pong(n: int) -> void:
	_count("pong")
	if n != round_index:
		_fail("pong(%d) in round %d" % [n, round_index])


@rpc("any_peer", "call_remote", "reliable", 1)
func bulk(data: PackedByteArray) -> void:
	_count("bulk")
	var sum: int = 0
	for b in data:
		sum = (sum * 31 + b) % 1000000007
	bulk_ok.rpc_id(multiplayer.get_remote_sender_id(), data.size(), sum)


@rpc("authority", "call_remote", "reliable", 1)
func bulk_ok(size: int, sum: int) -> void:
	var want: int = 0
	for i in BULK_SIZE:
		want = (want * 31 + (i * 31 + round_index) % 251) % 1000000007
	if size != BULK_SIZE or sum != want:
		_fail("bulk echo: %d bytes, sum %d; want %d bytes, sum %d" % [size, sum, BULK_SIZE, want])
	_count("bulk_ok")


@rpc("authority", "call_remote", "unreliable")
func tick(_frame: int) -> void:
	_count("tick")


@rpc("any_peer", "call_remote", "unreliable_ordered", 2)
func send_input(seq: int) -> void:
	_count("input")
	var from: int = multiplayer.get_remote_sender_id()
	if seq <= last_input.get(from, -1):
		_fail("unreliable_ordered input %d from %d after %d: stale packets must be dropped" % [seq, from, last_input[from]])
	last_input[from] = seq


@rpc("any_peer", "call_remote", "reliable")
func kick_me() -> void:
	var id: int = multiplayer.get_remote_sender_id()
	_log("kicking %d" % id)
	multiplayer.multiplayer_peer.disconnect_peer(id)


func _server_frame() -> void:
	if multiplayer.get_peers().size() > 0:
		tick.rpc(Engine.get_physics_frames())
		for p in players.get_children():
			p.position += Vector2(1, 0)  # replicated by each player's MultiplayerSynchronizer
	if finish_at_ms > 0 and Time.get_ticks_msec() >= finish_at_ms:
		_finish()
	elif Time.get_ticks_msec() - round_started_ms > 2 * ROUND_TIMEOUT_S * 1000:
		_fail("timed out: %s" % counts)
		_finish()


# ---------------------------------------------------------------- client

func _start_round() -> void:
	round_counts = {}
	round_started_ms = Time.get_ticks_msec()
	leaving = false
	first_x = -1.0
	synced = false
	var peer := SteamMultiplayerPeer.new()
	var err: int
	if round_index < 2:
		err = peer.create_client_ip(address, port)
		_log("round %d: connecting to %s:%d" % [round_index, address, port])
	else:
		var dead: int = _unused_udp_port()
		err = peer.create_client_ip("127.0.0.1", dead, {Steam.NETWORKING_CONFIG_TIMEOUT_INITIAL: 1500})
		_log("round %d: connecting to 127.0.0.1:%d, where nothing listens" % [round_index, dead])
	if err != OK:
		_fail("create_client_ip failed: %s" % error_string(err))
		_finish()
		return
	multiplayer.multiplayer_peer = peer


func _unused_udp_port() -> int:
	var udp := PacketPeerUDP.new()
	udp.bind(0, "127.0.0.1")
	var p: int = udp.get_local_port()
	udp.close()
	return p


func _next_round() -> void:
	multiplayer.multiplayer_peer = null
	for p in players.get_children():
		p.queue_free()
	round_index += 1
	_start_round()


func _client_frame() -> void:
	var peer: MultiplayerPeer = multiplayer.multiplayer_peer
	if Time.get_ticks_msec() - round_started_ms > ROUND_TIMEOUT_S * 1000:
		_fail("round %d timed out: %s" % [round_index, round_counts])
		_finish()
		return
	if leaving or round_index > 1 or peer == null or peer.get_connection_status() != MultiplayerPeer.CONNECTION_CONNECTED:
		return
	send_input.rpc_id(1, input_seq)
	input_seq += 1
	var me: String = str(multiplayer.get_unique_id())
	if players.has_node(me):
		var x: float = players.get_node(me).position.x
		if first_x < 0.0:
			first_x = x
		elif x > first_x + 30.0:
			synced = true
	if round_counts.get("pong", 0) == 1 and round_counts.get("bulk_ok", 0) == 1 \
			and round_counts.get("tick", 0) >= 60 and synced:
		leaving = true
		_log("round %d done: %s" % [round_index, round_counts])
		if round_index == 0:
			peer.close()  # close() emits nothing, so no server_disconnected
			_next_round()
		else:
			kick_me.rpc_id(1)


func _physics_process(_delta: float) -> void:
	if is_server:
		_server_frame()
	else:
		_client_frame()


func _finish() -> void:
	var want: Dictionary
	if is_server:
		want = {"peer_connected": SESSIONS, "peer_disconnected": SESSIONS, "ping": SESSIONS, "bulk": SESSIONS,
			"connected_to_server": 0, "connection_failed": 0, "server_disconnected": 0, "pong": 0, "bulk_ok": 0}
		if counts["input"] < 60:
			_fail("only %d ordered inputs arrived" % counts["input"])
	else:
		want = {"connected_to_server": 2, "peer_connected": 2, "peer_disconnected": 1, "server_disconnected": 1,
			"connection_failed": 1, "pong": 2, "bulk_ok": 2, "ping": 0, "bulk": 0, "input": 0}
		if counts["tick"] < 120:
			_fail("only %d unreliable ticks arrived" % counts["tick"])
	for k in want:
		if counts[k] != want[k]:
			_fail("%s fired %d times, want %d" % [k, counts[k], want[k]])
	if multiplayer.multiplayer_peer is SteamMultiplayerPeer:
		multiplayer.multiplayer_peer.close()
		multiplayer.multiplayer_peer = null
	_log("%s %s" % ["PASS" if failures.is_empty() else "FAIL", counts])
	get_tree().quit(0 if failures.is_empty() else 1)
