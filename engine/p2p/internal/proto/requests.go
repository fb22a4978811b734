package proto

// Request operations (Msg.Op of a TRequest frame) and the welcome features
// that announce them.
const (
	// FeatureFakeIP: OpFakeIP and OpFakeIPLookup are served.
	FeatureFakeIP = "fakeip"
	// FeatureHosted: OpHostedRegister and OpRelayTicket are served.
	FeatureHosted = "hosted"

	// OpFakeIP asks for a global FakeIP with NumPorts ports. Response:
	// Result, FakeIP, FakePorts.
	OpFakeIP = "fakeip"
	// OpFakeIPLookup resolves FakeIP (and FakePort, 0 = any port of that
	// address) to its owner. Response: Result, Identity, PortIndex (-1 when
	// FakePort was 0).
	OpFakeIPLookup = "fakeip_lookup"
	// OpHostedRegister registers the sender as a hosted dedicated server
	// listening on Addr (ip may be empty: the service uses the address it
	// sees) for VirtualPort. Response: Result, Addr (as recorded), POP.
	OpHostedRegister = "hosted_register"
	// OpHostedUnregister withdraws one virtual port (VirtualPort) or all
	// (VirtualPort -1). Response: Result.
	OpHostedUnregister = "hosted_unregister"
	// OpRelayTicket asks for a relay auth ticket to reach server To on
	// VirtualPort. Response: Result, Ticket, Addr, POP.
	OpRelayTicket = "relay_ticket"
)

// EResult values the service answers with.
const (
	ResultOK            = 1
	ResultFail          = 2
	ResultInvalidParam  = 8
	ResultInvalidState  = 11
	ResultFileNotFound  = 9
	ResultBusy          = 10
	ResultLimitExceeded = 25
	ResultIPNotFound    = 31
	ResultNoMatch       = 42
	ResultDisabled      = 80
	ResultAccessDenied  = 15
	ResultRateLimited   = 84
)
