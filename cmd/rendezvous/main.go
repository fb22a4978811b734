// Command rendezvous runs the P2P rendezvous service (engine/p2p/rendezvous):
// login (anonymous with --dev, otherwise HMAC login tokens minted by the
// game's backend), identities with CA-signed certificates, signaling between
// identities, and an embedded TURN relay.
//
//	go run ./cmd/rendezvous --dev                      # local development
//	RENDEZVOUS_TOKEN_SECRET=... go run ./cmd/rendezvous --listen :27800 --turn-public-ip 203.0.113.7
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"godotsteam-sockets/engine/p2p/rendezvous"
)

func main() {
	listen := flag.String("listen", "", `TCP address for clients (default "127.0.0.1:27800" with --dev, ":27800" otherwise)`)
	dev := flag.Bool("dev", false, "anonymous logins (never on the internet)")
	appID := flag.Uint("app-id", 0, "AppID listed in certificates and required from clients")
	turnOff := flag.Bool("no-turn", false, "disable the embedded TURN relay")
	turnListen := flag.String("turn-listen", "", "UDP address of the embedded relay (default: the TCP listen address)")
	turnIP := flag.String("turn-public-ip", "", "public IP announced for relay allocations")
	turnExt := flag.String("turn-external", "", "comma-separated extra TURN/STUN URLs sharing the TURN secret (e.g. coturn)")
	statsEvery := flag.Duration("stats-every", time.Minute, "log counters this often (0 = never)")
	flag.Parse()

	cfg := rendezvous.Config{Listen: *listen, Dev: *dev, AppID: uint32(*appID), Logf: log.Printf}
	if s := os.Getenv("RENDEZVOUS_TOKEN_SECRET"); s != "" {
		cfg.TokenSecret = []byte(s)
	} else if !*dev {
		fmt.Fprintln(os.Stderr, "rendezvous: set RENDEZVOUS_TOKEN_SECRET (the secret your game backend mints login tokens with), or use --dev for anonymous local development")
		os.Exit(2)
	}
	cfg.TURN = rendezvous.TURNConfig{Disabled: *turnOff, Listen: *turnListen, PublicIP: *turnIP}
	if s := os.Getenv("RENDEZVOUS_TURN_SECRET"); s != "" {
		cfg.TURN.Secret = []byte(s)
	}
	if *turnExt != "" {
		cfg.TURN.External = strings.Split(*turnExt, ",")
	}
	srv, err := rendezvous.Start(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rendezvous:", err)
		os.Exit(1)
	}
	log.Printf("rendezvous: listening on %s (dev=%v), TURN relay %v", srv.Addr(), *dev, srv.TURNAddr())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	var tick <-chan time.Time
	if *statsEvery > 0 {
		t := time.NewTicker(*statsEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			log.Printf("rendezvous: %+v", srv.Stats())
		case s := <-sigs:
			log.Printf("rendezvous: %v, shutting down", s)
			srv.Close()
			return
		}
	}
}
