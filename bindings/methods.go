package bindings

import (
	"math"
	"net/netip"
	"strconv"

	"godotsteam-sockets/engine"
)

// Behaviour differences from GodotSteam, on purpose:
//
//   - Sockets methods work without steamInit: the shared engine starts with
//     the first call that needs it. (GodotSteam prints "Networking Sockets
//     class not found" and returns 0/false/""/{}/[] until steamInit.)
//     steamInit/steamInitEx always succeed; steamShutdown closes every
//     connection and socket, and a later call starts a fresh engine.
//   - Handles outside 0..2^32-1 are invalid (GodotSteam truncates them).
//   - The local identity is the SteamID a rendezvous service certified at
//     login (p2p.go), else one taken from resetIdentity, else from the
//     STEAM_ID environment variable, else none: getSteamID() is then 0.
//   - P2P by Steam ID, authentication and certificates go through our own
//     rendezvous service instead of Valve's (p2p.go). There is no Steam
//     backend for Valve-hosted servers and the rest: those return api.md
//     §8's failure values and print an error saying why.

// noBackend is the common explanation of the Steam-backend failures.
const noBackend = "this needs the Steam backend (Valve's signalling, relays, FakeIP allocation or certificate authority), which godotsteam-sockets does not have; use createListenSocketIP/connectByIPAddress for direct connections"

func (s *Steam) acceptConnection(a args) any {
	return int64(s.sockets().AcceptConnection(a.handle(0)))
}

func (s *Steam) closeConnection(a args) any {
	return s.sockets().CloseConnection(a.handle(0), a.intClamped(1), a.str(2), a.bool(3))
}

func (s *Steam) closeListenSocket(a args) any {
	return s.sockets().CloseListenSocket(a.handle(0))
}

func (s *Steam) configureConnectionLanes(a args) any {
	conn, lanes := a.handle(0), a.int(1)
	if lanes >= 1 {
		prios, weights := a.array(2), a.array(3)
		if int64(len(prios)) < lanes || int64(len(weights)) < lanes {
			s.errorf("Steam.configureConnectionLanes: priorities (%d entries) and weights (%d entries) need at least lanes = %d entries each; returning RESULT_INVALID_PARAM",
				len(prios), len(weights), lanes)
			return int64(engine.ResultInvalidParam)
		}
		p := make([]int, lanes)
		w := make([]int, lanes)
		for i := range p {
			v, ok := laneNumber(prios[i], math.MinInt32, math.MaxInt32)
			if !ok {
				s.errorf("Steam.configureConnectionLanes: priorities[%d] = %s is not an int (-2147483648..2147483647); returning RESULT_INVALID_PARAM", i, describeValue(prios[i]))
				return int64(engine.ResultInvalidParam)
			}
			p[i] = int(v)
			v, ok = laneNumber(weights[i], 1, math.MaxUint16)
			if !ok {
				s.errorf("Steam.configureConnectionLanes: weights[%d] = %s must be an int from 1 to 65535; returning RESULT_INVALID_PARAM", i, describeValue(weights[i]))
				return int64(engine.ResultInvalidParam)
			}
			w[i] = int(v)
		}
		return int64(s.sockets().ConfigureConnectionLanes(conn, int(lanes), p, w))
	}
	// lanes < 1: the engine reports the bad handle or the bad lane count.
	return int64(s.sockets().ConfigureConnectionLanes(conn, clampInt(lanes), nil, nil))
}

// laneNumber reads an int (or an integral float, or a bool) within [lo, hi].
func laneNumber(v any, lo, hi int64) (int64, bool) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return 0, false
		}
		n = floatToInt(x)
	case bool:
		n = boolToInt(x)
	default:
		return 0, false
	}
	return n, n >= lo && n <= hi
}

// ipArg parses an address argument; on failure it warns and, like
// GodotSteam, carries on with [::]:0.
func (s *Steam) ipArg(method, text string) netip.AddrPort {
	ap, ok, ignored := parseIPAddr(text)
	if !ok {
		s.warnf("Steam.%s: could not parse the address %q (expected \"a.b.c.d\", \"a.b.c.d:port\", \"::1\" or \"[::1]:port\"); using [::]:0 as GodotSteam does", method, text)
		return anyAddr
	}
	if ignored != "" {
		s.warnf("Steam.%s: ignored %q after the address in %q (as GodotSteam does); using %s", method, ignored, text, formatIPAddr(ap, true))
	}
	return ap
}

// optionsArg converts config_options; on failure it prints why.
func (s *Steam) optionsArg(method string, d *Dictionary) ([]engine.ConfigOption, bool) {
	opts, err := convertConfigOptions(d)
	if err != nil {
		s.errorf("Steam.%s: %v; returning 0", method, err)
		return nil, false
	}
	return opts, true
}

func (s *Steam) connectByIPAddress(a args) any {
	addr := s.ipArg("connectByIPAddress", a.str(0))
	opts, ok := s.optionsArg("connectByIPAddress", a.dict(1))
	if !ok || !s.ensureFakeIPNode("connectByIPAddress", addr) { // FakeIPs go through the service (fakeip.go)
		return int64(0)
	}
	h, err := s.sockets().ConnectByIPAddress(addr, opts)
	if err != nil || h == engine.InvalidHandle {
		s.errorf("Steam.connectByIPAddress(%q): %v; returning 0", a.str(0), errText(err))
		return int64(0)
	}
	return int64(h)
}

func (s *Steam) createListenSocketIP(a args) any {
	addr := s.ipArg("createListenSocketIP", a.str(0))
	opts, ok := s.optionsArg("createListenSocketIP", a.dict(1))
	if !ok {
		return int64(0)
	}
	h, err := s.sockets().CreateListenSocketIP(addr, opts)
	if err != nil || h == engine.InvalidHandle {
		s.errorf("Steam.createListenSocketIP(%q): %v; returning 0", a.str(0), errText(err))
		return int64(0)
	}
	return int64(h)
}

func errText(err error) string {
	if err == nil {
		return "the engine returned no handle"
	}
	return err.Error()
}

func (s *Steam) createPollGroup(a args) any {
	return int64(s.sockets().CreatePollGroup())
}

func (s *Steam) createSocketPair(a args) any {
	c1, c2, ok := s.sockets().CreateSocketPair(a.bool(0), steamIdentity(a.steamID(1)), steamIdentity(a.steamID(2)))
	if !ok {
		c1, c2 = 0, 0
	}
	return dict("success", ok, "connection1", int64(c1), "connection2", int64(c2))
}

func (s *Steam) destroyPollGroup(a args) any {
	return s.sockets().DestroyPollGroup(a.handle(0))
}

func (s *Steam) flushMessagesOnConnection(a args) any {
	return int64(s.sockets().FlushMessagesOnConnection(a.handle(0)))
}

// availabilityCannotTry is NETWORKING_AVAILABILITY_CANNOT_TRY.
const availabilityCannotTry = -102

func (s *Steam) getConnectionInfo(a args) any {
	info, ok := s.sockets().ConnectionInfo(a.handle(0))
	if !ok {
		return NewDictionary()
	}
	return connectionInfoDict(&info, true)
}

func (s *Steam) getConnectionName(a args) any {
	name, ok := s.sockets().ConnectionName(a.handle(0))
	if !ok {
		return ""
	}
	return name
}

func (s *Steam) getConnectionRealTimeStatus(a args) any {
	lanes := a.int(1)
	if lanes < 0 || lanes > maxLanes {
		// Never hand the engine an absurd count; answer as the library
		// would: a bad handle first, then a bad lane count.
		res := engine.ResultInvalidParam
		if _, ok := s.sockets().ConnectionInfo(a.handle(0)); !ok {
			res = engine.ResultNoConnection
		}
		return dict("response", int64(res))
	}
	st, laneSt, res := s.sockets().RealTimeStatus(a.handle(0), int(lanes))
	out := dict("response", int64(res))
	if res != engine.ResultOK {
		return out
	}
	status := NewDictionary()
	if a.bool(2) {
		status = dict(
			"state", apiState(st.State),
			"ping", int64(st.Ping),
			"local_quality", float64(st.LocalQuality),
			"remote_quality", float64(st.RemoteQuality),
			"packets_out_per_second", float64(st.OutPacketsPerSec),
			"bytes_out_per_second", float64(st.OutBytesPerSec),
			"packets_in_per_second", float64(st.InPacketsPerSec),
			"bytes_in_per_second", float64(st.InBytesPerSec),
			"send_rate", int64(st.SendRateBytesPerSecond),
			"pending_unreliable", int64(st.PendingUnreliable),
			"pending_reliable", int64(st.PendingReliable),
			"sent_unacknowledged_reliable", int64(st.SentUnackedReliable),
			"queue_time", st.QueueTimeMicroseconds,
			// The seed's spelling, kept as an alias (api.md §7 #17).
			"send_unacknowledged_reliable", int64(st.SentUnackedReliable),
		)
	}
	lanesOut := make([]any, 0, len(laneSt))
	for _, l := range laneSt {
		lanesOut = append(lanesOut, dict(
			"pending_unreliable", int64(l.PendingUnreliable),
			"pending_reliable", int64(l.PendingReliable),
			"sent_unacknowledged_reliable", int64(l.SentUnackedReliable),
			"queue_time", l.QueueTimeMicroseconds,
		))
	}
	out.Keys = append(out.Keys, "connection_status", "lanes_status")
	out.Values = append(out.Values, status, lanesOut)
	return out
}

func (s *Steam) getConnectionUserData(a args) any {
	return s.sockets().ConnectionUserData(a.handle(0))
}

// detailedStatusBufferSize is the buffer GodotSteam passes to
// GetDetailedConnectionStatus; longer text is truncated and success then
// reports the size needed, as the library does.
const detailedStatusBufferSize = 8160

func (s *Steam) getDetailedConnectionStatus(a args) any {
	text, ok := s.sockets().DetailedStatus(a.handle(0))
	if !ok {
		return dict("success", int64(-1), "status", "", "buffer", "")
	}
	success := int64(0)
	if len(text)+1 > detailedStatusBufferSize {
		success = int64(len(text) + 1)
		text = truncateUTF8(text, detailedStatusBufferSize-1)
	}
	return dict("success", success, "status", text, "buffer", text)
}

func (s *Steam) getListenSocketAddress(a args) any {
	ap, ok := s.sockets().ListenSocketAddress(a.handle(0))
	if !ok {
		return ""
	}
	return formatIPAddr(ap, a.bool(1))
}

func (s *Steam) getIdentity(a args) any {
	id := s.sockets().Identity()
	if id.Type != engine.IdentitySteamID || id.SteamID == 0 {
		return ""
	}
	return "steamid:" + strconv.FormatUint(id.SteamID, 10)
}

// maxMessagesPerCall bounds one receive call (a hostile max_messages must not
// make us allocate gigabytes up front; the engine returns what is there).
const maxMessagesPerCall = 1 << 16

// maxLanes is more lanes than any connection can have (GNS allows 255).
const maxLanes = 1 << 16

func (s *Steam) receive(msgs []*engine.Message) []any {
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		if m != nil {
			out = append(out, messageDict(m))
		}
	}
	return out
}

func (s *Steam) receiveMessagesOnConnection(a args) any {
	max := a.int(1)
	if max <= 0 {
		return []any{}
	}
	return s.receive(s.sockets().ReceiveMessagesOnConnection(a.handle(0), int(min(max, maxMessagesPerCall))))
}

func (s *Steam) receiveMessagesOnPollGroup(a args) any {
	max := a.int(1)
	if max <= 0 {
		return []any{}
	}
	return s.receive(s.sockets().ReceiveMessagesOnPollGroup(a.handle(0), int(min(max, maxMessagesPerCall))))
}

func (s *Steam) resetIdentity(a args) any {
	id := steamIdentity(a.steamID(0))
	if a.steamID(0) == 0 {
		id = engine.Identity{} // back to the anonymous identity
	}
	shared.mu.Lock()
	shared.identity = &id
	eng := shared.eng
	shared.mu.Unlock()
	if eng != nil {
		eng.ResetIdentity(id)
	}
	// A node logged in as someone else logs out; the next P2P call logs in
	// again asking (a development service) for the new identity.
	if n := runningNode(); n != nil {
		if cur, _, ok := n.Identity(); !ok || cur != id.SteamID64() {
			stopNode()
		}
	}
	return nil
}

func (s *Steam) runNetworkingCallbacks(a args) any {
	drainEvents()
	return nil
}

func (s *Steam) runCallbacks(a args) any {
	drainEvents()
	return nil
}

func (s *Steam) sendMessages(a args) any {
	msgs, conn, flags := a.array(0), a.handle(1), clampInt(a.int(2))
	results := make([]any, len(msgs))
	batch := make([]engine.OutgoingMessage, 0, len(msgs))
	where := make([]int, 0, len(msgs))
	for i, m := range msgs {
		var data []byte
		switch x := m.(type) {
		case []byte:
			data = x
		case string:
			data = []byte(x)
		default:
			s.errorf("Steam.sendMessages: messages[%d] is a %s; each message must be a PackedByteArray or a String. Its result is -RESULT_INVALID_PARAM.", i, TypeName(TypeOf(m)))
			results[i] = -int64(engine.ResultInvalidParam)
			continue
		}
		batch = append(batch, engine.OutgoingMessage{Conn: conn, Data: data, Flags: flags})
		where = append(where, i)
	}
	if len(batch) > 0 {
		sent := s.sockets().SendMessages(batch)
		for j, i := range where {
			r := -int64(engine.ResultInvalidParam)
			if j < len(sent) {
				r = sent[j]
			}
			results[i] = r
		}
	}
	return results
}

func (s *Steam) sendMessageToConnection(a args) any {
	num, res := s.sockets().SendMessageToConnection(a.handle(0), a.bytes(1), clampInt(a.int(2)))
	if res != engine.ResultOK {
		num = -1
	}
	return dict("result", int64(res), "message_number", num)
}

func (s *Steam) setConnectionPollGroup(a args) any {
	return s.sockets().SetConnectionPollGroup(a.handle(0), a.handle(1))
}

func (s *Steam) setConnectionName(a args) any {
	s.sockets().SetConnectionName(a.handle(0), a.str(1))
	return nil
}

// steamInit results (api.md §4).
const (
	steamInitVerbalOK = "Steamworks active."
	steamInitExOK     = 0 // STEAM_API_INIT_RESULT_OK
)

func (s *Steam) steamInit(a args) any {
	s.init("steamInit", a)
	return dict("status", int64(engine.ResultOK), "verbal", steamInitVerbalOK)
}

func (s *Steam) steamInitEx(a args) any {
	s.init("steamInitEx", a)
	return dict("status", int64(steamInitExOK), "verbal", "")
}

// init records the app id (used by an engine started afterwards) and
// handles embed_callbacks. retrieve_stats has nothing to retrieve here.
func (s *Steam) init(method string, a args) {
	appID := a.int(1)
	validAppID := appID >= 0 && appID <= math.MaxUint32
	shared.mu.Lock()
	shared.initialised = true
	lateAppID := appID != 0 && validAppID && shared.eng != nil && shared.appID != uint32(appID)
	if appID != 0 && validAppID {
		shared.appID = uint32(appID)
	}
	shared.mu.Unlock()
	switch {
	case !validAppID:
		s.warnf("Steam.%s: app_id %d is not a 32-bit AppID; ignoring it", method, appID)
	case lateAppID:
		s.warnf("Steam.%s: app_id %d applies only after steamShutdown(): the networking engine is already running", method, appID)
	}
	if a.bool(2) {
		if e, ok := s.host.(CallbackEmbedder); !ok || !e.EmbedCallbacks(true) {
			s.warnf("Steam.%s: embed_callbacks is not available in this host; call Steam.run_callbacks() in _process()", method)
		}
	}
}

func (s *Steam) steamShutdown(a args) any {
	if e, ok := s.host.(CallbackEmbedder); ok {
		e.EmbedCallbacks(false)
	}
	shutdownEngine()
	return nil
}

func (s *Steam) isSteamRunning(a args) any {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.initialised
}

func (s *Steam) getSteamID(a args) any {
	return int64(s.localSteamID())
}

func (s *Steam) initRelayNetworkAccess(a args) any {
	s.warnf("Steam.initRelayNetworkAccess: there is no Steam relay network here; direct IP connections need no relay access")
	return nil
}

func (s *Steam) getGodotSteamVersion(a args) any {
	return float64(GodotSteamVersion)
}

func (s *Steam) getGodotSteamSocketsVersion(a args) any {
	return Version
}
