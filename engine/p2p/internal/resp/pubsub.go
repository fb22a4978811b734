package resp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// PubSubConfig configures a PubSub.
type PubSubConfig struct {
	Addr string
	Options
	// OnMessage receives every message on a subscribed channel, from the
	// reader goroutine, in arrival order. It must not block for long.
	OnMessage func(channel string, payload []byte)
	// OnState is told when the subscriber connects (err nil) or loses the
	// connection (err says why). Optional; must not block.
	OnState func(connected bool, err error)
	// PingInterval is how often the subscriber pings; a server silent for
	// three intervals is taken for dead (default 5 s).
	PingInterval time.Duration
	// MinBackoff and MaxBackoff bound reconnect delays (default 100 ms, 5 s).
	MinBackoff, MaxBackoff time.Duration
}

// ErrNotConnected: the subscriber is reconnecting; the subscription is
// remembered and made when the connection is back.
var ErrNotConnected = errors.New("resp: not connected to redis (reconnecting)")

// PubSub is a subscriber connection that stays connected: it redials with
// backoff and subscribes again to every wanted channel after a reconnect.
type PubSub struct {
	cfg PubSubConfig

	mu      sync.Mutex
	want    map[string]struct{}
	nc      net.Conn // nil while disconnected
	waiters []waiter // confirmations expected, in command order
	closed  bool
	done    chan struct{}
	wg      sync.WaitGroup
}

type waiter struct {
	kind    string // "subscribe" or "unsubscribe"
	channel string
	ch      chan error // nil: nobody waits
}

// NewPubSub starts the subscriber; it connects in the background.
func NewPubSub(cfg PubSubConfig) *PubSub {
	cfg.Options.defaults()
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 5 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.OnMessage == nil {
		cfg.OnMessage = func(string, []byte) {}
	}
	if cfg.OnState == nil {
		cfg.OnState = func(bool, error) {}
	}
	p := &PubSub{cfg: cfg, want: map[string]struct{}{}, done: make(chan struct{})}
	p.wg.Add(1)
	go p.run()
	return p
}

// Subscribe adds channel to the wanted set and, when connected, waits until
// Redis confirms the subscription (so a PUBLISH after it returns reaches
// us). When disconnected it returns ErrNotConnected; the channel stays
// wanted and is subscribed on reconnect.
func (p *PubSub) Subscribe(ctx context.Context, channel string) error {
	return p.change(ctx, "subscribe", channel)
}

// Unsubscribe removes channel from the wanted set and, when connected,
// waits for Redis's confirmation.
func (p *PubSub) Unsubscribe(ctx context.Context, channel string) error {
	return p.change(ctx, "unsubscribe", channel)
}

func (p *PubSub) change(ctx context.Context, kind, channel string) error {
	ch := make(chan error, 1)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if kind == "subscribe" {
		p.want[channel] = struct{}{}
	} else {
		delete(p.want, channel)
	}
	if p.nc == nil {
		p.mu.Unlock()
		return ErrNotConnected
	}
	err := p.writeLocked(AppendCommand(nil, kind, channel), waiter{kind, channel, ch})
	p.mu.Unlock()
	if err != nil {
		return err
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeLocked writes a command and queues its confirmation waiters.
func (p *PubSub) writeLocked(b []byte, ws ...waiter) error {
	_ = p.nc.SetWriteDeadline(time.Now().Add(p.cfg.WriteTimeout))
	if _, err := p.nc.Write(b); err != nil {
		p.nc.Close() // the reader notices and reconnects
		return fmt.Errorf("resp: subscribe write: %w", err)
	}
	p.waiters = append(p.waiters, ws...)
	return nil
}

// Connected reports whether the subscriber is connected now.
func (p *PubSub) Connected() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nc != nil
}

// Subscribed is the number of wanted channels.
func (p *PubSub) Subscribed() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.want)
}

// Close disconnects and stops reconnecting.
func (p *PubSub) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	if p.nc != nil {
		p.nc.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *PubSub) run() {
	defer p.wg.Done()
	backoff := p.cfg.MinBackoff
	for {
		connected, err := p.session()
		p.cfg.OnState(false, err)
		if connected { // the first attempt after a lost connection is quick
			backoff = p.cfg.MinBackoff
		}
		select {
		case <-p.done:
			return
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > p.cfg.MaxBackoff {
			backoff = p.cfg.MaxBackoff
		}
	}
}

// session runs one connection until it fails; connected tells whether it
// got as far as subscribing.
func (p *PubSub) session() (connected bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.DialTimeout)
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	nc, err := p.cfg.Dial(ctx, p.cfg.Addr)
	cancel()
	if err != nil {
		return false, fmt.Errorf("resp: connect to redis at %s: %w", p.cfg.Addr, err)
	}
	r := bufio.NewReaderSize(nc, 16<<10)
	if err := p.authenticate(nc, r); err != nil {
		nc.Close()
		return false, err
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		nc.Close()
		return false, ErrClosed
	}
	p.nc = nc
	// Subscribe again to everything wanted, in batches.
	var batch []string
	var ws []waiter
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := p.writeLocked(AppendCommand(nil, append([]string{"subscribe"}, batch...)...), ws...)
		batch, ws = batch[:0], ws[:0]
		return err
	}
	for ch := range p.want {
		batch = append(batch, ch)
		ws = append(ws, waiter{kind: "subscribe", channel: ch})
		if len(batch) == 256 {
			if flush() != nil {
				break
			}
		}
	}
	_ = flush()
	p.mu.Unlock()
	p.cfg.OnState(true, nil)

	stopPing := make(chan struct{})
	pingDone := make(chan struct{})
	go p.pinger(stopPing, pingDone)
	err = p.readLoop(nc, r)
	close(stopPing)
	<-pingDone

	p.mu.Lock()
	p.nc = nil
	nc.Close()
	for _, w := range p.waiters {
		if w.ch != nil {
			w.ch <- ErrNotConnected
		}
	}
	p.waiters = nil
	p.mu.Unlock()
	return true, err
}

func (p *PubSub) authenticate(nc net.Conn, r *bufio.Reader) error {
	if p.cfg.Password == "" {
		return nil
	}
	args := []string{"AUTH", p.cfg.Password}
	if p.cfg.Username != "" {
		args = []string{"AUTH", p.cfg.Username, p.cfg.Password}
	}
	_ = nc.SetDeadline(time.Now().Add(p.cfg.DialTimeout))
	defer nc.SetDeadline(time.Time{})
	if _, err := nc.Write(AppendCommand(nil, args...)); err != nil {
		return err
	}
	v, err := Read(r, p.cfg.Limits)
	if err != nil {
		return err
	}
	if v.Kind == Error {
		return fmt.Errorf("resp: redis refused AUTH (check the broker password): %w", &RedisError{Msg: v.Text()})
	}
	return nil
}

func (p *PubSub) pinger(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(p.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.nc != nil {
				_ = p.writeLocked(AppendCommand(nil, "ping"))
			}
			p.mu.Unlock()
		}
	}
}

func (p *PubSub) readLoop(nc net.Conn, r *bufio.Reader) error {
	for {
		_ = nc.SetReadDeadline(time.Now().Add(3 * p.cfg.PingInterval))
		v, err := Read(r, p.cfg.Limits)
		if err != nil {
			select {
			case <-p.done:
				return ErrClosed
			default:
			}
			return fmt.Errorf("resp: subscriber read: %w", err)
		}
		if err := p.handle(v); err != nil {
			return err
		}
	}
}

// handle dispatches one push: a message, a (un)subscribe confirmation, or
// a pong.
func (p *PubSub) handle(v Value) error {
	switch v.Kind {
	case SimpleString: // +PONG before any subscription
		return nil
	case Error:
		return &RedisError{Msg: v.Text()}
	case Array:
	default:
		return fmt.Errorf("%w: unexpected %q push on a subscriber", ErrProtocol, v.Kind)
	}
	if len(v.Array) == 0 || v.Array[0].Kind != Bulk {
		return fmt.Errorf("%w: malformed push", ErrProtocol)
	}
	switch kind := v.Array[0].Text(); kind {
	case "message":
		if len(v.Array) != 3 || v.Array[1].Kind != Bulk || v.Array[2].Kind != Bulk {
			return fmt.Errorf("%w: malformed message push", ErrProtocol)
		}
		p.cfg.OnMessage(v.Array[1].Text(), v.Array[2].Str)
	case "subscribe", "unsubscribe":
		if len(v.Array) != 3 {
			return fmt.Errorf("%w: malformed %s confirmation", ErrProtocol, kind)
		}
		p.mu.Lock()
		if len(p.waiters) == 0 {
			p.mu.Unlock()
			return fmt.Errorf("%w: unrequested %s confirmation", ErrProtocol, kind)
		}
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		if w.ch != nil {
			var err error
			if w.kind != kind || w.channel != v.Array[1].Text() {
				err = fmt.Errorf("%w: confirmation %s %q, expected %s %q", ErrProtocol, kind, v.Array[1].Text(), w.kind, w.channel)
			}
			w.ch <- err
		}
	case "pong":
	default:
		return fmt.Errorf("%w: unexpected push %q", ErrProtocol, kind)
	}
	return nil
}
