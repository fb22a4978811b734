extends Control
## The chat demo: host a server or join one by IP:port, see the connection state, ping and quality,
## and chat; the server relays every line to the other clients (see chat_net.gd).
##
## The same scene runs headless from the command line (everything after "--"):
##   godot --headless --path godot_project -- --server [--listen 0.0.0.0:27015] [--port-file FILE] [--quit-when-empty]
##   godot --headless --path godot_project -- --client 127.0.0.1:27015 --name alice --say "hi" [--say "..."]
##                                            [--expect "bob: hi"] [--timeout 30]
## A headless client connects, says its lines, waits until it received the --expect line (if any),
## then leaves and exits with 0; it exits with 1 on failure or timeout.

const ChatNet := preload("res://chat/chat_net.gd")
const DEFAULT_ADDRESS: String = "127.0.0.1:27015"
const STATS_INTERVAL_S: float = 0.5

@onready var _net: ChatNet = %ChatNet
@onready var _address: LineEdit = %Address
@onready var _nickname: LineEdit = %Nickname
@onready var _host_button: Button = %HostButton
@onready var _join_button: Button = %JoinButton
@onready var _leave_button: Button = %LeaveButton
@onready var _state_label: Label = %StateLabel
@onready var _stats_label: Label = %StatsLabel
@onready var _log: RichTextLabel = %Log
@onready var _input: LineEdit = %Input
@onready var _send_button: Button = %SendButton

var _stats_elapsed: float = 0.0
var _headless: bool = false
# Headless client state.
var _say_lines: PackedStringArray = PackedStringArray()
var _expect: String = ""
var _quit_when_empty: bool = false
var _server_had_clients: bool = false
var _finishing: bool = false


func _ready() -> void:
	_net.status_changed.connect(_on_status_changed)
	_net.line_received.connect(_on_line_received)
	_net.joined.connect(_on_joined)
	_net.left.connect(_on_left)
	_net.client_count_changed.connect(_on_client_count_changed)
	_host_button.pressed.connect(_on_host_pressed)
	_join_button.pressed.connect(_on_join_pressed)
	_leave_button.pressed.connect(_on_leave_pressed)
	_send_button.pressed.connect(_on_send_pressed)
	_input.text_submitted.connect(func(_text: String) -> void: _on_send_pressed())
	_address.text = DEFAULT_ADDRESS
	_nickname.text = "player%d" % (randi() % 1000)
	_update_buttons()
	_show_line("[i]godotsteam-sockets %s: host a chat or join one by IP:port.[/i]" % Steam.get_godotsteam_sockets_version())

	var args: PackedStringArray = OS.get_cmdline_user_args()
	if args.has("--server"):
		_start_headless_server(args)
	elif args.has("--client"):
		_start_headless_client(args)
	elif DisplayServer.get_name() == "headless":
		print("chat demo: nothing to do headless without --server or --client; see res://chat/chat.gd")
		get_tree().quit(2)


func _process(delta: float) -> void:
	_stats_elapsed += delta
	if _stats_elapsed < STATS_INTERVAL_S:
		return
	_stats_elapsed = 0.0
	var stats: Dictionary = _net.connection_stats()
	if stats.is_empty():
		_stats_label.text = "ping: -   quality: -"
		return
	_stats_label.text = "ping: %d ms   quality: local %s, remote %s   in %.1f KB/s, out %.1f KB/s" % [
		stats["ping"], _percent(stats["local_quality"]), _percent(stats["remote_quality"]),
		float(stats["bytes_in_per_second"]) / 1024.0, float(stats["bytes_out_per_second"]) / 1024.0]


# --- UI -------------------------------------------------------------------------------------------

func _on_host_pressed() -> void:
	var port: String = _address.text.get_slice(":", 1) if _address.text.contains(":") else "27015"
	_net.host("0.0.0.0:%s" % port, _nickname.text)
	_update_buttons()


func _on_join_pressed() -> void:
	_net.join(_address.text.strip_edges(), _nickname.text.strip_edges())
	_update_buttons()


func _on_leave_pressed() -> void:
	_net.stop()
	_update_buttons()


func _on_send_pressed() -> void:
	_net.say(_input.text)
	_input.clear()


func _update_buttons() -> void:
	var idle: bool = _net.mode == ChatNet.Mode.IDLE
	_host_button.disabled = not idle
	_join_button.disabled = not idle
	_leave_button.disabled = idle
	_address.editable = idle
	_nickname.editable = idle
	_send_button.disabled = idle


func _on_status_changed(text: String) -> void:
	print("[chat] %s" % text)
	_state_label.text = text
	_show_line("[color=gray]%s[/color]" % text.replace("[", "[lb]"))
	_update_buttons()


func _on_line_received(text: String) -> void:
	print("[chat] %s" % text)
	_show_line(text.replace("[", "[lb]"))
	if _headless and _expect != "" and text == _expect:
		print("[chat] got the expected line")
		_finish(0)


func _on_joined() -> void:
	for line: String in _say_lines:
		_net.say(line)
	if _headless and _expect == "" and not _say_lines.is_empty():
		_finish(0)


func _on_left(reason: String) -> void:
	_update_buttons()
	if _headless and not _finishing:
		printerr("[chat] lost the connection before finishing: %s" % reason)
		_finish(1)


func _on_client_count_changed(count: int) -> void:
	if count > 0:
		_server_had_clients = true
	print("[chat] %d client(s) chatting" % count)
	if _quit_when_empty and _server_had_clients and count == 0:
		print("[chat] every client left; shutting down (--quit-when-empty)")
		_finish(0)


func _show_line(bbcode: String) -> void:
	_log.append_text(bbcode + "\n")


static func _percent(quality: Variant) -> String:
	var value: float = float(quality)
	return "?" if value < 0.0 else "%d%%" % roundi(value * 100.0)


# --- headless command-line mode -------------------------------------------------------------------

func _start_headless_server(args: PackedStringArray) -> void:
	_headless = true
	_quit_when_empty = args.has("--quit-when-empty")
	var address: String = _arg(args, "--listen", "0.0.0.0:27015")
	if not _net.host(address, _arg(args, "--name", "host")):
		_finish(1)
		return
	var port_file: String = _arg(args, "--port-file", "")
	if port_file != "":
		var bound: String = Steam.getListenSocketAddress(_net.listen_socket, true)
		var file: FileAccess = FileAccess.open(port_file + ".tmp", FileAccess.WRITE)
		file.store_string(bound.get_slice(":", bound.get_slice_count(":") - 1))
		file.close()
		DirAccess.rename_absolute(port_file + ".tmp", port_file)


func _start_headless_client(args: PackedStringArray) -> void:
	_headless = true
	for i: int in range(args.size() - 1):
		if args[i] == "--say":
			_say_lines.append(args[i + 1])
	_expect = _arg(args, "--expect", "")
	var timeout_s: float = float(_arg(args, "--timeout", "30"))
	get_tree().create_timer(timeout_s).timeout.connect(_on_headless_timeout)
	if not _net.join(_arg(args, "--client", ""), _arg(args, "--name", "player")):
		_finish(1)


func _on_headless_timeout() -> void:
	if not _finishing:
		printerr("[chat] timed out%s" % (" waiting for '%s'" % _expect if _expect != "" else ""))
		_finish(1)


## Leaves (delivering queued messages), keeps pumping briefly so the goodbye reaches the peer, quits.
func _finish(code: int) -> void:
	if _finishing:
		return
	_finishing = true
	_net.stop()
	await get_tree().create_timer(0.5).timeout
	get_tree().quit(code)


static func _arg(args: PackedStringArray, flag: String, fallback: String) -> String:
	var at: int = args.find(flag)
	if at >= 0 and at + 1 < args.size():
		return args[at + 1]
	return fallback
