package engine

import "testing"

// TestRecvQueueCountsAndSizing checks the per-connection and per-group
// message counts through enqueue, group moves and takes, and that a take
// returns a slice sized for what it took (no growth, no spare capacity).
func TestRecvQueueCountsAndSizing(t *testing.T) {
	newConn := func(id Handle) *conn {
		c := &conn{id: id}
		c.cfg.recvBufferMessages = 1000
		c.cfg.recvBufferSize = 1 << 20
		return c
	}
	a, b := newConn(1), newConn(2)
	g := &pollGroup{members: map[*conn]struct{}{}}
	for i := range 5 {
		if !a.enqueueLocked([]byte{byte(i)}, int64(i+1), 0, false, int64(10*i)) {
			t.Fatal("enqueue refused")
		}
	}
	a.setGroupLocked(g)
	b.setGroupLocked(g)
	for i := range 3 {
		b.enqueueLocked([]byte{byte(100 + i)}, int64(i+1), 0, true, int64(100+i))
	}
	if a.recvQ.count != 5 || b.recvQ.count != 3 || g.q.count != 8 {
		t.Fatalf("counts a=%d b=%d group=%d, want 5 3 8", a.recvQ.count, b.recvQ.count, g.q.count)
	}
	got := a.takeFromConnLocked(64, nil)
	if len(got) != 5 || cap(got) != 5 || got[0].Data[0] != 0 || got[4].Data[0] != 4 {
		t.Fatalf("conn take: len %d cap %d", len(got), cap(got))
	}
	if g.q.count != 3 {
		t.Fatalf("group count after conn take = %d, want 3", g.q.count)
	}
	got = g.takeFromGroupLocked(2, nil)
	if len(got) != 2 || cap(got) != 2 || got[0].Data[0] != 100 || got[1].Data[0] != 101 {
		t.Fatalf("group take: len %d cap %d", len(got), cap(got))
	}
	b.setGroupLocked(nil)
	if g.q.count != 0 || b.recvQ.count != 1 {
		t.Fatalf("after leaving: group=%d b=%d, want 0 1", g.q.count, b.recvQ.count)
	}
	if got := g.takeFromGroupLocked(8, nil); got != nil {
		t.Fatalf("empty group take = %v, want nil", got)
	}
}
