package proto

import (
	"bufio"
	"bytes"
	"testing"
)

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
