extends "res://tests/test_base.gd"
## P2P configured through the project setting godotsteam_sockets/p2p/rendezvous_service, which the
## extension reads through ProjectSettings: "embedded" runs a development rendezvous service inside
## this Godot process; the first P2P call logs in (network_authentication_status reports CURRENT),
## getSteamID() is the identity the service certified, and a P2P listen socket can be created. The
## suite erases the setting and shuts down at the end, so later suites see no service.

const SERVICE_SETTING: String = "godotsteam_sockets/p2p/rendezvous_service"

var _availability: Array[int] = []


func _on_authentication_status(available: int, debug_message: String) -> void:
	_availability.append(available)
	if available < 0:
		print("  network_authentication_status %d: %s" % [available, debug_message])


func test_p2p_service_from_project_setting() -> void:
	check_eq(Steam.getAuthenticationStatus(), Steam.NETWORKING_AVAILABILITY_CANNOT_TRY, "no service configured yet")
	ProjectSettings.set_setting(SERVICE_SETTING, "embedded")
	check_eq(Steam.getAuthenticationStatus(), Steam.NETWORKING_AVAILABILITY_NEVER_TRIED, "the project setting is read by the extension")
	Steam.network_authentication_status.connect(_on_authentication_status)
	var ls: int = Steam.createListenSocketP2P(0, {})
	check(ls != 0, "createListenSocketP2P(0) logs in and listens")
	var current: Callable = func() -> bool: return _availability.has(Steam.NETWORKING_AVAILABILITY_CURRENT)
	if await wait_until(current, "network_authentication_status CURRENT"):
		check_eq(Steam.getAuthenticationStatus(), Steam.NETWORKING_AVAILABILITY_CURRENT, "getAuthenticationStatus()")
		check(Steam.getSteamID() > 0, "getSteamID() = %d is the certified identity" % Steam.getSteamID())
	Steam.network_authentication_status.disconnect(_on_authentication_status)
	if ls != 0:
		forget_listen_socket(ls)
		check(Steam.closeListenSocket(ls), "closeListenSocket(P2P listen socket)")
	# Forget the service so that later suites run without one.
	ProjectSettings.set_setting(SERVICE_SETTING, null)
	Steam.steamShutdown()
	check_eq(Steam.getAuthenticationStatus(), Steam.NETWORKING_AVAILABILITY_CANNOT_TRY, "no service after erasing the setting")
