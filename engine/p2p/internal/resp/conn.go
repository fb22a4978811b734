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

// Options configure connections.
type Options struct {
	// Username and Password authenticate (AUTH) after connecting; empty
	// Password = no AUTH. Username is for Redis 6 ACL users.
	Username, Password string
	// DialTimeout bounds connecting and authenticating (default 5 s).
	DialTimeout time.Duration
	// WriteTimeout bounds one write to the server (default 5 s).
	WriteTimeout time.Duration
	// MaxInFlight bounds commands awaiting replies on one Conn (default
	// 1024); more fail at once with ErrBusy instead of queueing.
	MaxInFlight int
	// Limits bound replies (DefaultLimits for zero fields).
	Limits Limits
	// Dial overrides how the TCP connection is made (TLS, tests).
	Dial func(ctx context.Context, addr string) (net.Conn, error)
}

func (o *Options) defaults() {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 1024
	}
	if o.Dial == nil {
		o.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
}

// Errors.
var (
	ErrClosed = errors.New("resp: connection closed")
	ErrBusy   = errors.New("resp: too many commands awaiting replies")
)

// Conn is one pipelined command connection: Do may be called concurrently;
// commands are written in call order and replies matched in that order.
// After any I/O or protocol error the Conn is dead (Err says why).
type Conn struct {
	nc   net.Conn
	opts Options

	wmu     sync.Mutex // orders writes with their place in pending
	pending chan *call
	dead    bool
	err     error
	done    chan struct{}
}

type call struct {
	v    Value
	err  error
	done chan struct{}
}

// Dial connects to addr and authenticates.
func Dial(ctx context.Context, addr string, opts Options) (*Conn, error) {
	opts.defaults()
	ctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	nc, err := opts.Dial(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("resp: connect to redis at %s: %w", addr, err)
	}
	c := &Conn{nc: nc, opts: opts, pending: make(chan *call, opts.MaxInFlight), done: make(chan struct{})}
	go c.readLoop()
	if err := c.auth(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) auth(ctx context.Context) error {
	if c.opts.Password == "" {
		return nil
	}
	args := []string{"AUTH", c.opts.Password}
	if c.opts.Username != "" {
		args = []string{"AUTH", c.opts.Username, c.opts.Password}
	}
	if _, err := c.Do(ctx, args...); err != nil {
		return fmt.Errorf("resp: redis refused AUTH (check the broker password): %w", err)
	}
	return nil
}

// Do sends a command and waits for its reply. An error reply is returned
// as *RedisError (the Conn stays usable). If ctx is canceled first, Do
// returns ctx.Err() and the reply is discarded when it arrives; if ctx's
// deadline passes first the server is taken for stalled and the Conn dies
// (a Client then redials).
func (c *Conn) Do(ctx context.Context, args ...string) (Value, error) {
	cl := &call{done: make(chan struct{})}
	if err := c.send(cl, AppendCommand(nil, args...)); err != nil {
		return Value{}, err
	}
	select {
	case <-cl.done:
		return cl.v, cl.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			c.fail(fmt.Errorf("resp: redis did not reply in time: %w", ctx.Err()))
		}
		return Value{}, ctx.Err()
	}
}

func (c *Conn) send(cl *call, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.dead {
		return c.err
	}
	select {
	case c.pending <- cl:
	default:
		return ErrBusy
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	if _, err := c.nc.Write(b); err != nil {
		c.failLocked(fmt.Errorf("resp: write to redis: %w", err))
		return c.err
	}
	return nil
}

func (c *Conn) readLoop() {
	defer close(c.done)
	r := bufio.NewReaderSize(c.nc, 16<<10)
	for {
		v, err := Read(r, c.opts.Limits)
		if err != nil {
			c.fail(fmt.Errorf("resp: read from redis: %w", err))
			return
		}
		var cl *call
		select {
		case cl = <-c.pending:
		default:
			c.fail(fmt.Errorf("%w: reply without a command", ErrProtocol))
			return
		}
		cl.v = v
		if v.Kind == Error {
			cl.err = &RedisError{Msg: v.Text()}
		}
		close(cl.done)
	}
}

func (c *Conn) fail(err error) {
	c.wmu.Lock()
	c.failLocked(err)
	c.wmu.Unlock()
}

// failLocked marks the Conn dead and fails every waiting command.
func (c *Conn) failLocked(err error) {
	if !c.dead {
		c.dead = true
		c.err = err
		c.nc.Close()
	}
	for {
		select {
		case cl := <-c.pending:
			cl.err = c.err
			close(cl.done)
		default:
			return
		}
	}
}

// Err is why the Conn died (nil while alive).
func (c *Conn) Err() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.dead {
		return nil
	}
	return c.err
}

// Close closes the connection and waits for its reader.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	<-c.done
	return nil
}

// Client is a command connection that redials on demand: after the Conn
// dies, the next Do dials again (at most once per Backoff while the server
// stays unreachable, failing fast in between).
type Client struct {
	addr    string
	opts    Options
	backoff time.Duration

	mu       sync.Mutex
	conn     *Conn
	lastFail time.Time
	lastErr  error
	closed   bool
}

// NewClient makes a client for addr; it connects on first use.
func NewClient(addr string, opts Options, backoff time.Duration) *Client {
	if backoff <= 0 {
		backoff = time.Second
	}
	return &Client{addr: addr, opts: opts, backoff: backoff}
}

func (c *Client) get(ctx context.Context) (*Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.conn != nil && c.conn.Err() == nil {
		return c.conn, nil
	}
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	if c.lastErr != nil && time.Since(c.lastFail) < c.backoff {
		return nil, c.lastErr
	}
	conn, err := Dial(ctx, c.addr, c.opts)
	if err != nil {
		c.lastErr, c.lastFail = err, time.Now()
		return nil, err
	}
	c.lastErr = nil
	c.conn = conn
	return conn, nil
}

// Do runs a command on the current connection, dialing if needed.
func (c *Client) Do(ctx context.Context, args ...string) (Value, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return Value{}, err
	}
	return conn.Do(ctx, args...)
}

// Close closes the current connection; later calls fail with ErrClosed.
func (c *Client) Close() {
	c.mu.Lock()
	c.closed = true
	conn := c.conn
	c.conn = nil
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}
