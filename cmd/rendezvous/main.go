// Command rendezvous runs the P2P rendezvous service (engine/p2p/rendezvous):
// login (anonymous with --dev, otherwise HMAC login tokens minted by the
// game's backend), identities with CA-signed certificates, signaling between
// identities, an embedded TURN relay or credentials for external TURN
// servers (coturn), and several nodes sharing signaling through Redis.
//
//	go run ./cmd/rendezvous --dev                      # local development
//	RENDEZVOUS_TOKEN_SECRET=... go run ./cmd/rendezvous --listen :27800 --turn-public-ip 203.0.113.7
//	RENDEZVOUS_TOKEN_SECRET=... go run ./cmd/rendezvous mint-token --steamid 76561197960265729
//
// Every flag and environment variable is listed by `rendezvous -h` and in
// engine/p2p/rendezvous/README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/token"
)

// Environment variables for secrets (kept off the command line, where other
// users of the machine could read them).
const (
	envTokenSecret    = "RENDEZVOUS_TOKEN_SECRET"
	envTURNSecret     = "RENDEZVOUS_TURN_SECRET"
	envBrokerPassword = "RENDEZVOUS_BROKER_PASSWORD"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run is the command; stop (tests) replaces SIGINT/SIGTERM.
func run(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	if len(args) > 0 && args[0] == "mint-token" {
		return mintToken(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("rendezvous", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", `TCP address for clients (default "127.0.0.1:27800" with --dev, ":27800" otherwise)`)
	dev := fs.Bool("dev", false, "anonymous logins (never on the internet)")
	appID := fs.Uint("app-id", 0, "AppID listed in certificates and required from clients")
	caKey := fs.String("ca-key", "", "file with the CA private key (PEM); created if missing. Give every node the same file. Default: a fresh CA per start")
	turnOff := fs.Bool("no-turn", false, "disable the embedded TURN relay (e.g. when --turn-external lists coturn)")
	turnListen := fs.String("turn-listen", "", "UDP address of the embedded relay (default: the TCP listen address)")
	turnIP := fs.String("turn-public-ip", "", "public IP announced for relay allocations")
	turnExt := fs.String("turn-external", "", "comma-separated STUN/TURN URLs of external servers, e.g. turn:relay.example.com:3478?transport=udp; TURN entries need "+envTURNSecret+" = their static-auth-secret")
	turnTTL := fs.Duration("turn-credential-ttl", 12*time.Hour, "lifetime of issued TURN credentials")
	broker := fs.String("broker-redis", "", "host:port of a Redis server shared by several service nodes (password in "+envBrokerPassword+"); empty = this node runs alone")
	brokerUser := fs.String("broker-user", "", "Redis ACL user name (optional)")
	brokerPrefix := fs.String("broker-prefix", "gst", "prefix of the Redis channels and keys (share one Redis between games/environments)")
	brokerLease := fs.Duration("broker-lease", 30*time.Second, "lifetime in Redis of this node's FakeIP claims and hosted registrations without renewal (renewed every third of it; at least 300ms)")
	nodeID := fs.String("node-id", "", "name of this node in broker messages and logs (default: random)")
	statsEvery := fs.Duration("stats-every", time.Minute, "log counters this often (0 = never)")
	noFakeIP := fs.Bool("no-fakeip", false, "do not allocate FakeIPs (beginAsyncRequestFakeIP gets RESULT_DISABLED)")
	fakeIPHold := fs.Duration("fakeip-hold", 30*time.Second, "keep a logged-out player's FakeIP reserved for it this long (up to 1h)")
	noHosted := fs.Bool("no-hosted", false, "do not register hosted dedicated servers or issue relay tickets")
	pop := fs.String("pop", "dev", "data-centre code (1-4 characters) hosted servers report as their POP id")
	ticketTTL := fs.Duration("ticket-lifetime", time.Hour, "lifetime of relay auth tickets (1m to 24h)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: rendezvous [flags]\n       rendezvous mint-token --steamid N [--ttl 5m]\n\nenvironment: %s (login token secret, required without --dev), %s (TURN REST secret), %s (Redis password)\n\nflags:\n",
			envTokenSecret, envTURNSecret, envBrokerPassword)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	logger := log.New(stderr, "", log.LstdFlags)

	cfg := rendezvous.Config{Listen: *listen, Dev: *dev, AppID: uint32(*appID), Logf: logger.Printf}
	if s := os.Getenv(envTokenSecret); s != "" {
		cfg.TokenSecret = []byte(s)
	} else if !*dev {
		fmt.Fprintf(stderr, "rendezvous: set %s (the secret your game backend mints login tokens with), or use --dev for anonymous local development\n", envTokenSecret)
		return 2
	}
	if *caKey != "" {
		a, err := loadOrCreateCA(*caKey, logger)
		if err != nil {
			fmt.Fprintln(stderr, "rendezvous:", err)
			return 1
		}
		cfg.CA = a
	}
	cfg.TURN = rendezvous.TURNConfig{Disabled: *turnOff, Listen: *turnListen, PublicIP: *turnIP, CredentialTTL: *turnTTL}
	if s := os.Getenv(envTURNSecret); s != "" {
		cfg.TURN.Secret = []byte(s)
	}
	if *turnExt != "" {
		cfg.TURN.External = strings.Split(*turnExt, ",")
	}
	cfg.FakeIP = rendezvous.FakeIPConfig{Disabled: *noFakeIP, Hold: *fakeIPHold}
	cfg.Hosted = rendezvous.HostedConfig{Disabled: *noHosted, POP: *pop, TicketLifetime: *ticketTTL}
	if *broker != "" {
		cfg.Broker = rendezvous.BrokerConfig{Redis: *broker, Username: *brokerUser, Password: os.Getenv(envBrokerPassword),
			Prefix: *brokerPrefix, NodeID: *nodeID, Lease: *brokerLease}
	}
	srv, err := rendezvous.Start(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "rendezvous:", err)
		return 1
	}
	logger.Printf("rendezvous: listening on %s (dev=%v), TURN relay %v, external %v, broker %q",
		srv.Addr(), *dev, srv.TURNAddr(), cfg.TURN.External, *broker)
	if stop == nil {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(sigs)
		ch := make(chan struct{})
		go func() { <-sigs; close(ch) }()
		stop = ch
	}
	var tick <-chan time.Time
	if *statsEvery > 0 {
		t := time.NewTicker(*statsEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			logger.Printf("rendezvous: %+v %+v", srv.Stats(), srv.ExtraStats())
		case <-stop:
			logger.Printf("rendezvous: shutting down")
			srv.Close()
			return 0
		}
	}
}

// loadOrCreateCA reads the CA key file, or creates it (mode 0600) with a
// fresh key.
func loadOrCreateCA(path string, logger *log.Logger) (*ca.Authority, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		a, err := ca.DecodeAuthorityPEM(data)
		if err != nil {
			return nil, fmt.Errorf("CA key file %s: %w", path, err)
		}
		return a, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	a, err := ca.GenerateAuthority()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, a.EncodeKeyPEM(), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write the new CA key to %s: %w", path, err)
	}
	logger.Printf("rendezvous: created a new CA key in %s (copy it to every node of this service)", path)
	return a, nil
}

// mintToken prints a login token for a SteamID: what a game backend does
// (see engine/p2p/token for the format, to mint in another language).
func mintToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rendezvous mint-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	steamID := fs.Uint64("steamid", 0, "the player's 64-bit SteamID (an individual account, e.g. 76561197960265729)")
	ttl := fs.Duration("ttl", 5*time.Minute, "token lifetime (the service refuses more than its TokenMaxTTL, 10m by default)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s=... rendezvous mint-token --steamid N [--ttl 5m]\n\nPrints one single-use login token.\n\nflags:\n", envTokenSecret)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	secret := os.Getenv(envTokenSecret)
	if secret == "" {
		fmt.Fprintf(stderr, "rendezvous mint-token: set %s to the service's token secret\n", envTokenSecret)
		return 2
	}
	if !ca.ValidSteamID(*steamID) {
		fmt.Fprintf(stderr, "rendezvous mint-token: --steamid %d is not a valid individual or game-server SteamID\n", *steamID)
		return 2
	}
	if *ttl <= 0 {
		fmt.Fprintln(stderr, "rendezvous mint-token: --ttl must be positive")
		return 2
	}
	tok, err := token.Mint([]byte(secret), *steamID, *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "rendezvous mint-token:", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}
