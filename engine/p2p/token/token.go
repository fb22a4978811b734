// Package token mints and verifies rendezvous login tokens: short-lived,
// single-use, HMAC-SHA256-signed statements "this player is SteamID n until
// time t" that a game's own backend issues after it has authenticated the
// player its own way. The rendezvous service verifies them with the same
// shared secret and refuses replays.
//
// Format (ASCII, URL-safe), five fields joined by ".":
//
//	gst1.<steamid>.<expiry>.<nonce>.<mac>
//
// The fields:
//   - steamid: the player's 64-bit SteamID in decimal, no leading zeros
//     (an individual or game-server ID, e.g. 76561197960265729);
//   - expiry: Unix time in seconds, decimal; the service refuses tokens
//     already expired or expiring further ahead than its TokenMaxTTL
//     (10 min by default), so mint them just before use;
//   - nonce: 16 random bytes as 32 lowercase hex digits; each token logs in
//     once (replays are refused and counted, on every service node);
//   - mac: HMAC-SHA256 keyed with the shared secret (the exact bytes of
//     RENDEZVOUS_TOKEN_SECRET, at least 16) over the ASCII text
//     "gst1.<steamid>.<expiry>.<nonce>", encoded base64url without padding
//     (RFC 4648 section 5, 43 characters).
//
// Test vector (TestDocumentedVector): secret "example-secret-0123456789",
// steamid 76561197960265729, expiry 1700000000, nonce
// 00112233445566778899aabbccddeeff give
// gst1.76561197960265729.1700000000.00112233445566778899aabbccddeeff.FsstrF_fez0FNuxSLmygvgeOxoMTKdK6m80qi9Fvcno
package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

const prefix = "gst1"

// MinSecretLen is the shortest shared secret accepted.
const MinSecretLen = 16

// MaxLen bounds a token's size; longer input is refused before parsing.
const MaxLen = 200

// Errors the verifier returns.
var (
	ErrMalformed = errors.New("token: malformed login token")
	ErrBadMAC    = errors.New("token: login token signature is wrong (different secret or tampered token)")
	ErrExpired   = errors.New("token: login token expired; ask the game backend for a fresh one")
	ErrTooLong   = errors.New("token: login token lifetime exceeds the verifier's maximum")
	ErrReplayed  = errors.New("token: login token was already used")
	ErrBusy      = errors.New("token: too many unexpired tokens remembered; retry later")
	// ErrReplayStore: the shared replay store could not be asked; the token
	// is refused (fail closed) and consumed.
	ErrReplayStore = errors.New("token: the shared replay store is unreachable; retry with a fresh token")
)

// ReplayStore records used nonces across verifiers, so a token used on one
// rendezvous node is refused on every other (the service's Redis broker
// implements it). Claim must be safe for concurrent use.
type ReplayStore interface {
	// Claim records nonce until expiry; fresh is false if it was already
	// recorded.
	Claim(nonce string, expiry time.Time) (fresh bool, err error)
}

// Mint creates a token for steamID valid for ttl. secret must be at least
// MinSecretLen bytes.
func Mint(secret []byte, steamID uint64, ttl time.Duration) (string, error) {
	return mintAt(secret, steamID, time.Now().Add(ttl))
}

func mintAt(secret []byte, steamID uint64, expiry time.Time) (string, error) {
	if len(secret) < MinSecretLen {
		return "", fmt.Errorf("token: secret must be at least %d bytes", MinSecretLen)
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", err
	}
	return mintWith(secret, steamID, expiry, nonce), nil
}

func mintWith(secret []byte, steamID uint64, expiry time.Time, nonce [16]byte) string {
	body := prefix + "." + strconv.FormatUint(steamID, 10) + "." + strconv.FormatInt(expiry.Unix(), 10) + "." + hex.EncodeToString(nonce[:])
	return body + "." + sign(secret, body)
}

func sign(secret []byte, body string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Claims is what a valid token states.
type Claims struct {
	SteamID uint64
	Expiry  time.Time
	Nonce   string
}

// Parse checks a token's format and MAC (not expiry, not replay).
func Parse(secret []byte, tok string) (Claims, error) {
	if len(tok) > MaxLen {
		return Claims{}, ErrMalformed
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 5 || parts[0] != prefix || len(parts[3]) != 32 {
		return Claims{}, ErrMalformed
	}
	body := strings.Join(parts[:4], ".")
	if !hmac.Equal([]byte(sign(secret, body)), []byte(parts[4])) {
		return Claims{}, ErrBadMAC
	}
	id, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return Claims{}, ErrMalformed
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return Claims{}, ErrMalformed
	}
	if _, err := hex.DecodeString(parts[3]); err != nil {
		return Claims{}, ErrMalformed
	}
	return Claims{SteamID: id, Expiry: time.Unix(exp, 0), Nonce: parts[3]}, nil
}

// Verifier checks tokens and remembers used nonces until they expire, so
// each token logs in once. Memory is bounded by MaxRemembered. Safe for
// concurrent use.
type Verifier struct {
	secret []byte
	maxTTL time.Duration
	max    int
	now    func() time.Time

	shared ReplayStore

	mu   sync.Mutex
	used map[string]time.Time // nonce → expiry
}

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	Secret []byte
	// MaxTTL refuses tokens whose expiry is further away (default 10 min);
	// it also bounds how long a nonce must be remembered.
	MaxTTL time.Duration
	// MaxRemembered bounds the replay cache (default 100000); when full of
	// unexpired nonces new logins fail with ErrBusy instead of growing.
	MaxRemembered int
	// Shared, when set, is asked after the local cache: a nonce it already
	// holds is a replay from another node. If it fails, the token is refused
	// with ErrReplayStore (fail closed).
	Shared ReplayStore
	// Now overrides the clock (tests).
	Now func() time.Time
}

// NewVerifier makes a verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("token: secret must be at least %d bytes", MinSecretLen)
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = 10 * time.Minute
	}
	if cfg.MaxRemembered <= 0 {
		cfg.MaxRemembered = 100000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{secret: append([]byte{}, cfg.Secret...), maxTTL: cfg.MaxTTL, max: cfg.MaxRemembered, now: cfg.Now, shared: cfg.Shared, used: map[string]time.Time{}}, nil
}

// Verify checks the token and consumes it.
func (v *Verifier) Verify(tok string) (Claims, error) {
	c, err := Parse(v.secret, tok)
	if err != nil {
		return Claims{}, err
	}
	now := v.now()
	if !c.Expiry.After(now) {
		return Claims{}, ErrExpired
	}
	if c.Expiry.Sub(now) > v.maxTTL {
		return Claims{}, ErrTooLong
	}
	v.mu.Lock()
	if _, seen := v.used[c.Nonce]; seen {
		v.mu.Unlock()
		return Claims{}, ErrReplayed
	}
	if len(v.used) >= v.max {
		for n, exp := range v.used {
			if !exp.After(now) {
				delete(v.used, n)
			}
		}
		if len(v.used) >= v.max {
			v.mu.Unlock()
			return Claims{}, ErrBusy
		}
	}
	v.used[c.Nonce] = c.Expiry
	v.mu.Unlock()
	// The nonce is consumed locally whatever the shared store says.
	if v.shared != nil {
		fresh, err := v.shared.Claim(c.Nonce, c.Expiry)
		if err != nil {
			return Claims{}, fmt.Errorf("%w: %v", ErrReplayStore, err)
		}
		if !fresh {
			return Claims{}, ErrReplayed
		}
	}
	return c, nil
}

// Remembered is the size of the replay cache.
func (v *Verifier) Remembered() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.used)
}
