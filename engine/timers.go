package engine

import (
	"container/heap"
	"sync"
	"time"
)

// timerQueue runs every connection's timers on one goroutine per Sockets:
// a heap of connections ordered by their next wake time. A persistent
// goroutine keeps its grown stack and avoids a goroutine per timer fire,
// which matters at tens of thousands of pacing wake-ups per second.
//
// Lock order: a connection's mu may be held while taking timerQueue.mu;
// the queue goroutine never holds mu while running a connection.
type timerQueue struct {
	mu sync.Mutex
	h  timerHeap
	// sleepUntil is when the goroutine will next look at the heap by itself
	// (0 while it is running): schedules later than that need no wake-up.
	sleepUntil int64
	wake       chan struct{}
	stop       chan struct{}
	start      sync.Once // the goroutine starts with the first connection
}

func newTimerQueue() *timerQueue {
	return &timerQueue{wake: make(chan struct{}, 1), stop: make(chan struct{})}
}

// schedule makes c's timer fire no later than at (µs).
func (q *timerQueue) schedule(c *conn, at int64) {
	q.mu.Lock()
	earliest := at < q.sleepUntil
	if earliest {
		q.sleepUntil = at
	}
	if c.tqIdx >= 0 {
		if at >= c.tqAt {
			q.mu.Unlock()
			return
		}
		c.tqAt = at
		heap.Fix(&q.h, c.tqIdx)
	} else {
		c.tqAt = at
		heap.Push(&q.h, c)
	}
	q.mu.Unlock()
	if earliest {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// remove cancels c's timer.
func (q *timerQueue) remove(c *conn) {
	q.mu.Lock()
	if c.tqIdx >= 0 {
		heap.Remove(&q.h, c.tqIdx)
	}
	q.mu.Unlock()
}

func (q *timerQueue) run(wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	var due []*conn
	for {
		q.mu.Lock()
		now := nowUsec()
		for len(q.h) > 0 && q.h[0].tqAt <= now {
			due = append(due, heap.Pop(&q.h).(*conn))
		}
		wait := time.Hour
		q.sleepUntil = 0 // running
		if len(due) == 0 {
			q.sleepUntil = now + int64(wait/time.Microsecond)
			if len(q.h) > 0 {
				wait = time.Duration(q.h[0].tqAt-now) * time.Microsecond
				q.sleepUntil = q.h[0].tqAt
			}
		}
		q.mu.Unlock()
		if len(due) > 0 {
			for i, c := range due {
				c.onTimer()
				due[i] = nil
			}
			due = due[:0]
			continue
		}
		t.Reset(wait)
		select {
		case <-t.C:
		case <-q.wake:
		case <-q.stop:
			return
		}
	}
}

type timerHeap []*conn

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].tqAt < h[j].tqAt }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].tqIdx, h[j].tqIdx = i, j
}
func (h *timerHeap) Push(x any) {
	c := x.(*conn)
	c.tqIdx = len(*h)
	*h = append(*h, c)
}
func (h *timerHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.tqIdx = -1
	return c
}
