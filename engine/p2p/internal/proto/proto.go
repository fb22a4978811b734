// Package proto is the client↔service protocol of the rendezvous service:
// length-prefixed JSON frames over a TCP (or TLS) stream.
//
// Each frame is a 4-byte big-endian length followed by that many bytes of
// one JSON object (Msg). Sequence: service → hello{challenge};
// client → login{pubkey, sig, token|steamid}; service → welcome{...} or
// error{code}; then sig frames both ways, ping/pong, and bye.
package proto

import (
	"bufio"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version the hello frame announces.
const Version = 1

// Frame types.
const (
	THello   = "hello"
	TLogin   = "login"
	TWelcome = "welcome"
	TError   = "error"
	TSignal  = "sig"
	TNoPeer  = "nopeer" // a signal could not be delivered: no such identity logged in
	TPing    = "ping"
	TPong    = "pong"
	TBye     = "bye" // service closes the session (Code says why)
	// TRequest / TResponse: a numbered request (Op, ReqID) and its answer
	// (same ReqID, Result). Only sent to services whose welcome lists the
	// feature (Features); see requests.go.
	TRequest  = "req"
	TResponse = "resp"
)

// Error codes carried in error and bye frames.
const (
	CodeBadLogin     = "bad_login"     // malformed login or bad key proof
	CodeBadToken     = "bad_token"     // token missing, malformed, wrong MAC
	CodeTokenExpired = "token_expired" //
	CodeTokenReplay  = "token_replayed"
	CodeWrongApp     = "wrong_app"
	CodeBusy         = "busy"     // service full
	CodeReplaced     = "replaced" // the same identity logged in elsewhere
	CodeFlood        = "flood"    // too many signals
	CodeShutdown     = "shutdown"
)

// ICEServer is one STUN or TURN server in the RTCIceServer shape.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
	Expires    int64    `json:"expires,omitempty"` // Unix seconds
}

// Msg is every frame; unused fields are omitted.
type Msg struct {
	T          string      `json:"t"`
	Version    int         `json:"v,omitempty"`
	Challenge  []byte      `json:"challenge,omitempty"`
	Token      string      `json:"token,omitempty"`
	SteamID    uint64      `json:"steamid,omitempty,string"`
	AppID      uint32      `json:"app,omitempty"`
	PubKey     []byte      `json:"pubkey,omitempty"`
	Sig        []byte      `json:"sig,omitempty"`
	Identity   string      `json:"identity,omitempty"`
	Cert       []byte      `json:"cert,omitempty"`
	CertExpiry int64       `json:"cert_expiry,omitempty"`
	CAKeys     [][]byte    `json:"ca_keys,omitempty"`
	ICEServers []ICEServer `json:"ice_servers,omitempty"`
	To         string      `json:"to,omitempty"`
	From       string      `json:"from,omitempty"`
	Data       []byte      `json:"d,omitempty"`
	Code       string      `json:"code,omitempty"`
	Text       string      `json:"text,omitempty"`

	// Requests and responses (requests.go).
	Features    []string `json:"features,omitempty"` // welcome: optional features served
	Op          string   `json:"op,omitempty"`
	ReqID       uint32   `json:"req,omitempty"`
	Result      int      `json:"result,omitempty"` // EResult
	NumPorts    int      `json:"nports,omitempty"`
	FakeIP      uint32   `json:"fakeip,omitempty"` // host-order IPv4
	FakePorts   []uint16 `json:"fakeports,omitempty"`
	FakePort    uint16   `json:"fakeport,omitempty"`
	PortIndex   int      `json:"port_index,omitempty"`
	VirtualPort int      `json:"vport,omitempty"`
	Addr        string   `json:"addr,omitempty"` // "ip:port"
	POP         uint32   `json:"pop,omitempty"`
	Ticket      []byte   `json:"ticket,omitempty"`
}

// ErrFrameTooLarge is returned for a frame longer than the reader's limit.
var ErrFrameTooLarge = errors.New("rendezvous protocol: frame too large")

// Read reads one frame of at most max bytes.
func Read(r *bufio.Reader, max int) (*Msg, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > uint32(max) {
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrFrameTooLarge, n, max)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return Decode(buf)
}

// Decode parses one frame body.
func Decode(b []byte) (*Msg, error) {
	m := &Msg{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("rendezvous protocol: bad frame: %w", err)
	}
	if m.T == "" {
		return nil, errors.New("rendezvous protocol: frame has no type")
	}
	return m, nil
}

// Encode serializes a frame with its length prefix.
func Encode(m *Msg) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(out, uint32(len(body)))
	return append(out, body...), nil
}

// LoginProof is the message a client signs with its key to prove it holds
// the key it asks the CA to certify.
func LoginProof(challenge, pubKey []byte) []byte {
	b := []byte("godotsteam-sockets rendezvous login v1\x00")
	b = append(b, challenge...)
	return append(b, pubKey...)
}

// VerifyLoginProof checks the client's proof of key possession.
func VerifyLoginProof(challenge, pubKey, sig []byte) bool {
	return len(pubKey) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
		ed25519.Verify(ed25519.PublicKey(pubKey), LoginProof(challenge, pubKey), sig)
}
