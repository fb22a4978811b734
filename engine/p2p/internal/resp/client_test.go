package resp_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"godotsteam-sockets/engine/p2p/internal/resp"
	"godotsteam-sockets/internal/extsvc"
)

type inbox struct {
	mu   sync.Mutex
	msgs []string
}

func (b *inbox) add(ch string, payload []byte) {
	b.mu.Lock()
	b.msgs = append(b.msgs, ch+"="+string(payload))
	b.mu.Unlock()
}

func (b *inbox) has(want string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.msgs {
		if m == want {
			return true
		}
	}
	return false
}

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func publish(t *testing.T, c *resp.Client, ch, msg string) int64 {
	t.Helper()
	v, err := c.Do(ctx(t), "PUBLISH", ch, msg)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if v.Kind != resp.Integer {
		t.Fatalf("publish reply %+v", v)
	}
	return v.Int
}

func TestPubSubAndReconnect(t *testing.T) {
	redis := extsvc.Redis(t)
	box := &inbox{}
	ps := resp.NewPubSub(resp.PubSubConfig{Addr: redis.Addr, OnMessage: box.add, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer ps.Close()
	cl := resp.NewClient(redis.Addr, resp.Options{}, 10*time.Millisecond)
	defer cl.Close()

	poll(t, "subscriber connected", ps.Connected)
	if err := ps.Subscribe(ctx(t), "a"); err != nil {
		t.Fatal(err)
	}
	// Subscribe returned: the subscription is in place, so a publish right
	// now reaches exactly one subscriber.
	if n := publish(t, cl, "a", "hello"); n != 1 {
		t.Fatalf("publish reached %d subscribers, want 1", n)
	}
	if n := publish(t, cl, "b", "nobody"); n != 0 {
		t.Fatalf("publish to an unsubscribed channel reached %d", n)
	}
	poll(t, "message", func() bool { return box.has("a=hello") })
	if box.has("b=nobody") {
		t.Fatal("received a message for a channel not subscribed")
	}
	if err := ps.Subscribe(ctx(t), "c"); err != nil {
		t.Fatal(err)
	}
	if err := ps.Unsubscribe(ctx(t), "c"); err != nil {
		t.Fatal(err)
	}
	if n := publish(t, cl, "c", "gone"); n != 0 {
		t.Fatalf("publish after unsubscribe reached %d", n)
	}

	// Redis restarts on the same port: the subscriber reconnects and
	// subscribes again to "a" by itself; the command client redials.
	port := redis.Port
	redis.Stop()
	poll(t, "subscriber notices the outage", func() bool { return !ps.Connected() })
	if _, err := cl.Do(ctx(t), "PING"); err == nil {
		t.Fatal("command succeeded with redis down")
	}
	if err := ps.Subscribe(ctx(t), "d"); !errors.Is(err, resp.ErrNotConnected) {
		t.Fatalf("subscribe while down: %v, want ErrNotConnected", err)
	}
	extsvc.RedisOn(t, port)
	poll(t, "resubscribed", func() bool {
		v, err := cl.Do(ctx(t), "PUBSUB", "NUMSUB", "a", "d")
		return err == nil && len(v.Array) == 4 && v.Array[1].Int == 1 && v.Array[3].Int == 1
	})
	publish(t, cl, "d", "after restart")
	poll(t, "message after restart", func() bool { return box.has("d=after restart") })
	if ps.Subscribed() != 2 {
		t.Fatalf("wanted channels %d, want 2 (a, d)", ps.Subscribed())
	}
}

func TestAuth(t *testing.T) {
	redis := extsvc.Redis(t, "--requirepass", "broker-password")
	if _, err := resp.Dial(ctx(t), redis.Addr, resp.Options{Password: "wrong"}); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("wrong password: %v", err)
	}
	c, err := resp.Dial(ctx(t), redis.Addr, resp.Options{Password: "broker-password"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, err := c.Do(ctx(t), "PING"); err != nil || v.Text() != "PONG" {
		t.Fatalf("ping: %+v %v", v, err)
	}
	// Without a password every command is refused with an error reply,
	// and the connection stays usable.
	c2, err := resp.Dial(ctx(t), redis.Addr, resp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var re *resp.RedisError
	if _, err := c2.Do(ctx(t), "PING"); !errors.As(err, &re) || c2.Err() != nil {
		t.Fatalf("unauthenticated ping: %v (conn err %v)", err, c2.Err())
	}

	box := &inbox{}
	ps := resp.NewPubSub(resp.PubSubConfig{Addr: redis.Addr, Options: resp.Options{Password: "broker-password"}, OnMessage: box.add})
	defer ps.Close()
	poll(t, "authenticated subscriber", ps.Connected)
	if err := ps.Subscribe(ctx(t), "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx(t), "PUBLISH", "x", "y"); err != nil {
		t.Fatal(err)
	}
	poll(t, "message", func() bool { return box.has("x=y") })
}

// A server that answers garbage kills the Conn; every waiting command fails
// with a protocol error and later ones fail at once.
func TestHostileServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		s, err := ln.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		r := bufio.NewReader(s)
		_, _ = resp.Read(r, resp.Limits{}) // the command
		_, _ = s.Write([]byte("$999999999999\r\n"))
		_, _ = r.ReadByte() // until the client hangs up
	}()
	c, err := resp.Dial(ctx(t), ln.Addr().String(), resp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Do(ctx(t), "PING"); !errors.Is(err, resp.ErrProtocol) {
		t.Fatalf("err %v, want a protocol error", err)
	}
	if _, err := c.Do(ctx(t), "PING"); !errors.Is(err, resp.ErrProtocol) {
		t.Fatalf("dead conn: err %v", err)
	}
	<-served
}

func TestInFlightBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		s, err := ln.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		_, _ = bufio.NewReader(s).ReadByte() // read, never answer
		buf := make([]byte, 4096)
		for {
			if _, err := s.Read(buf); err != nil {
				return
			}
		}
	}()
	c, err := resp.Dial(ctx(t), ln.Addr().String(), resp.Options{MaxInFlight: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 0; i < 3; i++ {
		if _, err := c.Do(canceled, "PING"); !errors.Is(err, context.Canceled) {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	if _, err := c.Do(canceled, "PING"); !errors.Is(err, resp.ErrBusy) {
		t.Fatalf("fourth unanswered command: %v, want ErrBusy", err)
	}
}
