package snp

// Token-bucket pacing and the congestion controller used when
// SendRateMax > SendRateMin (algorithm in the package comment).

const (
	bucketIdleCap    = maxPlaintextPayload + packetOverhead
	minRoundTime     = 20_000     // µs
	minRTTWindow     = 10_000_000 // µs
	minDelayTarget   = 10_000     // µs
	minLossPackets   = 20
	startupGain      = 2.0
	steadyGain       = 1.125
	congestionFactor = 0.85
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

// whenTokens is the time the bucket is non-negative again.
func (r *rateCtl) whenTokens() int64 {
	if r.tokens >= 0 {
		return r.last
	}
	return r.last + int64(-r.tokens*1e6/r.rate) + 1
}

func (r *rateCtl) onSend(now int64, size int, backlog bool) {
	r.tokens -= float64(size)
	if !backlog {
		r.roundAppLim = true
	}
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

func (r *rateCtl) onAck(now int64, size int)  { r.roundAcked++; r.endRound(now) }
func (r *rateCtl) onLoss(now int64, size int) { r.roundLost++; r.endRound(now) }

func (r *rateCtl) onDelivered(now int64, bytes int) { r.roundDelivered += bytes }

// endRound evaluates a finished round and adjusts the rate.
func (r *rateCtl) endRound(now int64) {
	round := r.srtt
	if round < minRoundTime {
		round = minRoundTime
	}
	el := now - r.roundStart
	if el < round {
		return
	}
	if r.fixed {
		r.resetRound(now)
		return
	}
	r.deliveryRate = float64(r.roundDelivered) * 1e6 / float64(el)
	congested := false
	if r.roundRTTMin != never && r.minRTT != never {
		target := r.minRTT / 2
		if target < minDelayTarget {
			target = minDelayTarget
		}
		if r.roundRTTMin-r.minRTT > target {
			congested = true
		}
	}
	if n := r.roundAcked + r.roundLost; n >= minLossPackets {
		frac := float64(r.roundLost) / float64(n)
		thresh := 2 * r.lossAvg
		if thresh < 0.05 {
			thresh = 0.05
		}
		if frac > thresh && frac > 0.05 {
			congested = true
		}
		r.lossAvg += (frac - r.lossAvg) / 8
	}
	switch {
	case congested:
		r.startup = false
		base := r.deliveryRate
		if base < 0.7*r.rate {
			base = 0.7 * r.rate
		}
		r.rate = clampF(congestionFactor*base, r.min, r.max)
	case !r.roundAppLim:
		gain := steadyGain
		if r.startup {
			gain = startupGain
		}
		next := r.rate * gain
		if limit := 2*r.deliveryRate + r.min; next > limit && !r.startup {
			next = limit
		}
		if next > r.rate {
			r.rate = clampF(next, r.min, r.max)
		}
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
