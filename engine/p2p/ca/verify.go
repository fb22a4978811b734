package ca

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// EndRemoteBadCert is ESteamNetConnectionEnd Remote_BadCert: what a peer's
// connection ends with when its certificate is refused.
const EndRemoteBadCert = 4003

// CertError explains why a certificate was refused. EndReason is the GNS
// end reason the connection should close with.
type CertError struct {
	EndReason int
	Msg       string
}

func (e *CertError) Error() string { return "ca: certificate refused: " + e.Msg }

func badCert(format string, args ...any) error {
	return &CertError{EndReason: EndRemoteBadCert, Msg: fmt.Sprintf(format, args...)}
}

// Verified is what a good certificate tells the verifier.
type Verified struct {
	SteamID   uint64
	Identity  string            // "steamid:<n>"
	PublicKey ed25519.PublicKey // key the peer signs its crypt info with
	Expiry    time.Time
	AppIDs    []uint32
	CAKeyID   uint64
}

// TrustStore is the set of CA keys a game trusts. Safe for concurrent use.
type TrustStore struct {
	mu      sync.RWMutex
	keys    map[uint64]ed25519.PublicKey
	refused atomic.Int64
}

// Refused counts certificates Verify refused (forged, foreign CA, expired,
// wrong identity or app, undecodable).
func (t *TrustStore) Refused() int64 { return t.refused.Load() }

// NewTrustStore trusts the given CA public keys.
func NewTrustStore(keys ...ed25519.PublicKey) *TrustStore {
	t := &TrustStore{keys: map[uint64]ed25519.PublicKey{}}
	for _, k := range keys {
		_ = t.Add(k)
	}
	return t
}

// Add trusts one more CA key.
func (t *TrustStore) Add(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("ca: CA public key must be %d bytes, got %d", ed25519.PublicKeySize, len(pub))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keys[KeyID(pub)] = append(ed25519.PublicKey{}, pub...)
	return nil
}

// Len is the number of trusted keys.
func (t *TrustStore) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.keys)
}

// VerifyParams says what the verifier expects.
type VerifyParams struct {
	Now time.Time // zero = time.Now()
	// AppID is the verifier's own AppID; a cert listing app IDs must list it.
	AppID uint32
	// ExpectSteamID, if non-zero, is the identity the connection was made to
	// (or claimed in the handshake); the cert must name exactly it.
	ExpectSteamID uint64
}

// Verify checks a serialized CMsgSteamDatagramCertificateSigned: the CA key
// must be trusted, the signature valid over the exact cert bytes, the cert
// not expired, the key Ed25519, the identity a valid SteamID (equal to
// ExpectSteamID if set) and the app ID allowed. Failures are *CertError
// with EndReason 4003.
func (t *TrustStore) Verify(signed []byte, p VerifyParams) (*Verified, error) {
	v, err := t.verify(signed, p)
	if err != nil {
		t.refused.Add(1)
	}
	return v, err
}

func (t *TrustStore) verify(signed []byte, p VerifyParams) (*Verified, error) {
	s, err := UnmarshalSigned(signed)
	if err != nil {
		return nil, badCert("cannot decode CMsgSteamDatagramCertificateSigned: %v", err)
	}
	if len(s.Cert) == 0 {
		return nil, badCert("no cert bytes")
	}
	if s.CAKeyID == 0 || len(s.CASignature) == 0 {
		return nil, badCert("cert is not signed by a certificate authority")
	}
	t.mu.RLock()
	caKey, ok := t.keys[s.CAKeyID]
	t.mu.RUnlock()
	if !ok {
		return nil, badCert("cert signed by untrusted CA key %016x", s.CAKeyID)
	}
	if len(s.CASignature) != ed25519.SignatureSize || !ed25519.Verify(caKey, s.Cert, s.CASignature) {
		return nil, badCert("CA signature does not verify (forged or altered cert)")
	}
	c, err := UnmarshalCert(s.Cert)
	if err != nil {
		return nil, badCert("cannot decode CMsgSteamDatagramCertificate: %v", err)
	}
	if c.KeyType != KeyTypeEd25519 || len(c.KeyData) != ed25519.PublicKeySize {
		return nil, badCert("cert key is not a 32-byte Ed25519 key (type %d, %d bytes)", c.KeyType, len(c.KeyData))
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	if c.TimeExpiry == 0 || int64(c.TimeExpiry) < now.Unix() {
		return nil, badCert("cert expired at %s", time.Unix(int64(c.TimeExpiry), 0).UTC().Format(time.RFC3339))
	}
	id, ok := certIdentity(c)
	if !ok {
		return nil, badCert("cert names no valid SteamID identity")
	}
	if p.ExpectSteamID != 0 && id != p.ExpectSteamID {
		return nil, badCert("cert is for %s, expected %s", IdentityString(id), IdentityString(p.ExpectSteamID))
	}
	if len(c.AppIDs) == 0 {
		return nil, badCert("cert for an identity lists no AppID")
	}
	if !slices.Contains(c.AppIDs, p.AppID) {
		return nil, badCert("cert is not valid for AppID %d (lists %v)", p.AppID, c.AppIDs)
	}
	return &Verified{
		SteamID:   id,
		Identity:  IdentityString(id),
		PublicKey: ed25519.PublicKey(c.KeyData),
		Expiry:    time.Unix(int64(c.TimeExpiry), 0),
		AppIDs:    c.AppIDs,
		CAKeyID:   s.CAKeyID,
	}, nil
}

// MatchesKey reports whether a signed cert certifies the public half of priv
// (what setCertificate must check before adopting a cert).
func MatchesKey(signed []byte, priv ed25519.PrivateKey) bool {
	s, err := UnmarshalSigned(signed)
	if err != nil {
		return false
	}
	c, err := UnmarshalCert(s.Cert)
	if err != nil || len(priv) != ed25519.PrivateKeySize {
		return false
	}
	pub := priv.Public().(ed25519.PublicKey)
	return c.KeyType == KeyTypeEd25519 && pub.Equal(ed25519.PublicKey(c.KeyData))
}
