package rendezvous

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"godotsteam-sockets/engine/p2p/ca"
	"godotsteam-sockets/engine/p2p/internal/proto"
	"godotsteam-sockets/engine/p2p/internal/resp"
)

// BrokerConfig connects several service nodes through Redis pub/sub, so a
// player logged in on one node can signal a player on another.
//
// How it works: each node subscribes to one channel per identity logged in
// on it, "<Prefix>:id:<identity>". A signal for an identity that is not
// local is PUBLISHed to that channel; Redis's reply (the number of
// subscribers reached) is the presence check: 0 means nobody has that
// identity logged in anywhere, and the sender gets a nopeer notice as for a
// local unknown identity. When an identity logs in, its node publishes a
// "login" notice on the channel first, so a node still holding an older
// session of that identity closes it (code "replaced"), as on one node.
// Login token nonces are recorded with SET NX in "<Prefix>:nonce:<nonce>"
// until the token expires, so a token used on one node is refused on all.
// FakeIPs and hosted-server registrations are claimed in Redis keys with a
// lease (shared.go), so FakeIPs are unique and resolvable on every node.
//
// All nodes must share: the Redis server and Prefix, the CA (Config.CA, or
// list each other's keys in ExtraTrustedCAKeys) so peers on different nodes
// accept each other's certificates, the token secret, and the AppID.
// Anyone who can publish to the Redis server can inject signals: keep it
// on a private network and set a password.
type BrokerConfig struct {
	// Redis is the host:port of the Redis server the nodes share; empty
	// means this node runs alone.
	Redis string
	// Username (Redis 6 ACL user, optional) and Password for AUTH.
	Username, Password string
	// Prefix namespaces channels and keys (default "gst"), so several games
	// or environments can share one Redis.
	Prefix string
	// NodeID names this node in broker messages and logs (default: random).
	NodeID string
	// Timeout bounds each broker command (default 2 s).
	Timeout time.Duration
	// MaxMessage bounds a broker message this node accepts (default:
	// 2×MaxFrame + 1 KiB; larger ones are dropped and counted).
	MaxMessage int
	// Lease is how long a FakeIP claim or hosted-server registration this
	// node wrote to Redis lives without renewal (default 30 s, at least
	// 300 ms); the node renews its own every Lease/3, so those of a node
	// that died are freed after at most Lease (shared.go).
	Lease time.Duration
}

// envelope is one message between nodes on an identity channel.
type envelope struct {
	Kind string `json:"k"`           // envSignal or envLogin
	Node string `json:"n"`           // sending node
	From string `json:"f,omitempty"` // envSignal: sender identity as its node authenticated it
	Data []byte `json:"d,omitempty"` // envSignal: the opaque signaling blob
}

const (
	envSignal = "sig"
	envLogin  = "login"
)

var errBadEnvelope = errors.New("rendezvous: malformed broker message")

// decodeEnvelope parses a broker message of at most max bytes.
func decodeEnvelope(b []byte, max int) (*envelope, error) {
	if len(b) > max {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errBadEnvelope, len(b), max)
	}
	e := &envelope{}
	if err := json.Unmarshal(b, e); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadEnvelope, err)
	}
	switch e.Kind {
	case envSignal:
		if e.From == "" || e.Node == "" {
			return nil, fmt.Errorf("%w: signal without sender", errBadEnvelope)
		}
	case envLogin:
		if e.Node == "" {
			return nil, fmt.Errorf("%w: login notice without node", errBadEnvelope)
		}
	default:
		return nil, fmt.Errorf("%w: unknown kind %q", errBadEnvelope, e.Kind)
	}
	return e, nil
}

type clusterCounters struct {
	published, received, errors, malformed, unknown, conflicts atomic.Int64
}

// cluster is a node's link to the other nodes.
type cluster struct {
	srv    *Server
	cfg    BrokerConfig
	cmd    *resp.Client
	ps     *resp.PubSub
	prefix string
	stats  clusterCounters

	subMu      sync.Mutex          // serializes subscription changes
	subscribed map[string]struct{} // identities whose channel we want

	stopRenew chan struct{} // ends renewLoop (shared.go)
	renewWG   sync.WaitGroup
}

func (c *BrokerConfig) defaults(maxFrame int) {
	if c.Prefix == "" {
		c.Prefix = "gst"
	}
	if c.NodeID == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		c.NodeID = hex.EncodeToString(b[:])
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = 2*maxFrame + 1024
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	c.Lease = max(c.Lease, 300*time.Millisecond)
}

// startCluster connects to the broker. The subscriber connects in the
// background; until it has, cross-node signals fail (counted) and local
// ones work.
func startCluster(s *Server, cfg BrokerConfig) *cluster {
	cfg.defaults(s.cfg.MaxFrame)
	c := &cluster{srv: s, cfg: cfg, prefix: cfg.Prefix, subscribed: map[string]struct{}{}, stopRenew: make(chan struct{})}
	// Replies use resp's default limits (1 MiB strings): messages over
	// MaxMessage are dropped and counted by onMessage; only a larger one
	// breaks the subscriber connection (which then reconnects).
	opts := resp.Options{Username: cfg.Username, Password: cfg.Password, DialTimeout: cfg.Timeout, WriteTimeout: cfg.Timeout}
	c.cmd = resp.NewClient(cfg.Redis, opts, 500*time.Millisecond)
	c.ps = resp.NewPubSub(resp.PubSubConfig{
		Addr: cfg.Redis, Options: opts, OnMessage: c.onMessage,
		OnState: func(up bool, err error) {
			if up {
				s.cfg.Logf("rendezvous: node %s connected to the broker at %s", cfg.NodeID, cfg.Redis)
			} else if err != nil && !errors.Is(err, resp.ErrClosed) {
				c.stats.errors.Add(1)
				s.cfg.Logf("rendezvous: node %s lost the broker: %v (reconnecting)", cfg.NodeID, err)
			}
		},
	})
	c.renewWG.Add(1)
	go c.renewLoop(c.stopRenew, &c.renewWG)
	return c
}

func (c *cluster) close() {
	close(c.stopRenew)
	c.renewWG.Wait()
	c.ps.Close()
	c.cmd.Close()
}

func (c *cluster) channel(identity string) string { return c.prefix + ":id:" + identity }

func (c *cluster) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.cfg.Timeout)
}

// sync makes the subscription for identity match whether a session of it
// is logged in here now. Called after every change of the session map, it
// is idempotent and ordered by subMu, so racing logins and logouts end in
// the right state.
func (c *cluster) sync(identity string) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	present := c.srv.lookup(identity) != nil
	_, subscribed := c.subscribed[identity]
	if present == subscribed {
		return
	}
	ctx, cancel := c.ctx()
	defer cancel()
	var err error
	if present {
		c.subscribed[identity] = struct{}{}
		err = c.ps.Subscribe(ctx, c.channel(identity))
	} else {
		delete(c.subscribed, identity)
		err = c.ps.Unsubscribe(ctx, c.channel(identity))
	}
	// Not connected: the subscriber remembers the change and applies it
	// when it reconnects.
	if err != nil && !errors.Is(err, resp.ErrNotConnected) && !errors.Is(err, resp.ErrClosed) {
		c.stats.errors.Add(1)
		c.srv.cfg.Logf("rendezvous: broker (un)subscribe %s: %v", identity, err)
	}
}

// joined announces a login to the other nodes (so they close an older
// session of the identity) and subscribes to the identity's channel.
func (c *cluster) joined(identity string) {
	b, _ := json.Marshal(&envelope{Kind: envLogin, Node: c.cfg.NodeID})
	ctx, cancel := c.ctx()
	_, err := c.cmd.Do(ctx, "PUBLISH", c.channel(identity), string(b))
	cancel()
	if err != nil {
		c.stats.errors.Add(1)
	}
	c.sync(identity)
}

// forward publishes a signal for an identity not logged in here. It
// reports whether a node received it.
func (c *cluster) forward(from, to string, data []byte) (bool, error) {
	b, err := json.Marshal(&envelope{Kind: envSignal, Node: c.cfg.NodeID, From: from, Data: data})
	if err != nil {
		return false, err
	}
	ctx, cancel := c.ctx()
	defer cancel()
	v, err := c.cmd.Do(ctx, "PUBLISH", c.channel(to), string(b))
	if err != nil {
		c.stats.errors.Add(1)
		return false, err
	}
	if v.Kind != resp.Integer {
		c.stats.errors.Add(1)
		return false, fmt.Errorf("rendezvous: unexpected PUBLISH reply %q", v.Kind)
	}
	if v.Int == 0 {
		return false, nil
	}
	c.stats.published.Add(1)
	return true, nil
}

// onMessage handles a message on an identity channel (subscriber
// goroutine; it only queues, never blocks).
func (c *cluster) onMessage(channel string, payload []byte) {
	identity, ok := strings.CutPrefix(channel, c.prefix+":id:")
	if !ok {
		c.stats.malformed.Add(1)
		return
	}
	e, err := decodeEnvelope(payload, c.cfg.MaxMessage)
	if err != nil {
		c.stats.malformed.Add(1)
		return
	}
	if e.Node == c.cfg.NodeID {
		return // our own login notice
	}
	sess := c.srv.lookup(identity)
	switch e.Kind {
	case envLogin:
		if sess != nil {
			c.srv.stats.replaced.Add(1)
			// kick writes to the socket: do it off the subscriber goroutine.
			go sess.kick(proto.CodeReplaced, "this identity logged in again on another service node")
		}
	case envSignal:
		if sess == nil {
			c.stats.unknown.Add(1) // logged out between the PUBLISH and now
			return
		}
		c.stats.received.Add(1)
		if sess.enqueue(&proto.Msg{T: proto.TSignal, From: e.From, Data: e.Data}, false) {
			c.srv.stats.forwarded.Add(1)
		}
	}
}

// Claim implements token.ReplayStore with SET NX PX.
func (c *cluster) Claim(nonce string, expiry time.Time) (bool, error) {
	ttl := time.Until(expiry).Milliseconds()
	if ttl < 1 {
		ttl = 1
	}
	ctx, cancel := c.ctx()
	defer cancel()
	v, err := c.cmd.Do(ctx, "SET", c.prefix+":nonce:"+nonce, c.cfg.NodeID, "PX", fmt.Sprint(ttl), "NX")
	if err != nil {
		c.stats.errors.Add(1)
		return false, err
	}
	return !v.Null, nil
}

// BrokerStats are the cross-node counters (zero without a broker).
type BrokerStats struct {
	Connected   bool  // the subscriber is connected to Redis now
	Channels    int   // identity channels subscribed (= sessions here)
	Published   int64 // signals handed to another node
	Received    int64 // signals received from other nodes
	Errors      int64 // broker commands that failed (connection, timeout)
	Malformed   int64 // undecodable broker messages (dropped)
	LateUnknown int64 // signals received for an identity that had just left
	// Conflicts counts FakeIP claims found taken by another node at renewal
	// (only after an outage longer than Lease); the local one is dropped.
	Conflicts int64
}

func (c *cluster) statsSnapshot() BrokerStats {
	if c == nil {
		return BrokerStats{}
	}
	return BrokerStats{
		Connected: c.ps.Connected(), Channels: c.ps.Subscribed(),
		Published: c.stats.published.Load(), Received: c.stats.received.Load(), Errors: c.stats.errors.Load(),
		Malformed: c.stats.malformed.Load(), LateUnknown: c.stats.unknown.Load(), Conflicts: c.stats.conflicts.Load(),
	}
}

// validIdentity is true for identity strings the service issues
// ("steamid:<n>" with a valid SteamID); only those become broker channels.
func validIdentity(identity string) bool {
	id, err := ca.ParseSteamIdentity(identity)
	return err == nil && ca.IdentityString(id) == identity
}
