//go:build race

package snp

// raceEnabled reports whether the race detector is on; the 20 MB fault test
// is too slow under it and runs in the non-race test stage instead.
const raceEnabled = true
