package snp

// Token-bucket pacing and the congestion controller used when
// SendRateMax > SendRateMin (algorithm in the package comment).

const (
	bucketIdleCap      = maxPlaintextPayload + packetOverhead
	minRoundTime       = 20_000     // µs
	minRTTWindow       = 10_000_000 // µs
	minDelayTarget     = 10_000     // µs
	minLossPackets     = 20
	minRoundPackets    = 16
	minLostPackets     = 4 // a loss signal needs at least this many losses in the round
	startupGain        = 2.0
	steadyGain         = 1.125
	congestionFactor   = 0.9
	steadyHeadroom     = 1.25  // growth stops at this multiple of the delivery rate
	startupHeadroom    = 2.5   // the same in startup
	ackRequestInterval = 5_000 // µs between immediate-ack requests (controller on)
	pacingBurst        = 250   // µs of rate sent per paced wake-up (at most the 2 ms bucket)
)

type rateCtl struct {
	min, max float64
	rate     float64 // bytes/s in use
	tokens   float64 // bytes
	last     int64
	fixed    bool

	startup        bool
	roundStart     int64
	roundDelivered int
	roundAcked     int
	roundLost      int
	roundAppLim    bool
	roundRTTMin    int64
	minRTT         int64
	minRTTAt       int64
	srtt           int64
	lossAvg        float64
	deliveryRate   float64
	hist           [4]roundSample
	histAt         int
	lastCut        int64
	lastAckReq     int64
	fullBW         float64 // startup: best delivery rate so far
	fullRounds     int     // startup: rounds without 25 % more delivery
	delayRounds    int     // consecutive rounds with queueing delay
}

type roundSample struct {
	bytes int
	dur   int64
}

func (r *rateCtl) init(min, max int, now int64) {
	r.last = now
	r.tokens = bucketIdleCap
	r.setLimits(min, max)
	if !r.fixed {
		// GNS's initial estimate with no ping: 4380 B per 200 ms.
		r.rate = clampF(4380e6/200_000, r.min, r.max)
		r.startup = true
	}
	r.roundStart = now
	r.roundRTTMin = never
	r.minRTT = never
}

func (r *rateCtl) setLimits(min, max int) {
	r.min, r.max = float64(min), float64(max)
	r.fixed = min >= max
	if r.fixed {
		r.rate = r.min
	} else {
		r.rate = clampF(r.rate, r.min, r.max)
	}
}

func clampF(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// refill adds tokens for the time since the last call. When idle the bucket
// holds at most one packet; when busy it may hold 2 ms worth (wake-up slop).
func (r *rateCtl) refill(now int64, busy bool) {
	if now > r.last {
		r.tokens += r.rate * float64(now-r.last) / 1e6
		r.last = now
	}
	limit := float64(bucketIdleCap)
	if busy {
		if v := r.rate / 500; v > limit {
			limit = v
		}
	}
	if r.tokens > limit {
		r.tokens = limit
	}
}

// whenTokens is the time to wake up for more paced sending: when the bucket
// holds pacingBurst of rate worth of bytes (at least non-negative). At high
// rates this sends a burst of packets per wake-up (one batched system call)
// instead of waking for every packet; at GNS's default 256 KiB/s it is one
// packet per wake-up as before.
func (r *rateCtl) whenTokens() int64 {
	want := r.rate*pacingBurst/1e6 - bucketIdleCap
	if want < 0 {
		want = 0
	}
	if r.tokens >= want {
		return r.last
	}
	return r.last + int64((want-r.tokens)*1e6/r.rate) + 1
}

func (r *rateCtl) onSend(now int64, size int, backlog bool) {
	r.tokens -= float64(size)
	if !backlog {
		r.roundAppLim = true
	}
}

// wantAckRequest reports whether a data packet sent now should ask the
// peer for an immediate ack: the controller needs acks about once per
// ackRequestInterval to measure, and a receiver acks unreliable-only data
// only when asked (and reliable data only within 50 ms). need: the sender
// needs an ack anyway (see Session.pktWindowOpen).
func (r *rateCtl) wantAckRequest(now int64, need bool) bool {
	if (r.fixed && !need) || now-r.lastAckReq < ackRequestInterval {
		return false
	}
	r.lastAckReq = now
	return true
}

func (r *rateCtl) onRTT(now, rtt int64) {
	if rtt < r.minRTT || now-r.minRTTAt > minRTTWindow {
		r.minRTT = rtt
		r.minRTTAt = now
	}
	if rtt < r.roundRTTMin {
		r.roundRTTMin = rtt
	}
	if r.srtt == 0 {
		r.srtt = rtt
	} else {
		r.srtt += (rtt - r.srtt) / 8
	}
}

// onAcked counts one newly acked packet of size wire bytes (data: it
// carried messages).
func (r *rateCtl) onAcked(size int, data bool) {
	r.roundDelivered += size
	if data {
		r.roundAcked++
	}
}

func (r *rateCtl) onLoss(now int64, size int) { r.roundLost++ }

// endRound evaluates the round once it has lasted a round time (called after
// each ack frame) and adjusts the rate.
func (r *rateCtl) endRound(now int64) {
	round := r.srtt
	if round < minRoundTime {
		round = minRoundTime
	}
	el := now - r.roundStart
	if el < round || (r.roundAcked+r.roundLost < minRoundPackets && el < 8*round) {
		// A round also needs enough packets to measure anything (at low
		// rates a round time carries only a handful).
		return
	}
	if r.fixed {
		r.resetRound(now)
		return
	}
	// Delivery rate over the last few rounds: acks arrive in bursts (delayed
	// acks, scheduling), one round alone over- or underestimates.
	r.hist[r.histAt%len(r.hist)] = roundSample{bytes: r.roundDelivered, dur: el}
	r.histAt++
	var bytes, dur int64
	for _, h := range r.hist {
		bytes += int64(h.bytes)
		dur += h.dur
	}
	r.deliveryRate = float64(bytes) * 1e6 / float64(dur)
	lastRound := float64(r.roundDelivered) * 1e6 / float64(el)
	congested, queueing := false, false
	if r.roundRTTMin != never && r.minRTT != never {
		target := r.minRTT / 2
		if target < minDelayTarget {
			target = minDelayTarget
		}
		// Queueing delay for two rounds in a row (one round of it is as
		// likely a scheduling hiccup of either host), or twice the target.
		// Half the target already stops growth.
		q := r.roundRTTMin - r.minRTT
		queueing = q > target/2
		if q > target {
			r.delayRounds++
			congested = r.delayRounds >= 2 || q > 2*target || r.startup
		} else {
			r.delayRounds = 0
		}
	}
	if n := r.roundAcked + r.roundLost; n >= minLossPackets {
		frac := float64(r.roundLost) / float64(n)
		thresh := 2 * r.lossAvg
		if thresh < 0.05 {
			thresh = 0.05
		}
		if frac > thresh && r.roundLost >= minLostPackets {
			congested = true
		}
		r.lossAvg += (frac - r.lossAvg) / 8
	}
	switch {
	case congested:
		if now-r.lastCut >= 2*round {
			// At most one cut per two rounds: the signals of the round
			// after a cut still describe the queue built before it.
			base := r.deliveryRate
			if r.startup {
				// The rate ran ahead of the path: start from what it delivers.
				base = max(base, lastRound)
			} else if base < 0.7*r.rate {
				base = 0.7 * r.rate
			}
			r.startup = false
			if base > r.rate {
				base = r.rate
			}
			r.rate = clampF(congestionFactor*base, r.min, r.max)
			r.lastCut = now
		}
	case !r.roundAppLim && r.startup:
		last := lastRound
		// Startup: double per round, but stay within reach of what is
		// delivered, and leave startup once the delivery rate stops growing
		// (the path is full) rather than only when the queue overflows.
		if r.deliveryRate >= 1.25*r.fullBW {
			r.fullBW, r.fullRounds = r.deliveryRate, 0
		} else if r.fullRounds++; r.fullRounds >= 3 {
			r.startup = false
			r.rate = clampF(r.deliveryRate, r.min, r.max)
			break
		}
		// (The latest round, not the average: in startup it lags too much.)
		next := min(r.rate*startupGain, startupHeadroom*max(r.deliveryRate, last)+r.min)
		r.rate = clampF(max(next, r.rate), r.min, r.max)
	case !r.roundAppLim && !queueing:
		next := r.rate * steadyGain
		if limit := steadyHeadroom*r.deliveryRate + r.min; next > limit {
			next = max(limit, r.rate)
		}
		r.rate = clampF(next, r.min, r.max)
	}
	r.resetRound(now)
}

func (r *rateCtl) resetRound(now int64) {
	r.roundStart = now
	r.roundDelivered = 0
	r.roundAcked = 0
	r.roundLost = 0
	r.roundAppLim = false
	r.roundRTTMin = never
}
