package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"

	"godotsteam-sockets/engine/internal/wire"
)

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func testKDFInput() KDFInput {
	return KDFInput{
		Shared:          bytes.Repeat([]byte{0x42}, 32),
		NonceServer:     0x0102030405060708,
		NonceClient:     0x1112131415161718,
		ConnIDClient:    0xAABBCCDD,
		ConnIDServer:    0x11223344,
		CertServer:      []byte("cert-s"),
		CertClient:      []byte("cert-c"),
		CryptInfoServer: []byte("crypt-s"),
		CryptInfoClient: []byte("crypt-c"),
	}
}

// The schedule written out step by step from §3.5, independently of DeriveKeys.
func TestDeriveKeysMatchesSpecSteps(t *testing.T) {
	in := testKDFInput()
	premaster := sha256.Sum256(in.Shared)
	salt := binary.LittleEndian.AppendUint64(nil, in.NonceServer)
	salt = binary.LittleEndian.AppendUint64(salt, in.NonceClient)
	prk := hmacSHA256(premaster[:], salt) // key = premaster (reversed extract)
	info := binary.LittleEndian.AppendUint32(nil, in.ConnIDClient)
	info = binary.LittleEndian.AppendUint32(info, in.ConnIDServer)
	info = append(info, "Steam datagram"...)
	info = append(info, "cert-scert-ccrypt-scrypt-c"...)
	var tPrev, all []byte
	for i := byte(1); i <= 4; i++ {
		msg := append(append(append([]byte{}, tPrev...), info...), i)
		tPrev = hmacSHA256(prk, msg)
		all = append(all, tPrev...)
	}
	km, err := DeriveKeys(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(km.KeyClientToServer[:], all[0:32]) || !bytes.Equal(km.KeyServerToClient[:], all[32:64]) ||
		!bytes.Equal(km.IVClientToServer[:], all[64:76]) || !bytes.Equal(km.IVServerToClient[:], all[96:108]) {
		t.Fatal("derived keys differ from the spec steps")
	}
	// A stock RFC 5869 extract (keyed with the salt) must give different keys.
	stockPRK, _ := hkdf.Extract(sha256.New, premaster[:], salt)
	if bytes.Equal(stockPRK, prk) {
		t.Fatal("reversed extract equals stock extract: test is meaningless")
	}
	// Pinned output for this fixed input (regression guard).
	if got := hex.EncodeToString(km.KeyClientToServer[:]); got != "d7112a0c669de830919533efd2ab1601171bdf1c57397a3cec04fadc183e4039" {
		t.Fatalf("key c->s = %s", got)
	}
	if got := hex.EncodeToString(km.IVServerToClient[:]); got != "cd21476165588905f788c77b" {
		t.Fatalf("iv s->c = %s", got)
	}
}

func TestAEADNonceIsAdditive(t *testing.T) {
	var key [32]byte
	key[0] = 1
	// IV low 8 bytes = 0xFFFFFFFFFFFFFFFF: adding 2 wraps to 1, bytes 8..11 untouched.
	iv := [12]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 9, 8, 7, 6}
	d, err := NewDirection(key, iv, false)
	if err != nil {
		t.Fatal(err)
	}
	sealed := d.Seal(nil, []byte("hello"), 2)
	block, _ := aes.NewCipher(key[:])
	gcm, _ := cipher.NewGCM(block)
	nonce := []byte{1, 0, 0, 0, 0, 0, 0, 0, 9, 8, 7, 6}
	want := gcm.Seal(nil, nonce, []byte("hello"), nil)
	if !bytes.Equal(sealed, want) {
		t.Fatalf("sealed % x want % x", sealed, want)
	}
	if len(sealed) != 5+16 || d.Overhead() != 16 {
		t.Fatal("tag size")
	}
	got, err := d.Open(nil, sealed, 2)
	if err != nil || string(got) != "hello" {
		t.Fatal(got, err)
	}
	if _, err := d.Open(nil, sealed, 3); err == nil {
		t.Fatal("wrong packet number decrypted")
	}
	sealed[0] ^= 1
	if _, err := d.Open(nil, sealed, 2); err == nil {
		t.Fatal("tampered ciphertext decrypted")
	}
}

func TestNullCipher(t *testing.T) {
	d, _ := NewDirection([32]byte{}, [12]byte{}, true)
	if d.Overhead() != 0 || string(d.Seal(nil, []byte("x"), 5)) != "x" {
		t.Fatal("null seal")
	}
	if b, err := d.Open(nil, []byte("y"), 5); err != nil || string(b) != "y" {
		t.Fatal("null open")
	}
}

func TestCipherNegotiation(t *testing.T) {
	cases := []struct {
		server, client int
		want           uint32
		err            bool
	}{
		{0, 0, wire.CipherAES256GCM, false},
		{0, 3, 0, true},
		{3, 0, 0, true},
		{1, 3, wire.CipherNull, false},
		{1, 2, wire.CipherAES256GCM, false}, // server's order wins
		{2, 1, wire.CipherNull, false},
		{3, 3, wire.CipherNull, false},
	}
	for _, c := range cases {
		got, err := ChooseCipher(CipherList(c.server), CipherList(c.client))
		if (err != nil) != c.err || got != c.want {
			t.Errorf("server %d client %d: %d %v", c.server, c.client, got, err)
		}
	}
	if got, _ := ChooseCipher(CipherList(0), nil); got != wire.CipherAES256GCM {
		t.Error("empty client list must mean AES")
	}
}

func TestHandshakeEndToEnd(t *testing.T) {
	cc, _ := NewUnsignedCert(Identity{String: "ip:::1"}, 0)
	sc, _ := NewUnsignedCert(Identity{String: "steamid:76561197960287930", LegacySteamID: 76561197960287930}, 0)
	cs, _ := NewSession(cc, CipherList(0))
	ss, _ := NewSession(sc, []uint32{wire.CipherAES256GCM})

	// Each side verifies the other.
	certC, pc, err := VerifyPeer(&cc.Signed, &cs.Signed)
	if err != nil || certC.IdentityString != "ip:::1" || len(certC.AppIDs) != 1 {
		t.Fatal(err)
	}
	_, ps, err := VerifyPeer(&sc.Signed, &ss.Signed)
	if err != nil {
		t.Fatal(err)
	}
	// Crypt info signed by the wrong cert fails.
	if _, _, err := VerifyPeer(&sc.Signed, &cs.Signed); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("cross-signed: %v", err)
	}
	shC, err := SharedSecret(cs.DH, ps.Info.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	shS, _ := SharedSecret(ss.DH, pc.Info.KeyData)
	if !bytes.Equal(shC, shS) {
		t.Fatal("shared secrets differ")
	}
	in := KDFInput{Shared: shC, NonceServer: ss.Nonce, NonceClient: cs.Nonce, ConnIDClient: 1, ConnIDServer: 2,
		CertServer: sc.Signed.Cert, CertClient: cc.Signed.Cert, CryptInfoServer: ss.Signed.Info, CryptInfoClient: cs.Signed.Info}
	k1, _ := DeriveKeys(in)
	in.Shared = shS
	k2, _ := DeriveKeys(in)
	if k1 != k2 {
		t.Fatal("keys differ")
	}
	// Low-order point is rejected.
	if _, err := SharedSecret(cs.DH, make([]byte, 32)); err == nil {
		t.Fatal("zero point accepted")
	}
	if _, err := ecdh.X25519().NewPublicKey(make([]byte, 31)); err == nil {
		t.Fatal("31-byte key accepted")
	}
}

func TestCookie(t *testing.T) {
	k := NewCookieKey()
	var addr [16]byte
	addr[15] = 1
	now := int64(123456789012)
	c := k.Cookie(addr, 27015, CookieTick(now))
	if !k.CheckCookie(c, addr, 27015, now) {
		t.Fatal("fresh cookie rejected")
	}
	if !k.CheckCookie(c, addr, 27015, now+3<<20) {
		t.Fatal("cookie rejected within 3 ticks (>= 3.1 s)")
	}
	if k.CheckCookie(c, addr, 27015, now+5<<20) {
		t.Fatal("expired cookie accepted")
	}
	if k.CheckCookie(c, addr, 27016, now) {
		t.Fatal("cookie for another port accepted")
	}
	if k.CheckCookie(c^0x10000, addr, 27015, now) {
		t.Fatal("tampered cookie accepted")
	}
	k2 := NewCookieKey()
	if k2.CheckCookie(c, addr, 27015, now) {
		t.Fatal("cookie accepted by another socket's key")
	}
}

func BenchmarkSeal1200(b *testing.B) {
	d, _ := NewDirection([32]byte{1}, [12]byte{2}, false)
	pt := make([]byte, 1200)
	buf := make([]byte, 0, 1300)
	b.ReportAllocs()
	b.SetBytes(1200)
	var n uint64
	for b.Loop() {
		n++
		buf = d.Seal(buf[:0], pt, n)
	}
}

// Appendix A: the first data packet from a client (server ID S, packet
// number 2, one unreliable "hi"): 80 | S LE32 | 02 00 | AES-GCM(c->s key,
// IV c->s + 2, payload) ‖ tag.
func TestAppendixAFirstDataPacket(t *testing.T) {
	payload := []byte{0x80, 0x01, 0x98, 0x01, 0x00, 0xFF, 0xFF, 0x37, 0x01, 0x00, 0x00, 0x00, 0x68, 0x69}
	km, _ := DeriveKeys(testKDFInput())
	d, _ := NewDirection(km.KeyClientToServer, km.IVClientToServer, false)
	const serverID = 0x11223344
	pkt := wire.AppendDataHeader(nil, serverID, 2, 0)
	if !bytes.Equal(pkt, []byte{0x80, 0x44, 0x33, 0x22, 0x11, 0x02, 0x00}) {
		t.Fatalf("header % x", pkt)
	}
	pkt = d.Seal(pkt, payload, 2)
	if len(pkt) != 7+len(payload)+16 {
		t.Fatalf("length %d", len(pkt))
	}
	var h wire.DataHeader
	body, err := wire.ParseData(pkt, &h)
	if err != nil || h.ConnID != serverID || h.PktNum != 2 || h.HasStats {
		t.Fatalf("%+v %v", h, err)
	}
	got, err := d.Open(nil, body, 2)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("decrypted % x %v", got, err)
	}
	// The nonce is IV + 2 on the first 8 bytes (little-endian).
	n := km.IVClientToServer
	binary.LittleEndian.PutUint64(n[:8], binary.LittleEndian.Uint64(n[:8])+2)
	block, _ := aes.NewCipher(km.KeyClientToServer[:])
	gcm, _ := cipher.NewGCM(block)
	if want := gcm.Seal(nil, n[:], payload, nil); !bytes.Equal(body, want) {
		t.Fatal("ciphertext does not use IV+2")
	}
}

func BenchmarkOpen1200(b *testing.B) {
	d, _ := NewDirection([32]byte{1}, [12]byte{2}, false)
	pt := make([]byte, 1200)
	ct := d.Seal(nil, pt, 7)
	buf := make([]byte, 0, 1300)
	b.ReportAllocs()
	b.SetBytes(1200)
	for b.Loop() {
		var err error
		if buf, err = d.Open(buf[:0], ct, 7); err != nil {
			b.Fatal(err)
		}
	}
}
