package proto

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

func TestReadRoundTripAndLimits(t *testing.T) {
	m := &Msg{T: TSignal, To: "steamid:76561197960265729", Data: []byte{0, 1, 2, 255}}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(bufio.NewReader(bytes.NewReader(b)), 1024)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := Read(bufio.NewReader(bytes.NewReader(b)), len(b)-5); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	for name, body := range map[string]string{"not json": "hi", "no type": `{"to":"x"}`, "wrong field type": `{"t":"sig","d":5}`} {
		frame := append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
		if _, err := Read(bufio.NewReader(bytes.NewReader(frame)), 1024); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// FuzzDecode: any frame body decodes or errors without panicking; what
// decodes re-encodes to a frame that decodes to the same message.
func FuzzDecode(f *testing.F) {
	for _, m := range []*Msg{
		{T: THello, Version: Version, Challenge: []byte("0123456789abcdef0123456789abcdef")},
		{T: TLogin, Token: "gst1.76561197960265729.1700000000.00112233445566778899aabbccddeeff.mac", PubKey: make([]byte, 32), Sig: make([]byte, 64)},
		{T: TLogin, SteamID: 76561197960265729, AppID: 480},
		{T: TWelcome, Identity: "steamid:76561197960265729", SteamID: 76561197960265729, Cert: []byte{1, 2}, CertExpiry: 1, CAKeys: [][]byte{make([]byte, 32)},
			ICEServers: []ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}, {URLs: []string{"turn:127.0.0.1:3478?transport=udp"}, Username: "1:steamid:1", Credential: "x", Expires: 1}}},
		{T: TSignal, To: "steamid:76561197960265729", Data: []byte("blob")},
		{T: TSignal, From: "steamid:76561197960265729", Data: []byte("blob")},
		{T: TNoPeer, To: "steamid:1"},
		{T: TError, Code: CodeTokenReplay, Text: "token was already used"},
		{T: TBye, Code: CodeFlood},
		{T: TPing}, {T: TPong},
	} {
		b, _ := Encode(m)
		f.Add(b[4:])
	}
	f.Add([]byte(`{"t":"sig","steamid":"notanumber"}`))
	f.Add([]byte(`{"t":"sig","d":"!!!"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Decode(body)
		if err != nil {
			return
		}
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", m, err)
		}
		m2, err := Read(bufio.NewReader(bytes.NewReader(b)), len(b))
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		// Compare encodings: JSON decoding maps "" and absent to the same
		// encoding (omitempty), not always to the same Go value.
		b2, _ := Encode(m2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed %s into %s", b, b2)
		}
	})
}
