package proto

import (
	"bufio"
	"bytes"
	"testing"
)

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"t":"hello","challenge":"AAEC"}`))
	f.Add([]byte(`{"t":""}`))
	f.Add([]byte(`{"t":"sig","d":123}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		if m.T == "" {
			t.Fatal("decoded a frame without a type")
		}
		frame, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded frame does not encode: %v", err)
		}
		if _, err := Read(bufio.NewReader(bytes.NewReader(frame)), len(frame)); err != nil {
			t.Fatalf("re-encoded frame does not read back: %v", err)
		}
	})
}

// FuzzRead feeds a hostile byte stream (length prefixes included) to the
// frame reader with a small limit: it must refuse, never over-allocate.
func FuzzRead(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x0c{\"t\":\"ping\"}"))
	f.Add([]byte("\xff\xff\xff\xff{}"))
	f.Add([]byte("\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		for i := 0; i < 8; i++ {
			if _, err := Read(r, 256); err != nil {
				return
			}
		}
	})
}
