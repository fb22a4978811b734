package multiplayer

import (
	"fmt"
	"net/netip"

	"godotsteam-sockets/engine"
)

type engineMessage = engine.Message

func connectionInfoFor(i int) engine.ConnectionInfo {
	return engine.ConnectionInfo{
		Identity:   engine.Identity{Type: engine.IdentityGenericString, Generic: fmt.Sprint("player", i)},
		RemoteAddr: netip.MustParseAddrPort("127.0.0.1:1000"),
	}
}

// stableIDLocked0 is the id an empty peer gives (no collisions to probe).
func (p *Peer) stableIDLocked0(info engine.ConnectionInfo) int32 {
	q := New()
	q.resetLocked()
	return q.stableIDLocked(info)
}
