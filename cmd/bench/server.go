package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"godotsteam-sockets/engine"

	kcp "github.com/xtaci/kcp-go/v5"
	"golang.org/x/net/ipv4"
)

// The benchmark protocol, deliberately tiny so any implementation of the wire
// protocol can play either side: the client's first message on a connection
// is the reliable text "mode echo" or "mode sink". In echo mode every later
// message goes back unchanged (same reliability and lane). In sink mode the
// server counts payload bytes and a running CRC-32 (IEEE) in arrival order and
// answers the reliable text "end" with "done <bytes> <crc32 as 8 hex digits>".
const (
	modeEcho = "mode echo"
	modeSink = "mode sink"
)

// sinkState is the per-connection protocol state of a server.
type sinkState struct {
	mode  string
	bytes int64
	crc   uint32
}

// handle processes one message; reply (if non-nil) must be sent back.
func (st *sinkState) handle(m msg) (reply *msg) {
	if st.mode == "" {
		if line := string(m.data); line == modeEcho || line == modeSink {
			st.mode = line
			return nil
		}
		// No mode line first: behave as echo.
		st.mode = modeEcho
	}
	if st.mode == modeEcho {
		return &m
	}
	if m.reliable && string(m.data) == "end" {
		return &msg{data: []byte(fmt.Sprintf("done %d %08x", st.bytes, st.crc)), reliable: true}
	}
	st.bytes += int64(len(m.data))
	st.crc = crc32.Update(st.crc, crc32.IEEETable, m.data)
	return nil
}

// runServer serves until SIGINT/SIGTERM or stdin closes (when started by the
// orchestrator, which holds our stdin).
func runServer(impl, addr string, o netOptions, watchStdin bool) error {
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sigs; close(stop) }()
	if watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			select {
			case <-stop:
			default:
				sigs <- syscall.SIGTERM
			}
		}()
	}
	switch impl {
	case "engine":
		return serveEngine(addr, o, stop)
	case "kcp":
		return serveKCP(addr, stop)
	case "raw":
		return serveRaw(addr, stop)
	}
	return fmt.Errorf("unknown impl %q (engine, kcp, raw)", impl)
}

func serveEngine(addr string, o netOptions, stop chan struct{}) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return err
	}
	s := engine.NewSockets(engine.Options{})
	defer s.Close()
	ls, err := s.CreateListenSocketIP(ap, o.engineOptions())
	if err != nil || ls == 0 {
		return fmt.Errorf("listen %s: %v", addr, err)
	}
	bound, _ := s.ListenSocketAddress(ls)
	fmt.Fprintf(os.Stderr, "bench server (engine) listening on %s\n", bound)
	fmt.Printf("ready %s\n", bound)
	pg := s.CreatePollGroup()
	states := map[engine.Handle]*sinkState{}
	lanes := map[engine.Handle]int{}
	var events []engine.Event
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		busy := false
		events = s.PollEvents(events[:0])
		for _, ev := range events {
			busy = true
			e, ok := ev.(*engine.ConnectionStatusChanged)
			if !ok {
				continue
			}
			switch e.Info.State {
			case engine.StateConnecting:
				if s.AcceptConnection(e.Conn) == engine.ResultOK {
					s.SetConnectionPollGroup(e.Conn, pg)
					states[e.Conn] = &sinkState{}
					lanes[e.Conn] = 1
				}
			case engine.StateClosedByPeer, engine.StateProblemDetectedLocally:
				s.CloseConnection(e.Conn, 0, "", false)
				delete(states, e.Conn)
				delete(lanes, e.Conn)
			}
		}
		for _, m := range s.ReceiveMessagesOnPollGroup(pg, 256) {
			busy = true
			st := states[m.Conn]
			if st == nil {
				continue
			}
			reply := st.handle(msg{data: m.Data, reliable: m.Flags&engine.SendReliable != 0, lane: m.Lane})
			if reply == nil {
				continue
			}
			if reply.lane >= lanes[m.Conn] {
				n := reply.lane + 1
				prio := make([]int, n)
				w := make([]int, n)
				for i := range w {
					w[i] = 1
				}
				if s.ConfigureConnectionLanes(m.Conn, n, prio, w) == engine.ResultOK {
					lanes[m.Conn] = n
				}
			}
			flags := engine.SendNoNagle
			if reply.reliable {
				flags |= engine.SendReliable
			}
			for {
				_, res := s.SendMessageOnLane(m.Conn, reply.data, flags, reply.lane)
				if res != engine.ResultLimitExceeded || !reply.reliable {
					break
				}
				idle(s) // reliable echo must not be dropped: wait for room
			}
		}
		if !busy {
			idle(s)
		}
	}
}

func serveKCP(addr string, stop chan struct{}) error {
	l, err := kcp.ListenWithOptions(addr, nil, 0, 0)
	if err != nil {
		return err
	}
	_ = l.SetReadBuffer(4 << 20)
	_ = l.SetWriteBuffer(4 << 20)
	fmt.Fprintf(os.Stderr, "bench server (kcp) listening on %s\n", l.Addr())
	fmt.Printf("ready %s\n", l.Addr())
	go func() { <-stop; l.Close() }()
	for {
		s, err := l.AcceptKCP()
		if err != nil {
			select {
			case <-stop:
				return nil
			default:
				return err
			}
		}
		tuneKCP(s)
		go func() {
			defer s.Close()
			var rh, wh [6]byte
			st := &sinkState{}
			for {
				m, err := readFrame(s, &rh)
				if err != nil {
					return
				}
				if r := st.handle(m); r != nil {
					if writeFrame(s, &wh, r.data, r.reliable, r.lane) != nil {
						return
					}
				}
			}
		}()
	}
}

// serveRaw echoes datagrams, or counts them after "mode sink" and answers
// "end" (sent repeatedly by the client until answered) with "done ...".
// It reads up to 64 datagrams per system call (recvmmsg), and with UDP GRO
// on Linux, as the engine does, so the raw baseline is the machine's limit
// and not Go's per-call overhead.
func serveRaw(addr string, stop chan struct{}) error {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return err
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return err
	}
	_ = c.SetReadBuffer(8 << 20)
	_ = c.SetWriteBuffer(4 << 20)
	fmt.Fprintf(os.Stderr, "bench server (raw) listening on %s\n", c.LocalAddr())
	fmt.Printf("ready %s\n", c.LocalAddr())
	go func() { <-stop; c.Close() }()
	// GRO (Linux): a GSO sender's runs arrive in one read each, split
	// again below; other senders are unaffected.
	gro := enableGRO(c)
	pc := ipv4.NewPacketConn(c)
	states := map[netip.AddrPort]*sinkState{}
	const batch = 64
	msgs := make([]ipv4.Message, batch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, 65536)}
		if gro {
			msgs[i].OOB = make([]byte, 64)
		}
	}
	for {
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		for _, m := range msgs[:n] {
			ua, ok := m.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			from := ua.AddrPort()
			st := states[from]
			if st == nil {
				st = &sinkState{}
				states[from] = st
			}
			all := m.Buffers[0][:m.N]
			seg := len(all)
			if gro {
				if g := groSegment(m.OOB[:m.NN]); g > 0 {
					seg = g
				}
			}
			for len(all) > 0 {
				data := all[:min(seg, len(all))]
				all = all[len(data):]
				// Raw UDP has no reliability bit; mode lines and "end" are recognised by text.
				isCtl := bytes.Equal(data, []byte("end")) || strings.HasPrefix(string(data), "mode ")
				if r := st.handle(msg{data: data, reliable: isCtl}); r != nil {
					_, _ = c.WriteToUDPAddrPort(r.data, from)
				}
			}
		}
	}
}
