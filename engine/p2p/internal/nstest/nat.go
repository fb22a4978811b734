package nstest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// NAT is the kind of NAT a router does (nftables masquerade).
type NAT int

const (
	// NATCone keeps a player's source port for every destination
	// (endpoint-independent mapping; Linux masquerade's default) and only
	// lets in replies to what the player sent (port-restricted filtering):
	// UDP hole punching works through it.
	NATCone NAT = iota
	// NATSymmetric picks a fresh random port for each destination
	// (masquerade random: endpoint-dependent mapping): the address a STUN
	// server sees is useless to peers, so hole punching fails and only a
	// relay gets through.
	NATSymmetric
)

func (k NAT) String() string {
	if k == NATSymmetric {
		return "symmetric"
	}
	return "cone"
}

// NATNet is a public network (the hub's bridge, where the service runs in
// the hub namespace itself) and one private LAN per player behind its own
// NAT router:
//
//	player i (192.168.<i+1>.2) ── router i (NAT) ── public bridge <pub>.<10+i> ── hub <pub>.1 (service)
type NATNet struct {
	Net                // Hub = the public side with the service; Hosts = every namespace (for cleanup)
	Players   []string // player namespaces
	PlayerIPs []string // their private addresses
	PublicIPs []string // their routers' public addresses (what peers see on a direct path)
}

// NewNAT builds the topology; pub is the public /24's first three octets
// (e.g. "10.77.3"), one per test. It needs nftables (nft); without it the
// test is skipped.
func NewNAT(t testing.TB, pub string, kinds ...NAT) *NATNet {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("NAT namespace test: nft (nftables) is not installed (apt-get install -y nftables); skipped")
	}
	base := New(t, 0, pub) // hub + bridge, no flat hosts
	nn := &NATNet{Net: *base}
	t.Cleanup(nn.destroy)
	inHub := func(args ...string) { run(t, append([]string{"ip", "netns", "exec", nn.Hub}, args...)...) }
	for i, kind := range kinds {
		router := fmt.Sprintf("%sr%d", nn.prefix, i)
		player := fmt.Sprintf("%sp%d", nn.prefix, i)
		nn.Hosts = append(nn.Hosts, router, player)
		pubIP := fmt.Sprintf("%s.%d", pub, 10+i)
		lanRouter := fmt.Sprintf("192.168.%d.1", i+1)
		lanPlayer := fmt.Sprintf("192.168.%d.2", i+1)
		run(t, "ip", "netns", "add", router)
		run(t, "ip", "netns", "add", player)
		inR := func(args ...string) { run(t, append([]string{"ip", "netns", "exec", router}, args...)...) }
		inP := func(args ...string) { run(t, append([]string{"ip", "netns", "exec", player}, args...)...) }
		// public leg: router <-> bridge
		rPub, hubEnd := fmt.Sprintf("%sw%d", nn.prefix, i), fmt.Sprintf("%sx%d", nn.prefix, i)
		run(t, "ip", "link", "add", rPub, "netns", router, "type", "veth", "peer", "name", hubEnd, "netns", nn.Hub)
		inHub("ip", "link", "set", hubEnd, "master", "br0")
		inHub("ip", "link", "set", hubEnd, "up")
		inR("ip", "link", "set", "lo", "up")
		inR("ip", "addr", "add", pubIP+"/24", "dev", rPub)
		inR("ip", "link", "set", rPub, "up")
		// private leg: router <-> player
		rLan, pLan := fmt.Sprintf("%sl%d", nn.prefix, i), fmt.Sprintf("%sm%d", nn.prefix, i)
		run(t, "ip", "link", "add", rLan, "netns", router, "type", "veth", "peer", "name", pLan, "netns", player)
		inR("ip", "addr", "add", lanRouter+"/24", "dev", rLan)
		inR("ip", "link", "set", rLan, "up")
		inR("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
		inP("ip", "link", "set", "lo", "up")
		inP("ip", "addr", "add", lanPlayer+"/24", "dev", pLan)
		inP("ip", "link", "set", pLan, "up")
		inP("ip", "route", "add", "default", "via", lanRouter)
		// NAT on the public leg
		rule := "masquerade"
		if kind == NATSymmetric {
			rule = "masquerade random"
		}
		// Unsolicited packets from outside are dropped (as home routers
		// do) before conntrack confirms them: otherwise a peer's early
		// hole-punching packet would create a conntrack entry on the
		// router that clashes with the player's own mapping.
		ruleset := fmt.Sprintf("table ip nat {\n chain post {\n  type nat hook postrouting priority 100; policy accept;\n  oifname %q %s\n }\n}\n"+
			"table ip filter {\n chain input {\n  type filter hook input priority 0; policy accept;\n  iifname %q ct state new drop\n }\n"+
			" chain forward {\n  type filter hook forward priority 0; policy accept;\n  iifname %q ct state new drop\n }\n}\n", rPub, rule, rPub, rPub)
		cmd := exec.Command("ip", "netns", "exec", router, "nft", "-f", "-")
		cmd.Stdin = strings.NewReader(ruleset)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("NAT namespace test: nftables NAT is not available here (%v: %s); skipped", err, strings.TrimSpace(string(out)))
		}
		nn.Players = append(nn.Players, player)
		nn.PlayerIPs = append(nn.PlayerIPs, lanPlayer)
		nn.PublicIPs = append(nn.PublicIPs, pubIP)
	}
	return nn
}

func (nn *NATNet) destroy() {
	for _, ns := range nn.Hosts {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
}
