package engine

import "sync"

// Received messages wait in two intrusive lists at once: the connection's
// queue and, if the connection is in a poll group, the group's queue. Both
// keep arrival order; taking a message from either removes it from both.
// One lock (recvQueues.mu) guards every queue and every connection's group
// membership, as GNS does with its global receive-queue lock.

type msgNode struct {
	m            Message
	c            *conn
	g            *pollGroup
	cPrev, cNext *msgNode
	gPrev, gNext *msgNode
}

type connQueue struct {
	head, tail *msgNode
	count      int
	bytes      int
	nodes      []msgNode // this connection's slab of unused nodes
	arena      []byte    // this connection's arena for small payloads
}

type groupQueue struct {
	head, tail *msgNode
	count      int
}

type pollGroup struct {
	handle  Handle
	q       groupQueue
	members map[*conn]struct{}
	dead    bool // destroyed (set under the recv lock)
}

type recvQueues struct {
	mu sync.Mutex
}

// Small messages are carved out of slabs so that steady-state receiving
// does not allocate per message; a slab is freed by the GC once the
// application has dropped every message in it. The slabs belong to one
// connection: a connection whose queue sits full (its app stopped reading)
// then pins only its own slabs, not arenas shared with every other
// connection's long-gone messages.
const (
	nodeSlab       = 64
	arenaSize      = 16 << 10
	arenaMaxCopied = 2048
)

func (q *connQueue) newNodeLocked() *msgNode {
	if len(q.nodes) == 0 {
		q.nodes = make([]msgNode, nodeSlab)
	}
	n := &q.nodes[0]
	q.nodes = q.nodes[1:]
	return n
}

// copyLocked returns a private copy of d (capacity-limited, so appending
// to it never touches a neighbour).
func (q *connQueue) copyLocked(d []byte) []byte {
	if len(d) > arenaMaxCopied {
		return append(make([]byte, 0, len(d)), d...)
	}
	if cap(q.arena)-len(q.arena) < len(d) {
		q.arena = make([]byte, 0, arenaSize)
	}
	start := len(q.arena)
	q.arena = append(q.arena, d...)
	return q.arena[start:len(q.arena):len(q.arena)]
}

func (q *connQueue) push(n *msgNode) {
	n.cPrev, n.cNext = q.tail, nil
	if q.tail != nil {
		q.tail.cNext = n
	} else {
		q.head = n
	}
	q.tail = n
	q.count++
	q.bytes += len(n.m.Data)
}

func (q *connQueue) remove(n *msgNode) {
	if n.cPrev != nil {
		n.cPrev.cNext = n.cNext
	} else {
		q.head = n.cNext
	}
	if n.cNext != nil {
		n.cNext.cPrev = n.cPrev
	} else {
		q.tail = n.cPrev
	}
	n.cPrev, n.cNext = nil, nil
	q.count--
	q.bytes -= len(n.m.Data)
}

func (q *groupQueue) push(n *msgNode) {
	q.count++
	n.gPrev, n.gNext = q.tail, nil
	if q.tail != nil {
		q.tail.gNext = n
	} else {
		q.head = n
	}
	q.tail = n
}

func (q *groupQueue) remove(n *msgNode) {
	if n.gPrev != nil {
		n.gPrev.gNext = n.gNext
	} else {
		q.head = n.gNext
	}
	if n.gNext != nil {
		n.gNext.gPrev = n.gPrev
	} else {
		q.tail = n.gPrev
	}
	n.gPrev, n.gNext = nil, nil
	q.count--
}

// insertOrdered puts n into the group queue keeping arrival order (by
// TimeReceived, then by the order already present): used when a connection
// with queued messages joins a group.
func (q *groupQueue) insertOrdered(n *msgNode) {
	q.count++
	at := q.tail
	for at != nil && at.m.TimeReceived > n.m.TimeReceived {
		at = at.gPrev
	}
	if at == nil { // new head
		n.gPrev, n.gNext = nil, q.head
		if q.head != nil {
			q.head.gPrev = n
		} else {
			q.tail = n
		}
		q.head = n
		return
	}
	n.gPrev, n.gNext = at, at.gNext
	if at.gNext != nil {
		at.gNext.gPrev = n
	} else {
		q.tail = n
	}
	at.gNext = n
}

// enqueueLocked appends a message for c (recv lock held). It refuses when
// the connection's queue is at its message or byte limit. It does not wake
// the application: the caller signals c.s.act once per packet or batch,
// after dropping its locks, so a woken receiver finds the queue unlocked
// and is not woken once per message.
func (c *conn) enqueueLocked(data []byte, msgNum int64, lane int, reliable bool, now int64) bool {
	q := &c.recvQ
	if q.count >= c.cfg.recvBufferMessages || q.bytes+len(data) > c.cfg.recvBufferSize {
		return false
	}
	n := q.newNodeLocked()
	n.c = c
	n.m = Message{
		Data:          q.copyLocked(data),
		Conn:          c.id,
		Identity:      c.remoteIdentity,
		TimeReceived:  now,
		MessageNumber: msgNum,
		Lane:          lane,
		Channel:       -1,
	}
	if reliable {
		n.m.Flags = SendReliable
	}
	q.push(n)
	if g := c.group; g != nil {
		n.g = g
		g.q.push(n)
	}
	return true
}

// purgeLocked discards every queued message of c (recv lock held).
func (c *conn) purgeLocked() {
	for n := c.recvQ.head; n != nil; {
		next := n.cNext
		if n.g != nil {
			n.g.q.remove(n)
			n.g = nil
		}
		c.recvQ.remove(n)
		n.c = nil
		n.m.Data = nil
		n = next
	}
}

// resultSlice returns dst, or for nil dst a slice sized for the messages
// about to be taken (one allocation per call instead of repeated growth).
func resultSlice(dst []*Message, max, queued int) []*Message {
	if dst == nil && queued > 0 {
		dst = make([]*Message, 0, min(max, queued))
	}
	return dst
}

// takeFromConnLocked pops up to max messages of c.
func (c *conn) takeFromConnLocked(max int, dst []*Message) []*Message {
	dst = resultSlice(dst, max, c.recvQ.count)
	ud := c.userData.Load()
	for len(dst) < max && c.recvQ.head != nil {
		n := c.recvQ.head
		c.recvQ.remove(n)
		if n.g != nil {
			n.g.q.remove(n)
			n.g = nil
		}
		n.m.ConnUserData = ud
		n.c = nil // the node lives on in its slab: drop references
		dst = append(dst, &n.m)
	}
	return dst
}

// takeFromGroupLocked pops up to max messages of g in arrival order.
func (g *pollGroup) takeFromGroupLocked(max int, dst []*Message) []*Message {
	dst = resultSlice(dst, max, g.q.count)
	for len(dst) < max && g.q.head != nil {
		n := g.q.head
		g.q.remove(n)
		n.g = nil
		n.c.recvQ.remove(n)
		n.m.ConnUserData = n.c.userData.Load()
		n.c = nil
		dst = append(dst, &n.m)
	}
	return dst
}

// setGroupLocked moves c (and its queued messages) to g (nil: no group).
func (c *conn) setGroupLocked(g *pollGroup) {
	if c.group == g {
		return
	}
	if old := c.group; old != nil {
		for n := c.recvQ.head; n != nil; n = n.cNext {
			if n.g == old {
				old.q.remove(n)
				n.g = nil
			}
		}
		delete(old.members, c)
	}
	c.group = g
	if g != nil {
		g.members[c] = struct{}{}
		for n := c.recvQ.head; n != nil; n = n.cNext {
			n.g = g
			g.q.insertOrdered(n)
		}
	}
}
