package crypto

import (
	"bytes"
	"testing"
)

// FuzzOpen feeds hostile ciphertexts to the AEAD: it must reject anything it
// did not seal (never panic), and round-trip what it did.
func FuzzOpen(f *testing.F) {
	d, err := NewDirection([32]byte{9}, [12]byte{3}, false)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{}, uint64(0))
	f.Add(make([]byte, 15), uint64(1))
	f.Add(make([]byte, 16), uint64(2))
	f.Add(d.Seal(nil, []byte("hi"), 2), uint64(2))
	f.Add(d.Seal(nil, make([]byte, 1232), 70000), uint64(70000))
	f.Fuzz(func(t *testing.T, ct []byte, pkt uint64) {
		pt, err := d.Open(nil, ct, pkt)
		if err != nil {
			return
		}
		// Accepted: it must be exactly what sealing pt gives (authentic).
		if again := d.Seal(nil, pt, pkt); !bytes.Equal(again, ct) {
			t.Fatalf("opened a ciphertext that is not the seal of its plaintext")
		}
	})
}
