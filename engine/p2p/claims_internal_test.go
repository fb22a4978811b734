package p2p

import (
	"fmt"
	"net/netip"
	"testing"
)

func TestFakeIPClaimChecksAreBoundedAndCached(t *testing.T) {
	var f nodeFake
	allowed := 0
	for range 100 {
		if f.allowClaimCheck() {
			allowed++
		}
	}
	// The burst, plus whatever the refill allowed while the loop ran.
	if allowed < claimBurst || allowed > claimBurst+2 {
		t.Fatalf("%d of 100 immediate checks allowed, burst is %d", allowed, claimBurst)
	}
	claim := netip.MustParseAddrPort("169.254.9.9:2000")
	if _, ok := f.cachedClaim("steamid:1", claim); ok {
		t.Fatal("cached before any answer")
	}
	f.cacheClaim("steamid:1", claim, true)
	f.cacheClaim("steamid:2", claim, false)
	if v, ok := f.cachedClaim("steamid:1", claim); !ok || !v {
		t.Fatal("positive answer not cached")
	}
	if v, ok := f.cachedClaim("steamid:2", claim); !ok || v {
		t.Fatal("negative answer not cached")
	}
	for i := range 5 * maxClaims {
		f.cacheClaim(fmt.Sprintf("steamid:%d", i+10), claim, true)
	}
	if n := len(f.claims); n > maxClaims {
		t.Fatalf("%d answers remembered, bound %d", n, maxClaims)
	}
}
