package e2etest

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Two games through the real ABI: the host takes a FakeIP from the
// rendezvous service it runs (beginAsyncRequestFakeIP → fake_ip_result,
// getFakeIP), listens on it (createListenSocketP2PFakeIP), and the joiner
// connects with plain connectByIPAddress to that FakeIP
// (getRemoteFakeIPForConnection reports it).
func TestTwoGamesFakeIPThroughEmbeddedService(t *testing.T) {
	host := newGame(t, "host", "4.6", CallPath)
	joiner := newGame(t, "joiner", "4.6", PtrPath)
	host.init()
	joiner.init()
	addr := host.str("startRendezvousService", Str("127.0.0.1:0"), Dict())
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("startRendezvousService = %q", addr)
	}
	if !joiner.bool("setRendezvousService", Str(addr), Dict()) {
		t.Fatal("setRendezvousService returned false")
	}
	if r := host.dict("getFakeIP", Int(0)); getInt(t, r, "result") != 42 {
		t.Fatalf("getFakeIP before a request = %v, want RESULT_NO_MATCH", r.Vals)
	}
	if !host.bool("beginAsyncRequestFakeIP", Int(2)) {
		t.Fatal("beginAsyncRequestFakeIP returned false")
	}
	var args []any
	waitFor(t, "fake_ip_result", 20*time.Second, host.pump, func() bool {
		for _, ev := range host.TakeSignals() {
			if ev.Name != "fake_ip_result" {
				continue
			}
			for _, raw := range ev.Args {
				v, err := Decode(raw)
				if err != nil {
					t.Fatal(err)
				}
				args = append(args, v)
			}
			return true
		}
		return false
	})
	hostID := host.int("getSteamID")
	ip, _ := args[2].(string)
	ports, _ := args[3].([]any)
	if len(args) != 4 || args[0] != int64(1) || args[1] != hostID || len(ports) != 8 || ports[0] == int64(0) || ports[1] == int64(0) || ports[2] != int64(0) {
		t.Fatalf("fake_ip_result%v", args)
	}
	if a, err := netip.ParseAddr(ip); err != nil || !a.Is4() || a.As4()[0] != 169 || a.As4()[1] != 254 {
		t.Fatalf("fake_ip %q", ip)
	}
	g := host.dict("getFakeIP", Int(0))
	if getInt(t, g, "result") != 1 || getStr(t, g, "ip") != ip || getInt(t, g, "identity_type") != 16 {
		t.Fatalf("getFakeIP = %v", g.Vals)
	}
	ls := host.int("createListenSocketP2PFakeIP", Int(0), Dict())
	if ls == 0 {
		t.Fatal("createListenSocketP2PFakeIP returned 0")
	}
	target := ip + ":" + strconv.FormatInt(ports[0].(int64), 10)
	cconn := joiner.int("connectByIPAddress", Str(target), Dict())
	if cconn == 0 {
		t.Fatalf("connectByIPAddress(%s) returned 0", target)
	}
	seen := waitStatus(t, host, joiner, "incoming FakeIP connection", func(c statusChange) bool { return c.state == 1 })
	in := seen[len(seen)-1]
	if in.listenSocket != ls {
		t.Fatalf("incoming on listen socket %d, want %d", in.listenSocket, ls)
	}
	if r := host.int("acceptConnection", Int(in.handle)); r != 1 {
		t.Fatalf("acceptConnection = %d", r)
	}
	waitStatus(t, joiner, host, "joiner connected", func(c statusChange) bool { return c.handle == cconn && c.state == 3 })
	joinerID := joiner.int("getSteamID")
	if id := getInt(t, joiner.dict("getConnectionInfo", Int(cconn)), "identity"); id != hostID {
		t.Errorf("joiner's connection identity %d, want the FakeIP owner %d", id, hostID)
	}
	if id := getInt(t, host.dict("getConnectionInfo", Int(in.handle)), "identity"); id != joinerID {
		t.Errorf("host's connection identity %d, want %d", id, joinerID)
	}
	rf := joiner.dict("getRemoteFakeIPForConnection", Int(cconn))
	if getInt(t, rf, "result") != 1 || getStr(t, rf, "ip_address") != ip || getInt(t, rf, "port") != ports[0].(int64) || getInt(t, rf, "ip_type") != 2 {
		t.Errorf("getRemoteFakeIPForConnection = %v", rf.Vals)
	}
	r := joiner.dict("sendMessageToConnection", Int(cconn), Bytes([]byte("over fakeip")), Int(8))
	if getInt(t, r, "result") != 1 {
		t.Fatalf("send = %v", r.Vals)
	}
	got := receiveAll(t, host, joiner, "receiveMessagesOnConnection", in.handle, 1)
	checkMessage(t, got[0], sent{data: []byte("over fakeip"), reliable: true}, in.handle)
}
