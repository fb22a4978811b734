package bindings

import (
	"context"
	"math"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p/fakeip"
)

// FakeIP and hosted dedicated servers, through the rendezvous service of
// p2p.go instead of Steam's backend (engine/fakeip.go, engine/hosted.go):
//
//   - beginAsyncRequestFakeIP asks the service for a global FakeIP
//     (169.254.x.y, unique per app on that service) and up to 4 ports; the
//     fake_ip_result signal follows. Without a configured service it returns
//     false and getFakeIP reports RESULT_DISABLED.
//   - createListenSocketP2PFakeIP(i) listens on port i of our FakeIP;
//     connectByIPAddress("fakeip:port") reaches its owner through signaling
//     and ICE; getRemoteFakeIPForConnection reports the peer's global
//     FakeIP, or a local one (FAKE_IP_TYPE_LOCAL_IPV4) for peers without.
//   - createFakeUDPPort(i) creates the server port i (kept); the extras
//     createFakeUDPPortHandle / sendMessageToFakeIP /
//     receiveMessagesOnFakeUDPPort / scheduleFakeUDPPortCleanup /
//     destroyFakeUDPPort make fake UDP ports usable from GDScript.
//   - createHostedDedicatedServerListenSocket needs SDR_LISTEN_PORT: the P2P
//     transport then runs on that UDP port, the server registers with the
//     service, and connectToHostedDedicatedServer reaches it by Steam ID
//     through the relay with a ticket the service signs.

// popWait bounds how long getHostedDedicatedServerPOPId waits for the first
// login (it answers from the service).
const popWait = 2 * time.Second

// fakeUDPPorts are the fake UDP ports GDScript holds handles to.
var fakeUDPPorts struct {
	sync.Mutex
	next   uint32
	byID   map[uint32]*engine.FakeUDPPort
	handle map[*engine.FakeUDPPort]uint32
	eng    *engine.Sockets // the engine they belong to
}

// maxFakeUDPPortHandles bounds client ports a script may hold.
const maxFakeUDPPortHandles = 1024

func (s *Steam) beginAsyncRequestFakeIP(a args) any {
	n := a.int(0)
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.beginAsyncRequestFakeIP: %v; returning false (no fake_ip_result will follow)", err)
		return false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		n = 0 // reported as RESULT_INVALID_PARAM by the result
	}
	if !s.sockets().BeginAsyncRequestFakeIP(int(n)) {
		s.errorf("Steam.beginAsyncRequestFakeIP: a FakeIP request is already in progress; returning false (its fake_ip_result is still to come)")
		return false
	}
	return true
}

func (s *Steam) getFakeIP(a args) any {
	first := a.int(0)
	if first != 0 {
		s.errorf("Steam.getFakeIP: first_port must be 0 (it is reserved), not %d; returning RESULT_INVALID_PARAM", first)
		first = 1 // any non-zero index is RESULT_INVALID_PARAM
	}
	r := s.sockets().GetFakeIP(int(first))
	if r.Result == engine.ResultDisabled {
		if _, configured, _ := s.resolveP2PConfig(); configured {
			r.Result = engine.ResultNoMatch // a service, not used yet: no request made
		} else {
			s.errorf("Steam.getFakeIP: %v; returning RESULT_DISABLED", errNoService)
		}
	}
	ports := make([]int32, len(r.Ports))
	for i, p := range r.Ports {
		ports[i] = int32(p)
	}
	return dict(
		"result", int64(r.Result),
		"identity_type", int64(r.Identity.Type),
		"ip", formatIPv4(r.IP),
		"ports", ports,
	)
}

func (s *Steam) createListenSocketP2PFakeIP(a args) any {
	idx := a.int(0)
	opts, ok := s.optionsArg("createListenSocketP2PFakeIP", a.dict(1))
	if !ok {
		return int64(0)
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.createListenSocketP2PFakeIP: %v; returning 0", err)
		return int64(0)
	}
	if idx < 0 || idx >= fakeip.MaxPortsPerRequest {
		s.errorf("Steam.createListenSocketP2PFakeIP: fake_port %d is an index into the ports of beginAsyncRequestFakeIP (0..3); returning 0", idx)
		return int64(0)
	}
	h, err := s.sockets().CreateListenSocketP2PFakeIP(int(idx), opts)
	if err != nil || h == engine.InvalidHandle {
		s.errorf("Steam.createListenSocketP2PFakeIP(%d): %v; returning 0", idx, errText(err))
		return int64(0)
	}
	return int64(h)
}

// ensureFakeIPNode starts the P2P node before connectByIPAddress to a
// FakeIP (the engine needs the service to resolve it). Without a
// configured service the address is an ordinary link-local one.
func (s *Steam) ensureFakeIPNode(method string, addr netip.AddrPort) bool {
	if fakeip.Classify(addr.Addr()) != fakeip.TypeGlobal {
		return true
	}
	if _, configured, _ := s.resolveP2PConfig(); !configured {
		return true
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.%s: %s is a FakeIP, and reaching it needs the rendezvous service: %v; returning 0", method, addr, err)
		return false
	}
	return true
}

func (s *Steam) getRemoteFakeIPForConnection(a args) any {
	ap, typ, res := s.sockets().RemoteFakeIP(a.handle(0))
	if res != engine.ResultOK {
		return dict("result", int64(res), "ip_address", "", "port", int64(0), "ip_type", int64(0))
	}
	return dict("result", int64(res), "ip_address", formatIPAddr(ap, false), "port", int64(ap.Port()), "ip_type", int64(typ))
}

// createFakeUDPPort is the documented call: it returns nothing, so only a
// server port (index 0..3, kept and shared with createFakeUDPPortHandle)
// is useful; -1 would make an unreachable client port.
func (s *Steam) createFakeUDPPort(a args) any {
	idx := a.int(0)
	if idx == -1 {
		s.warnf("Steam.createFakeUDPPort(-1): a client port is a new object each time, and this call returns nothing to use it with; nothing was created. Use createFakeUDPPortHandle(-1) (our extra) instead")
		return nil
	}
	s.fakeUDPPort("createFakeUDPPort", idx)
	return nil
}

// fakeUDPPort creates (or finds) a port and returns its script handle, 0 on
// failure (printed).
func (s *Steam) fakeUDPPort(method string, idx int64) uint32 {
	if idx < -1 || idx >= fakeip.MaxPortsPerRequest {
		s.errorf("Steam.%s: fake_server_port %d: use 0..3 (an index into the ports of beginAsyncRequestFakeIP) or -1 (a client port)", method, idx)
		return 0
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.%s: %v", method, err)
		return 0
	}
	eng := s.sockets()
	fakeUDPPorts.Lock()
	defer fakeUDPPorts.Unlock()
	if fakeUDPPorts.eng != eng {
		fakeUDPPorts.byID, fakeUDPPorts.handle, fakeUDPPorts.eng = map[uint32]*engine.FakeUDPPort{}, map[*engine.FakeUDPPort]uint32{}, eng
	}
	if len(fakeUDPPorts.byID) >= maxFakeUDPPortHandles {
		s.errorf("Steam.%s: %d fake UDP ports are open; destroy some with destroyFakeUDPPort", method, len(fakeUDPPorts.byID))
		return 0
	}
	p, err := eng.CreateFakeUDPPort(int(idx))
	if err != nil {
		s.errorf("Steam.%s(%d): %v", method, idx, err)
		return 0
	}
	if h, ok := fakeUDPPorts.handle[p]; ok {
		return h
	}
	fakeUDPPorts.next++
	if fakeUDPPorts.next == 0 {
		fakeUDPPorts.next = 1
	}
	h := fakeUDPPorts.next
	fakeUDPPorts.byID[h] = p
	fakeUDPPorts.handle[p] = h
	return h
}

func lookupFakeUDPPort(h uint32) *engine.FakeUDPPort {
	fakeUDPPorts.Lock()
	defer fakeUDPPorts.Unlock()
	if eng := runningSockets(); eng == nil || eng != fakeUDPPorts.eng {
		return nil
	}
	return fakeUDPPorts.byID[h]
}

// createFakeUDPPortHandle is our extra: createFakeUDPPort that returns a
// handle for the other extras (0 on failure).
func (s *Steam) createFakeUDPPortHandle(a args) any {
	return int64(s.fakeUDPPort("createFakeUDPPortHandle", a.int(0)))
}

// sendMessageToFakeIP is our extra: ISteamNetworkingFakeUDPPort::
// SendMessageToFakeIP. Returns an EResult.
func (s *Steam) sendMessageToFakeIP(a args) any {
	p := lookupFakeUDPPort(a.handle(0))
	if p == nil {
		s.errorf("Steam.sendMessageToFakeIP: %d is not a fake UDP port handle (createFakeUDPPortHandle); returning RESULT_INVALID_PARAM", a.int(0))
		return int64(engine.ResultInvalidParam)
	}
	ap, ok, _ := parseIPAddr(a.str(1))
	if !ok || fakeip.Classify(ap.Addr()) == fakeip.TypeNotFake || ap.Port() == 0 {
		s.errorf("Steam.sendMessageToFakeIP: %q is not a FakeIP address with a port (\"169.254.a.b:port\"); returning RESULT_INVALID_PARAM", a.str(1))
		return int64(engine.ResultInvalidParam)
	}
	if len(a.bytes(2)) > engine.MaxMessageSizeSend {
		s.errorf("Steam.sendMessageToFakeIP: %d bytes is more than a message may hold (%d); returning RESULT_INVALID_PARAM", len(a.bytes(2)), engine.MaxMessageSizeSend)
		return int64(engine.ResultInvalidParam)
	}
	return int64(p.SendTo(ap, a.bytes(2), clampInt(a.int(3))))
}

// receiveMessagesOnFakeUDPPort is our extra: the datagrams waiting on a
// port, each {payload, size, ip_address, port, flags}.
func (s *Steam) receiveMessagesOnFakeUDPPort(a args) any {
	p := lookupFakeUDPPort(a.handle(0))
	max := a.int(1)
	if p == nil || max <= 0 {
		if p == nil {
			s.errorf("Steam.receiveMessagesOnFakeUDPPort: %d is not a fake UDP port handle; returning []", a.int(0))
		}
		return []any{}
	}
	msgs := p.Receive(int(min(max, maxMessagesPerCall)))
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, dict(
			"payload", m.Data,
			"size", int64(len(m.Data)),
			"ip_address", formatIPAddr(m.From, false),
			"port", int64(m.From.Port()),
			"flags", int64(m.Flags),
		))
	}
	return out
}

// scheduleFakeUDPPortCleanup is our extra: forget a peer we are done with.
func (s *Steam) scheduleFakeUDPPortCleanup(a args) any {
	p := lookupFakeUDPPort(a.handle(0))
	if p == nil {
		s.errorf("Steam.scheduleFakeUDPPortCleanup: %d is not a fake UDP port handle", a.int(0))
		return nil
	}
	if ap, ok, _ := parseIPAddr(a.str(1)); ok {
		p.ScheduleCleanup(ap)
	}
	return nil
}

// destroyFakeUDPPort is our extra: ISteamNetworkingFakeUDPPort::DestroyFakeUDPPort.
func (s *Steam) destroyFakeUDPPort(a args) any {
	h := a.handle(0)
	fakeUDPPorts.Lock()
	p := fakeUDPPorts.byID[h]
	delete(fakeUDPPorts.byID, h)
	delete(fakeUDPPorts.handle, p)
	fakeUDPPorts.Unlock()
	if p == nil {
		return false
	}
	p.Close()
	return true
}

// sdrListenPort reads SDR_LISTEN_PORT like the library does, warning about
// a value that is not a port.
func (s *Steam) sdrListenPort() (uint16, bool) {
	env, set := os.LookupEnv(engine.EnvSDRListenPort)
	if !set || env == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(env, 10, 16)
	if err != nil || v == 0 {
		s.warnf("Steam: ignoring SDR_LISTEN_PORT=%q: it must be a UDP port number 1..65535", env)
		return 0, false
	}
	return uint16(v), true
}

// hostedListenPort is the UDP port the P2P node must use: SDR_LISTEN_PORT
// on a hosted dedicated server, else 0 (any).
func (s *Steam) hostedListenPort() int {
	port, _ := s.sdrListenPort()
	return int(port)
}

func (s *Steam) getHostedDedicatedServerPort(a args) any {
	port, _ := s.sdrListenPort()
	return int64(port)
}

func (s *Steam) getHostedDedicatedServerPOPId(a args) any {
	if _, set := s.sdrListenPort(); !set {
		return int64(0)
	}
	n, err := s.p2pNode()
	if err != nil {
		s.errorf("Steam.getHostedDedicatedServerPOPId: SDR_LISTEN_PORT is set, but the data centre's POP id comes from the rendezvous service: %v; returning 0", err)
		return int64(0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), popWait)
	defer cancel()
	_ = n.WaitReady(ctx)
	return int64(s.sockets().HostedDedicatedServerPOPID())
}

func (s *Steam) createHostedDedicatedServerListenSocket(a args) any {
	vport := a.int(0)
	opts, ok := s.optionsArg("createHostedDedicatedServerListenSocket", a.dict(1))
	if !ok {
		return int64(0)
	}
	if _, set := s.sdrListenPort(); !set {
		s.errorf("Steam.createHostedDedicatedServerListenSocket: SDR_LISTEN_PORT is not set; a hosted dedicated server listens on the UDP port it names. Returning 0.")
		return int64(0)
	}
	if vport < 0 || vport > 0xFFFF {
		s.errorf("Steam.createHostedDedicatedServerListenSocket: virtual_port %d is out of range 0..65535; returning 0", vport)
		return int64(0)
	}
	if n := runningNode(); n != nil && n.ListenPort() != s.hostedListenPort() {
		// Logged in before SDR_LISTEN_PORT was set: log in again with the
		// transport on that port (P2P connections made so far end).
		s.warnf("Steam.createHostedDedicatedServerListenSocket: restarting the P2P login so that it uses SDR_LISTEN_PORT %d", s.hostedListenPort())
		stopNode()
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.createHostedDedicatedServerListenSocket: %v; returning 0", err)
		return int64(0)
	}
	h, err := s.sockets().CreateHostedDedicatedServerListenSocket(int(vport), opts)
	if err != nil || h == engine.InvalidHandle {
		s.errorf("Steam.createHostedDedicatedServerListenSocket(%d): %v; returning 0", vport, errText(err))
		return int64(0)
	}
	return int64(h)
}

func (s *Steam) connectToHostedDedicatedServer(a args) any {
	id, vport := a.steamID(0), a.int(1)
	opts, ok := s.optionsArg("connectToHostedDedicatedServer", a.dict(2))
	if !ok {
		return int64(0)
	}
	if vport < 0 || vport > 0xFFFF {
		s.errorf("Steam.connectToHostedDedicatedServer: virtual_port %d is out of range 0..65535; returning 0", vport)
		return int64(0)
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.connectToHostedDedicatedServer: %v; returning 0", err)
		return int64(0)
	}
	h, err := s.sockets().ConnectToHostedDedicatedServer(steamIdentity(id), int(vport), opts)
	if err != nil || h == engine.InvalidHandle {
		s.errorf("Steam.connectToHostedDedicatedServer(%d, %d): %v; returning 0", int64(id), vport, errText(err))
		return int64(0)
	}
	return int64(h)
}

func (s *Steam) findRelayAuthTicketForServer(a args) any {
	id, vport := a.steamID(0), a.int(1)
	if vport < 0 || vport > 0xFFFF {
		return int64(0)
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.findRelayAuthTicketForServer: relay auth tickets come from the rendezvous service: %v; returning 0 (no ticket)", err)
		return int64(0)
	}
	return int64(s.sockets().FindRelayAuthTicketForServer(steamIdentity(id), int(vport)))
}

func (s *Steam) getHostedDedicatedServerAddress(a args) any {
	_, _, res := s.sockets().HostedDedicatedServerAddress()
	if res == engine.ResultInvalidState {
		s.errorf("Steam.getHostedDedicatedServerAddress: SDR_LISTEN_PORT is not set, so this is no hosted dedicated server; returning RESULT_INVALID_STATE")
	}
	return int64(res)
}

func (s *Steam) getGameCoordinatorServerLogin(a args) any {
	s.errorf("Steam.getGameCoordinatorServerLogin: not enabled: it would return a login blob for your own game coordinator, and this binding (like GodotSteam's disabled one) has no way to hand it back; hosted servers log in to the rendezvous service instead. Returning RESULT_FAIL.")
	return int64(engine.ResultFail)
}

func (s *Steam) receivedRelayAuthTicket(a args) any {
	t, ok := s.sockets().LastRelayTicket()
	if !ok {
		s.errorf("Steam.receivedRelayAuthTicket: no relay auth ticket has been received (connectToHostedDedicatedServer and findRelayAuthTicketForServer fetch them from the rendezvous service); returning {}")
		return NewDictionary()
	}
	return dict(
		"game_server", int64(t.Server.SteamID64()),
		"authorized_client", int64(t.Client.SteamID64()),
		"public_ip", "",
		"expiry", t.Expiry.Unix(),
		"routing", formatIPAddr(t.Routing, true),
		"app_id", int64(t.AppID),
		"restrict_to_v_port", int64(t.VirtualPort),
		"number_of_extras", int64(0),
		"extra_fields", []any{},
		"pop", int64(t.POP),
	)
}
