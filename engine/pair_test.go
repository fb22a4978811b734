package engine

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

func TestPipePair(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, ok := n.s.CreateSocketPair(false, SteamIDIdentity(76561197960287930), SteamIDIdentity(42))
	if !ok || c1 == 0 || c2 == 0 || c1 == c2 {
		t.Fatalf("pair %d %d %v", c1, c2, ok)
	}
	n.pump()
	if len(n.events) != 0 {
		t.Fatalf("events posted at creation: %+v", n.events)
	}
	i1, _ := n.s.ConnectionInfo(c1)
	i2, _ := n.s.ConnectionInfo(c2)
	if i1.State != StateConnected || i1.Identity.SteamID64() != 76561197960287930 || i2.Identity.SteamID64() != 42 {
		t.Fatalf("info %+v %+v", i1, i2)
	}
	if i1.Flags&InfoFlagLoopbackBuffers == 0 {
		t.Fatal("pipe flag")
	}
	for i := 1; i <= 3; i++ {
		num, r := n.s.SendMessageToConnection(c1, []byte(fmt.Sprint("msg", i)), SendReliable)
		if r != ResultOK || num != int64(i) {
			t.Fatalf("send %d: %d %v", i, num, r)
		}
	}
	num, r := n.s.SendMessageToConnection(c1, nil, SendUnreliable)
	if r != ResultOK || num != 4 {
		t.Fatalf("empty unreliable: %d %v", num, r)
	}
	msgs := n.s.ReceiveMessagesOnConnection(c2, 10)
	if len(msgs) != 4 {
		t.Fatalf("got %d messages", len(msgs))
	}
	for i, m := range msgs[:3] {
		if string(m.Data) != fmt.Sprint("msg", i+1) || m.MessageNumber != int64(i+1) || m.Conn != c2 ||
			m.Flags != SendReliable || m.Channel != -1 || m.Identity.SteamID64() != 42 {
			t.Fatalf("message %d: %+v", i, m)
		}
	}
	if len(msgs[3].Data) != 0 || msgs[3].Flags != 0 {
		t.Fatalf("empty message %+v", msgs[3])
	}
	// Both directions.
	n.s.SendMessageToConnection(c2, []byte("back"), SendReliable)
	if m := n.s.ReceiveMessagesOnConnection(c1, 10); len(m) != 1 || string(m[0].Data) != "back" {
		t.Fatalf("reverse %v", m)
	}
	// Closing one side is seen by the other.
	n.s.CloseConnection(c1, 1111, "done", false)
	ev := n.waitState(c2, StateClosedByPeer, time.Second)
	if ev.Info.EndReason != 1111 || ev.Info.EndDebug != "done" {
		t.Fatalf("%+v", ev.Info)
	}
	if _, r := n.s.SendMessageToConnection(c2, []byte("x"), SendReliable); r != ResultNoConnection {
		t.Fatalf("send to closed pipe: %v", r)
	}
	n.s.CloseConnection(c2, 0, "", false)
}

func TestPipeReceiveLimit(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, _ := n.s.CreateSocketPair(false, Identity{}, Identity{})
	for i := range 1000 {
		if _, r := n.s.SendMessageToConnection(c1, []byte{byte(i)}, SendReliable); r != ResultOK {
			t.Fatalf("send %d: %v", i, r)
		}
	}
	if _, r := n.s.SendMessageToConnection(c1, []byte{1}, SendReliable); r != ResultLimitExceeded {
		t.Fatalf("1001st message: %v", r)
	}
	if got := len(n.s.ReceiveMessagesOnConnection(c2, 2000)); got != 1000 {
		t.Fatalf("received %d", got)
	}
}

func TestPollGroups(t *testing.T) {
	n := newNode(t, Options{})
	a1, a2, _ := n.s.CreateSocketPair(false, Identity{}, Identity{})
	b1, b2, _ := n.s.CreateSocketPair(false, Identity{}, Identity{})
	pg := n.s.CreatePollGroup()
	if pg == 0 {
		t.Fatal("create")
	}
	if !n.s.SetConnectionPollGroup(a2, pg) || !n.s.SetConnectionPollGroup(b2, pg) {
		t.Fatal("assign")
	}
	if n.s.SetConnectionPollGroup(a2, 0xBAD) {
		t.Fatal("assign to bad group")
	}
	send := func(c Handle, s string) {
		t.Helper()
		if _, r := n.s.SendMessageToConnection(c, []byte(s), SendReliable); r != ResultOK {
			t.Fatal(r)
		}
	}
	send(a1, "a-1")
	send(b1, "b-1")
	send(a1, "a-2")
	send(b1, "b-2")
	got := n.s.ReceiveMessagesOnPollGroup(pg, 3)
	want := []string{"a-1", "b-1", "a-2"}
	if len(got) != 3 {
		t.Fatalf("got %d", len(got))
	}
	for i, m := range got {
		if string(m.Data) != want[i] {
			t.Fatalf("order: %d = %q", i, m.Data)
		}
	}
	if got[0].Conn != a2 || got[1].Conn != b2 {
		t.Fatal("connection field")
	}
	// The remaining one can be read from the connection directly, which
	// removes it from the group too.
	if m := n.s.ReceiveMessagesOnConnection(b2, 10); len(m) != 1 || string(m[0].Data) != "b-2" {
		t.Fatalf("direct read %v", m)
	}
	if m := n.s.ReceiveMessagesOnPollGroup(pg, 10); len(m) != 0 {
		t.Fatalf("group still has %d", len(m))
	}
	// Queued messages move with the connection to another group.
	send(a1, "a-3")
	pg2 := n.s.CreatePollGroup()
	n.s.SetConnectionPollGroup(a2, pg2)
	if m := n.s.ReceiveMessagesOnPollGroup(pg, 10); len(m) != 0 {
		t.Fatal("old group kept the message")
	}
	if m := n.s.ReceiveMessagesOnPollGroup(pg2, 10); len(m) != 1 || string(m[0].Data) != "a-3" {
		t.Fatalf("moved message %v", m)
	}
	// Removing from a group (pg 0) and destroying groups.
	send(a1, "a-4")
	if !n.s.SetConnectionPollGroup(a2, 0) {
		t.Fatal("remove")
	}
	if m := n.s.ReceiveMessagesOnPollGroup(pg2, 10); len(m) != 0 {
		t.Fatal("group after removal")
	}
	send(b1, "b-3")
	if !n.s.DestroyPollGroup(pg) || n.s.DestroyPollGroup(pg) {
		t.Fatal("destroy")
	}
	if m := n.s.ReceiveMessagesOnConnection(b2, 10); len(m) != 1 || string(m[0].Data) != "b-3" {
		t.Fatal("message lost when its group was destroyed")
	}
	if n.s.SetConnectionPollGroup(b2, pg) {
		t.Fatal("assign to destroyed group")
	}
	if m := n.s.ReceiveMessagesOnConnection(a2, 10); len(m) != 1 || string(m[0].Data) != "a-4" {
		t.Fatal("a-4")
	}
	// Closing a connection discards its queued messages from the group.
	pg3 := n.s.CreatePollGroup()
	n.s.SetConnectionPollGroup(a2, pg3)
	send(a1, "gone")
	n.s.CloseConnection(a2, 0, "", false)
	if m := n.s.ReceiveMessagesOnPollGroup(pg3, 10); len(m) != 0 {
		t.Fatal("closed connection's messages still in group")
	}
	_ = b1
}

func TestUserDataOnReceivedMessages(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, _ := n.s.CreateSocketPair(false, Identity{}, Identity{})
	n.s.SendMessageToConnection(c1, []byte("x"), SendReliable)
	n.s.SetConnectionUserData(c2, 99)
	m := n.s.ReceiveMessagesOnConnection(c2, 1)
	if len(m) != 1 || m[0].ConnUserData != 99 {
		t.Fatalf("%+v", m)
	}
}

func TestLoopbackPairCloseSeenByPeer(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, ok := n.s.CreateSocketPair(true, SteamIDIdentity(1), SteamIDIdentity(2))
	if !ok {
		t.Fatal("loopback pair")
	}
	n.pump()
	if len(n.events) != 0 {
		t.Fatalf("events at creation: %+v", n.events)
	}
	i1, _ := n.s.ConnectionInfo(c1)
	if i1.State != StateConnected || !i1.RemoteAddr.Addr().IsLoopback() || i1.Identity.SteamID64() != 1 || i1.Flags&InfoFlagUnencrypted != 0 {
		t.Fatalf("%+v", i1)
	}
	n.s.CloseConnection(c2, 1002, "loop bye", false)
	ev := n.waitState(c1, StateClosedByPeer, 5*time.Second)
	if ev.Info.EndReason != 1002 || ev.Info.EndDebug != "loop bye" {
		t.Fatalf("%+v", ev.Info)
	}
}

func TestSendMessagesBatch(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, _ := n.s.CreateSocketPair(false, Identity{}, Identity{})
	res := n.s.SendMessages([]OutgoingMessage{
		{Conn: c1, Data: []byte("a"), Flags: SendReliable},
		{Conn: 0, Data: []byte("b")},
		{Conn: c1, Data: []byte("c")},
		{Conn: c1, Data: []byte("d"), Lane: 3},
	})
	want := []int64{1, -int64(ResultInvalidParam), 2, -int64(ResultInvalidParam)}
	for i := range want {
		if res[i] != want[i] {
			t.Fatalf("result %d = %d want %d", i, res[i], want[i])
		}
	}
	got := n.s.ReceiveMessagesOnConnection(c2, 10)
	if len(got) != 2 || !bytes.Equal(got[1].Data, []byte("c")) {
		t.Fatal(got)
	}
}

func TestLanesConfig(t *testing.T) {
	n := newNode(t, Options{})
	c1, c2, _ := n.s.CreateSocketPair(false, Identity{}, Identity{})
	if r := n.s.ConfigureConnectionLanes(c1, 3, []int{0, 10, 10}, []int{1, 1, 2}); r != ResultOK {
		t.Fatal(r)
	}
	if r := n.s.ConfigureConnectionLanes(c1, 2, []int{0, 0}, []int{1, 1}); r != ResultInvalidParam {
		t.Fatalf("shrink: %v", r)
	}
	if r := n.s.ConfigureConnectionLanes(c1, 4, []int{0, 0, 0, 0}, []int{1, 1, 0, 1}); r != ResultInvalidParam {
		t.Fatalf("zero weight: %v", r)
	}
	if r := n.s.ConfigureConnectionLanes(c1, 5, []int{0}, []int{1}); r != ResultInvalidParam {
		t.Fatalf("short arrays: %v", r)
	}
	num, r := n.s.SendMessageOnLane(c1, []byte("lane2"), SendReliable, 2)
	if r != ResultOK || num != 1 {
		t.Fatalf("lane send %d %v", num, r)
	}
	if m := n.s.ReceiveMessagesOnConnection(c2, 1); len(m) != 1 || m[0].Lane != 2 {
		t.Fatal(m)
	}
	if _, lanes, r := n.s.RealTimeStatus(c1, 3); r != ResultOK || len(lanes) != 3 {
		t.Fatalf("status lanes %v", r)
	}
	if _, _, r := n.s.RealTimeStatus(c1, 4); r != ResultInvalidParam {
		t.Fatalf("too many lanes asked: %v", r)
	}
}
