package snp

import (
	"bytes"
	"math/rand"
	"testing"
)

// The stream ring behaves like one long byte slice from which the front is
// dropped: random writes, frees and reads agree with a plain reference.
func TestStreamRingMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	r := streamRing{base: 1, end: 1}
	var ref []byte // bytes [refBase, ...)
	refBase := int64(1)
	next := byte(0)
	for step := 0; step < 20000; step++ {
		switch op := rng.Intn(10); {
		case op < 5:
			p := make([]byte, rng.Intn(3000))
			for i := range p {
				p[i] = next
				next++
			}
			r.write(p)
			ref = append(ref, p...)
		case op < 8:
			if n := len(ref); n > 0 {
				k := rng.Intn(n + 1)
				r.free(refBase + int64(k))
				ref = ref[k:]
				refBase += int64(k)
			}
		default:
			if len(ref) == 0 {
				continue
			}
			b := refBase + int64(rng.Intn(len(ref)))
			e := b + int64(rng.Intn(int(refBase+int64(len(ref))-b)+1))
			d1, d2 := r.get(b, e)
			got := append(append([]byte(nil), d1...), d2...)
			if !bytes.Equal(got, ref[b-refBase:e-refBase]) {
				t.Fatalf("step %d: get(%d,%d) differs", step, b, e)
			}
		}
		if r.base != refBase || r.end != refBase+int64(len(ref)) {
			t.Fatalf("step %d: ring [%d,%d) want [%d,%d)", step, r.base, r.end, refBase, refBase+int64(len(ref)))
		}
		if len(r.buf)&(len(r.buf)-1) != 0 {
			t.Fatalf("ring size %d is not a power of two", len(r.buf))
		}
	}
}
