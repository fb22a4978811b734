package rendezvous

import (
	"net/netip"
	"sync/atomic"
	"time"

	"godotsteam-sockets/engine/p2p/internal/proto"
)

// ExtraStats counts the FakeIP and hosted-server features.
type ExtraStats struct {
	FakeIPsLive     int64 // allocations whose owner is logged in
	FakeIPsHeld     int64 // allocations held for an identity that logged out
	FakeIPLookups   int64
	FakeIPMisses    int64 // lookups that found no owner
	HostedServers   int64 // registered server identities
	HostedPorts     int64 // registered (server, virtual port) pairs
	TicketsIssued   int64
	TicketsRefused  int64
	RequestsRefused int64 // malformed, unknown op, disabled, rate-limited, broker down
	// BrokerRefused counts requests refused (ResultBusy) because the broker
	// shared by several nodes could not be asked (fail closed).
	BrokerRefused int64
}

// features lists the optional features the welcome announces.
func (s *Server) features() []string {
	var f []string
	if s.fakeips != nil {
		f = append(f, proto.FeatureFakeIP)
	}
	if s.hosted != nil {
		f = append(f, proto.FeatureHosted)
	}
	return f
}

// ExtraStats returns the FakeIP / hosted counters.
func (s *Server) ExtraStats() ExtraStats {
	st := ExtraStats{
		FakeIPLookups: s.xstats.lookups.Load(), FakeIPMisses: s.xstats.misses.Load(),
		TicketsIssued: s.xstats.tickets.Load(), TicketsRefused: s.xstats.ticketsRefused.Load(),
		RequestsRefused: s.xstats.refused.Load(), BrokerRefused: s.xstats.brokerRefused.Load(),
	}
	if s.fakeips != nil {
		live, held := s.fakeips.counts()
		st.FakeIPsLive, st.FakeIPsHeld = int64(live), int64(held)
	}
	if s.hosted != nil {
		srv, ports := s.hosted.count()
		st.HostedServers, st.HostedPorts = int64(srv), int64(ports)
	}
	return st
}

// POPID is the data-centre id hosted servers on this service report.
func (s *Server) POPID() uint32 {
	if s.hosted == nil {
		return 0
	}
	return s.hosted.pop
}

// handleRequest answers one request frame. Requests share the session's
// signal rate limit (a flood of requests is a flood).
func (s *Server) handleRequest(sess *session, m *proto.Msg) {
	resp := &proto.Msg{T: proto.TResponse, Op: m.Op, ReqID: m.ReqID}
	now := time.Now()
	switch m.Op {
	case proto.OpFakeIP:
		if s.fakeips == nil {
			resp.Result = proto.ResultDisabled
			break
		}
		resp.FakeIP, resp.FakePorts, resp.Result = s.fakeips.allocate(sess.identity, m.NumPorts, now, s.cluster)
	case proto.OpFakeIPLookup:
		if s.fakeips == nil {
			resp.Result = proto.ResultDisabled
			break
		}
		s.xstats.lookups.Add(1)
		resp.Identity, resp.PortIndex, resp.Result = s.fakeips.lookup(m.FakeIP, m.FakePort, s.cluster)
		if resp.Result != proto.ResultOK {
			s.xstats.misses.Add(1)
		}
	case proto.OpHostedRegister:
		if s.hosted == nil {
			resp.Result = proto.ResultDisabled
			break
		}
		var ap netip.AddrPort
		ap, resp.Result = s.hosted.register(sess, m.Addr, m.VirtualPort)
		if resp.Result == proto.ResultOK && s.cluster != nil {
			if err := s.cluster.registerHosted(sess.identity, m.VirtualPort, ap); err != nil {
				s.hosted.unregister(sess.identity, m.VirtualPort)
				resp.Result = proto.ResultBusy
			}
		}
		if resp.Result == proto.ResultOK {
			resp.Addr, resp.POP, resp.VirtualPort = ap.String(), s.hosted.pop, m.VirtualPort
		}
	case proto.OpHostedUnregister:
		if s.hosted == nil {
			resp.Result = proto.ResultDisabled
			break
		}
		var gone []int
		gone, resp.Result = s.hosted.unregister(sess.identity, m.VirtualPort)
		if s.cluster != nil {
			s.cluster.unregisterHosted(sess.identity, gone)
		}
	case proto.OpRelayTicket:
		if s.hosted == nil {
			resp.Result = proto.ResultDisabled
			break
		}
		var ap netip.AddrPort
		resp.Ticket, ap, resp.Result = s.issueTicket(sess, m.To, m.VirtualPort, now)
		if resp.Result == proto.ResultOK {
			s.xstats.tickets.Add(1)
			resp.Addr, resp.POP, resp.To, resp.VirtualPort = ap.String(), s.hosted.pop, m.To, m.VirtualPort
		} else {
			s.xstats.ticketsRefused.Add(1)
		}
	default:
		resp.Result = proto.ResultInvalidParam
		resp.Text = "unknown request " + m.Op
	}
	if resp.Result == proto.ResultBusy && s.cluster != nil {
		resp.Text = errBrokerDown.Error()
		s.xstats.brokerRefused.Add(1)
	}
	if resp.Result != proto.ResultOK {
		s.xstats.refused.Add(1)
	}
	sess.enqueue(resp, true)
}

type extraCounters struct {
	lookups, misses, tickets, ticketsRefused, refused, brokerRefused atomic.Int64
}

// startExtras sets up the FakeIP and hosted-server tables from the config.
func (s *Server) startExtras() error {
	if !s.cfg.FakeIP.Disabled {
		s.fakeips = newFakeIPTable(s.cfg.FakeIP)
	}
	if !s.cfg.Hosted.Disabled {
		h, err := newHostedTable(s.cfg.Hosted)
		if err != nil {
			return err
		}
		s.hosted = h
	}
	return nil
}

// reviveExtras runs at login: a FakeIP held for the identity (it logged
// out less than FakeIP.Hold ago) resolves again at once.
func (s *Server) reviveExtras(sess *session) {
	if s.fakeips != nil {
		ip, ports, ok := s.fakeips.revive(sess.identity)
		if ok && s.cluster != nil {
			if claimed, err := s.cluster.claimFakeIP(sess.identity, ip, ports); err == nil && !claimed {
				s.fakeips.drop(sess.identity, ip) // taken elsewhere meanwhile
			} // on an error the renewal retries
		}
	}
}

// releaseExtras runs when a session ends: its FakeIP is held for a while,
// its hosted-server registrations are withdrawn.
func (s *Server) releaseExtras(sess *session) {
	if s.fakeips != nil {
		ip, ports, ok := s.fakeips.release(sess.identity, time.Now())
		if ok && s.cluster != nil {
			s.cluster.holdFakeIP(sess.identity, ip, ports, s.fakeips.cfg.Hold)
		}
	}
	if s.hosted != nil {
		gone, _ := s.hosted.unregister(sess.identity, -1)
		if s.cluster != nil {
			s.cluster.unregisterHosted(sess.identity, gone)
		}
	}
}
