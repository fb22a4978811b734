package bindings

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// These tests run the real engine on loopback through the binding, the way
// a Godot game would use Steam: listen, connect, signals, accept, messages,
// poll groups, lanes, status, close. They skip while the engine is still
// the placeholder.

const configUserData = int64(40) // NETWORKING_CONFIG_CONNECTION_USER_DATA

// maxUnreliableSize is the largest message GNS sends unreliably (15 * 1100
// bytes); bigger ones marked unreliable go reliably.
const maxUnreliableSize = 15 * 1100

// fastRate (bytes/s) for NETWORKING_CONFIG_SEND_RATE_MIN/MAX keeps the big
// transfers of the tests short on loopback.
const fastRate = int64(64 << 20)

func requireEngine(t *testing.T, s *Steam, h *fakeHost) {
	t.Helper()
	ls := call(t, s, "createListenSocketIP", "127.0.0.1:0", NewDictionary()).(int64)
	if ls == 0 {
		errs := h.takeErrors()
		if containsAll(errs, "not implemented") {
			t.Skip("the engine is not implemented yet")
		}
		t.Fatalf("createListenSocketIP failed: %q", errs)
	}
	call(t, s, "closeListenSocket", ls)
}

// pump runs run_callbacks until done reports true, failing after a deadline.
func pump(t *testing.T, s *Steam, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		call(t, s, "run_callbacks")
		time.Sleep(time.Millisecond)
	}
}

// statusLog collects network_connection_status_changed emissions.
type statusLog struct {
	events []statusChange
}

type statusChange struct {
	conn, old, state int64
	info             *Dictionary
}

func (l *statusLog) record(name string, a []any) {
	if name != "network_connection_status_changed" {
		return
	}
	d := a[1].(*Dictionary)
	st, _ := d.Get("connection_state")
	l.events = append(l.events, statusChange{a[0].(int64), a[2].(int64), st.(int64), d})
}

func (l *statusLog) find(f func(statusChange) bool) (statusChange, bool) {
	for _, e := range l.events {
		if f(e) {
			return e, true
		}
	}
	return statusChange{}, false
}

func (l *statusLog) statesOf(conn int64) []int64 {
	var out []int64
	for _, e := range l.events {
		if e.conn == conn {
			out = append(out, e.state)
		}
	}
	return out
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

// receiveAll reads from a connection or poll group until want messages came.
func receiveAll(t *testing.T, s *Steam, method string, handle int64, want int) []*Dictionary {
	t.Helper()
	var got []*Dictionary
	pump(t, s, fmt.Sprintf("%d messages on %s(%d)", want, method, handle), func() bool {
		for _, m := range call(t, s, method, handle, int64(64)).([]any) {
			got = append(got, m.(*Dictionary))
		}
		return len(got) >= want
	})
	if len(got) != want {
		t.Fatalf("%s: %d messages, want %d", method, len(got), want)
	}
	return got
}

func TestLoopbackServerClient(t *testing.T) {
	s, h := newSteam(t)
	requireEngine(t, s, h)
	log := &statusLog{}
	h.onSignal = log.record

	ls := call(t, s, "createListenSocketIP", "127.0.0.1:0", dict(int64(9), int64(1<<20), int64(10), fastRate, int64(11), fastRate)).(int64)
	if ls == 0 {
		t.Fatalf("createListenSocketIP: %q", h.takeErrors())
	}
	addr := call(t, s, "getListenSocketAddress", ls).(string)
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("getListenSocketAddress = %q", addr)
	}
	if got := call(t, s, "getListenSocketAddress", ls, false); got != "127.0.0.1" {
		t.Errorf("getListenSocketAddress(ls, false) = %q", got)
	}
	pg := call(t, s, "createPollGroup").(int64)
	if pg == 0 {
		t.Fatal("createPollGroup returned 0")
	}

	client := call(t, s, "connectByIPAddress", addr, dict(configUserData, int64(1234), int64(9), int64(1<<20), int64(10), fastRate, int64(11), fastRate)).(int64)
	if client == 0 {
		t.Fatalf("connectByIPAddress: %q", h.takeErrors())
	}

	// The server hears of the incoming connection: listen_socket set, 0 → 1.
	var server int64
	pump(t, s, "the incoming connection", func() bool {
		e, ok := log.find(func(e statusChange) bool { return e.conn != client && e.old == 0 && e.state == 1 })
		server = e.conn
		return ok
	})
	in, _ := log.find(func(e statusChange) bool { return e.conn == server })
	if get(t, in.info, "listen_socket") != ls || len(in.info.Keys) != 10 || get(t, in.info, "remote_address") != "127.0.0.1" {
		t.Errorf("incoming connection info %v", in.info)
	}
	if got := call(t, s, "acceptConnection", server); got != int64(1) {
		t.Fatalf("acceptConnection = %v", got)
	}
	if got := call(t, s, "acceptConnection", server); got != int64(11) {
		t.Errorf("second acceptConnection = %v, want RESULT_INVALID_STATE", got)
	}
	if got := call(t, s, "acceptConnection", client); got != int64(11) {
		t.Errorf("acceptConnection(outgoing) = %v, want RESULT_INVALID_STATE", got)
	}
	if call(t, s, "setConnectionPollGroup", server, pg) != true {
		t.Fatal("setConnectionPollGroup failed")
	}
	pump(t, s, "both ends connected", func() bool {
		c, s := log.statesOf(client), log.statesOf(server)
		return len(c) > 0 && c[len(c)-1] == 3 && len(s) > 0 && s[len(s)-1] == 3
	})
	for _, conn := range []int64{client, server} {
		states := log.statesOf(conn)
		if states[0] != 1 || states[len(states)-1] != 3 {
			t.Errorf("connection %d went through states %v, want 1 ... 3", conn, states)
		}
		for _, st := range states {
			if st != 1 && st != 2 && st != 3 {
				t.Errorf("connection %d: unexpected state %d in %v", conn, st, states)
			}
		}
	}

	// Connection info.
	ci := mustDict(t, call(t, s, "getConnectionInfo", client))
	wantKeys := []string{"identity", "user_data", "listen_socket", "remote_address", "remote_pop", "pop_relay",
		"connection_state", "end_reason", "end_debug", "debug_description", "info_flags"}
	if strings.Join(keysOf(ci), ",") != strings.Join(wantKeys, ",") {
		t.Errorf("getConnectionInfo keys %v", keysOf(ci))
	}
	if get(t, ci, "user_data") != int64(1234) || get(t, ci, "listen_socket") != int64(0) ||
		get(t, ci, "connection_state") != int64(3) || get(t, ci, "remote_address") != "127.0.0.1" || get(t, ci, "identity") != int64(0) {
		t.Errorf("client info %v", ci)
	}
	si := mustDict(t, call(t, s, "getConnectionInfo", server))
	if get(t, si, "listen_socket") != ls || get(t, si, "user_data") != int64(-1) {
		t.Errorf("server info %v", si)
	}
	if call(t, s, "getConnectionUserData", client) != int64(1234) || call(t, s, "getConnectionUserData", server) != int64(-1) {
		t.Error("getConnectionUserData")
	}
	call(t, s, "setConnectionName", client, "client-one")
	if got := call(t, s, "getConnectionName", client); got != "client-one" {
		t.Errorf("getConnectionName = %q", got)
	}

	// The message protocol (SNP) is a later engine issue: until it lands a
	// send on a connected connection answers RESULT_INVALID_STATE, and the
	// message, lane and status parts are skipped (the test then reports SKIP).
	snpReady := probeSNP(t, s, client, "receiveMessagesOnPollGroup", pg)
	if snpReady {
		exerciseMessages(t, s, client, server, pg)
	}

	// Close with a reason: the peer sees CLOSED_BY_PEER with reason and text.
	if call(t, s, "closeConnection", client, int64(1234), "bye now", false) != true {
		t.Fatal("closeConnection failed")
	}
	if call(t, s, "closeConnection", client, int64(0), "", false) != false {
		t.Error("closing twice returned true")
	}
	pump(t, s, "the server to see the close", func() bool {
		_, ok := log.find(func(e statusChange) bool { return e.conn == server && e.state == 4 })
		return ok
	})
	closed, _ := log.find(func(e statusChange) bool { return e.conn == server && e.state == 4 })
	if get(t, closed.info, "end_reason") != int64(1234) || get(t, closed.info, "end_debug") != "bye now" || closed.old != 3 {
		t.Errorf("peer saw %v (old %d)", closed.info, closed.old)
	}
	if call(t, s, "closeConnection", server, int64(0), "", false) != true {
		t.Error("closing the server side failed")
	}
	if call(t, s, "destroyPollGroup", pg) != true || call(t, s, "destroyPollGroup", pg) != false {
		t.Error("destroyPollGroup")
	}
	if call(t, s, "closeListenSocket", ls) != true || call(t, s, "closeListenSocket", ls) != false {
		t.Error("closeListenSocket")
	}
	if e := h.takeErrors(); len(e) != 0 {
		t.Errorf("errors printed: %q", e)
	}
	if !snpReady {
		t.Skip("connection parts passed; messages, lanes and status skipped: the engine's SNP session is still the placeholder")
	}
}

// probeSNP sends one empty reliable message and reports whether the engine
// can carry messages yet; if so it reads the probe back.
func probeSNP(t *testing.T, s *Steam, conn int64, recvMethod string, recvHandle int64) bool {
	t.Helper()
	res := mustDict(t, call(t, s, "sendMessageToConnection", conn, []byte{}, int64(8)))
	if get(t, res, "result") == int64(11) {
		return false
	}
	if get(t, res, "result") != int64(1) {
		t.Fatalf("probe send: %v", res)
	}
	receiveAll(t, s, recvMethod, recvHandle, 1)
	return true
}

// exerciseMessages: reliable and unreliable, 0 B to 512 KiB, client →
// server through the poll group, in order, intact; then the other way, a
// batch, lanes and the status calls.
func exerciseMessages(t *testing.T, s *Steam, client, server, pg int64) {
	t.Helper()
	sizes := []int{0, 1, 100, 1200, 5000, 100_000, 512 * 1024}
	for _, reliable := range []bool{true, false} {
		flags := int64(0)
		if reliable {
			flags = 8
		}
		for i, n := range sizes {
			data := payload(n, byte(i))
			res := mustDict(t, call(t, s, "sendMessageToConnection", client, data, flags))
			if get(t, res, "result") != int64(1) || get(t, res, "message_number").(int64) <= 0 {
				t.Fatalf("send %d B reliable=%v: %v", n, reliable, res)
			}
			msgs := receiveAll(t, s, "receiveMessagesOnPollGroup", pg, 1)
			m := msgs[0]
			flags := flags
			if n > maxUnreliableSize {
				flags = 8 // GNS sends an unreliable message this big reliably
			}
			if !bytes.Equal(get(t, m, "payload").([]byte), data) || get(t, m, "size") != int64(n) ||
				get(t, m, "connection") != server || get(t, m, "flags") != flags || get(t, m, "channel") != int64(-1) ||
				get(t, m, "message_number") != get(t, res, "message_number") || get(t, m, "receiver_user_data") != int64(-1) {
				t.Errorf("received %d B reliable=%v: keys %v size %v flags %v", n, reliable, keysOf(m), get(t, m, "size"), get(t, m, "flags"))
			}
		}
	}
	// Too big: RESULT_INVALID_PARAM and message_number -1.
	res := mustDict(t, call(t, s, "sendMessageToConnection", client, make([]byte, 512*1024+1), int64(8)))
	if get(t, res, "result") != int64(8) || get(t, res, "message_number") != int64(-1) {
		t.Errorf("oversized send: %v", res)
	}

	// Server → client, read directly on the connection; sendMessages batch.
	nums := call(t, s, "sendMessages", []any{[]byte("one"), "two", []byte{}}, server, int64(8)).([]any)
	if len(nums) != 3 || nums[0].(int64) <= 0 || nums[1].(int64) != nums[0].(int64)+1 || nums[2].(int64) != nums[1].(int64)+1 {
		t.Errorf("sendMessages results %v", nums)
	}
	msgs := receiveAll(t, s, "receiveMessagesOnConnection", client, 3)
	for i, want := range []string{"one", "two", ""} {
		if string(get(t, msgs[i], "payload").([]byte)) != want || get(t, msgs[i], "receiver_user_data") != int64(1234) {
			t.Errorf("message %d: %v", i, msgs[i])
		}
	}
	if got := call(t, s, "flushMessagesOnConnection", client); got != int64(1) {
		t.Errorf("flushMessagesOnConnection = %v", got)
	}

	// Lanes and real-time status.
	if got := call(t, s, "configureConnectionLanes", client, int64(3), []any{int64(0), int64(10), int64(10)}, []any{int64(1), int64(1), int64(2)}); got != int64(1) {
		t.Errorf("configureConnectionLanes = %v", got)
	}
	if got := call(t, s, "configureConnectionLanes", client, int64(2), []any{int64(0), int64(0)}, []any{int64(1), int64(1)}); got != int64(8) {
		t.Errorf("shrinking lanes = %v, want RESULT_INVALID_PARAM", got)
	}
	rt := mustDict(t, call(t, s, "getConnectionRealTimeStatus", client, int64(3)))
	if get(t, rt, "response") != int64(1) {
		t.Fatalf("getConnectionRealTimeStatus = %v", rt)
	}
	cs := get(t, rt, "connection_status").(*Dictionary)
	wantStatus := []string{"state", "ping", "local_quality", "remote_quality", "packets_out_per_second", "bytes_out_per_second",
		"packets_in_per_second", "bytes_in_per_second", "send_rate", "pending_unreliable", "pending_reliable",
		"sent_unacknowledged_reliable", "queue_time", "send_unacknowledged_reliable"}
	if strings.Join(keysOf(cs), ",") != strings.Join(wantStatus, ",") || get(t, cs, "state") != int64(3) {
		t.Errorf("connection_status %v", cs)
	}
	if _, ok := get(t, cs, "local_quality").(float64); !ok {
		t.Error("local_quality is not a float")
	}
	lanes := get(t, rt, "lanes_status").([]any)
	if len(lanes) != 3 || strings.Join(keysOf(lanes[0].(*Dictionary)), ",") != "pending_unreliable,pending_reliable,sent_unacknowledged_reliable,queue_time" {
		t.Errorf("lanes_status %v", lanes)
	}
	rt = mustDict(t, call(t, s, "getConnectionRealTimeStatus", client, int64(1), false))
	if get(t, rt, "connection_status").(*Dictionary).Len() != 0 || len(get(t, rt, "lanes_status").([]any)) != 1 {
		t.Errorf("get_status=false: %v", rt)
	}
	rt = mustDict(t, call(t, s, "getConnectionRealTimeStatus", client, int64(4)))
	if rt.Len() != 1 || get(t, rt, "response") != int64(8) {
		t.Errorf("too many lanes: %v", rt)
	}
	ds := mustDict(t, call(t, s, "getDetailedConnectionStatus", client))
	if get(t, ds, "success") != int64(0) || get(t, ds, "status") == "" || get(t, ds, "status") != get(t, ds, "buffer") {
		t.Errorf("getDetailedConnectionStatus = %v", ds)
	}
	if rf := mustDict(t, call(t, s, "getRemoteFakeIPForConnection", client)); get(t, rf, "result") != int64(31) {
		t.Errorf("getRemoteFakeIPForConnection(live) = %v, want RESULT_IP_NOT_FOUND", rf)
	}

	// Poll groups: a member is still readable directly; pg 0 takes it out;
	// a message queued before a move travels with the connection.
	call(t, s, "sendMessageToConnection", client, []byte("direct"), int64(8))
	if m := receiveAll(t, s, "receiveMessagesOnConnection", server, 1)[0]; string(get(t, m, "payload").([]byte)) != "direct" {
		t.Errorf("direct read of a group member: %v", m)
	}
	if call(t, s, "setConnectionPollGroup", server, int64(0)) != true {
		t.Error("setConnectionPollGroup(server, 0) failed")
	}
	call(t, s, "sendMessageToConnection", client, []byte("moved"), int64(8))
	receiveAll(t, s, "receiveMessagesOnConnection", server, 1)
	if got := call(t, s, "receiveMessagesOnPollGroup", pg, int64(8)).([]any); len(got) != 0 {
		t.Errorf("a removed connection's message reached the group: %v", got)
	}
	other := call(t, s, "createPollGroup").(int64)
	call(t, s, "setConnectionPollGroup", server, other)
	call(t, s, "sendMessageToConnection", client, []byte("queued"), int64(8))
	pump(t, s, "a message queued on the old group", func() bool {
		rt := mustDict(t, call(t, s, "getConnectionRealTimeStatus", client, int64(0)))
		cs := get(t, rt, "connection_status").(*Dictionary)
		return get(t, cs, "pending_reliable") == int64(0) && get(t, cs, "sent_unacknowledged_reliable") == int64(0)
	})
	if call(t, s, "setConnectionPollGroup", server, pg) != true {
		t.Error("moving the connection back failed")
	}
	if m := receiveAll(t, s, "receiveMessagesOnPollGroup", pg, 1)[0]; string(get(t, m, "payload").([]byte)) != "queued" {
		t.Errorf("queued message did not move with the connection: %v", m)
	}
	if call(t, s, "destroyPollGroup", other) != true || call(t, s, "setConnectionPollGroup", server, other) != false {
		t.Error("a destroyed group is still usable")
	}
}

func TestLoopbackSocketPairs(t *testing.T) {
	s, h := newSteam(t)
	requireEngine(t, s, h)
	log := &statusLog{}
	h.onSignal = log.record
	var skipped []string
	for _, loopback := range []bool{false, true} {
		pair := mustDict(t, call(t, s, "createSocketPair", loopback, int64(111), int64(222)))
		if strings.Join(keysOf(pair), ",") != "success,connection1,connection2" || get(t, pair, "success") != true {
			t.Fatalf("createSocketPair(%v) = %v", loopback, pair)
		}
		c1, c2 := get(t, pair, "connection1").(int64), get(t, pair, "connection2").(int64)
		if c1 == 0 || c2 == 0 || c1 == c2 {
			t.Fatalf("pair handles %d %d", c1, c2)
		}
		call(t, s, "run_callbacks")
		for _, e := range log.events {
			if e.conn == c1 || e.conn == c2 {
				t.Errorf("socket pair (loopback=%v) creation posted a status change: conn %d %d -> %d", loopback, e.conn, e.old, e.state)
			}
		}
		i1 := mustDict(t, call(t, s, "getConnectionInfo", c1))
		if get(t, i1, "identity") != int64(111) || get(t, i1, "connection_state") != int64(3) {
			t.Errorf("pair connection1 info %v", i1)
		}
		if !probeSNP(t, s, c1, "receiveMessagesOnConnection", c2) {
			skipped = append(skipped, fmt.Sprintf("messages on pair(loopback=%v)", loopback))
			call(t, s, "closeConnection", c1, int64(0), "", false)
			call(t, s, "closeConnection", c2, int64(0), "", false)
			continue
		}
		for _, flags := range []int64{8, 0} {
			data := payload(3000, byte(flags))
			call(t, s, "sendMessageToConnection", c1, data, flags)
			m := receiveAll(t, s, "receiveMessagesOnConnection", c2, 1)[0]
			if !bytes.Equal(get(t, m, "payload").([]byte), data) || get(t, m, "identity") != int64(222) || get(t, m, "flags") != flags {
				t.Errorf("pair(%v) message %v", loopback, keysOf(m))
			}
		}
		call(t, s, "closeConnection", c1, int64(1001), "done", false)
		pump(t, s, "the pair peer to see the close", func() bool {
			_, ok := log.find(func(e statusChange) bool { return e.conn == c2 && e.state == 4 })
			return ok
		})
		call(t, s, "closeConnection", c2, int64(0), "", false)
		log.events = nil
	}
	if e := h.takeErrors(); len(e) != 0 {
		t.Errorf("errors printed: %q", e)
	}
	if len(skipped) > 0 {
		t.Skipf("skipped %v: the engine's SNP session is still the placeholder", skipped)
	}
}

// The usual GDScript pattern: accept inside the status handler, and close
// from the handler when the peer goes away, all re-entering the binding
// from run_callbacks.
func TestLoopbackAcceptFromHandler(t *testing.T) {
	s, h := newSteam(t)
	requireEngine(t, s, h)
	ls := call(t, s, "createListenSocketIP", "[::1]:0", NewDictionary()).(int64)
	if ls == 0 {
		t.Fatalf("createListenSocketIP([::1]:0): %q", h.takeErrors())
	}
	addr := call(t, s, "getListenSocketAddress", ls).(string)
	if !strings.HasPrefix(addr, "[::1]:") {
		t.Fatalf("IPv6 listen address %q", addr)
	}
	var accepted, connected, closedByPeer []int64
	var acceptResults, leftover []any
	h.onSignal = func(name string, a []any) {
		conn, info := a[0].(int64), a[1].(*Dictionary)
		state, _ := info.Get("connection_state")
		ls2, _ := info.Get("listen_socket")
		switch {
		case ls2 == ls && state == int64(1):
			accepted = append(accepted, conn)
			acceptResults = append(acceptResults, call(t, s, "acceptConnection", conn))
			call(t, s, "run_callbacks") // nested pumping is harmless
		case state == int64(3):
			connected = append(connected, conn)
		case state == int64(4):
			// Read what is left, then free the handle.
			closedByPeer = append(closedByPeer, conn)
			for {
				msgs := call(t, s, "receiveMessagesOnConnection", conn, int64(16)).([]any)
				if len(msgs) == 0 {
					break
				}
				leftover = append(leftover, msgs...)
			}
			call(t, s, "closeConnection", conn, int64(0), "", false)
		}
	}
	client := call(t, s, "connectByIPAddress", addr, NewDictionary()).(int64)
	if client == 0 {
		t.Fatalf("connectByIPAddress(%s): %q", addr, h.takeErrors())
	}
	pump(t, s, "both ends connected", func() bool { return len(connected) == 2 })
	if len(accepted) != 1 || acceptResults[0] != int64(1) {
		t.Fatalf("accepted %v with results %v", accepted, acceptResults)
	}
	if ra := get(t, mustDict(t, call(t, s, "getConnectionInfo", client)), "remote_address"); ra != "::1" {
		t.Errorf("client remote_address %q", ra)
	}
	// Linger: reliable data queued before the close still arrives.
	snpReady := probeSNP(t, s, client, "receiveMessagesOnConnection", accepted[0])
	big := payload(200_000, 3)
	for _, p := range [][]byte{big, []byte("last")} {
		if !snpReady {
			break
		}
		if res := mustDict(t, call(t, s, "sendMessageToConnection", client, p, int64(8))); get(t, res, "result") != int64(1) {
			t.Fatalf("send before linger close: %v", res)
		}
	}
	call(t, s, "closeConnection", client, int64(2001), "exception", true)
	pump(t, s, "the server to see the close", func() bool { return len(closedByPeer) == 1 })
	if snpReady {
		if len(leftover) != 2 || !bytes.Equal(get(t, leftover[0].(*Dictionary), "payload").([]byte), big) ||
			string(get(t, leftover[1].(*Dictionary), "payload").([]byte)) != "last" {
			t.Errorf("after a linger close the server read %d messages, want the 2 sent before it", len(leftover))
		}
	}
	if closedByPeer[0] != accepted[0] {
		t.Errorf("closed %v, accepted %v", closedByPeer, accepted)
	}
	if got := call(t, s, "getConnectionInfo", accepted[0]); mustDict(t, got).Len() != 0 {
		t.Errorf("the handler's closeConnection did not free the handle: %v", got)
	}
	call(t, s, "closeListenSocket", ls)
	if e := h.takeErrors(); len(e) != 0 {
		t.Errorf("errors printed: %q", e)
	}
	if !snpReady {
		t.Skip("linger with data skipped: the engine's SNP session is still the placeholder")
	}
}

// config_options through the engine: known keys (global-scope fake-network
// ones included, api.md §2.4's leniency) work with any of the four value
// types; unknown and read-only keys fail the creation with 0 and an error.
func TestLoopbackConfigOptions(t *testing.T) {
	s, h := newSteam(t)
	requireEngine(t, s, h)
	good := []*Dictionary{
		dict(int64(4), int64(5), int64(9), int64(5000), int64(47), int64(3000)), // the seed's example
		dict(int64(9), 5000.0, int64(2), 1.5),
		dict(int64(9), "5000"),
		dict(int64(34), false, int64(23), true),
		dict(int64(24), int64(1_000_000_000)), // clamped, not rejected
	}
	for _, d := range good {
		ls := call(t, s, "createListenSocketIP", "127.0.0.1:0", d).(int64)
		if ls == 0 {
			t.Errorf("options %v rejected: %q", d, h.takeErrors())
			continue
		}
		call(t, s, "closeListenSocket", ls)
	}
	for _, d := range []*Dictionary{
		dict(int64(99999), int64(1)), // unknown
		dict(int64(33), int64(1000)), // MTU_DATA_SIZE is read-only
		dict(int64(0), int64(1)),     // NETWORKING_CONFIG_INVALID
	} {
		if ls := call(t, s, "createListenSocketIP", "127.0.0.1:0", d).(int64); ls != 0 {
			t.Errorf("options %v accepted", d)
			call(t, s, "closeListenSocket", ls)
		}
		if !containsAll(h.takeErrors(), "createListenSocketIP") {
			t.Errorf("options %v: no error printed", d)
		}
	}
	// User data set at connect time reads back.
	ls := call(t, s, "createListenSocketIP", "127.0.0.1:0", NewDictionary()).(int64)
	addr := call(t, s, "getListenSocketAddress", ls).(string)
	conn := call(t, s, "connectByIPAddress", addr, dict(configUserData, int64(-5_000_000_000))).(int64)
	if got := call(t, s, "getConnectionUserData", conn); got != int64(-5_000_000_000) {
		t.Errorf("user data %v", got)
	}
	call(t, s, "closeConnection", conn, int64(0), "", false)
	call(t, s, "closeListenSocket", ls)
}
