package multiplayer

import (
	"bytes"
	"testing"
)

func call(t *testing.T, p *Peer, name string, emit func(string, int64), args ...any) any {
	t.Helper()
	i, ok := LookupVirtual(name, 0)
	if !ok {
		t.Fatalf("virtual %s not found", name)
	}
	return Dispatch(p, i, args, emit)
}

func TestVirtualTableIsComplete(t *testing.T) {
	required := []string{"_get_available_packet_count", "_get_max_packet_size", "_get_packet_channel",
		"_get_packet_mode", "_set_transfer_channel", "_get_transfer_channel", "_set_transfer_mode",
		"_get_transfer_mode", "_set_target_peer", "_get_packet_peer", "_is_server", "_poll", "_close",
		"_disconnect_peer", "_get_unique_id", "_get_connection_status"}
	for _, n := range required {
		i, ok := LookupVirtual(n, 0)
		if !ok || !Virtuals[i].Required {
			t.Errorf("required virtual %s missing", n)
		}
	}
	if _, ok := LookupVirtual("_is_server", 12345); ok {
		t.Error("a wrong hash must not match (Godot 4.4+ get_virtual2)")
	}
	if _, ok := LookupVirtual("_get_packet", 0); ok {
		t.Error("raw-pointer _get_packet must fall back to _get_packet_script")
	}
	for i := range Virtuals {
		if got := Dispatch(New(), i, nil, nil); len(Virtuals[i].Args) > 0 && got != nil {
			t.Errorf("%s with missing args returned %v", Virtuals[i].Name, got)
		}
	}
}

func TestDispatchEndToEnd(t *testing.T) {
	h, port := startHost(t)
	c := &side{p: New()}
	if err := c.p.CreateClient("127.0.0.1", port, nil); err != nil {
		t.Fatal(err)
	}
	defer c.p.Close()
	var hostSignals, clientSignals []string
	emitTo := func(dst *[]string) func(string, int64) {
		return func(s string, id int64) { *dst = append(*dst, s) }
	}
	pumpUntil(t, "connected via virtuals", func() bool {
		call(t, h.p, "_poll", emitTo(&hostSignals))
		call(t, c.p, "_poll", emitTo(&clientSignals))
		return call(t, c.p, "_get_connection_status", nil).(int64) == int64(StatusConnected) && len(hostSignals) == 1
	})
	if len(clientSignals) != 1 || clientSignals[0] != SignalPeerConnected {
		t.Fatalf("client signals %v", clientSignals)
	}
	call(t, c.p, "_set_transfer_mode", nil, int64(TransferUnreliableOrdered))
	call(t, c.p, "_set_transfer_channel", nil, int64(2))
	call(t, c.p, "_set_target_peer", nil, int64(1))
	if rc := call(t, c.p, "_put_packet_script", nil, []byte("rpc")); rc != int64(OK) {
		t.Fatalf("put: %v", rc)
	}
	pumpUntil(t, "packet via virtuals", func() bool {
		call(t, h.p, "_poll", nil)
		return call(t, h.p, "_get_available_packet_count", nil).(int64) == 1
	})
	if call(t, h.p, "_get_packet_peer", nil).(int64) != int64(c.p.UniqueID()) ||
		call(t, h.p, "_get_packet_channel", nil).(int64) != 2 ||
		call(t, h.p, "_get_packet_mode", nil).(int64) != int64(TransferUnreliableOrdered) {
		t.Fatal("packet info wrong")
	}
	if b := call(t, h.p, "_get_packet_script", nil).([]byte); !bytes.Equal(b, []byte("rpc")) {
		t.Fatalf("got %q", b)
	}
	if call(t, h.p, "_is_server", nil) != true || call(t, c.p, "_is_server", nil) != false ||
		call(t, h.p, "_is_server_relay_supported", nil) != true {
		t.Fatal("server flags wrong")
	}
	call(t, h.p, "_disconnect_peer", nil, int64(c.p.UniqueID()), true)
	call(t, h.p, "_disconnect_peer", nil, int64(c.p.UniqueID()), true)
	call(t, h.p, "_poll", emitTo(&hostSignals))
	if len(hostSignals) != 2 || hostSignals[1] != SignalPeerDisconnected {
		t.Fatalf("host signals %v", hostSignals)
	}
	call(t, h.p, "_close", nil)
	call(t, h.p, "_close", nil)
}
