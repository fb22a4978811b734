package ca

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// KeyID is GNS's CA key ID: the first 8 bytes of SHA-256(public key) read
// as a little-endian uint64.
func KeyID(pub ed25519.PublicKey) uint64 {
	sum := sha256.Sum256(pub)
	return binary.LittleEndian.Uint64(sum[:8])
}

// Authority signs certificates with one Ed25519 CA key.
type Authority struct {
	priv  ed25519.PrivateKey
	pub   ed25519.PublicKey
	keyID uint64
}

// NewAuthority wraps an existing CA private key.
func NewAuthority(priv ed25519.PrivateKey) (*Authority, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("ca: CA private key must be %d bytes (Ed25519), got %d", ed25519.PrivateKeySize, len(priv))
	}
	pub := priv.Public().(ed25519.PublicKey)
	return &Authority{priv: priv, pub: pub, keyID: KeyID(pub)}, nil
}

// GenerateAuthority makes a CA with a fresh random key (development mode;
// production services load a persistent key so certificates survive a
// restart).
func GenerateAuthority() (*Authority, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewAuthority(priv)
}

// PublicKey is the key peers must trust.
func (a *Authority) PublicKey() ed25519.PublicKey { return a.pub }

// KeyID is the ca_key_id the authority puts in its certificates.
func (a *Authority) KeyID() uint64 { return a.keyID }

// PrivateKey returns the CA key (to persist it).
func (a *Authority) PrivateKey() ed25519.PrivateKey { return a.priv }

// IssueParams describes the certificate to sign.
type IssueParams struct {
	SteamID   uint64            // identity bound to the key; must be ValidSteamID
	PublicKey ed25519.PublicKey // the holder's Ed25519 key
	AppIDs    []uint32          // apps the key may be used for; GNS requires at least one for identity certs
	NotBefore time.Time         // time_created; zero = now
	Lifetime  time.Duration     // time_expiry = NotBefore + Lifetime; must be > 0
}

// Issue signs a certificate and returns the serialized
// CMsgSteamDatagramCertificateSigned (without a private key).
func (a *Authority) Issue(p IssueParams) ([]byte, error) {
	if !ValidSteamID(p.SteamID) {
		return nil, fmt.Errorf("ca: refusing to certify %d: not an individual or game-server SteamID with a non-zero account", p.SteamID)
	}
	if len(p.PublicKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("ca: holder key must be a %d-byte Ed25519 public key, got %d bytes", ed25519.PublicKeySize, len(p.PublicKey))
	}
	if len(p.AppIDs) == 0 {
		return nil, errors.New("ca: a certificate for an identity must list at least one AppID (GNS refuses it otherwise)")
	}
	if p.Lifetime <= 0 {
		return nil, errors.New("ca: certificate lifetime must be positive")
	}
	created := p.NotBefore
	if created.IsZero() {
		created = time.Now()
	}
	expiry := created.Add(p.Lifetime).Unix()
	if expiry > int64(^uint32(0)) {
		return nil, errors.New("ca: certificate expiry does not fit in 32-bit Unix seconds")
	}
	c := Cert{
		KeyType:              KeyTypeEd25519,
		KeyData:              append([]byte{}, p.PublicKey...),
		LegacySteamID:        p.SteamID,
		TimeCreated:          uint32(created.Unix()),
		TimeExpiry:           uint32(expiry),
		AppIDs:               append([]uint32{}, p.AppIDs...),
		LegacyIdentityBinary: legacyIdentityBinary(p.SteamID),
		IdentityString:       IdentityString(p.SteamID),
	}
	body := c.Marshal()
	s := Signed{Cert: body, CAKeyID: a.keyID, CASignature: ed25519.Sign(a.priv, body)}
	return s.Marshal(), nil
}

// SignRequest signs a CMsgSteamDatagramCertificateRequest (what
// getCertificateRequest returns), forcing the identity to steamID and the
// app IDs to appIDs: the CA decides who the holder is, not the request.
func (a *Authority) SignRequest(req []byte, steamID uint64, appIDs []uint32, lifetime time.Duration) ([]byte, error) {
	r, err := UnmarshalRequest(req)
	if err != nil {
		return nil, err
	}
	c, err := UnmarshalCert(r.Cert)
	if err != nil {
		return nil, err
	}
	if c.KeyType != KeyTypeEd25519 {
		return nil, fmt.Errorf("ca: request key type %d is not Ed25519 (1)", c.KeyType)
	}
	return a.Issue(IssueParams{SteamID: steamID, PublicKey: c.KeyData, AppIDs: appIDs, Lifetime: lifetime})
}

// NewRequest makes a certificate request for a fresh Ed25519 key and
// returns the serialized CMsgSteamDatagramCertificateRequest and the key.
// steamID may be 0 when the CA assigns the identity.
func NewRequest(steamID uint64, appID uint32) (req []byte, priv ed25519.PrivateKey, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	c := Cert{KeyType: KeyTypeEd25519, KeyData: pub, AppIDs: []uint32{appID}}
	if steamID != 0 {
		c.LegacySteamID = steamID
		c.LegacyIdentityBinary = legacyIdentityBinary(steamID)
		c.IdentityString = IdentityString(steamID)
	}
	r := Request{Cert: c.Marshal()}
	return r.Marshal(), priv, nil
}

// PEM block types used by GNS for certificates, and ours for CA keys.
const (
	PEMCert      = "STEAMDATAGRAM CERT"
	PEMCAPrivate = "GODOTSTEAM SOCKETS CA PRIVATE KEY"
	PEMCAPublic  = "GODOTSTEAM SOCKETS CA PUBLIC KEY"
)

// EncodeCertPEM wraps a signed cert in GNS's PEM block.
func EncodeCertPEM(signed []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: PEMCert, Bytes: signed})
}

// DecodeCertPEM unwraps the first "STEAMDATAGRAM CERT" block.
func DecodeCertPEM(data []byte) ([]byte, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("ca: no %q PEM block found", PEMCert)
		}
		if b.Type == PEMCert {
			return b.Bytes, nil
		}
	}
}

// EncodeKeyPEM stores the CA private key (the 32-byte seed) as PEM.
func (a *Authority) EncodeKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: PEMCAPrivate, Bytes: a.priv.Seed()})
}

// DecodeAuthorityPEM loads a CA written by EncodeKeyPEM.
func DecodeAuthorityPEM(data []byte) (*Authority, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != PEMCAPrivate || len(b.Bytes) != ed25519.SeedSize {
		return nil, fmt.Errorf("ca: expected a %q PEM block holding a %d-byte Ed25519 seed", PEMCAPrivate, ed25519.SeedSize)
	}
	return NewAuthority(ed25519.NewKeyFromSeed(b.Bytes))
}
