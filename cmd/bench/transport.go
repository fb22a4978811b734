package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"godotsteam-sockets/engine"

	kcp "github.com/xtaci/kcp-go/v5"
)

// msg is one benchmark message in any implementation.
type msg struct {
	data     []byte
	reliable bool
	lane     int
}

// msgConn is the client side of one connection of any implementation.
type msgConn interface {
	// send queues one message. It returns errBackoff when the send buffer is
	// full (the caller should retry shortly); other errors are fatal.
	send(data []byte, reliable bool, lane int) error
	// recv waits up to timeout for the next message; ok=false on timeout.
	recv(timeout time.Duration) (m msg, ok bool, err error)
	close()
}

var errBackoff = errors.New("send buffer full")

// Engine config keys used here (NETWORKING_CONFIG_* numbers).
const (
	cfgFakeLossSend = 2
	cfgFakeLossRecv = 3
	cfgFakeLagSend  = 4
	cfgFakeLagRecv  = 5
	cfgSendBuffer   = 9
	cfgSendRateMin  = 10
	cfgSendRateMax  = 11
	cfgNagleTime    = 12
	cfgTimeoutInit  = 24
	cfgTimeoutConn  = 25
)

// netOptions are the engine options both sides of a benchmark use.
type netOptions struct {
	rateMin, rateMax int     // bytes/s; 0 = engine default
	sendBuffer       int     // bytes; 0 = default
	lossPct          float64 // fake loss, each direction, this side
	lagMs            int     // fake lag, each direction, this side
}

func (o netOptions) engineOptions() []engine.ConfigOption {
	var opts []engine.ConfigOption
	if o.rateMin > 0 {
		opts = append(opts, engine.Int32Option(cfgSendRateMin, int32(o.rateMin)))
	}
	if o.rateMax > 0 {
		opts = append(opts, engine.Int32Option(cfgSendRateMax, int32(o.rateMax)))
	}
	if o.sendBuffer > 0 {
		opts = append(opts, engine.Int32Option(cfgSendBuffer, int32(o.sendBuffer)))
	}
	if o.lossPct > 0 {
		opts = append(opts, engine.FloatOption(cfgFakeLossSend, float32(o.lossPct)),
			engine.FloatOption(cfgFakeLossRecv, float32(o.lossPct)))
	}
	if o.lagMs > 0 {
		opts = append(opts, engine.Int32Option(cfgFakeLagSend, int32(o.lagMs)),
			engine.Int32Option(cfgFakeLagRecv, int32(o.lagMs)))
	}
	return opts
}

// idle sleeps until the engine queues a message or an event (or 2 ms).
func idle(s *engine.Sockets) { s.WaitForActivity(2 * time.Millisecond) }

// ---------------------------------------------------------------- engine

type engineConn struct {
	s       *engine.Sockets
	h       engine.Handle
	pending []*engine.Message
	batch   []engine.OutgoingMessage
	owned   bool // close s with the connection
}

// dialEngine connects to an engine (or GNS) server and waits until connected.
func dialEngine(s *engine.Sockets, addr string, o netOptions, owned bool) (*engineConn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("bad address %q: %v", addr, err)
	}
	h, err := s.ConnectByIPAddress(ap, o.engineOptions())
	if err != nil || h == 0 {
		return nil, fmt.Errorf("connect %s: %v", addr, err)
	}
	c := &engineConn{s: s, h: h, owned: owned}
	if owned && os.Getenv("BENCH_TRACE") != "" {
		go traceStatus(s, h)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		info, ok := s.ConnectionInfo(h)
		if !ok {
			return nil, errors.New("connection handle vanished")
		}
		switch info.State {
		case engine.StateConnected:
			return c, nil
		case engine.StateClosedByPeer, engine.StateProblemDetectedLocally:
			s.CloseConnection(h, 0, "", false)
			return nil, fmt.Errorf("connect failed: end reason %d %q", info.EndReason, info.EndDebug)
		}
		if owned {
			s.PollEvents(nil) // keep the event queue from growing
		}
		s.WaitForActivity(time.Millisecond) // state changes post events
	}
	s.CloseConnection(h, 0, "", false)
	return nil, errors.New("connect timed out")
}

func (c *engineConn) send(data []byte, reliable bool, lane int) error {
	flags := engine.SendUnreliable | engine.SendNoNagle
	if reliable {
		flags = engine.SendReliable | engine.SendNoNagle
	}
	_, res := c.s.SendMessageOnLane(c.h, data, flags, lane)
	switch res {
	case engine.ResultOK:
		return nil
	case engine.ResultLimitExceeded:
		return errBackoff
	}
	info, _ := c.s.ConnectionInfo(c.h)
	return fmt.Errorf("send failed: EResult %d (connection state %d, end reason %d %q)", res, info.State, info.EndReason, info.EndDebug)
}

// sendUnreliableBatch offers n copies of p as no-Nagle messages in one
// SendMessages call and returns how many the engine accepted. The first is
// reliable when firstReliable is set.
func (c *engineConn) sendUnreliableBatch(p []byte, n int, firstReliable bool) (int, error) {
	if cap(c.batch) < n {
		c.batch = make([]engine.OutgoingMessage, n)
	}
	c.batch = c.batch[:n]
	for i := range c.batch {
		c.batch[i] = engine.OutgoingMessage{Conn: c.h, Data: p, Flags: engine.SendUnreliable | engine.SendNoNagle}
	}
	if firstReliable {
		c.batch[0].Flags = engine.SendReliable | engine.SendNoNagle
	}
	ok := 0
	for _, r := range c.s.SendMessages(c.batch) {
		switch {
		case r > 0:
			ok++
		case r == -int64(engine.ResultLimitExceeded):
		default:
			info, _ := c.s.ConnectionInfo(c.h)
			return ok, fmt.Errorf("send failed: EResult %d (connection state %d, end reason %d %q)", -r, info.State, info.EndReason, info.EndDebug)
		}
	}
	return ok, nil
}

func (c *engineConn) recv(timeout time.Duration) (msg, bool, error) {
	deadline := time.Now().Add(timeout)
	for {
		if len(c.pending) == 0 {
			c.pending = c.s.ReceiveMessagesOnConnection(c.h, 256)
		}
		if len(c.pending) > 0 {
			m := c.pending[0]
			c.pending = c.pending[1:]
			return msg{data: m.Data, reliable: m.Flags&engine.SendReliable != 0, lane: m.Lane}, true, nil
		}
		if time.Now().After(deadline) {
			return msg{}, false, nil
		}
		// Wait first; the connection's state (a formatted description:
		// not free) is only looked at when nothing arrived meanwhile.
		if !c.s.WaitForActivity(2 * time.Millisecond) {
			if info, ok := c.s.ConnectionInfo(c.h); !ok || info.State != engine.StateConnected {
				return msg{}, false, fmt.Errorf("connection lost: state %d reason %d %q", info.State, info.EndReason, info.EndDebug)
			}
		}
		if c.owned {
			c.s.PollEvents(nil)
		}
	}
}

func (c *engineConn) close() {
	c.s.CloseConnection(c.h, 0, "bench done", true)
	if c.owned {
		c.s.Close()
	}
}

// ---------------------------------------------------------------- kcp

// kcp carries our messages as frames on its reliable stream:
// uint32 LE length, one flags byte (bit 0 = reliable), lane byte, payload.
type kcpConn struct {
	sess *kcp.UDPSession
	mu   sync.Mutex
	hdr  [6]byte
	in   chan msg
	err  chan error
}

func tuneKCP(s *kcp.UDPSession) {
	s.SetStreamMode(true)
	s.SetWriteDelay(false)
	s.SetNoDelay(1, 10, 2, 1) // the "turbo" profile kcp-go recommends for latency
	s.SetWindowSize(4096, 4096)
	s.SetACKNoDelay(true)
	s.SetMtu(1200)
	_ = s.SetReadBuffer(4 << 20)
	_ = s.SetWriteBuffer(4 << 20)
}

func dialKCP(addr string) (*kcpConn, error) {
	s, err := kcp.DialWithOptions(addr, nil, 0, 0)
	if err != nil {
		return nil, err
	}
	tuneKCP(s)
	c := &kcpConn{sess: s, in: make(chan msg, 1024), err: make(chan error, 1)}
	go c.readLoop()
	return c, nil
}

func writeFrame(w io.Writer, hdr *[6]byte, data []byte, reliable bool, lane int) error {
	binary.LittleEndian.PutUint32(hdr[:4], uint32(len(data)))
	hdr[4] = 0
	if reliable {
		hdr[4] = 1
	}
	hdr[5] = byte(lane)
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

func readFrame(r io.Reader, hdr *[6]byte) (msg, error) {
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return msg{}, err
	}
	n := binary.LittleEndian.Uint32(hdr[:4])
	if n > 1<<20 {
		return msg{}, fmt.Errorf("frame too large: %d", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return msg{}, err
	}
	return msg{data: data, reliable: hdr[4]&1 != 0, lane: int(hdr[5])}, nil
}

func (c *kcpConn) readLoop() {
	var hdr [6]byte
	for {
		m, err := readFrame(c.sess, &hdr)
		if err != nil {
			c.err <- err
			close(c.in)
			return
		}
		c.in <- m
	}
}

func (c *kcpConn) send(data []byte, reliable bool, lane int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return writeFrame(c.sess, &c.hdr, data, reliable, lane)
}

func (c *kcpConn) recv(timeout time.Duration) (msg, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case m, ok := <-c.in:
		if !ok {
			return msg{}, false, <-c.err
		}
		return m, true, nil
	case <-t.C:
		return msg{}, false, nil
	}
}

func (c *kcpConn) close() { c.sess.Close() }

// ---------------------------------------------------------------- raw UDP

// rawConn sends each message as one datagram (no reliability at all).
type rawConn struct {
	c   *net.UDPConn
	buf []byte
}

func dialRaw(addr string) (*rawConn, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	c, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(4 << 20)
	_ = c.SetWriteBuffer(4 << 20)
	return &rawConn{c: c, buf: make([]byte, 65536)}, nil
}

func (c *rawConn) send(data []byte, reliable bool, lane int) error {
	_, err := c.c.Write(data)
	return err
}

func (c *rawConn) recv(timeout time.Duration) (msg, bool, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	n, err := c.c.Read(c.buf)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return msg{}, false, nil
		}
		return msg{}, false, err
	}
	return msg{data: c.buf[:n]}, true, nil
}

func (c *rawConn) close() { c.c.Close() }

// traceStatus prints the connection's real-time status every 250 ms to
// stderr (BENCH_TRACE=1): send rate, ping, queues. For tuning, not figures.
func traceStatus(s *engine.Sockets, h engine.Handle) {
	for {
		time.Sleep(250 * time.Millisecond)
		st, _, res := s.RealTimeStatus(h, 0)
		if res != engine.ResultOK {
			return
		}
		fmt.Fprintf(os.Stderr, "trace: rate %d B/s ping %d ms out %.0f B/s in %.0f B/s pendRel %d unacked %d queue %d us qual %.2f/%.2f\n",
			st.SendRateBytesPerSecond, st.Ping, st.OutBytesPerSec, st.InBytesPerSec, st.PendingReliable,
			st.SentUnackedReliable, st.QueueTimeMicroseconds, st.LocalQuality, st.RemoteQuality)
	}
}
