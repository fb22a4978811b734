package rendezvous

import (
	"crypto/rand"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"

	"godotsteam-sockets/engine/p2p/internal/proto"
)

// TURNConfig configures relaying. By default an embedded pion/turn server
// listens on UDP at the service's port; TURN credentials follow the TURN
// REST convention (username "<expiry>:<identity>", password
// base64(HMAC-SHA1(secret, username))), which coturn also understands with
// `use-auth-secret` + `static-auth-secret=<Secret>`.
type TURNConfig struct {
	// Disabled turns the embedded relay off (External servers may still be
	// announced).
	Disabled bool
	// Listen is the UDP address of the embedded relay (default: the TCP
	// listen host and port).
	Listen string
	// PublicIP is the relay address put in allocations and announced to
	// clients (default: the listen IP, or 127.0.0.1 if that is unspecified;
	// set it to the machine's public address in production).
	PublicIP string
	// RelayPortMin/Max bound the relayed ports (0 = any ephemeral port).
	RelayPortMin, RelayPortMax uint16
	// Secret is the TURN REST shared secret (default: random per start).
	Secret []byte
	// CredentialTTL is how long issued TURN credentials last (default 12 h).
	CredentialTTL time.Duration
	// MaxAllocationsPerUser bounds relay allocations per identity (default 8).
	MaxAllocationsPerUser int
	// External lists extra STUN/TURN URLs (e.g. coturn,
	// "turn:relay.example.com:3478?transport=udp"); TURN entries must share
	// Secret (coturn: use-auth-secret, static-auth-secret). See
	// turn_external.go.
	External []string
}

func (c *TURNConfig) ttl() time.Duration {
	if c.CredentialTTL <= 0 {
		return 12 * time.Hour
	}
	return c.CredentialTTL
}

func restCredentials(secret []byte, identity string, ttl time.Duration) (user, pass string, expiry int64) {
	user, pass, _ = turn.GenerateLongTermTURNRESTCredentials(string(secret), identity, ttl)
	exp, _ := strconv.ParseInt(user[:indexByte(user, ':')], 10, 64)
	return user, pass, exp
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return len(s)
}

type relay struct {
	cfg    TURNConfig
	conn   net.PacketConn
	server *turn.Server
	public string

	mu      sync.Mutex
	perUser map[string]int
}

func startRelay(cfg TURNConfig, tcp *net.TCPAddr, logf func(string, ...any)) (*relay, error) {
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		if _, err := rand.Read(cfg.Secret); err != nil {
			return nil, err
		}
	}
	if cfg.MaxAllocationsPerUser <= 0 {
		cfg.MaxAllocationsPerUser = 8
	}
	listen := cfg.Listen
	if listen == "" {
		listen = net.JoinHostPort(tcp.IP.String(), strconv.Itoa(tcp.Port))
	}
	conn, err := net.ListenPacket("udp4", listen)
	if err != nil {
		return nil, fmt.Errorf("rendezvous: TURN relay cannot listen on UDP %s: %w (set TURN.Listen or TURN.Disabled)", listen, err)
	}
	laddr := conn.LocalAddr().(*net.UDPAddr)
	public := cfg.PublicIP
	if public == "" {
		public = laddr.IP.String()
		if laddr.IP.IsUnspecified() {
			public = "127.0.0.1"
		}
	}
	publicIP := net.ParseIP(public)
	if publicIP == nil {
		conn.Close()
		return nil, fmt.Errorf("rendezvous: TURN PublicIP %q is not an IP address", public)
	}
	bind := laddr.IP.String()
	var gen turn.RelayAddressGenerator = &turn.RelayAddressGeneratorStatic{RelayAddress: publicIP, Address: bind}
	if cfg.RelayPortMin != 0 || cfg.RelayPortMax != 0 {
		gen = &turn.RelayAddressGeneratorPortRange{RelayAddress: publicIP, Address: bind, MinPort: cfg.RelayPortMin, MaxPort: cfg.RelayPortMax}
	}
	r := &relay{cfg: cfg, conn: conn, public: net.JoinHostPort(public, strconv.Itoa(laddr.Port)), perUser: map[string]int{}}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	r.server, err = turn.NewServer(turn.ServerConfig{
		Realm:         "godotsteam-sockets",
		AuthHandler:   turn.LongTermTURNRESTAuthHandler(string(cfg.Secret), lf.NewLogger("turn")),
		LoggerFactory: lf,
		QuotaHandler: func(username, _ string, _ net.Addr) bool {
			// Count the live allocations of this identity ourselves: the
			// quota handler runs before each allocation.
			r.mu.Lock()
			defer r.mu.Unlock()
			user := username
			if i := indexByte(username, ':'); i < len(username) {
				user = username[i+1:] // "<expiry>:<identity>" → identity, the userID events use
			}
			return r.perUser[user] < cfg.MaxAllocationsPerUser
		},
		EventHandler: turn.EventHandler{
			OnAllocationCreated: func(_, _ net.Addr, _ string, username, _ string, _ net.Addr, _ int) {
				r.mu.Lock()
				r.perUser[username]++
				r.mu.Unlock()
			},
			OnAllocationDeleted: func(_, _ net.Addr, _ string, username, _ string) {
				r.mu.Lock()
				if r.perUser[username]--; r.perUser[username] <= 0 {
					delete(r.perUser, username)
				}
				r.mu.Unlock()
			},
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: conn, RelayAddressGenerator: gen}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("rendezvous: TURN relay: %w", err)
	}
	logf("rendezvous: TURN relay on udp %s, announced as %s", laddr, r.public)
	return r, nil
}

func (r *relay) addr() net.Addr { return r.conn.LocalAddr() }

func (r *relay) allocations() int { return r.server.AllocationCount() }

// credentials returns the embedded relay's STUN and TURN entries for one
// identity.
func (r *relay) credentials(identity string) []proto.ICEServer {
	user, pass, exp := restCredentials(r.cfg.Secret, identity, r.cfg.ttl())
	return []proto.ICEServer{
		{URLs: []string{"stun:" + r.public}},
		{URLs: []string{"turn:" + r.public + "?transport=udp"}, Username: user, Credential: pass, Expires: exp},
	}
}

func (r *relay) close() { _ = r.server.Close() }
