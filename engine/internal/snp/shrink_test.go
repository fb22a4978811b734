package snp

import "testing"

// A buffer that grew in a burst is released after enough quiet traffic,
// while steady traffic of the same size never reallocates it.
func TestBufUseShrinksAfterBurstOnly(t *testing.T) {
	var u bufUse
	big := make([]byte, 0, 1<<20)
	u.note(900 << 10) // the burst
	b := big
	for i := 0; i < 4000; i++ { // quiet: 4 KB at a time
		b = append(b[:0], make([]byte, 4096)...)
		u.note(len(b))
		b = u.drained(b)
		if cap(b) < 1<<20 {
			if i < 256 { // at least one buffer size of quiet traffic first
				t.Fatalf("released after only %d small drains (%d KB flowed)", i, (i+1)*4)
			}
			return
		}
	}
	t.Fatalf("a 1 MB buffer holding 4 KB was never released (cap %d)", cap(b))
}

func TestBufUseSteadyTrafficKeepsBuffer(t *testing.T) {
	var u bufUse
	b := make([]byte, 0, 1<<20)
	for i := 0; i < 1000; i++ {
		b = append(b[:0], make([]byte, 600<<10)...)
		u.note(len(b))
		b = u.drained(b)
		if cap(b) != 1<<20 {
			t.Fatalf("steady 600 KB traffic reallocated its 1 MB buffer at round %d", i)
		}
	}
}

func TestStreamRingShrinks(t *testing.T) {
	var r streamRing
	r.base, r.end = 1, 1
	r.write(make([]byte, 900<<10)) // burst
	r.free(r.end - 1000)
	size := len(r.buf)
	for i := 0; i < 20000 && len(r.buf) == size; i++ {
		r.write(make([]byte, 1000))
		r.free(r.end - 1000)
	}
	if len(r.buf) >= size {
		t.Fatalf("ring stayed at %d bytes holding 1000", len(r.buf))
	}
	a, b := r.get(r.base, r.end)
	if len(a)+len(b) != 1000 {
		t.Fatalf("ring lost data when shrinking: %d bytes kept", len(a)+len(b))
	}
}
