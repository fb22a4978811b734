package main

// The prose of the class reference, in Godot's BBCode. Every method and
// signal description must mention each of its arguments as [param name];
// Generate refuses to write the XML otherwise.

const classBrief = `GodotSteam's Networking Sockets API without Steam: encrypted UDP connections that speak the GameNetworkingSockets protocol.`

const classDescription = `
The [code]Steam[/code] singleton of this extension offers the Networking Sockets part of GodotSteam's API (Steamworks [code]ISteamNetworkingSockets[/code]) with the same method names, arguments, defaults, returned dictionaries, signals and constants, but runs entirely on its own: no Steam client, account or app ID is needed. Connections are made directly over UDP (IPv4 or IPv6), encrypted, and speak the wire protocol of Valve's open-source GameNetworkingSockets library, so they can also talk to programs built on it.
A game typically listens with [method createListenSocketIP] (server) or connects with [method connectByIPAddress] (client), calls [method run_callbacks] every frame in [code]_process()[/code], reacts to [signal network_connection_status_changed] (accepting incoming connections with [method acceptConnection]), sends with [method sendMessageToConnection] and reads with [method receiveMessagesOnConnection] or a poll group ([method createPollGroup], [method receiveMessagesOnPollGroup]).
[codeblock]
var listen_socket: int = 0
var poll_group: int = 0

func _ready() -> void:
	Steam.network_connection_status_changed.connect(_on_status_changed)
	listen_socket = Steam.createListenSocketIP("0.0.0.0:27015", {})
	poll_group = Steam.createPollGroup()

func _process(_delta: float) -> void:
	Steam.run_callbacks()
	for message: Dictionary in Steam.receiveMessagesOnPollGroup(poll_group, 32):
		print(message.payload.get_string_from_utf8())

func _on_status_changed(connection: int, info: Dictionary, old_state: int) -> void:
	if info.listen_socket != 0 and info.connection_state == Steam.CONNECTION_STATE_CONNECTING:
		Steam.acceptConnection(connection)
		Steam.setConnectionPollGroup(connection, poll_group)
[/codeblock]
Handles of connections, listen sockets and poll groups are non-zero ints; [code]0[/code] always means "invalid" or "failed". Signals are only ever emitted from inside [method run_callbacks] (or [method runNetworkingCallbacks]) on the thread that calls it, never from a background thread.
P2P by Steam ID ([method connectP2P], [method createListenSocketP2P]) goes through your own rendezvous service instead of Valve's: it logs players in with an identity and a certificate, carries the connection handshake and relays traffic when players cannot reach each other directly (see [method setRendezvousService] and [method startRendezvousService]). The same service allocates FakeIPs ([method beginAsyncRequestFakeIP]) and plays Valve's data centre for hosted dedicated servers ([method createHostedDedicatedServerListenSocket], [method connectToHostedDedicatedServer]), signing the relay tickets those need. Without a service, these methods return the documented failure value and print an error explaining how to configure one. Differences from GodotSteam 4.11 are noted on each method; the main ones: sockets work without [method steamInit], [code]config_options[/code] accept any known [enum NetworkingConfigValue] key per socket or connection, [method getListenSocketAddress] honours [code]with_port[/code], and [method sendMessages] takes an [Array] of payloads.
`

type link struct{ title, url string }

var classTutorials = []link{
	{"GodotSteam Networking Sockets documentation (the API this class reproduces)", "https://godotsteam.com/classes/networking_sockets/"},
	{"GameNetworkingSockets (the protocol spoken on the wire)", "https://github.com/ValveSoftware/GameNetworkingSockets"},
}

// methodDocs documents every method of bindings.Class().
var methodDocs = map[string]string{
	"acceptConnection": `
Accepts the incoming connection [param connection_handle], which a listen socket announced through [signal network_connection_status_changed] with a non-zero [code]listen_socket[/code] and the state [constant CONNECTION_STATE_CONNECTING]. Accept (or close) it promptly: the client gives up if the handshake does not finish within its timeout. Accepting moves both ends to [constant CONNECTION_STATE_CONNECTED] and posts a status change on each.
Returns a [enum Result]: [constant RESULT_OK] on success, [constant RESULT_INVALID_PARAM] for an unknown handle, and [constant RESULT_INVALID_STATE] if the connection is not an incoming one waiting in the connecting state (already accepted, outgoing, or closed).
`,
	"beginAsyncRequestFakeIP": `
Asks your rendezvous service (see [method setRendezvousService]) for a FakeIP: an IPv4 address from 169.254.0.0/16 that stands for this player, unique among the players of that service, with [param num_ports] ports (1 to 4, each above 1024). Returns [code]true[/code] when a request started; [signal fake_ip_result] reports the outcome from [method run_callbacks], and [method getFakeIP] returns it afterwards. A [param num_ports] outside 1..4 is answered at once with [constant RESULT_INVALID_PARAM]; a full service answers [constant RESULT_LIMIT_EXCEEDED].
Returns [code]false[/code] (and prints why) if a request is already in progress or no service is configured. Other players reach this player with [method connectByIPAddress] to [code]"fake_ip:port"[/code] once it listens with [method createListenSocketP2PFakeIP], or send datagrams to it through fake UDP ports ([method createFakeUDPPortHandle]).
`,
	"closeConnection": `
Closes the connection [param connection_handle] and frees its handle; unread received messages are discarded. [param reason] is your own end code, normally between [constant CONNECTION_END_APP_MIN] and [constant CONNECTION_END_APP_EXCEPTION_MAX] ([code]0[/code] means [constant CONNECTION_END_APP_GENERIC]); [param debug_message] is a short text of at most 127 bytes. Both reach the peer, whose [signal network_connection_status_changed] reports [constant CONNECTION_STATE_CLOSED_BY_PEER] with that [code]end_reason[/code] and [code]end_debug[/code].
With [param linger] set to [code]true[/code], reliable messages still queued are delivered before the connection goes away; otherwise they are dropped.
Also call this after a connection was closed by the peer or failed ([constant CONNECTION_STATE_CLOSED_BY_PEER], [constant CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY]) to free the handle; the other arguments are then ignored. Returns [code]false[/code] for an invalid handle.
`,
	"closeListenSocket": `
Closes the listen socket [param socket]. Connections it accepted are closed too, without a graceful goodbye (their peers notice a timeout or a reset). Returns [code]false[/code] if the handle is not a listen socket.
`,
	"configureConnectionLanes": `
Splits the connection [param connection] into [param lanes] independent message streams. Reliable messages are ordered only within their lane, so a large transfer on one lane does not hold up small messages on another. [param priorities] gives each lane a priority: a lane with a [b]lower[/b] number is served first, and lanes with higher numbers only get bandwidth when all lower ones are empty. [param weights] shares bandwidth among lanes with the same priority (each weight must be positive). Both arrays need at least [param lanes] entries.
A connection starts with one lane and the lane count can only grow. Returns a [enum Result]: [constant RESULT_OK]; [constant RESULT_NO_CONNECTION] for a bad handle; [constant RESULT_INVALID_PARAM] for a lane count below 1 or above the limit, fewer lanes than before, or a weight of 0 or less; [constant RESULT_INVALID_STATE] if the connection is dead.
Note: GodotSteam's documentation shows this method without arguments; these four are the ones GodotSteam binds. Priorities follow Steamworks SDK 1.59 and later (lower value first).
`,
	"connectByIPAddress": `
Starts a connection to a listen socket at [param ip_address_with_port], written [code]"a.b.c.d:port"[/code] or [code]"[v6address]:port"[/code]. [param config_options] is a [Dictionary] of [enum NetworkingConfigValue] keys to values applied to the new connection (see [method createListenSocketIP]).
Returns the new connection handle, or [code]0[/code] if the address or an option is invalid. The connection then reports [constant CONNECTION_STATE_CONNECTING] and later [constant CONNECTION_STATE_CONNECTED] through [signal network_connection_status_changed], or [constant CONNECTION_STATE_CLOSED_BY_PEER] if the server refuses it, or [constant CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY] on timeout. Messages sent before the connection is up are queued.
A global FakeIP ([code]"169.254.x.y:port"[/code] from another player's [method getFakeIP]) is reached through your rendezvous service: the owner is looked up, then the connection runs as P2P to its FakeIP listen socket ([method createListenSocketP2PFakeIP]); its [code]identity[/code] becomes the owner's Steam ID once known. Without a configured service such addresses are ordinary link-local ones, reached over UDP.
`,
	"connectP2P": `
Connects to the player whose 64-bit identity is [param remote_steam_id] (their [method getSteamID]), on their listen socket for [param virtual_port] (see [method createListenSocketP2P]), with [param config_options] as in [method connectByIPAddress]. Instead of Valve's backend, the connection goes through your own rendezvous service (see [method setRendezvousService]; the first P2P call logs in, as [method initAuthentication] does): the service carries the handshake, and the packets take a direct path when NAT hole punching works (ICE with host and server-reflexive candidates) or the service's TURN relay when it does not. Both players present the certificate the service issued at login and check the other's against the certificate authorities the game trusts; the encryption and message guarantees are those of IP connections.
Returns the connection handle, or [code]0[/code] (and prints why) when no service is configured, [param remote_steam_id] is not a valid Steam ID, [param virtual_port] is outside 0..65535 or an option is invalid. The connection reports [constant CONNECTION_STATE_CONNECTING], [constant CONNECTION_STATE_FINDING_ROUTE] once the peer answered, then [constant CONNECTION_STATE_CONNECTED]; or [constant CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY] with [constant CONNECTION_END_MISC_P2P_RENDEZVOUS] (peer offline or not answering), [constant CONNECTION_END_MISC_P2P_NAT_FIREWALL] (no route), [constant CONNECTION_END_REMOTE_BAD_CERT] (a certificate was refused) or the peer's reason if it refused.
With [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE] set to [constant NETWORKING_CONFIG_P2P_TRANSPORT_ICE_RELAY] in [param config_options], the connection only uses the relay: neither player learns the other's address. [code]remote_address[/code] in [method getConnectionInfo] shows the peer's address only on a direct path, and [constant NETWORKING_CONNECTION_INFO_FLAG_RELAYED] is set on relayed ones.
`,
	"connectToHostedDedicatedServer": `
Connects to the hosted dedicated server whose identity is [param remote_steam_id] (a server running with [code]SDR_LISTEN_PORT[/code] that called [method createHostedDedicatedServerListenSocket]) on [param virtual_port], with [param config_options] as in [method connectByIPAddress]. The connection needs a relay auth ticket: a cached one (see [method findRelayAuthTicketForServer]) or one fetched from your rendezvous service first, which signs it. It always goes through the service's TURN relay, so the server's address is never used directly and this player's address is never revealed to it. Returns the connection handle, or [code]0[/code] (and prints why) without a service or with bad arguments; when the service issues no ticket (no such server on that port) the connection fails with [constant CONNECTION_END_MISC_P2P_RENDEZVOUS].
`,
	"createFakeUDPPort": `
Creates the fake UDP server port with index [param fake_server_port] (0..3, a port reserved with [method beginAsyncRequestFakeIP]; the request need not have finished), reachable by other players at this player's FakeIP and that port. The call returns nothing, as in GodotSteam; use [method createFakeUDPPortHandle] (which returns the same port) to send and receive on it. [code]-1[/code] would create a client port nobody could ever use, so it only prints a warning. Prints an error when no service is configured or the index was not requested.
`,
	"createHostedDedicatedServerListenSocket": `
Listens as a hosted dedicated server on [param virtual_port] (0..65535), with [param config_options] as in [method createListenSocketIP]. The environment variable [code]SDR_LISTEN_PORT[/code] must name a UDP port: this player's P2P traffic then uses that port, and the server registers with your rendezvous service (its address and the service's data-centre POP id; see [method getHostedDedicatedServerAddress]). Clients connect with [method connectToHostedDedicatedServer] and need a relay auth ticket the service signs; connection attempts without a valid ticket for this server, that client and this port are refused. Returns the listen socket handle, or [code]0[/code] (and prints why) when [code]SDR_LISTEN_PORT[/code] is not set, no service is configured, or the port is in use. (GodotSteam 4.11 crashes here unless the game-server API was initialised; this extension never does.)
`,
	"createListenSocketIP": `
Opens a UDP listen socket bound to [param ip_address], for example [code]"0.0.0.0:27015"[/code] (all IPv4 interfaces), [code]"[::]:27015"[/code] (IPv6 and IPv4), or [code]"127.0.0.1:0"[/code] (loopback, any free port; read the chosen port back with [method getListenSocketAddress]). A missing port means port 0.
[param config_options] is a [Dictionary] mapping [enum NetworkingConfigValue] keys (ints, e.g. [constant NETWORKING_CONFIG_TIMEOUT_CONNECTED]) to int, float, bool or String values. The options apply to the listen socket and are inherited by every connection it accepts. Unlike Steam, any known key is accepted here, including the fake lag and loss keys that Steam only allows globally; out-of-range values are clamped. An unknown key, the read-only [constant NETWORKING_CONFIG_MTU_DATA_SIZE] or a value that cannot be converted makes the call fail.
Returns the listen socket handle, or [code]0[/code] on failure (port in use, bad option). Each incoming connection is announced by [signal network_connection_status_changed] with [code]listen_socket[/code] set to this handle and the state [constant CONNECTION_STATE_CONNECTING]; accept it with [method acceptConnection].
`,
	"createListenSocketP2P": `
Listens for P2P connections by identity on [param virtual_port] (0..65535, usually 0), with [param config_options] as in [method createListenSocketIP]. Players reach it with [method connectP2P] and your [method getSteamID], through your rendezvous service (see [method setRendezvousService]; the first P2P call logs in). Incoming connections whose certificate checks out are announced like IP ones: [signal network_connection_status_changed] with [code]listen_socket[/code] set and [constant CONNECTION_STATE_CONNECTING]; accept them with [method acceptConnection]. Requests for a virtual port nobody listens on are refused.
Returns the listen socket handle, or [code]0[/code] (and prints why) when no service is configured, the port is out of range or already used, or an option is invalid. [method getListenSocketAddress] has no address to report for a P2P listen socket.
`,
	"createListenSocketP2PFakeIP": `
Listens for connections to this player's FakeIP on the port with index [param fake_port] (0..n-1 for the n ports asked for with [method beginAsyncRequestFakeIP]; the request need not have finished), with [param config_options] as in [method createListenSocketIP]. Other players connect with [method connectByIPAddress] to [code]"fake_ip:port"[/code]; incoming connections are announced and accepted like any other ([signal network_connection_status_changed], [method acceptConnection]), with the caller's Steam ID as [code]identity[/code]. Returns the listen socket handle, or [code]0[/code] (and prints why) without a service, before [method beginAsyncRequestFakeIP], for an index that was not requested or is already listened on.
`,
	"createPollGroup": `
Creates a poll group and returns its handle. Put connections in it with [method setConnectionPollGroup], then read the messages of all of them at once, in arrival order, with [method receiveMessagesOnPollGroup]. A server usually puts every accepted connection into one group.
`,
	"createSocketPair": `
Creates two connections joined to each other inside this process, already in the state [constant CONNECTION_STATE_CONNECTED] (no status change is posted at creation). What one sends, the other receives. Useful for a local player on a listen server, and for tests.
With [param loopback] set to [code]false[/code] the messages pass through memory; with [code]true[/code] they travel over real UDP on 127.0.0.1, with encryption and the fake lag and loss options, which exercises the full network path. [param remote_steam_id1] becomes the remote identity of the first connection and [param remote_steam_id2] that of the second.
Returns [code]{"success": bool, "connection1": int, "connection2": int}[/code]; the handles are [code]0[/code] on failure. Closing one side posts [constant CONNECTION_STATE_CLOSED_BY_PEER] to the other; close both.
`,
	"destroyPollGroup": `
Destroys the poll group [param poll_group]. Its connections stay open and belong to no group afterwards. Returns [code]false[/code] for an invalid handle.
`,
	"findRelayAuthTicketForServer": `
Returns the number of seconds until the cached relay auth ticket for the hosted server [param remote_steam_id] on [param virtual_port] expires, or [code]0[/code] if there is none. In that case it starts fetching one from your rendezvous service, so a later call (or [method connectToHostedDedicatedServer]) finds it. GodotSteam does not bind this method (marked "not enabled").
`,
	"flushMessagesOnConnection": `
Sends the messages of [param connection_handle] that are waiting for the Nagle timer right away instead of at the end of the Nagle delay. Use it after a burst of small messages sent without [constant NETWORKING_SEND_NO_NAGLE].
Returns a [enum Result]: [constant RESULT_OK]; [constant RESULT_INVALID_PARAM] for a bad handle; [constant RESULT_NO_CONNECTION] if the connection has ended; [constant RESULT_IGNORED] if it is not connected yet.
`,
	"getAuthenticationStatus": `
Returns a [enum NetworkingAvailability] value saying whether this instance holds a certificate from your rendezvous service: [constant NETWORKING_AVAILABILITY_CURRENT] once logged in; [constant NETWORKING_AVAILABILITY_ATTEMPTING] or [constant NETWORKING_AVAILABILITY_RETRYING] while (re)connecting, e.g. after the service restarted; [constant NETWORKING_AVAILABILITY_FAILED] if it refused the login (e.g. a bad token); [constant NETWORKING_AVAILABILITY_NEVER_TRIED] before [method initAuthentication] or the first P2P call; and [constant NETWORKING_AVAILABILITY_CANNOT_TRY] when no service is configured (see [method setRendezvousService]). Changes are announced with [signal network_authentication_status]. IP connections do not need a certificate (see [constant NETWORKING_CONFIG_IP_ALLOW_WITHOUT_AUTH]).
`,
	"getCertificateRequest": `
Makes a fresh key for this instance and returns [code]{"certificate": PackedByteArray, "cert_size": int, "error_message": String}[/code]: a certificate request (CMsgSteamDatagramCertificateRequest) naming that key and your current identity, for your own certificate authority to sign (the Go package [code]engine/p2p/ca[/code], [code]Authority.SignRequest[/code]). Install the signed certificate with [method setCertificate]. Only needed when your game backend, not the rendezvous service, issues certificates. [code]error_message[/code] is empty on success. (GodotSteam returns the keys only on success and no [code]cert_size[/code]; here all three are always present.)
`,
	"getConnectionInfo": `
Returns information about the connection [param connection_handle], or an empty [Dictionary] if the handle is invalid. Keys:
- [code]identity[/code] (int): the peer's 64-bit Steam ID, or 0 when the peer is identified by its IP address (every connection made by address).
- [code]user_data[/code] (int): the connection's user data, [code]-1[/code] if never set (see [constant NETWORKING_CONFIG_CONNECTION_USER_DATA]).
- [code]listen_socket[/code] (int): the listen socket that accepted the connection, 0 for connections you started.
- [code]remote_address[/code] (String): the peer's IP address without port, [code]"::"[/code] if unknown.
- [code]remote_pop[/code], [code]pop_relay[/code] (int): relay data-centre ids, always 0 here (no relays).
- [code]connection_state[/code] (int): a [enum NetworkingConnectionState] value.
- [code]end_reason[/code] (int): a [enum NetworkingConnectionEnd] value or the peer's own close code; 0 while the connection is alive.
- [code]end_debug[/code] (String): the text given with the close, or a description of the problem.
- [code]debug_description[/code] (String): a human-readable description of the connection, including its name.
- [code]info_flags[/code] (int): a bit set of [code]NETWORKING_CONNECTION_INFO_FLAG_*[/code] constants, e.g. [constant NETWORKING_CONNECTION_INFO_FLAG_UNAUTHENTICATED].
`,
	"getConnectionName": `
Returns the name given to [param connection_handle] with [method setConnectionName], or [code]""[/code] if none was set or the handle is invalid.
`,
	"getConnectionRealTimeStatus": `
Returns live statistics of the connection [param connection_handle] and of its first [param lanes] lanes (0 for none). Pass [code]false[/code] as [param get_status] to skip the connection part.
The result always has [code]response[/code], a [enum Result]: [constant RESULT_OK], [constant RESULT_NO_CONNECTION] for a bad or closed handle, or [constant RESULT_INVALID_PARAM] if [param lanes] is negative or more than the connection has. Only with [constant RESULT_OK] it also has:
- [code]connection_status[/code] ([Dictionary], empty if [param get_status] is false): [code]state[/code] (int), [code]ping[/code] (int, ms), [code]local_quality[/code] and [code]remote_quality[/code] (float, 0 to 1: the fraction of packets that arrived, -1 if not known yet), [code]packets_out_per_second[/code], [code]bytes_out_per_second[/code], [code]packets_in_per_second[/code], [code]bytes_in_per_second[/code] (float), [code]send_rate[/code] (int, estimated bytes per second the path can carry), [code]pending_unreliable[/code], [code]pending_reliable[/code] (int, bytes queued), [code]sent_unacknowledged_reliable[/code] (int, bytes sent but not yet acknowledged; also under the documentation's spelling [code]send_unacknowledged_reliable[/code]) and [code]queue_time[/code] (int, microseconds a new message would wait before it is sent).
- [code]lanes_status[/code] ([Array] of one [Dictionary] per lane): [code]pending_unreliable[/code], [code]pending_reliable[/code], [code]sent_unacknowledged_reliable[/code] and [code]queue_time[/code].
`,
	"getConnectionUserData": `
Returns the 64-bit user data of [param connection_handle], set at creation through the [constant NETWORKING_CONFIG_CONNECTION_USER_DATA] option, or [code]-1[/code] if none was set or the handle is invalid.
`,
	"getDetailedConnectionStatus": `
Returns a multi-line, human-readable diagnostic report of the connection [param connection_handle] (state, addresses, ping, rates, queues, lanes) as [code]{"success": int, "status": String, "buffer": String}[/code]. [code]success[/code] is 0 when the report is there, -1 for an invalid handle (the texts are then empty). [code]status[/code] is GodotSteam's key and [code]buffer[/code] the documentation's; both hold the same text. The format is meant for people and may change.
`,
	"getFakeIP": `
Returns this player's FakeIP as [code]{"result": int, "identity_type": int, "ip": String, "ports": PackedInt32Array}[/code]: [code]result[/code] is [constant RESULT_OK] once [method beginAsyncRequestFakeIP] succeeded (with [code]ip[/code] as [code]"a.b.c.d"[/code] and the ports, 8 entries, unused ones 0), [constant RESULT_BUSY] while the request runs, [constant RESULT_NO_MATCH] before any request, the request's failure otherwise, [constant RESULT_DISABLED] when no rendezvous service is configured, and [constant RESULT_INVALID_PARAM] if [param first_port] is not 0 (it is reserved). [code]identity_type[/code] is the [enum NetworkingIdentityType] of this player's identity.
`,
	"getGameCoordinatorServerLogin": `
On Steam, would produce a signed login blob for a hosted server to send to the game's own coordinator. GodotSteam does not bind it (marked "not enabled"), and this binding has no way to return the blob; hosted servers log in to your rendezvous service instead. Always returns [constant RESULT_FAIL] and prints why.
`,
	"getHostedDedicatedServerAddress": `
Tells whether this hosted dedicated server is registered with your rendezvous service, as a [enum Result]: [constant RESULT_OK] once a listen socket from [method createHostedDedicatedServerListenSocket] is registered, [code]22[/code] (pending) before that, the registration's failure if the service refused it, and [constant RESULT_INVALID_STATE] when [code]SDR_LISTEN_PORT[/code] is not set. GodotSteam does not bind this method (marked "not enabled").
`,
	"getHostedDedicatedServerPOPId": `
Returns the id of the data centre (POP) hosting this dedicated server: the one your rendezvous service is configured with ([code]"dev"[/code], 6579574, unless it says otherwise), or 0 when [code]SDR_LISTEN_PORT[/code] is not set. The first call may wait up to two seconds for the login to the service.
`,
	"getHostedDedicatedServerPort": `
Returns the UDP port a hosted dedicated server listens on, taken from the [code]SDR_LISTEN_PORT[/code] environment variable, or 0 if it is not set (or not a port number).
`,
	"getIdentity": `
Returns the identity of this instance in text form, [code]"steamid:"[/code] followed by the 64-bit id (see [method getSteamID]), or [code]""[/code] if it has none. GodotSteam removed this method in 4.8; it is back here because the documentation lists it.
`,
	"getListenSocketAddress": `
Returns the local address the listen socket [param socket] is bound to, or [code]""[/code] for an invalid handle. With [param with_port] ([code]true[/code] by default) the port is included: [code]"127.0.0.1:27015"[/code] or [code]"[::]:27015"[/code]; without it only the address: [code]"127.0.0.1"[/code], [code]"::"[/code]. Use it to learn the port chosen for a socket bound to port 0.
Note: GodotSteam 4.11 ignores [param with_port] and never includes the port; this extension does what the documentation says.
`,
	"getRemoteFakeIPForConnection": `
Returns the peer's FakeIP for [param connection_handle], as [code]{"result": int, "ip_address": String, "port": int, "ip_type": int}[/code]. For a connection made with [method connectByIPAddress] to a FakeIP it is that address ([code]ip_type[/code] [constant FAKE_IP_TYPE_GLOBAL_IPV4]); for one accepted on a FakeIP listen socket it is the caller's own FakeIP if it has one (confirmed with the rendezvous service), otherwise a FakeIP this process assigns to that peer ([constant FAKE_IP_TYPE_LOCAL_IPV4], the same for every connection from it). Connections not made through FakeIP report [constant RESULT_IP_NOT_FOUND]; an invalid handle reports [constant RESULT_INVALID_PARAM]. On failure [code]ip_address[/code] is [code]""[/code] and the numbers are 0.
`,
	"initAuthentication": `
Logs in to your rendezvous service (see [method setRendezvousService]) in the background, obtaining this player's identity ([method getSteamID]) and a certificate signed by the service's certificate authority, and returns the [enum NetworkingAvailability] status as [method getAuthenticationStatus] does ([constant NETWORKING_AVAILABILITY_ATTEMPTING] right after the call). Progress is announced with [signal network_authentication_status]. If the service restarts, the player logs in again by itself; connections already made keep working. Returns [constant NETWORKING_AVAILABILITY_CANNOT_TRY] and prints how to configure one when no service is set. [method connectP2P] and [method createListenSocketP2P] log in automatically.
`,
	"receiveMessagesOnConnection": `
Returns up to [param max_messages] messages received on [param connection_handle], oldest first, as an [Array] of [Dictionary]. Reliable messages come in the order they were sent; unreliable ones may be missing. An invalid handle, a [param max_messages] of 0 or less, or no waiting message give an empty [Array]. Messages received before the peer closed the connection can still be read until you call [method closeConnection].
Each message has the keys [code]payload[/code] ([PackedByteArray], the bytes sent; use [code]get_string_from_utf8()[/code] or [code]bytes_to_var()[/code]), [code]size[/code] (int), [code]connection[/code] (int, the handle it arrived on), [code]identity[/code] (int, the sender's Steam ID or 0), [code]receiver_user_data[/code] (int, this connection's user data), [code]time_received[/code] (int, microseconds on a local monotonic clock), [code]message_number[/code] (int, the sender's number for it), [code]channel[/code] (int, always -1 for connections), [code]flags[/code] (int, [constant NETWORKING_SEND_RELIABLE] for reliable messages, else 0) and [code]sender_user_data[/code] (int, 0).
`,
	"receiveMessagesOnPollGroup": `
Returns up to [param max_messages] messages received on any connection of the poll group [param poll_group], in arrival order, in the same form as [method receiveMessagesOnConnection]. The [code]connection[/code] key tells which connection each came from. An invalid group gives an empty [Array].
`,
	"receivedRelayAuthTicket": `
Returns the relay auth ticket this player received last (fetched by [method connectToHostedDedicatedServer] or [method findRelayAuthTicketForServer]) as [code]{"game_server": int, "authorized_client": int, "public_ip": String, "expiry": int, "routing": String, "app_id": int, "restrict_to_v_port": int, "number_of_extras": int, "extra_fields": Array, "pop": int}[/code] ([code]expiry[/code] in Unix seconds, [code]routing[/code] the server's registered [code]"ip:port"[/code], [code]restrict_to_v_port[/code] -1 for any port), or an empty [Dictionary] (and an error) if there is none. GodotSteam does not bind this method (marked "not enabled"); its disabled form takes no ticket, so there is nothing else to parse.
`,
	"resetIdentity": `
Makes [param remote_steam_id] the local 64-bit identity of this instance (as reported by [method getSteamID] and [method getIdentity], and to peers); 0 returns to an anonymous identity. Every connection is closed (peers see it closed), the FakeIP is forgotten, and if this player was logged in to a rendezvous service as someone else it logs out; the next P2P call logs in again, asking a development service for the new identity (a production service keeps the identity of the login token). Steam does not allow this for logged-in users; without Steam it is how a game picks its identity.
`,
	"runNetworkingCallbacks": `
Emits the signals waiting in the queue, exactly like [method run_callbacks]; calling both in one frame is harmless. In GodotSteam this method never emits anything. You do not need it if you call [method run_callbacks].
`,
	"sendMessages": `
Sends every payload of [param messages] (an [Array] of [PackedByteArray]; a [String] is sent as its UTF-8 bytes) on [param connection_handle] with the [code]NETWORKING_SEND_*[/code] bits in [param flags], in order. This is the same as calling [method sendMessageToConnection] once per payload, with less overhead.
Returns an [Array] with one int per payload: the message number (positive) on success, or a negative [enum Result] on failure, e.g. [code]-8[/code] ([constant RESULT_INVALID_PARAM]) for a bad handle or a payload over [constant MAX_STEAM_PACKET_SIZE] bytes, [code]-3[/code] ([constant RESULT_NO_CONNECTION]) if the connection has ended, [code]-25[/code] ([constant RESULT_LIMIT_EXCEEDED]) if the send buffer is full.
Note: GodotSteam 4.11 binds a different, unsafe form taking one [PackedByteArray]; this follows the documentation.
`,
	"sendMessageToConnection": `
Sends the bytes [param data] on [param connection_handle]. [param flags] combines [constant NETWORKING_SEND_UNRELIABLE] or [constant NETWORKING_SEND_RELIABLE] with [constant NETWORKING_SEND_NO_NAGLE] (send without waiting to batch small messages) and [constant NETWORKING_SEND_NO_DELAY] (send now or drop it). Reliable messages arrive once, intact and in order; unreliable ones arrive intact or not at all. Messages larger than a packet are split and joined again; the limit is [constant MAX_STEAM_PACKET_SIZE] bytes.
Returns [code]{"result": int, "message_number": int}[/code]. [code]result[/code] is [constant RESULT_OK]; [constant RESULT_INVALID_PARAM] for an invalid handle or too large a message; [constant RESULT_INVALID_STATE] or [constant RESULT_NO_CONNECTION] if the connection is closing or has ended; [constant RESULT_IGNORED] for [constant NETWORKING_SEND_NO_DELAY] while not ready; [constant RESULT_LIMIT_EXCEEDED] if more than [constant NETWORKING_CONFIG_SEND_BUFFER_SIZE] bytes are queued. [code]message_number[/code] numbers messages 1, 2, 3... and is -1 on any failure. Sending while still connecting is allowed; the message waits.
`,
	"setConnectionPollGroup": `
Puts the connection [param connection_handle] into the poll group [param poll_group], moving it out of any other group together with the messages already waiting. Pass 0 as [param poll_group] to take it out of its group. Returns [code]false[/code] if either handle is invalid.
`,
	"setConnectionName": `
Gives the connection [param connection_handle] a name for your own bookkeeping and for diagnostics: it is returned by [method getConnectionName] and appears in [code]debug_description[/code]. [param name] is cut to 31 bytes (see [constant NETWORKING_MAX_CONNECTION_APP_NAME]). Ignored for an invalid handle.
`,
	"setCertificate": `
Installs [param certificate], the certificate your certificate authority signed for the request of the last [method getCertificateRequest]; P2P connections present it from then on instead of the one the rendezvous service issued. It must certify that request's key, be signed by a trusted certificate authority, not be expired, and name the identity this instance logged in with (so log in first, see [method initAuthentication]). Returns [code]{"response": true, "error": ""}[/code] on success, otherwise an empty [Dictionary] and prints why.
`,
	"run_callbacks": `
Emits every signal that networking produced since the last call: [signal network_connection_status_changed], [signal network_authentication_status] and [signal fake_ip_result]. Call it once per frame from [code]_process()[/code]; signals are emitted inside this call, on the calling thread, and never from anywhere else. Network traffic itself does not wait for it: sending, receiving and acknowledgements run in the background.
`,
	"steamInit": `
Exists for compatibility with GodotSteam games. There is no Steam to start, so it succeeds at once and returns [code]{"status": 1, "verbal": "..."}[/code] ([constant RESULT_OK]). [param retrieve_stats] and [param app_id] are accepted and ignored. With [param embed_callbacks] set to [code]true[/code], the extension calls [method run_callbacks] for you once per frame, on the scene tree's [code]process_frame[/code] signal; if it cannot, it prints a warning and you keep calling it yourself. The sockets methods work without calling this.
`,
	"steamInitEx": `
Like [method steamInit] ([param retrieve_stats], [param app_id] and [param embed_callbacks] mean the same), but [code]status[/code] is a [enum SteamAPIInitResult] value: [constant STEAM_API_INIT_RESULT_OK].
`,
	"steamShutdown": `
Stops the networking engine: every connection and listen socket is closed and the poll groups are destroyed. Automatic callback pumping ([code]embed_callbacks[/code]) stops too. A later sockets call starts a fresh engine. Everything is also shut down when the game exits.
`,
	"isSteamRunning": `
Returns [code]true[/code] once [method steamInit] or [method steamInitEx] was called, like GodotSteam after a successful init. It does not look for a Steam client; the sockets methods work either way.
`,
	"getSteamID": `
Returns the 64-bit identity of this instance, which peers pass to [method connectP2P] and see as [code]identity[/code] on connections made by identity. Once logged in to a rendezvous service it is the identity the service certified; before that, the one set with [method resetIdentity] or the [code]STEAM_ID[/code] environment variable (a development service hands that one out when asked); 0 while anonymous.
`,
	"initRelayNetworkAccess": `
On Steam, prepares access to Valve's relay network ahead of P2P connections. There is no relay network here, so it does nothing but print a warning; direct IP connections need no preparation.
`,
	"createFakeUDPPortHandle": `
Returns a handle for a fake UDP port: the server port with index [param fake_server_port] (0..3; the same port [method createFakeUDPPort] creates, the same handle on every call), or a new client port for [code]-1[/code] (it has no address of its own; it can send to FakeIPs and receive their replies). Returns [code]0[/code] and prints why on failure (no service, an index not requested with [method beginAsyncRequestFakeIP]). Each peer of a port is a hidden, encrypted P2P connection that posts no [signal network_connection_status_changed]; a port talks to at most 256 peers. This method is not part of GodotSteam.
`,

	"sendMessageToFakeIP": `
Sends one datagram [param data] from the fake UDP port [param fake_port_handle] (see [method createFakeUDPPortHandle]) to [param ip_address_with_port], a FakeIP address with its port ([code]"169.254.a.b:port"[/code]). [param flags] are [code]NETWORKING_SEND_*[/code] bits; 0 sends it unreliably like UDP. Returns a [enum Result]: [constant RESULT_OK] when sent or queued (the first datagram to a peer opens the connection); [constant RESULT_INVALID_PARAM] for a bad handle, an address that is not a FakeIP, or more than [constant MAX_STEAM_PACKET_SIZE] bytes; [constant RESULT_NO_CONNECTION] for a local FakeIP nothing was received from; [constant RESULT_INVALID_STATE] on a server port before the FakeIP is allocated or after the port was destroyed; [constant RESULT_LIMIT_EXCEEDED] with too many peers or a full send buffer. This method is not part of GodotSteam.
`,

	"receiveMessagesOnFakeUDPPort": `
Returns up to [param max_messages] datagrams received on the fake UDP port [param fake_port_handle], oldest first, as an [Array] of [code]{"payload": PackedByteArray, "size": int, "ip_address": String, "port": int, "flags": int}[/code]. The sender's address is its FakeIP when it sent from a server port, else a FakeIP this process assigned to that sender's port; replying to it with [method sendMessageToFakeIP] reaches the same sender. An invalid handle gives an empty [Array] and an error. This method is not part of GodotSteam.
`,

	"scheduleFakeUDPPortCleanup": `
Closes the connection between the fake UDP port [param fake_port_handle] and the peer at [param ip_address_with_port], when the game is done with that peer; a later datagram opens a new one. This method is not part of GodotSteam.
`,

	"destroyFakeUDPPort": `
Closes the fake UDP port [param fake_port_handle] and all its connections. Returns [code]false[/code] for an unknown handle. This method is not part of GodotSteam.
`,

	"setRendezvousService": `
Points P2P ([method connectP2P], [method createListenSocketP2P], [method initAuthentication]) at your rendezvous service at [param address] ([code]"host:port"[/code]; run one with [code]go run ./cmd/rendezvous --dev[/code], see the README). [code]"embedded"[/code] (or [code]"embedded:127.0.0.1:27800"[/code]) starts a development service inside this process instead, like [method startRendezvousService]. An empty [param address] forgets this setting, so the environment variable [code]GODOTSTEAM_SOCKETS_RENDEZVOUS[/code] or the project setting [code]godotsteam_sockets/p2p/rendezvous_service[/code] apply again; this method takes precedence over both.
[param options] may hold: [code]"token"[/code] (String, the login token your game backend minted for this player; required by a production service), [code]"steam_id"[/code] (int, the identity to ask a development service for), [code]"relay_only"[/code] (bool, route every P2P connection through the relay so no player learns another's address), [code]"ca_public_key"[/code] (String in hex or base64, or PackedByteArray: pin the certificate authority; only certificates it signed are accepted, whatever the service announces) and [code]"include_loopback"[/code] (bool, default [code]true[/code]: offer 127.0.0.1 so two games on one machine connect). Changing the service logs out; the next P2P call logs in again. Returns [code]false[/code] (and prints why) for an unknown or mistyped option. This method is not part of GodotSteam.
`,
	"startRendezvousService": `
Starts a rendezvous service inside this process, listening on [param listen_address] (TCP for players and UDP for its TURN relay; port 0 picks a free one), and returns its address [code]"host:port"[/code], or [code]""[/code] on failure. Without options it runs in development mode (anonymous logins) and this instance logs in to it, which is the simplest setup for one machine or a LAN, and lets a headless dedicated server be its players' service (listen on [code]"0.0.0.0:27800"[/code] and give players that address). [param options] may hold [code]"token_secret"[/code] (String of at least 16 bytes: production mode, players need login tokens minted with it, and this instance logs in like them via [method setRendezvousService]), [code]"relay"[/code] (bool, default [code]true[/code]: run the TURN relay) and [code]"relay_public_ip"[/code] (String, the address players reach the relay at). The service stops with [method steamShutdown] or when the game exits. This method is not part of GodotSteam.
`,
	"get_godotsteam_version": `
Returns [code]4.11[/code], the GodotSteam release whose Networking Sockets API this extension reproduces.
`,
	"get_godotsteam_sockets_version": `
Returns the version of this extension, as [code]git describe[/code] printed it when the library was built (e.g. [code]"v0.3.0"[/code] or [code]"v0.3.0-4-gabc1234"[/code]); [code]"dev"[/code] for builds made without the Makefile. This method is not part of GodotSteam.
`,
}

// signalDocs documents every signal.
var signalDocs = map[string]string{
	"fake_ip_result": `
Emitted when a FakeIP request started with [method beginAsyncRequestFakeIP] completes. [param result] is a [enum Result] ([constant RESULT_OK], or why it failed), [param identity] the 64-bit identity that asked (this player), [param fake_ip] the address as [code]"a.b.c.d"[/code] ([code]""[/code] if none) and [param port_list] an [Array] of 8 ints: the ports, unused entries 0.
`,
	"network_authentication_status": `
Emitted from [method run_callbacks] when the login state changes (see [method getAuthenticationStatus]): [param available] is a [enum NetworkingAvailability] value ([constant NETWORKING_AVAILABILITY_CURRENT] once logged in to the rendezvous service, [constant NETWORKING_AVAILABILITY_RETRYING] when it became unreachable, ...) and [param debug_message] explains it in English.
`,
	"network_connection_status_changed": `
Emitted from [method run_callbacks] whenever a connection changes state. [param connect_handle] is the connection, [param old_state] its previous [enum NetworkingConnectionState] and [param connection] a [Dictionary] describing it now, with the keys of [method getConnectionInfo] except [code]info_flags[/code]; [code]connection.connection_state[/code] is the new state.
Typical transitions: a listen socket received a connection attempt ([code]listen_socket[/code] non-zero, [constant CONNECTION_STATE_NONE] to [constant CONNECTION_STATE_CONNECTING]: call [method acceptConnection] or [method closeConnection]); your [method connectByIPAddress] started (0 to 1); the connection is up ([constant CONNECTION_STATE_CONNECTED]); the peer closed it ([constant CONNECTION_STATE_CLOSED_BY_PEER], with the peer's [code]end_reason[/code] and [code]end_debug[/code]); it timed out or failed ([constant CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY]). In the last two cases call [method closeConnection] to free the handle. By the time you handle the signal the connection may already have changed again.
`,
}
