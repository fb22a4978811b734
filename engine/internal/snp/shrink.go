package snp

// A connection must not pin the memory of its biggest burst for its whole
// life: the send rings (reliable stream, unreliable payloads) and the receive
// reassembly buffer remember how much they held lately and give back
// capacity that recent traffic did not need. "Lately" is measured in
// traffic, not time: the remembered peak is aged after 2× the buffer's
// capacity has flowed through it, so steady traffic keeps its buffer (no
// reallocation churn: at most one reallocation per 2 capacities of data)
// while a buffer left over from a burst is released once two such windows
// passed without needing a quarter of it.

// shrinkCap is the capacity below which a buffer is always kept.
const shrinkCap = 64 * 1024

type bufUse struct {
	peak, prevPeak int // largest length in the current and the previous window
	flowed         int // bytes dropped from the front in the current window
}

// note records that the buffer holds n bytes.
func (u *bufUse) note(n int) {
	if n > u.peak {
		u.peak = n
	}
}

// oversized is called when drop bytes leave the front of a buffer of
// capacity c that keeps need bytes; it reports whether c is far larger than
// recent use.
func (u *bufUse) oversized(c, need, drop int) bool {
	u.note(need)
	u.flowed += drop
	if u.flowed >= 2*max(c, shrinkCap) {
		u.prevPeak, u.peak, u.flowed = u.peak, need, 0
	}
	return c > shrinkCap && c > 4*max(u.peak, u.prevPeak)
}

// drained returns b, whose len bytes were all consumed, emptied; released
// when it is oversized.
func (u *bufUse) drained(b []byte) []byte {
	if u.oversized(cap(b), 0, len(b)) {
		return nil
	}
	return b[:0]
}

// compact drops b[:from], moving the rest into a right-sized buffer when b
// is oversized.
func (u *bufUse) compact(b []byte, from int) []byte {
	n := len(b) - from
	if u.oversized(cap(b), n, from) {
		if n == 0 {
			return nil
		}
		nb := make([]byte, n, max(2*n, 4096))
		copy(nb, b[from:])
		return nb
	}
	return b[:copy(b, b[from:])]
}
