package multiplayer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestTwoProcesses runs the client in a child process (this test binary
// again), so host and client share nothing but loopback UDP: connect, one
// packet of each mode, echo, reconnect, close; the host sees every signal
// exactly once.
func TestTwoProcesses(t *testing.T) {
	if port := os.Getenv("MP_CHILD_PORT"); port != "" {
		childClient(t, port)
		return
	}
	h, port := startHost(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTwoProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MP_CHILD_PORT="+strconv.Itoa(port))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	echoed := 0
	var exitErr error
	finished := false
	pumpUntil(t, "child finished", func() bool {
		for h.p.AvailablePacketCount() > 0 {
			from, ch, mode := h.p.NextPacketInfo()
			pk, _ := h.p.GetPacket()
			h.p.SetTargetPeer(from)
			h.p.SetTransferChannel(ch)
			h.p.SetTransferMode(mode)
			if err := h.p.PutPacket(append([]byte("echo:"), pk.Data...)); err != nil {
				t.Errorf("echo: %v", err)
			}
			echoed++
		}
		select {
		case exitErr = <-done:
			finished = true
		default:
		}
		return finished
	}, h)
	if exitErr != nil {
		t.Fatalf("child failed: %v\n%s", exitErr, out.String())
	}
	pumpUntil(t, "host sees both disconnects", func() bool {
		n := 0
		for _, e := range h.events {
			if !e.Connected {
				n++
			}
		}
		return n == 2
	}, h)
	ids := map[int32]int{}
	for _, e := range h.events {
		if e.Connected {
			ids[e.ID]++
		} else {
			ids[e.ID]--
		}
	}
	if len(h.events) != 4 || echoed < 6 { // unreliable packets may be resent
		t.Fatalf("host events %v echoed %d", h.events, echoed)
	}
	for id, n := range ids {
		if n != 0 {
			t.Fatalf("peer %d connect/disconnect unbalanced in %v", id, h.events)
		}
	}
}

func childClient(t *testing.T, portText string) {
	port, _ := strconv.Atoi(portText)
	for round := 0; round < 2; round++ {
		c := &side{p: New()}
		if err := c.p.CreateClient("127.0.0.1", port, nil); err != nil {
			t.Fatal(err)
		}
		pumpUntil(t, "connected", func() bool { return c.p.ConnectionStatus() == StatusConnected }, c)
		c.p.SetTargetPeer(ServerID)
		for i, mode := range []TransferMode{TransferReliable, TransferUnreliableOrdered, TransferUnreliable} {
			c.p.SetTransferMode(mode)
			c.p.SetTransferChannel(i + 1)
			msg := []byte(fmt.Sprintf("r%d m%d", round, mode))
			want := append([]byte("echo:"), msg...)
			// Unreliable may be lost even on loopback: resend until echoed.
			got := false
			for tries := 0; tries < 50 && !got; tries++ {
				if err := c.p.PutPacket(msg); err != nil {
					t.Fatal(err)
				}
				wait := 200 * time.Millisecond
				if mode == TransferReliable {
					wait = 20 * time.Second // sent once; only the deadline bounds it
				}
				deadline := time.Now().Add(wait)
				for !got && time.Now().Before(deadline) {
					c.events = append(c.events, c.p.Poll()...)
					for c.p.AvailablePacketCount() > 0 {
						pk, _ := c.p.GetPacket()
						if bytes.Equal(pk.Data, want) && pk.Channel == i+1 && pk.Mode == mode && pk.From == ServerID {
							got = true
						}
					}
					time.Sleep(time.Millisecond)
				}
				if mode == TransferReliable && !got {
					t.Fatalf("reliable echo missing")
				}
			}
			if !got {
				t.Fatalf("no echo for mode %d", mode)
			}
		}
		if len(c.events) != 1 || !c.events[0].Connected || c.events[0].ID != ServerID {
			t.Fatalf("client events %v", c.events)
		}
		c.p.Close()
	}
}
