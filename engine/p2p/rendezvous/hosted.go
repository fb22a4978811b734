package rendezvous

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/internal/proto"
	"godotsteam-sockets/engine/p2p/ticket"
)

// HostedConfig configures hosted dedicated servers: game servers that run
// with SDR_LISTEN_PORT set register here (createHostedDedicatedServerListenSocket),
// and clients ask for a signed relay auth ticket to reach one by identity
// (connectToHostedDedicatedServer). The service plays the part of Valve's
// game coordinator and data centre.
type HostedConfig struct {
	// Disabled turns registration and tickets off (RESULT_DISABLED).
	Disabled bool
	// POP is the data-centre code servers on this service report from
	// getHostedDedicatedServerPOPId, 1 to 4 characters (default "dev", which
	// Steam uses outside production: k_SteamDatagramPOPID_dev).
	POP string
	// TicketLifetime of relay auth tickets (default 1 h; 1 min to 24 h).
	TicketLifetime time.Duration
	// MaxServers bounds registered (server, virtual port) pairs
	// (default 4096).
	MaxServers int
	// MaxPortsPerServer bounds the virtual ports one server registers
	// (default 16).
	MaxPortsPerServer int
	// AllowTicket, if set, decides whether client may get a ticket for
	// server (the game's matchmaking rule); nil allows every logged-in
	// client.
	AllowTicket func(client, server uint64, virtualPort int) bool
}

func (c *HostedConfig) defaults() error {
	if c.POP == "" {
		c.POP = "dev"
	}
	if _, err := POPID(c.POP); err != nil {
		return err
	}
	if c.TicketLifetime <= 0 {
		c.TicketLifetime = time.Hour
	}
	c.TicketLifetime = min(max(c.TicketLifetime, time.Minute), 24*time.Hour)
	setInt(&c.MaxServers, 4096)
	setInt(&c.MaxPortsPerServer, 16)
	return nil
}

// POPID packs a 1–4 character data-centre code the way Steam packs
// SteamNetworkingPOPID (CalculateSteamNetworkingPOPIDFromString): the first
// three characters in bits 16..23, 8..15 and 0..7, a fourth in bits 24..31.
// "dev" is 0x646576.
func POPID(code string) (uint32, error) {
	if len(code) < 1 || len(code) > 4 {
		return 0, fmt.Errorf("rendezvous: POP code %q must be 1 to 4 characters", code)
	}
	var b [4]byte
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c < 0x21 || c > 0x7e {
			return 0, fmt.Errorf("rendezvous: POP code %q must be printable ASCII", code)
		}
		b[i] = c
	}
	return uint32(b[3])<<24 | uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]), nil
}

// hostedServer is one registered server identity.
type hostedServer struct {
	steamID uint64
	addr    netip.AddrPort // its SDR_LISTEN_PORT address as clients reach it
	vports  map[int]bool   // registered virtual ports
}

type hostedTable struct {
	cfg HostedConfig
	pop uint32

	mu      sync.Mutex
	servers map[string]*hostedServer // by identity
	ports   int                      // registered (server, vport) pairs
}

func newHostedTable(cfg HostedConfig) (*hostedTable, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	pop, _ := POPID(cfg.POP)
	return &hostedTable{cfg: cfg, pop: pop, servers: map[string]*hostedServer{}}, nil
}

// register records sess as a hosted server on addr (an empty or
// unspecified IP means "the address the service sees") for vport.
func (h *hostedTable) register(sess *session, addr string, vport int) (netip.AddrPort, int) {
	if vport < 0 {
		return netip.AddrPort{}, proto.ResultInvalidParam
	}
	ap, err := hostedAddr(addr, sess.conn.RemoteAddr())
	if err != nil {
		return netip.AddrPort{}, proto.ResultInvalidParam
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	srv := h.servers[sess.identity]
	if srv == nil {
		srv = &hostedServer{steamID: sess.steamID, vports: map[int]bool{}}
	}
	if !srv.vports[vport] {
		if h.ports >= h.cfg.MaxServers || len(srv.vports) >= h.cfg.MaxPortsPerServer {
			return netip.AddrPort{}, proto.ResultLimitExceeded
		}
		srv.vports[vport] = true
		h.ports++
	}
	srv.addr = ap
	h.servers[sess.identity] = srv
	return ap, proto.ResultOK
}

// hostedAddr resolves the registered address: the port must be set; an
// empty or unspecified IP takes the IP the service sees the server at.
func hostedAddr(addr string, seen net.Addr) (netip.AddrPort, error) {
	var ip netip.Addr
	var port uint16
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		ip, port = ap.Addr().Unmap(), ap.Port()
	} else if _, p, err2 := net.SplitHostPort(addr); err2 == nil {
		ap2, err3 := netip.ParseAddrPort("0.0.0.0:" + p)
		if err3 != nil {
			return netip.AddrPort{}, err3
		}
		port = ap2.Port()
	} else {
		return netip.AddrPort{}, err
	}
	if port == 0 {
		return netip.AddrPort{}, fmt.Errorf("no port")
	}
	if !ip.IsValid() || ip.IsUnspecified() {
		tcp, ok := seen.(*net.TCPAddr)
		if !ok {
			return netip.AddrPort{}, fmt.Errorf("cannot tell the server's address")
		}
		ip = tcp.AddrPort().Addr().Unmap()
	}
	return netip.AddrPortFrom(ip, port), nil
}

// unregister withdraws one virtual port, or all with vport -1, and
// returns the virtual ports withdrawn.
func (h *hostedTable) unregister(identity string, vport int) ([]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	srv := h.servers[identity]
	if srv == nil {
		return nil, proto.ResultNoMatch
	}
	if vport == -1 {
		var gone []int
		for vp := range srv.vports {
			gone = append(gone, vp)
		}
		h.ports -= len(srv.vports)
		delete(h.servers, identity)
		return gone, proto.ResultOK
	}
	if !srv.vports[vport] {
		return nil, proto.ResultNoMatch
	}
	delete(srv.vports, vport)
	h.ports--
	if len(srv.vports) == 0 {
		delete(h.servers, identity)
	}
	return []int{vport}, proto.ResultOK
}

// hostedRecord is one (server, virtual port) registration.
type hostedRecord struct {
	identity string
	vport    int
	addr     netip.AddrPort
}

// snapshot copies the registrations (for renewal in the broker).
func (h *hostedTable) snapshot() []hostedRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hostedRecord
	for id, srv := range h.servers {
		for vp := range srv.vports {
			out = append(out, hostedRecord{identity: id, vport: vp, addr: srv.addr})
		}
	}
	return out
}

// find returns a registered server's address if it serves vport.
func (h *hostedTable) find(identity string, vport int) (uint64, netip.AddrPort, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	srv := h.servers[identity]
	if srv == nil || !srv.vports[vport] {
		return 0, netip.AddrPort{}, false
	}
	return srv.steamID, srv.addr, true
}

// issueTicket signs a ticket for client to reach server identity on vport.
func (s *Server) issueTicket(client *session, server string, vport int, now time.Time) ([]byte, netip.AddrPort, int) {
	h := s.hosted
	if _, err := ca.ParseSteamIdentity(server); err != nil || vport < 0 {
		return nil, netip.AddrPort{}, proto.ResultInvalidParam
	}
	serverID, addr, ok := h.find(server, vport)
	if !ok && s.cluster != nil { // registered on another node?
		var err error
		addr, ok, err = s.cluster.findHosted(server, vport)
		if err != nil {
			return nil, netip.AddrPort{}, proto.ResultBusy
		}
		serverID, _ = ca.ParseSteamIdentity(server)
	}
	if !ok {
		return nil, netip.AddrPort{}, proto.ResultNoMatch
	}
	if h.cfg.AllowTicket != nil && !h.cfg.AllowTicket(client.steamID, serverID, vport) {
		return nil, netip.AddrPort{}, proto.ResultAccessDenied
	}
	b, err := ticket.Sign(ticket.Ticket{
		AppID: s.cfg.AppID, Server: serverID, Client: client.steamID, VirtualPort: vport,
		POP: h.pop, Routing: addr, Issued: now, Expiry: now.Add(h.cfg.TicketLifetime),
	}, s.ca.PrivateKey())
	if err != nil {
		return nil, netip.AddrPort{}, proto.ResultFail
	}
	return b, addr, proto.ResultOK
}

// hostedCount is the number of registered servers and (server, port) pairs.
func (h *hostedTable) count() (servers, ports int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.servers), h.ports
}
