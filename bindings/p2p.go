package bindings

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"godotsteam-sockets/engine"
	"godotsteam-sockets/engine/p2p"
	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/rendezvous"
	"godotsteam-sockets/engine/p2p/signaling"
)

// P2P without Steam. connectP2P / createListenSocketP2P reach players by
// SteamID through a rendezvous service (engine/p2p/rendezvous, cmd/rendezvous)
// instead of Valve's backend: the service logs the player in (issuing the
// SteamID and a CA-signed certificate), carries the signaling, and hands out
// TURN relay credentials. Where the service is, in order of precedence:
//
//  1. setRendezvousService(address, options) — our extra method;
//  2. the environment variable GODOTSTEAM_SOCKETS_RENDEZVOUS;
//  3. the project setting godotsteam_sockets/p2p/rendezvous_service (read
//     through the host's SettingsReader: the extension asks Godot's
//     ProjectSettings).
//
// The address "embedded" (or "embedded:<listen address>") starts a
// development-mode service inside this process, as startRendezvousService
// does — the default for one machine, or a headless dedicated server that
// is its players' rendezvous service. The other settings have the same three
// sources: GODOTSTEAM_SOCKETS_RENDEZVOUS_TOKEN / .../rendezvous_token (the
// login token the game's backend minted), GODOTSTEAM_SOCKETS_RELAY_ONLY /
// .../relay_only and GODOTSTEAM_SOCKETS_CA_KEY / .../ca_public_key.

// Environment variables and project settings naming the rendezvous service.
const (
	EnvRendezvous        = "GODOTSTEAM_SOCKETS_RENDEZVOUS"
	EnvRendezvousToken   = "GODOTSTEAM_SOCKETS_RENDEZVOUS_TOKEN"
	EnvRelayOnly         = "GODOTSTEAM_SOCKETS_RELAY_ONLY"
	EnvCAKey             = "GODOTSTEAM_SOCKETS_CA_KEY"
	SettingRendezvous    = "godotsteam_sockets/p2p/rendezvous_service"
	SettingRendezvousTok = "godotsteam_sockets/p2p/rendezvous_token"
	SettingRelayOnly     = "godotsteam_sockets/p2p/relay_only"
	SettingCAKey         = "godotsteam_sockets/p2p/ca_public_key"
	embeddedService      = "embedded"
)

// SettingsReader is optionally implemented by a Host that can read Godot
// project settings (ProjectSettings.get_setting); ok is false when the
// setting does not exist.
type SettingsReader interface {
	ProjectSetting(name string) (value any, ok bool)
}

// p2pConfig is where and how to log in.
type p2pConfig struct {
	service         string // host:port, or "embedded[:listen]"
	token           string
	steamID         uint64
	relayOnly       bool
	caKeys          []ed25519.PublicKey
	includeLoopback bool
	source          string // for messages
}

// p2pShared is the P2P state every instance shares (guarded by shared.mu).
type p2pShared struct {
	explicit *p2pConfig // setRendezvousService
	node     *p2p.Node
	eng      *engine.Sockets // the engine the node serves
	embedded *rendezvous.Server
	reqKey   ed25519.PrivateKey // getCertificateRequest's key, for setCertificate
}

// stopNode logs out (P2P connections end); the next P2P call logs in again.
func stopNode() {
	shared.mu.Lock()
	node := shared.p2p.node
	shared.p2p.node, shared.p2p.eng = nil, nil
	shared.mu.Unlock()
	if node != nil {
		node.Close()
	}
}

// stopP2P closes the node and the embedded service (steamShutdown, last
// instance freed). Called without shared.mu.
func stopP2P(forgetConfig bool) {
	shared.mu.Lock()
	node, srv := shared.p2p.node, shared.p2p.embedded
	shared.p2p.node, shared.p2p.embedded, shared.p2p.eng = nil, nil, nil
	if forgetConfig {
		shared.p2p = p2pShared{}
	}
	shared.mu.Unlock()
	if node != nil {
		node.Close()
	}
	if srv != nil {
		srv.Close()
	}
}

// resolveP2PConfig finds the service: explicit, then environment, then
// project setting. ok is false when none is configured.
func (s *Steam) resolveP2PConfig() (p2pConfig, bool, error) {
	shared.mu.Lock()
	explicit := shared.p2p.explicit
	shared.mu.Unlock()
	if explicit != nil {
		return *explicit, true, nil
	}
	cfg := p2pConfig{includeLoopback: true}
	setting := func(env, name string) (string, string) {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			return v, "environment variable " + env
		}
		if r, ok := s.host.(SettingsReader); ok {
			if v, ok := r.ProjectSetting(name); ok {
				switch x := v.(type) {
				case string:
					if x != "" {
						return x, "project setting " + name
					}
				case bool:
					if x {
						return "1", "project setting " + name
					}
				}
			}
		}
		return "", ""
	}
	cfg.service, cfg.source = setting(EnvRendezvous, SettingRendezvous)
	if cfg.service == "" {
		return cfg, false, nil
	}
	cfg.token, _ = setting(EnvRendezvousToken, SettingRendezvousTok)
	if v, src := setting(EnvRelayOnly, SettingRelayOnly); v != "" {
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			cfg.relayOnly = true
		case "0", "false", "no", "off":
		default:
			return cfg, true, fmt.Errorf("%s = %q: expected 1/true or 0/false", src, v)
		}
	}
	if v, src := setting(EnvCAKey, SettingCAKey); v != "" {
		k, err := parseCAKey(v)
		if err != nil {
			return cfg, true, fmt.Errorf("%s: %v", src, err)
		}
		cfg.caKeys = []ed25519.PublicKey{k}
	}
	return cfg, true, nil
}

// parseCAKey reads a 32-byte Ed25519 public key in hex or base64.
func parseCAKey(v string) (ed25519.PublicKey, error) {
	v = strings.TrimSpace(v)
	if b, err := hex.DecodeString(v); err == nil && len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && len(b) == ed25519.PublicKeySize {
			return b, nil
		}
	}
	return nil, errors.New("a CA public key must be 32 bytes of Ed25519 key, in hex (64 digits) or base64")
}

// errNoService explains how to configure P2P.
var errNoService = errors.New("no rendezvous service configured: call Steam.setRendezvousService(\"host:port\", {}) " +
	"(or startRendezvousService() for one in this process), or set the environment variable " + EnvRendezvous +
	" or the project setting " + SettingRendezvous + "; run one with `go run ./cmd/rendezvous --dev`")

// p2pNode returns the running node, logging in if needed.
func (s *Steam) p2pNode() (*p2p.Node, error) {
	eng := s.sockets()
	shared.mu.Lock()
	if n := shared.p2p.node; n != nil && shared.p2p.eng == eng {
		shared.mu.Unlock()
		return n, nil
	}
	shared.mu.Unlock()
	cfg, ok, err := s.resolveP2PConfig()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoService
	}

	shared.mu.Lock()
	defer shared.mu.Unlock()
	if n := shared.p2p.node; n != nil && shared.p2p.eng == eng {
		return n, nil // raced with another caller
	}
	service := cfg.service
	if service == embeddedService || strings.HasPrefix(service, embeddedService+":") {
		if shared.p2p.embedded == nil {
			listen := strings.TrimPrefix(strings.TrimPrefix(service, embeddedService), ":")
			if listen == "" {
				listen = "127.0.0.1:0"
			}
			srv, err := rendezvous.Start(rendezvous.Config{Dev: true, Listen: listen, AppID: shared.appID})
			if err != nil {
				return nil, fmt.Errorf("cannot start the embedded rendezvous service: %w", err)
			}
			shared.p2p.embedded = srv
		}
		service = shared.p2p.embedded.Addr().String()
	}
	steamID := cfg.steamID
	if steamID == 0 {
		if id := eng.Identity(); id.Type == engine.IdentitySteamID {
			steamID = id.SteamID // STEAM_ID / resetIdentity: ask a dev service for it
		}
	}
	ncfg := p2p.Config{
		Service: service, SteamID: steamID, AppID: shared.appID, RelayOnly: cfg.relayOnly,
		IncludeLoopback: cfg.includeLoopback, TrustedCAKeys: cfg.caKeys,
		ListenPort: s.hostedListenPort(), // SDR_LISTEN_PORT (fakeip.go)
		OnStatus: func(avail int, msg string) {
			eng.PostEvent(&engine.AuthenticationStatus{Available: avail, Debug: msg})
		},
	}
	if cfg.token != "" {
		tok := cfg.token
		ncfg.Token = func(context.Context) (string, error) { return tok, nil }
	}
	node, err := p2p.Start(ncfg)
	if err != nil {
		return nil, fmt.Errorf("cannot start the rendezvous client: %w", err)
	}
	if err := eng.SetP2PBackend(node.EngineBackend()); err != nil {
		node.Close()
		return nil, err
	}
	shared.p2p.node, shared.p2p.eng = node, eng
	return node, nil
}

// runningNode returns the node if one runs, without starting it.
func runningNode() *p2p.Node {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.p2p.node
}

func (s *Steam) connectP2P(a args) any {
	id := a.steamID(0)
	port := a.int(1)
	opts, ok := s.optionsArg("connectP2P", a.dict(2))
	if !ok {
		return int64(0)
	}
	if port < 0 || port > 0xFFFF {
		s.errorf("Steam.connectP2P: virtual_port %d is out of range 0..65535; returning 0", port)
		return int64(0)
	}
	if !ca.ValidSteamID(id) {
		s.errorf("Steam.connectP2P: %d is not a valid Steam ID (use the peer's getSteamID()); returning 0", int64(id))
		return int64(0)
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.connectP2P: %v; returning 0", err)
		return int64(0)
	}
	h, err := s.sockets().ConnectP2P(steamIdentity(id), int(port), opts)
	if err != nil || h == engine.InvalidHandle {
		s.errorf("Steam.connectP2P(%d, %d): %v; returning 0", int64(id), port, errText(err))
		return int64(0)
	}
	return int64(h)
}

func (s *Steam) createListenSocketP2P(a args) any {
	port := a.int(0)
	opts, ok := s.optionsArg("createListenSocketP2P", a.dict(1))
	if !ok {
		return int64(0)
	}
	if port < 0 || port > 0xFFFF {
		s.errorf("Steam.createListenSocketP2P: virtual_port %d is out of range 0..65535; returning 0", port)
		return int64(0)
	}
	if _, err := s.p2pNode(); err != nil {
		s.errorf("Steam.createListenSocketP2P: %v; returning 0", err)
		return int64(0)
	}
	h, err := s.sockets().CreateListenSocketP2P(int(port), opts)
	if err != nil || h == engine.InvalidHandle {
		s.errorf("Steam.createListenSocketP2P(%d): %v; returning 0", port, errText(err))
		return int64(0)
	}
	return int64(h)
}

// availabilityNeverTried is NETWORKING_AVAILABILITY_NEVER_TRIED.
const availabilityNeverTried = signaling.AvailabilityNeverTried

func (s *Steam) getAuthenticationStatus(a args) any {
	if n := runningNode(); n != nil {
		av, _ := n.Availability()
		return int64(av)
	}
	if _, ok, _ := s.resolveP2PConfig(); ok {
		return int64(availabilityNeverTried)
	}
	return int64(availabilityCannotTry)
}

func (s *Steam) initAuthentication(a args) any {
	n, err := s.p2pNode()
	if err != nil {
		s.errorf("Steam.initAuthentication: %v. Returning NETWORKING_AVAILABILITY_CANNOT_TRY.", err)
		return int64(availabilityCannotTry)
	}
	av, _ := n.Availability()
	if av == availabilityNeverTried {
		av = signaling.AvailabilityAttempting // the login just started
	}
	return int64(av)
}

// localSteamID is the certified identity once logged in, else the engine's.
func (s *Steam) localSteamID() uint64 {
	if n := runningNode(); n != nil {
		if id, _, ok := n.Identity(); ok {
			return id
		}
	}
	return uint64(steamID64(s.sockets().Identity()))
}

func (s *Steam) getCertificateRequest(a args) any {
	shared.mu.Lock()
	appID := shared.appID
	shared.mu.Unlock()
	req, key, err := ca.NewRequest(s.localSteamID(), appID)
	if err != nil {
		msg := "cannot make a key pair: " + err.Error()
		s.errorf("Steam.getCertificateRequest: %s. Returning an empty certificate.", msg)
		return dict("certificate", []byte{}, "cert_size", int64(0), "error_message", msg)
	}
	shared.mu.Lock()
	shared.p2p.reqKey = key
	shared.mu.Unlock()
	return dict("certificate", req, "cert_size", int64(len(req)), "error_message", "")
}

func (s *Steam) setCertificate(a args) any {
	cert := a.bytes(0)
	shared.mu.Lock()
	key := shared.p2p.reqKey
	shared.mu.Unlock()
	fail := func(msg string) any {
		s.errorf("Steam.setCertificate: %s. Returning {}.", msg)
		return NewDictionary()
	}
	if key == nil {
		return fail("call getCertificateRequest() first and have your certificate authority sign that request")
	}
	if !ca.MatchesKey(cert, key) {
		return fail("the certificate does not certify the key of the last getCertificateRequest() (or does not decode)")
	}
	n := runningNode()
	if n == nil {
		return fail("log in to a rendezvous service first (initAuthentication): the certificate must name your identity")
	}
	if err := n.SetCertificate(cert, key); err != nil {
		return fail(err.Error())
	}
	return dict("response", true, "error", "")
}

// setRendezvousService is our extra: point the extension at a service.
func (s *Steam) setRendezvousService(a args) any {
	addr := strings.TrimSpace(a.str(0))
	cfg, err := p2pOptions(a.dict(1), p2pConfig{service: addr, includeLoopback: true, source: "setRendezvousService"})
	if err != nil {
		s.errorf("Steam.setRendezvousService: %v; returning false", err)
		return false
	}
	stopNode() // the next P2P call logs in with the new settings
	shared.mu.Lock()
	if addr == "" {
		shared.p2p.explicit = nil
	} else {
		shared.p2p.explicit = &cfg
	}
	shared.mu.Unlock()
	return true
}

// p2pOptions reads setRendezvousService's options Dictionary.
func p2pOptions(d *Dictionary, cfg p2pConfig) (p2pConfig, error) {
	if d == nil {
		return cfg, nil
	}
	for i, k := range d.Keys {
		name, _ := k.(string)
		v := d.Values[i]
		bad := func(want string) error {
			return fmt.Errorf("option %q must be %s, got %s", name, want, describeValue(v))
		}
		switch name {
		case "token":
			t, ok := v.(string)
			if !ok {
				return cfg, bad("a String (the login token your game backend minted)")
			}
			cfg.token = t
		case "steam_id":
			n, ok := v.(int64)
			if !ok || (n != 0 && !ca.ValidSteamID(uint64(n))) {
				return cfg, bad("a valid Steam ID int (development services only)")
			}
			cfg.steamID = uint64(n)
		case "relay_only":
			b, ok := v.(bool)
			if !ok {
				return cfg, bad("a bool")
			}
			cfg.relayOnly = b
		case "include_loopback":
			b, ok := v.(bool)
			if !ok {
				return cfg, bad("a bool")
			}
			cfg.includeLoopback = b
		case "ca_public_key":
			var key ed25519.PublicKey
			switch x := v.(type) {
			case string:
				k, err := parseCAKey(x)
				if err != nil {
					return cfg, fmt.Errorf("option %q: %v", name, err)
				}
				key = k
			case []byte:
				if len(x) != ed25519.PublicKeySize {
					return cfg, bad("32 bytes")
				}
				key = append(ed25519.PublicKey(nil), x...)
			default:
				return cfg, bad("a String (hex or base64) or PackedByteArray")
			}
			cfg.caKeys = append(cfg.caKeys, key)
		default:
			return cfg, fmt.Errorf("unknown option %q (known: token, steam_id, relay_only, include_loopback, ca_public_key)", fmt.Sprint(k))
		}
	}
	return cfg, nil
}

// startRendezvousService is our extra: run a service in this process and
// point the extension at it. Returns its address, or "" on failure.
func (s *Steam) startRendezvousService(a args) any {
	listen := strings.TrimSpace(a.str(0))
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	rc := rendezvous.Config{Dev: true, Listen: listen}
	d := a.dict(1)
	if d != nil {
		for i, k := range d.Keys {
			name, _ := k.(string)
			v := d.Values[i]
			switch name {
			case "token_secret":
				t, ok := v.(string)
				if !ok || len(t) < 16 {
					s.errorf("Steam.startRendezvousService: option \"token_secret\" must be a String of at least 16 bytes (your backend mints login tokens with it); returning \"\"")
					return ""
				}
				rc.Dev, rc.TokenSecret = false, []byte(t)
			case "relay":
				b, ok := v.(bool)
				if !ok {
					s.errorf("Steam.startRendezvousService: option \"relay\" must be a bool; returning \"\"")
					return ""
				}
				rc.TURN.Disabled = !b
			case "relay_public_ip":
				t, ok := v.(string)
				if !ok {
					s.errorf("Steam.startRendezvousService: option \"relay_public_ip\" must be a String; returning \"\"")
					return ""
				}
				rc.TURN.PublicIP = t
			default:
				s.errorf("Steam.startRendezvousService: unknown option %q (known: token_secret, relay, relay_public_ip); returning \"\"", fmt.Sprint(k))
				return ""
			}
		}
	}
	shared.mu.Lock()
	if srv := shared.p2p.embedded; srv != nil {
		shared.mu.Unlock()
		s.warnf("Steam.startRendezvousService: a service already runs in this process at %s; returning its address", srv.Addr())
		return srv.Addr().String()
	}
	rc.AppID = shared.appID
	shared.mu.Unlock()
	srv, err := rendezvous.Start(rc)
	if err != nil {
		s.errorf("Steam.startRendezvousService(%q): %v; returning \"\"", listen, err)
		return ""
	}
	stopNode()
	addr := srv.Addr().String()
	shared.mu.Lock()
	shared.p2p.embedded = srv
	if rc.Dev {
		// Log this process in to its own service (a dedicated server with a
		// token secret logs in like its players, with setRendezvousService).
		shared.p2p.explicit = &p2pConfig{service: addr, includeLoopback: true, source: "startRendezvousService"}
	}
	shared.mu.Unlock()
	return addr
}
