// Package crypto holds the cryptography of a GNS connection
// (gns_wire_notes.md §3): self-signed Ed25519 certificates, signed session
// crypt info, X25519 key exchange, the exact GNS key schedule, AES-256-GCM
// with the additive per-packet nonce, cipher negotiation and the stateless
// challenge cookie.
package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"

	"godotsteam-sockets/engine/internal/wire"
)

// Errors returned by verification; the connection layer maps them to end
// reasons (BadCrypt 4002, BadCert 4003).
var (
	ErrBadSignature = errors.New("crypto: bad signature on crypt info")
	ErrBadKey       = errors.New("crypto: bad key")
	ErrNoCipher     = errors.New("crypto: failed to negotiate cipher")
)

// Identity is the identity material a certificate carries.
type Identity struct {
	String        string // identity_string, e.g. "ip:::1", "steamid:7656..."
	LegacyBinary  []byte // serialized IdentityLegacyBinary, nil to omit
	LegacySteamID uint64 // 0 to omit
}

// LocalCert is our certificate and the key that signs our crypt infos.
type LocalCert struct {
	Signed  wire.CertSigned // Signed.Cert = exact cert bytes (feed the KDF)
	Private ed25519.PrivateKey
}

// NewUnsignedCert makes a self-signed (really: unsigned) certificate the
// way GNS does for IP connections: a fresh Ed25519 key pair, the identity
// fields, app_ids = [appID], no CA signature, no times.
func NewUnsignedCert(id Identity, appID uint32) (*LocalCert, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	c := wire.Cert{KeyType: wire.KeyTypeEd25519, KeyData: pub, AppIDs: []uint32{appID}}
	if id.LegacySteamID != 0 {
		c.HasLegacySteamID, c.LegacySteamID = true, id.LegacySteamID
	}
	if id.LegacyBinary != nil {
		c.HasLegacyIdentityBinary, c.LegacyIdentityBinary = true, id.LegacyBinary
	}
	if id.String != "" {
		c.HasIdentityString, c.IdentityString = true, id.String
	}
	return &LocalCert{Signed: wire.CertSigned{Cert: c.Append(nil)}, Private: priv}, nil
}

// CipherList is the local cipher preference list for the Unencrypted
// config value (0..3), §3.4.
func CipherList(unencrypted int) []uint32 {
	switch unencrypted {
	case 1:
		return []uint32{wire.CipherAES256GCM, wire.CipherNull}
	case 2:
		return []uint32{wire.CipherNull, wire.CipherAES256GCM}
	case 3:
		return []uint32{wire.CipherNull}
	}
	return []uint32{wire.CipherAES256GCM}
}

// ChooseCipher is the server's choice: the first of its own list that the
// client also offers. An empty client list means {AES-256-GCM} (legacy).
func ChooseCipher(server, client []uint32) (uint32, error) {
	if len(client) == 0 {
		client = []uint32{wire.CipherAES256GCM}
	}
	for _, s := range server {
		for _, c := range client {
			if s == c {
				return s, nil
			}
		}
	}
	return wire.CipherInvalid, ErrNoCipher
}

// Session is one side's ephemeral key-exchange state for a connection.
type Session struct {
	DH    *ecdh.PrivateKey
	Nonce uint64
	// Signed is our signed crypt info; Signed.Info = exact bytes (KDF input).
	Signed wire.CryptInfoSigned
}

// NewSession makes an X25519 key pair and nonce and signs a crypt info
// listing ciphers with cert's key.
func NewSession(cert *LocalCert, ciphers []uint32) (*Session, error) {
	dh, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	var nb [8]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return nil, err
	}
	s := &Session{DH: dh, Nonce: binary.LittleEndian.Uint64(nb[:])}
	s.Sign(cert, ciphers)
	return s, nil
}

// Sign (re)builds and signs the crypt info with the given cipher list (the
// server re-signs with its single chosen cipher at accept time).
func (s *Session) Sign(cert *LocalCert, ciphers []uint32) {
	info := wire.CryptInfo{
		KeyType:         wire.KeyTypeCurve25519,
		KeyData:         s.DH.PublicKey().Bytes(),
		Nonce:           s.Nonce,
		ProtocolVersion: wire.ProtocolVersion,
		Ciphers:         ciphers,
	}
	b := info.Append(nil)
	s.Signed = wire.CryptInfoSigned{Info: b, Signature: ed25519.Sign(cert.Private, b)}
}

// PeerCrypt is a verified peer crypt info.
type PeerCrypt struct {
	Info wire.CryptInfo
	Raw  []byte // exact info bytes (KDF input)
}

// VerifyPeer checks the peer's certificate key signature on its crypt info
// and parses both. It returns the decoded certificate too.
func VerifyPeer(cert *wire.CertSigned, crypt *wire.CryptInfoSigned) (*wire.Cert, *PeerCrypt, error) {
	if cert == nil || crypt == nil || len(cert.Cert) == 0 || len(crypt.Info) == 0 {
		return nil, nil, ErrBadSignature
	}
	var c wire.Cert
	if err := c.Unmarshal(cert.Cert); err != nil {
		return nil, nil, err
	}
	if c.KeyType != wire.KeyTypeEd25519 || len(c.KeyData) != ed25519.PublicKeySize {
		return &c, nil, ErrBadKey
	}
	if len(crypt.Signature) != ed25519.SignatureSize ||
		!ed25519.Verify(ed25519.PublicKey(c.KeyData), crypt.Info, crypt.Signature) {
		return &c, nil, ErrBadSignature
	}
	var info wire.CryptInfo
	if err := info.Unmarshal(crypt.Info); err != nil {
		return &c, nil, err
	}
	if info.KeyType != wire.KeyTypeCurve25519 || len(info.KeyData) != 32 {
		return &c, nil, ErrBadKey
	}
	return &c, &PeerCrypt{Info: info, Raw: crypt.Info}, nil
}

// KDFInput is everything the key schedule hashes, from both sides.
type KDFInput struct {
	Shared          []byte // X25519 output (32 bytes)
	NonceServer     uint64
	NonceClient     uint64
	ConnIDClient    uint32
	ConnIDServer    uint32
	CertServer      []byte
	CertClient      []byte
	CryptInfoServer []byte
	CryptInfoClient []byte
}

// KeyMaterial is the output of the key schedule (§3.5).
type KeyMaterial struct {
	KeyClientToServer [32]byte
	KeyServerToClient [32]byte
	IVClientToServer  [12]byte
	IVServerToClient  [12]byte
}

const kdfLabel = "Steam datagram"

// DeriveKeys runs the GNS key schedule exactly (§3.5): premaster =
// SHA-256(shared); PRK = HMAC-SHA256(key = premaster, msg = salt) — the
// reverse of RFC 5869's extract; then HKDF-Expand(PRK, info) for 128 bytes.
func DeriveKeys(in KDFInput) (KeyMaterial, error) {
	var km KeyMaterial
	premaster := sha256.Sum256(in.Shared)
	var salt [16]byte
	binary.LittleEndian.PutUint64(salt[0:], in.NonceServer)
	binary.LittleEndian.PutUint64(salt[8:], in.NonceClient)
	mac := hmac.New(sha256.New, premaster[:])
	mac.Write(salt[:])
	prk := mac.Sum(nil)

	info := make([]byte, 0, 8+len(kdfLabel)+len(in.CertServer)+len(in.CertClient)+len(in.CryptInfoServer)+len(in.CryptInfoClient))
	info = binary.LittleEndian.AppendUint32(info, in.ConnIDClient)
	info = binary.LittleEndian.AppendUint32(info, in.ConnIDServer)
	info = append(info, kdfLabel...)
	info = append(info, in.CertServer...)
	info = append(info, in.CertClient...)
	info = append(info, in.CryptInfoServer...)
	info = append(info, in.CryptInfoClient...)

	out, err := hkdf.Expand(sha256.New, prk, string(info), 128)
	if err != nil {
		return km, err
	}
	copy(km.KeyClientToServer[:], out[0:32])
	copy(km.KeyServerToClient[:], out[32:64])
	copy(km.IVClientToServer[:], out[64:76])
	copy(km.IVServerToClient[:], out[96:108])
	return km, nil
}

// SharedSecret computes X25519(priv, peerPub), rejecting an all-zero result.
func SharedSecret(priv *ecdh.PrivateKey, peerPub []byte) ([]byte, error) {
	pub, err := ecdh.X25519().NewPublicKey(peerPub)
	if err != nil {
		return nil, ErrBadKey
	}
	shared, err := priv.ECDH(pub)
	if err != nil { // all-zero output (low-order point)
		return nil, ErrBadKey
	}
	return shared, nil
}

// Direction encrypts or decrypts one direction of a connection. With the
// NULL cipher (aead == nil) payloads pass through unchanged. Not safe for
// concurrent use (the connection's lock serialises it).
type Direction struct {
	aead  cipher.AEAD
	iv    [12]byte
	nonce [12]byte // scratch: a local array would escape through the interface
}

// NewDirection makes a direction; null selects the NULL cipher.
func NewDirection(key [32]byte, iv [12]byte, null bool) (*Direction, error) {
	d := &Direction{iv: iv}
	if null {
		return d, nil
	}
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	if d.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return d, nil
}

// Overhead is the number of bytes Seal adds (16, or 0 for NULL).
func (d *Direction) Overhead() int {
	if d.aead == nil {
		return 0
	}
	return d.aead.Overhead()
}

// setNonce adds the full packet number to the first 8 bytes (LE) of the IV.
func (d *Direction) setNonce(pktNum uint64) []byte {
	d.nonce = d.iv
	binary.LittleEndian.PutUint64(d.nonce[:8], binary.LittleEndian.Uint64(d.iv[:8])+pktNum)
	return d.nonce[:]
}

// Seal appends the encrypted plaintext (and tag) to dst.
func (d *Direction) Seal(dst, plaintext []byte, pktNum uint64) []byte {
	if d.aead == nil {
		return append(dst, plaintext...)
	}
	return d.aead.Seal(dst, d.setNonce(pktNum), plaintext, nil)
}

// Open appends the decrypted payload to dst, or fails if the tag is wrong.
func (d *Direction) Open(dst, ciphertext []byte, pktNum uint64) ([]byte, error) {
	if d.aead == nil {
		return append(dst, ciphertext...), nil
	}
	return d.aead.Open(dst, d.setNonce(pktNum), ciphertext, nil)
}

// CookieKey is the per-listen-socket secret for challenge cookies.
type CookieKey [32]byte

// NewCookieKey returns a random key.
func NewCookieKey() (k CookieKey) {
	_, _ = rand.Read(k[:])
	return k
}

// CookieTick is the cookie time unit: ~1.05 s (µs >> 20), mod 65536.
func CookieTick(nowUsec int64) uint16 { return uint16(uint64(nowUsec) >> 20) }

// MaxCookieAgeTicks is how many ticks a cookie stays valid (3 ticks ≈ 3.1–4.2 s,
// as GNS).
const MaxCookieAgeTicks = 3

// Cookie computes the stateless challenge for a remote address (16-byte
// IPv6 form, port) at tick t: a keyed MAC in the high 48 bits, t in the low 16.
func (k *CookieKey) Cookie(addr [16]byte, port uint16, t uint16) uint64 {
	mac := hmac.New(sha256.New, k[:])
	var data [20]byte
	binary.LittleEndian.PutUint16(data[0:], t)
	binary.LittleEndian.PutUint16(data[2:], port)
	copy(data[4:], addr[:])
	mac.Write(data[:])
	var sum [32]byte
	h := binary.LittleEndian.Uint64(mac.Sum(sum[:0]))
	return h&^0xFFFF | uint64(t)
}

// CheckCookie validates an echoed cookie at time now.
func (k *CookieKey) CheckCookie(c uint64, addr [16]byte, port uint16, nowUsec int64) bool {
	t := uint16(c)
	if CookieTick(nowUsec)-t > MaxCookieAgeTicks {
		return false
	}
	return hmac.Equal(le64(k.Cookie(addr, port, t)), le64(c))
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
