package rendezvous

import (
	"bufio"
	"crypto/ed25519"
	"net"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/internal/proto"
)

// session is one logged-in client.
type session struct {
	srv      *Server
	conn     net.Conn
	steamID  uint64
	identity string
	pubKey   ed25519.PublicKey

	queue chan []byte // encoded frames for the writer
	done  chan struct{}

	mu          sync.Mutex
	queuedBytes int
	closed      bool
	bucket      float64 // rate-limit tokens
	lastFill    time.Time
	floodDrops  int
	lastNoPeer  time.Time
}

// run reads frames until the connection ends, with a writer goroutine.
func (s *Server) run(sess *session, r *bufio.Reader) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sess.writeLoop()
	}()
	defer func() {
		s.unregister(sess)
		sess.shutdown()
		wg.Wait()
	}()
	for {
		_ = sess.conn.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		m, err := proto.Read(r, s.cfg.MaxFrame)
		if err != nil {
			s.countReadError(err)
			return
		}
		switch m.T {
		case proto.TPing:
			sess.enqueue(&proto.Msg{T: proto.TPong}, true)
		case proto.TPong:
		case proto.TSignal:
			if !sess.allow() {
				s.stats.floodDropped.Add(1)
				sess.mu.Lock()
				sess.floodDrops++
				kick := sess.floodDrops >= s.cfg.FloodDisconnect
				sess.mu.Unlock()
				if kick {
					s.stats.floodDisconnects.Add(1)
					sess.kick(proto.CodeFlood, "too many signals; slow down")
					return
				}
				continue
			}
			s.forward(sess, m)
		case proto.TRequest:
			if !sess.allow() {
				s.stats.floodDropped.Add(1)
				s.xstats.refused.Add(1)
				sess.enqueue(&proto.Msg{T: proto.TResponse, Op: m.Op, ReqID: m.ReqID, Result: proto.ResultRateLimited}, true)
				continue
			}
			s.handleRequest(sess, m)
		case proto.TBye:
			return
		default:
			s.stats.malformed.Add(1)
			return
		}
	}
}

func (s *Server) forward(from *session, m *proto.Msg) {
	to := s.lookup(m.To)
	if to != nil {
		if to.enqueue(&proto.Msg{T: proto.TSignal, From: from.identity, Data: m.Data}, false) {
			s.stats.forwarded.Add(1)
		}
		return
	}
	if s.cluster != nil && validIdentity(m.To) {
		// Not here: maybe on another node (counted there when delivered).
		delivered, err := s.cluster.forward(from.identity, m.To, m.Data)
		if delivered {
			return
		}
		if err != nil { // counted in Broker.Errors
			s.cfg.Logf("rendezvous: signal for %s not forwarded through the broker: %v", m.To, err)
			s.noPeer(from, m.To)
			return
		}
	}
	s.stats.unknown.Add(1)
	s.noPeer(from, m.To)
}

// noPeer tells the sender (at most once a second) that a signal could not
// be delivered, so it can fail fast.
func (s *Server) noPeer(from *session, to string) {
	from.mu.Lock()
	tell := time.Since(from.lastNoPeer) >= time.Second
	if tell {
		from.lastNoPeer = time.Now()
	}
	from.mu.Unlock()
	if tell {
		from.enqueue(&proto.Msg{T: proto.TNoPeer, To: to}, false)
	}
}

// allow applies the token bucket for signals.
func (sess *session) allow() bool {
	cfg := &sess.srv.cfg
	sess.mu.Lock()
	defer sess.mu.Unlock()
	now := time.Now()
	sess.bucket += now.Sub(sess.lastFill).Seconds() * cfg.SignalRate
	if sess.bucket > float64(cfg.SignalBurst) {
		sess.bucket = float64(cfg.SignalBurst)
	}
	sess.lastFill = now
	if sess.bucket < 1 {
		return false
	}
	sess.bucket--
	return true
}

// enqueue queues a frame for the writer; when the queue's byte budget is
// exhausted the frame is dropped (counted) unless control is set (small
// control frames are always allowed while the channel has room).
func (sess *session) enqueue(m *proto.Msg, control bool) bool {
	b, err := encodeFrame(m)
	if err != nil {
		return false
	}
	sess.mu.Lock()
	if sess.closed || (!control && sess.queuedBytes+len(b) > sess.srv.cfg.SendQueueBytes) {
		sess.mu.Unlock()
		// Counted also when the receiver is closing: the frame is lost.
		sess.srv.stats.queueDropped.Add(1)
		return false
	}
	select {
	case sess.queue <- b:
		sess.queuedBytes += len(b)
		sess.mu.Unlock()
		return true
	default:
		sess.mu.Unlock()
		sess.srv.stats.queueDropped.Add(1)
		return false
	}
}

func (sess *session) writeLoop() {
	for {
		select {
		case b := <-sess.queue:
			sess.mu.Lock()
			sess.queuedBytes -= len(b)
			sess.mu.Unlock()
			_ = sess.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := sess.conn.Write(b); err != nil {
				sess.conn.Close()
				return
			}
		case <-sess.done:
			return
		}
	}
}

// kick sends a bye with a reason and closes the connection.
func (sess *session) kick(code, text string) {
	if b, err := encodeFrame(&proto.Msg{T: proto.TBye, Code: code, Text: text}); err == nil {
		_ = sess.conn.SetWriteDeadline(time.Now().Add(time.Second))
		sess.mu.Lock()
		closed := sess.closed
		sess.mu.Unlock()
		if !closed {
			_, _ = sess.conn.Write(b)
		}
	}
	sess.conn.Close()
}

func (sess *session) shutdown() {
	sess.mu.Lock()
	if !sess.closed {
		sess.closed = true
		close(sess.done)
	}
	sess.mu.Unlock()
	sess.conn.Close()
}

func encodeFrame(m *proto.Msg) ([]byte, error) { return proto.Encode(m) }

// queuedBytes sums the send queues of all sessions (Stats).
func (s *Server) queuedBytes() int64 {
	s.mu.Lock()
	sessions := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	var n int64
	for _, sess := range sessions {
		sess.mu.Lock()
		n += int64(sess.queuedBytes)
		sess.mu.Unlock()
	}
	return n
}
