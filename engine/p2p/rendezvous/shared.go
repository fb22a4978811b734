package rendezvous

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"godotsteam-sockets/engine/p2p/fakeip"
	"godotsteam-sockets/engine/p2p/internal/resp"
)

// FakeIPs and hosted-server registrations shared between nodes through
// Redis keys (with a broker configured):
//
//	<prefix>:fakeip:<a.b.c.d>      = "<identity>|<node>|<1 live, 0 held>|<port>,<port>..."  PX lease (held: PX hold)
//	<prefix>:fakeipof:<identity>   = "<FakeIP as uint32>"                                    same PX
//	<prefix>:hosted:<identity>:<vport> = "<ip:port>|<node>"                                  PX lease
//
// A FakeIP is claimed with a Lua script that sets the key only if it is
// free or already the same identity's (SET NX semantics plus renewal), so
// two nodes never hand out the same address. Each node renews its live
// claims every Lease/3; a node that dies loses them after Lease.

// claimScript: KEYS[1] address key, KEYS[2] identity key; ARGV[1] the
// prefix an existing value must have ("<identity>|" to claim,
// "<identity>|<node>|" to renew), ARGV[2] value, ARGV[3] PX, ARGV[4]
// address. 1 = claimed.
const claimScript = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
return 1`

// holdScript marks a claim held (not resolvable) for PX ms, only if this
// node still owns it: KEYS as claimScript; ARGV[1] "<identity>|<node>|",
// ARGV[2] value, ARGV[3] PX.
const holdScript = `local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`

// unhostScript deletes each of KEYS whose value ends with ARGV[1]
// ("|<node>"): a registration this node wrote, not a newer one of the same
// server logged in on another node.
const unhostScript = `for _, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if v and string.sub(v, -#ARGV[1]) == ARGV[1] then redis.call('DEL', k) end
end
return 0`

// errBrokerDown is what clients are told when a shared record could not be
// read or written (fail closed).
var errBrokerDown = errors.New("the service's broker (Redis) is unreachable; retry later")

func (c *cluster) fakeIPKey(ip uint32) string { return c.prefix + ":fakeip:" + fakeip.Format(ip) }
func (c *cluster) fakeIPOfKey(identity string) string {
	return c.prefix + ":fakeipof:" + identity
}
func (c *cluster) hostedKey(identity string, vport int) string {
	return c.prefix + ":hosted:" + identity + ":" + strconv.Itoa(vport)
}

func (c *cluster) fakeIPValue(identity string, live bool, ports []uint16) string {
	var b strings.Builder
	b.WriteString(identity + "|" + c.cfg.NodeID + "|")
	if live {
		b.WriteString("1|")
	} else {
		b.WriteString("0|")
	}
	for i, p := range ports {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(p)))
	}
	return b.String()
}

// do runs one broker command, counting failures.
func (c *cluster) do(args ...string) (resp.Value, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	v, err := c.cmd.Do(ctx, args...)
	if err == nil && v.Kind == resp.Error {
		err = fmt.Errorf("redis: %s", v.Text())
	}
	if err != nil {
		c.stats.errors.Add(1)
	}
	return v, err
}

// claimFakeIP claims ip for identity as live with ports (also taking over
// the identity's claim from another node). false: another identity holds it.
func (c *cluster) claimFakeIP(identity string, ip uint32, ports []uint16) (bool, error) {
	return c.claim(identity+"|", identity, ip, ports)
}

// renewFakeIP renews this node's claim. false: the address is claimed by
// another identity, or by the same identity on another node (it moved).
func (c *cluster) renewFakeIP(identity string, ip uint32, ports []uint16) (bool, error) {
	return c.claim(identity+"|"+c.cfg.NodeID+"|", identity, ip, ports)
}

func (c *cluster) claim(owner, identity string, ip uint32, ports []uint16) (bool, error) {
	v, err := c.do("EVAL", claimScript, "2", c.fakeIPKey(ip), c.fakeIPOfKey(identity),
		owner, c.fakeIPValue(identity, true, ports), strconv.FormatInt(c.cfg.Lease.Milliseconds(), 10),
		strconv.FormatUint(uint64(ip), 10))
	if err != nil {
		return false, err
	}
	return v.Kind == resp.Integer && v.Int == 1, nil
}

// holdFakeIP marks identity's claim on ip held for hold (its owner logged
// out here), unless another node has claimed it for the identity since.
func (c *cluster) holdFakeIP(identity string, ip uint32, ports []uint16, hold time.Duration) {
	_, err := c.do("EVAL", holdScript, "2", c.fakeIPKey(ip), c.fakeIPOfKey(identity),
		identity+"|"+c.cfg.NodeID+"|", c.fakeIPValue(identity, false, ports), strconv.FormatInt(max(hold.Milliseconds(), 1), 10))
	if err != nil {
		c.srv.cfg.Logf("rendezvous: broker: marking %s's FakeIP held: %v (it stays resolvable until its lease ends)", identity, err)
	}
}

// previousFakeIP is the address identity holds (live or held) on any node.
func (c *cluster) previousFakeIP(identity string) (uint32, bool, error) {
	v, err := c.do("GET", c.fakeIPOfKey(identity))
	if err != nil || v.Null {
		return 0, false, err
	}
	n, perr := strconv.ParseUint(v.Text(), 10, 32)
	if perr != nil || fakeip.ClassifyUint32(uint32(n)) != fakeip.TypeGlobal {
		c.stats.malformed.Add(1)
		return 0, false, nil
	}
	return uint32(n), true, nil
}

// sharedFakeIP is a FakeIP record read from the broker.
type sharedFakeIP struct {
	identity string
	live     bool
	ports    []uint16
}

// lookupFakeIP reads ip's record (nil: nobody claims it).
func (c *cluster) lookupFakeIP(ip uint32) (*sharedFakeIP, error) {
	v, err := c.do("GET", c.fakeIPKey(ip))
	if err != nil || v.Null {
		return nil, err
	}
	rec, err := parseSharedFakeIP(v.Text())
	if err != nil {
		c.stats.malformed.Add(1)
		return nil, nil
	}
	return rec, nil
}

func parseSharedFakeIP(s string) (*sharedFakeIP, error) {
	f := strings.Split(s, "|")
	if len(f) != 4 || !validIdentity(f[0]) || (f[2] != "0" && f[2] != "1") {
		return nil, fmt.Errorf("malformed FakeIP record %q", s)
	}
	rec := &sharedFakeIP{identity: f[0], live: f[2] == "1"}
	if f[3] != "" {
		for _, p := range strings.Split(f[3], ",") {
			n, err := strconv.ParseUint(p, 10, 16)
			if err != nil || len(rec.ports) >= fakeip.MaxPortsPerRequest {
				return nil, fmt.Errorf("malformed FakeIP record %q", s)
			}
			rec.ports = append(rec.ports, uint16(n))
		}
	}
	return rec, nil
}

// registerHosted records a hosted server's virtual port for Lease.
func (c *cluster) registerHosted(identity string, vport int, addr netip.AddrPort) error {
	_, err := c.do("SET", c.hostedKey(identity, vport), addr.String()+"|"+c.cfg.NodeID, "PX", strconv.FormatInt(c.cfg.Lease.Milliseconds(), 10))
	return err
}

func (c *cluster) unregisterHosted(identity string, vports []int) {
	if len(vports) == 0 {
		return
	}
	args := []string{"EVAL", unhostScript, strconv.Itoa(len(vports))}
	for _, vp := range vports {
		args = append(args, c.hostedKey(identity, vp))
	}
	args = append(args, "|"+c.cfg.NodeID)
	if _, err := c.do(args...); err != nil {
		c.srv.cfg.Logf("rendezvous: broker: withdrawing %s's hosted registration: %v (it ends with its lease)", identity, err)
	}
}

// findHosted reads a hosted server registered on any node.
func (c *cluster) findHosted(identity string, vport int) (netip.AddrPort, bool, error) {
	v, err := c.do("GET", c.hostedKey(identity, vport))
	if err != nil || v.Null {
		return netip.AddrPort{}, false, err
	}
	addr, _, _ := strings.Cut(v.Text(), "|")
	ap, perr := netip.ParseAddrPort(addr)
	if perr != nil {
		c.stats.malformed.Add(1)
		return netip.AddrPort{}, false, nil
	}
	return ap, true, nil
}

// renewLoop renews this node's live FakeIP claims and hosted registrations
// every Lease/3 until close.
func (c *cluster) renewLoop(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTicker(c.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		c.renew()
	}
}

func (c *cluster) renew() {
	s := c.srv
	if s.fakeips != nil {
		for _, a := range s.fakeips.liveSnapshot() {
			ok, err := c.renewFakeIP(a.identity, a.ip, a.ports)
			if err == nil && !ok {
				// Another node owns the claim now: the identity moved
				// there (its session here is being replaced), or our claim
				// lapsed in a broker outage longer than Lease and another
				// identity took the address. The newer owner keeps it.
				c.stats.conflicts.Add(1)
				s.fakeips.drop(a.identity, a.ip)
				s.cfg.Logf("rendezvous: FakeIP %s of %s is claimed on another node; dropped here", fakeip.Format(a.ip), a.identity)
			}
		}
	}
	if s.hosted != nil {
		for _, r := range s.hosted.snapshot() {
			_ = c.registerHosted(r.identity, r.vport, r.addr)
		}
	}
}
