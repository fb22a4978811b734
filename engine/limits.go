package engine

// Resource limits of one Sockets instance (Options.Max*), resolved once.
// The table with defaults, ranges and what exceeding each does is in
// README.md ("Resource limits"); keep both in sync.

const (
	defaultMaxConnections       = 16384
	defaultMaxConnsPerListen    = 4096
	defaultMaxPendingPerListen  = 256
	defaultMaxListenSockets     = 256
	defaultMaxPollGroups        = 4096
	hardMaxConnections          = 60000 // IDs need a unique low 16-bit half among live and recently freed connections
	hardMaxListenSockets        = 4096
	hardMaxPollGroups           = 65536
	refusedDebugServerFull      = "Server is full."
	refusedDebugTooManyPending  = "Server has too many connections waiting to be accepted."
	refusedDebugTooManyInstance = "Server has too many connections."
)

type limits struct {
	conns, connsPerListen, pendingPerListen, listens, groups int
}

func limitOr(v, def, hi int) int {
	switch {
	case v <= 0:
		return def
	case v > hi:
		return hi
	}
	return v
}

func resolveLimits(o Options) limits {
	return limits{
		conns:            limitOr(o.MaxConnections, defaultMaxConnections, hardMaxConnections),
		connsPerListen:   limitOr(o.MaxConnectionsPerListenSocket, defaultMaxConnsPerListen, hardMaxConnections),
		pendingPerListen: limitOr(o.MaxPendingConnections, defaultMaxPendingPerListen, hardMaxConnections),
		listens:          limitOr(o.MaxListenSockets, defaultMaxListenSockets, hardMaxListenSockets),
		groups:           limitOr(o.MaxPollGroups, defaultMaxPollGroups, hardMaxPollGroups),
	}
}
