extends Node
## The networking side of the chat demo, written the way a game uses GodotSteam's sockets API:
## Steam.run_callbacks() every frame in _process, state changes from the
## network_connection_status_changed signal, messages from a poll group (server) or the connection
## (client).
##
## The server relays chat: a client's first message is "/nick NAME"; every later message is a line
## of text the server prefixes with the sender's name and sends to everybody else. Newcomers first
## get the recent history. All messages are reliable UTF-8 text.

## A human-readable change of the connection state (for the UI or the console).
signal status_changed(text: String)
## A chat line to show ("name: text" or "* notice").
signal line_received(text: String)
## The client finished its handshake with the server and can chat.
signal joined
## The client's connection ended (closed by the server, timed out or failed).
signal left(reason: String)
## The number of chatting clients changed (server only).
signal client_count_changed(count: int)

enum Mode { IDLE, SERVER, CLIENT }

const HISTORY_LINES: int = 50
const MAX_LINE_CHARS: int = 500

var mode: Mode = Mode.IDLE
var nickname: String = "host"
var listen_socket: int = 0
var poll_group: int = 0
## Client mode: our connection to the server.
var server_connection: int = 0

## Server mode: connection handle -> nickname ("" until the client sent /nick).
var _clients: Dictionary = {}
var _history: PackedStringArray = PackedStringArray()


func _ready() -> void:
	Steam.network_connection_status_changed.connect(_on_connection_status_changed)


func _exit_tree() -> void:
	stop()


func _process(_delta: float) -> void:
	Steam.run_callbacks()
	_receive_messages()


## Starts a server on address ("0.0.0.0:27015", "127.0.0.1:0", ...). Returns false if the socket
## could not be opened.
func host(address: String, host_nickname: String = "host") -> bool:
	stop()
	nickname = host_nickname
	listen_socket = Steam.createListenSocketIP(address, {})
	if listen_socket == 0:
		status_changed.emit("could not listen on %s (bad address or port in use)" % address)
		return false
	poll_group = Steam.createPollGroup()
	mode = Mode.SERVER
	status_changed.emit("hosting on %s" % Steam.getListenSocketAddress(listen_socket))
	return true


## Connects to a server at address ("IP:port"). Returns false if the address is unusable.
func join(address: String, client_nickname: String) -> bool:
	stop()
	nickname = client_nickname
	server_connection = Steam.connectByIPAddress(address, {})
	if server_connection == 0:
		status_changed.emit("could not connect to %s" % address)
		return false
	mode = Mode.CLIENT
	Steam.setConnectionName(server_connection, "chat server")
	status_changed.emit("connecting to %s" % address)
	return true


## Sends a chat line (client) or says it to everybody as the host (server).
func say(text: String) -> void:
	text = text.strip_edges()
	if text.is_empty():
		return
	text = text.left(MAX_LINE_CHARS)
	match mode:
		Mode.CLIENT:
			if _send(server_connection, text):
				line_received.emit("%s: %s" % [nickname, text])
		Mode.SERVER:
			_broadcast("%s: %s" % [nickname, text], 0)


## Closes everything. Queued reliable messages are still delivered (linger).
func stop() -> void:
	if mode == Mode.CLIENT and server_connection != 0:
		Steam.closeConnection(server_connection, Steam.CONNECTION_END_APP_MIN, "%s left" % nickname, true)
	if mode == Mode.SERVER:
		for handle: int in _clients:
			Steam.closeConnection(handle, Steam.CONNECTION_END_APP_MIN, "server shutting down", true)
		Steam.closeListenSocket(listen_socket)
		Steam.destroyPollGroup(poll_group)
		if not _clients.is_empty():
			_clients.clear()
			client_count_changed.emit(0)
	var was_active: bool = mode != Mode.IDLE
	mode = Mode.IDLE
	server_connection = 0
	listen_socket = 0
	poll_group = 0
	if was_active:
		status_changed.emit("stopped")


## Ping (ms) and connection quality (0..1 each way) of the client connection, or of the first
## client on a server; {} when there is no live connection.
func connection_stats() -> Dictionary:
	var handle: int = server_connection
	if mode == Mode.SERVER:
		handle = 0 if _clients.is_empty() else int(_clients.keys()[0])
	if handle == 0:
		return {}
	var status: Dictionary = Steam.getConnectionRealTimeStatus(handle, 0)
	if status.get("response") != Steam.RESULT_OK:
		return {}
	var live: Dictionary = status["connection_status"]
	return {
		"ping": live["ping"],
		"local_quality": live["local_quality"],
		"remote_quality": live["remote_quality"],
		"bytes_in_per_second": live["bytes_in_per_second"],
		"bytes_out_per_second": live["bytes_out_per_second"],
	}


func client_count() -> int:
	return _clients.size()


func _on_connection_status_changed(connect_handle: int, connection: Dictionary, old_state: int) -> void:
	var state: int = connection["connection_state"]
	if mode == Mode.SERVER and connection["listen_socket"] == listen_socket:
		_server_connection_changed(connect_handle, connection, state)
	elif mode == Mode.CLIENT and connect_handle == server_connection:
		_client_connection_changed(connection, state, old_state)


func _server_connection_changed(handle: int, connection: Dictionary, state: int) -> void:
	match state:
		Steam.CONNECTION_STATE_CONNECTING:
			status_changed.emit("connection request from %s" % connection["remote_address"])
			if Steam.acceptConnection(handle) != Steam.RESULT_OK:
				Steam.closeConnection(handle, Steam.CONNECTION_END_APP_EXCEPTION_MIN, "could not accept", false)
				return
			Steam.setConnectionPollGroup(handle, poll_group)
			_clients[handle] = ""
		Steam.CONNECTION_STATE_CONNECTED:
			status_changed.emit("client %d connected from %s" % [handle, connection["remote_address"]])
		Steam.CONNECTION_STATE_CLOSED_BY_PEER, Steam.CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY:
			var who: String = _clients.get(handle, "")
			status_changed.emit("client %d disconnected (%s)" % [handle, _describe_end(connection)])
			Steam.closeConnection(handle, 0, "", false)
			_clients.erase(handle)
			if who != "":
				_broadcast("* %s left" % who, 0)
			client_count_changed.emit(_clients.size())


func _client_connection_changed(connection: Dictionary, state: int, old_state: int) -> void:
	match state:
		Steam.CONNECTION_STATE_CONNECTING:
			status_changed.emit("connecting...")
		Steam.CONNECTION_STATE_CONNECTED:
			status_changed.emit("connected to %s" % connection["remote_address"])
			_send(server_connection, "/nick %s" % nickname)
			joined.emit()
		Steam.CONNECTION_STATE_CLOSED_BY_PEER, Steam.CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY:
			var reason: String = _describe_end(connection)
			var was: String = "connected" if old_state == Steam.CONNECTION_STATE_CONNECTED else "connecting"
			status_changed.emit("disconnected while %s: %s" % [was, reason])
			Steam.closeConnection(server_connection, 0, "", false)
			server_connection = 0
			mode = Mode.IDLE
			left.emit(reason)


func _receive_messages() -> void:
	match mode:
		Mode.SERVER:
			for message: Dictionary in Steam.receiveMessagesOnPollGroup(poll_group, 64):
				if mode != Mode.SERVER:
					break  # a handler stopped the server
				_server_got(message["connection"], _text_of(message))
		Mode.CLIENT:
			for message: Dictionary in Steam.receiveMessagesOnConnection(server_connection, 64):
				if mode != Mode.CLIENT:
					break  # a handler left the chat
				line_received.emit(_text_of(message))


func _server_got(from: int, text: String) -> void:
	if not _clients.has(from):
		return
	if text.begins_with("/nick "):
		var wanted: String = text.substr(6).strip_edges().left(32)
		if wanted.is_empty():
			wanted = "player%d" % from
		var first_time: bool = _clients[from] == ""
		_clients[from] = wanted
		if first_time:
			for line: String in _history:
				_send(from, line)
			client_count_changed.emit(_clients.size())
			_broadcast("* %s joined" % wanted, 0)
		return
	var who: String = _clients[from]
	if who == "":
		who = "player%d" % from
	_broadcast("%s: %s" % [who, text], from)


## Shows a line locally, remembers it for newcomers and sends it to every named client but except.
func _broadcast(line: String, except: int) -> void:
	_history.append(line)
	if _history.size() > HISTORY_LINES:
		_history.remove_at(0)
	line_received.emit(line)
	for handle: int in _clients:
		if handle != except and _clients[handle] != "":
			_send(handle, line)


func _send(handle: int, text: String) -> bool:
	var result: Dictionary = Steam.sendMessageToConnection(handle, text.to_utf8_buffer(), Steam.NETWORKING_SEND_RELIABLE)
	if result.get("result") != Steam.RESULT_OK:
		status_changed.emit("sending to %d failed with result %s" % [handle, result.get("result")])
		return false
	return true


static func _text_of(message: Dictionary) -> String:
	var payload: PackedByteArray = message["payload"]
	return payload.get_string_from_utf8()


static func _describe_end(connection: Dictionary) -> String:
	var debug: String = connection["end_debug"]
	return "end reason %d%s" % [connection["end_reason"], ": " + debug if debug != "" else ""]
