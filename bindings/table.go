package bindings

// This file is the one declarative description of the Steam class: every
// method (name, arguments with their doc names, Variant types, enums and
// defaults, return type, and the Go function implementing it), the signals
// and, in constants_gen.go, the constants. The extension registers exactly
// this; Steam.Call dispatches through it. A test compares it with
// shared/spec/api.json.

// Version is the version of godotsteam-sockets, returned by our extra method
// get_godotsteam_sockets_version. Set it at link time:
//
//	go build -ldflags "-X godotsteam-sockets/bindings.Version=1.2.3"
var Version = "dev"

// GodotSteamVersion is what get_godotsteam_version returns: the GodotSteam
// release whose API we reproduce (a float in the GDExtension build).
const GodotSteamVersion = 4.11

// OurExtraMethod is the method we add that api.json does not list and that
// always comes last: the library version. Our other extras (OurExtraMethods)
// come just before it.
const OurExtraMethod = "get_godotsteam_sockets_version"

// OurExtraMethods lists every method we add beyond api.json, in table order.
var OurExtraMethods = []string{"setRendezvousService", "startRendezvousService",
	"createFakeUDPPortHandle", "sendMessageToFakeIP", "receiveMessagesOnFakeUDPPort", "scheduleFakeUDPPortCleanup", "destroyFakeUDPPort",
	OurExtraMethod}

// methodDef is one row of the table: the public description plus the Go
// function that implements it. impl receives arguments already checked and
// converted to exactly the declared types (int64, bool, string,
// *Dictionary, []any, []byte) and returns a value of the declared return
// type (nil for void).
type methodDef struct {
	Method
	// ours marks a method that is not in api.json (OurExtraMethods).
	ours bool
	impl func(s *Steam, a args) any
}

// Argument builders keep the table readable.
func intArg(name string) Arg       { return Arg{Name: name, Type: TypeInt} }
func boolArg(name string) Arg      { return Arg{Name: name, Type: TypeBool} }
func stringArg(name string) Arg    { return Arg{Name: name, Type: TypeString} }
func dictArg(name string) Arg      { return Arg{Name: name, Type: TypeDictionary} }
func arrayArg(name string) Arg     { return Arg{Name: name, Type: TypeArray} }
func bytesArg(name string) Arg     { return Arg{Name: name, Type: TypePackedByteArray} }
func withDefault(a Arg, v any) Arg { a.HasDefault, a.Default = true, v; return a }
func argList(a ...Arg) []Arg       { return a }
func returns(t VariantType) Method { return Method{HasReturn: true, Return: t} }
func returnsEnum(enum string) Method {
	return Method{HasReturn: true, Return: TypeInt, ReturnEnum: enum}
}
func void() Method { return Method{} }

// ours marks a row as our extra (not in api.json).
func ours(m methodDef) methodDef { m.ours = true; return m }

// def builds one row. ret gives the return description; name and args are
// filled in here.
func def(name string, ret Method, args []Arg, impl func(*Steam, args) any) methodDef {
	ret.Name, ret.Args = name, args
	return methodDef{Method: ret, impl: impl}
}

// No method argument carries an enum: api.md types every argument as a plain
// int (reason codes are "an app code or a NetworkingConnectionEnd", flags
// are plain SEND constants), and an enum-typed parameter would make GDScript
// warn on every int literal a game passes. Return enums follow api.json.

// methodTable lists every method in api.json's order, then our extra. The
// index in this slice is the method index of Steam.Call.
var methodTable = []methodDef{
	// The 43 functions of the seed page (and their recommended bindings).
	def("acceptConnection", returnsEnum("Result"), argList(intArg("connection_handle")), (*Steam).acceptConnection),
	def("beginAsyncRequestFakeIP", returns(TypeBool), argList(intArg("num_ports")), (*Steam).beginAsyncRequestFakeIP),
	def("closeConnection", returns(TypeBool), argList(intArg("connection_handle"), intArg("reason"), stringArg("debug_message"), boolArg("linger")), (*Steam).closeConnection),
	def("closeListenSocket", returns(TypeBool), argList(intArg("socket")), (*Steam).closeListenSocket),
	def("configureConnectionLanes", returnsEnum("Result"), argList(intArg("connection"), intArg("lanes"), arrayArg("priorities"), arrayArg("weights")), (*Steam).configureConnectionLanes),
	def("connectByIPAddress", returns(TypeInt), argList(stringArg("ip_address_with_port"), dictArg("config_options")), (*Steam).connectByIPAddress),
	def("connectP2P", returns(TypeInt), argList(intArg("remote_steam_id"), intArg("virtual_port"), dictArg("config_options")), (*Steam).connectP2P),
	def("connectToHostedDedicatedServer", returns(TypeInt), argList(intArg("remote_steam_id"), intArg("virtual_port"), dictArg("config_options")), (*Steam).connectToHostedDedicatedServer),
	def("createFakeUDPPort", void(), argList(intArg("fake_server_port")), (*Steam).createFakeUDPPort),
	def("createHostedDedicatedServerListenSocket", returns(TypeInt), argList(intArg("virtual_port"), dictArg("config_options")), (*Steam).createHostedDedicatedServerListenSocket),
	def("createListenSocketIP", returns(TypeInt), argList(stringArg("ip_address"), dictArg("config_options")), (*Steam).createListenSocketIP),
	def("createListenSocketP2P", returns(TypeInt), argList(intArg("virtual_port"), dictArg("config_options")), (*Steam).createListenSocketP2P),
	def("createListenSocketP2PFakeIP", returns(TypeInt), argList(intArg("fake_port"), dictArg("config_options")), (*Steam).createListenSocketP2PFakeIP),
	def("createPollGroup", returns(TypeInt), argList(), (*Steam).createPollGroup),
	def("createSocketPair", returns(TypeDictionary), argList(boolArg("loopback"), intArg("remote_steam_id1"), intArg("remote_steam_id2")), (*Steam).createSocketPair),
	def("destroyPollGroup", returns(TypeBool), argList(intArg("poll_group")), (*Steam).destroyPollGroup),
	def("findRelayAuthTicketForServer", returns(TypeInt), argList(intArg("remote_steam_id"), intArg("virtual_port")), (*Steam).findRelayAuthTicketForServer),
	def("flushMessagesOnConnection", returnsEnum("Result"), argList(intArg("connection_handle")), (*Steam).flushMessagesOnConnection),
	def("getAuthenticationStatus", returnsEnum("NetworkingAvailability"), argList(), (*Steam).getAuthenticationStatus),
	def("getCertificateRequest", returns(TypeDictionary), argList(), (*Steam).getCertificateRequest),
	def("getConnectionInfo", returns(TypeDictionary), argList(intArg("connection_handle")), (*Steam).getConnectionInfo),
	def("getConnectionName", returns(TypeString), argList(intArg("connection_handle")), (*Steam).getConnectionName),
	def("getConnectionRealTimeStatus", returns(TypeDictionary), argList(intArg("connection_handle"), intArg("lanes"), withDefault(boolArg("get_status"), true)), (*Steam).getConnectionRealTimeStatus),
	def("getConnectionUserData", returns(TypeInt), argList(intArg("connection_handle")), (*Steam).getConnectionUserData),
	def("getDetailedConnectionStatus", returns(TypeDictionary), argList(intArg("connection_handle")), (*Steam).getDetailedConnectionStatus),
	def("getFakeIP", returns(TypeDictionary), argList(withDefault(intArg("first_port"), int64(0))), (*Steam).getFakeIP),
	def("getGameCoordinatorServerLogin", returns(TypeInt), argList(), (*Steam).getGameCoordinatorServerLogin),
	def("getHostedDedicatedServerAddress", returns(TypeInt), argList(), (*Steam).getHostedDedicatedServerAddress),
	def("getHostedDedicatedServerPOPId", returns(TypeInt), argList(), (*Steam).getHostedDedicatedServerPOPId),
	def("getHostedDedicatedServerPort", returns(TypeInt), argList(), (*Steam).getHostedDedicatedServerPort),
	def("getListenSocketAddress", returns(TypeString), argList(intArg("socket"), withDefault(boolArg("with_port"), true)), (*Steam).getListenSocketAddress),
	def("getIdentity", returns(TypeString), argList(), (*Steam).getIdentity),
	def("getRemoteFakeIPForConnection", returns(TypeDictionary), argList(intArg("connection_handle")), (*Steam).getRemoteFakeIPForConnection),
	def("initAuthentication", returnsEnum("NetworkingAvailability"), argList(), (*Steam).initAuthentication),
	def("receiveMessagesOnConnection", returns(TypeArray), argList(intArg("connection_handle"), intArg("max_messages")), (*Steam).receiveMessagesOnConnection),
	def("receiveMessagesOnPollGroup", returns(TypeArray), argList(intArg("poll_group"), intArg("max_messages")), (*Steam).receiveMessagesOnPollGroup),
	def("receivedRelayAuthTicket", returns(TypeDictionary), argList(), (*Steam).receivedRelayAuthTicket),
	def("resetIdentity", void(), argList(intArg("remote_steam_id")), (*Steam).resetIdentity),
	def("runNetworkingCallbacks", void(), argList(), (*Steam).runNetworkingCallbacks),
	def("sendMessages", returns(TypeArray), argList(arrayArg("messages"), intArg("connection_handle"), intArg("flags")), (*Steam).sendMessages),
	def("sendMessageToConnection", returns(TypeDictionary), argList(intArg("connection_handle"), bytesArg("data"), intArg("flags")), (*Steam).sendMessageToConnection),
	def("setConnectionPollGroup", returns(TypeBool), argList(intArg("connection_handle"), intArg("poll_group")), (*Steam).setConnectionPollGroup),
	def("setConnectionName", void(), argList(intArg("connection_handle"), stringArg("name")), (*Steam).setConnectionName),

	// Extras api.json lists: bound by GodotSteam outside the seed page.
	def("setCertificate", returns(TypeDictionary), argList(bytesArg("certificate")), (*Steam).setCertificate),
	def("run_callbacks", void(), argList(), (*Steam).runCallbacks),
	def("steamInit", returns(TypeDictionary), argList(withDefault(boolArg("retrieve_stats"), true), withDefault(intArg("app_id"), int64(0)), withDefault(boolArg("embed_callbacks"), false)), (*Steam).steamInit),
	def("steamInitEx", returns(TypeDictionary), argList(withDefault(boolArg("retrieve_stats"), true), withDefault(intArg("app_id"), int64(0)), withDefault(boolArg("embed_callbacks"), false)), (*Steam).steamInitEx),
	def("steamShutdown", void(), argList(), (*Steam).steamShutdown),
	def("isSteamRunning", returns(TypeBool), argList(), (*Steam).isSteamRunning),
	def("getSteamID", returns(TypeInt), argList(), (*Steam).getSteamID),
	def("initRelayNetworkAccess", void(), argList(), (*Steam).initRelayNetworkAccess),
	def("get_godotsteam_version", returns(TypeFloat), argList(), (*Steam).getGodotSteamVersion),

	// Our own extras (not in api.json): where the P2P rendezvous service is
	// (p2p.go), then the version of this library, always last.
	ours(def("setRendezvousService", returns(TypeBool), argList(stringArg("address"), withDefault(dictArg("options"), NewDictionary())), (*Steam).setRendezvousService)),
	ours(def("startRendezvousService", returns(TypeString), argList(withDefault(stringArg("listen_address"), "127.0.0.1:0"), withDefault(dictArg("options"), NewDictionary())), (*Steam).startRendezvousService)),
	// Fake UDP ports made usable (fakeip.go): the documented createFakeUDPPort returns nothing.
	ours(def("createFakeUDPPortHandle", returns(TypeInt), argList(intArg("fake_server_port")), (*Steam).createFakeUDPPortHandle)),
	ours(def("sendMessageToFakeIP", returnsEnum("Result"), argList(intArg("fake_port_handle"), stringArg("ip_address_with_port"), bytesArg("data"), intArg("flags")), (*Steam).sendMessageToFakeIP)),
	ours(def("receiveMessagesOnFakeUDPPort", returns(TypeArray), argList(intArg("fake_port_handle"), intArg("max_messages")), (*Steam).receiveMessagesOnFakeUDPPort)),
	ours(def("scheduleFakeUDPPortCleanup", void(), argList(intArg("fake_port_handle"), stringArg("ip_address_with_port")), (*Steam).scheduleFakeUDPPortCleanup)),
	ours(def("destroyFakeUDPPort", returns(TypeBool), argList(intArg("fake_port_handle")), (*Steam).destroyFakeUDPPort)),
	{Method: Method{Name: OurExtraMethod, HasReturn: true, Return: TypeString}, ours: true, impl: (*Steam).getGodotSteamSocketsVersion},
}

// signalTable lists the three signals with exactly api.json's arguments.
// Like GodotSteam's ADD_SIGNAL declarations, the ints carry no enum.
var signalTable = []Signal{
	{Name: "fake_ip_result", Args: argList(intArg("result"), intArg("identity"), stringArg("fake_ip"), arrayArg("port_list"))},
	{Name: "network_authentication_status", Args: argList(intArg("available"), stringArg("debug_message"))},
	{Name: "network_connection_status_changed", Args: argList(intArg("connect_handle"), dictArg("connection"), intArg("old_state"))},
}

// Signal names, used by the event drain.
const (
	signalFakeIPResult            = "fake_ip_result"
	signalAuthenticationStatus    = "network_authentication_status"
	signalConnectionStatusChanged = "network_connection_status_changed"
)

// Class returns the declarative description of the Steam class. Each call
// returns a fresh copy the caller may keep or modify.
func Class() *ClassInfo {
	ci := &ClassInfo{Name: "Steam", Parent: "Object", Singleton: "Steam"}
	ci.Methods = make([]Method, len(methodTable))
	for i, m := range methodTable {
		m.Args = append([]Arg(nil), m.Args...)
		ci.Methods[i] = m.Method
	}
	ci.Signals = make([]Signal, len(signalTable))
	for i, s := range signalTable {
		ci.Signals[i] = Signal{Name: s.Name, Args: append([]Arg(nil), s.Args...)}
	}
	ci.Constants = append([]Constant(nil), constants...)
	return ci
}

// MethodIndex returns the Steam.Call index of a method name, or -1.
func MethodIndex(name string) int {
	for i, m := range methodTable {
		if m.Name == name {
			return i
		}
	}
	return -1
}
