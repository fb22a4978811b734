package rendezvous

import (
	"strings"
	"testing"
)

func TestExternalTURNConfig(t *testing.T) {
	secret := []byte("0123456789abcdef")
	tests := []struct {
		name    string
		cfg     TURNConfig
		wantErr string
		servers int // ICE server entries announced
	}{
		{"none", TURNConfig{}, "", 0},
		{"stun only, no secret", TURNConfig{External: []string{"stun:stun.example.com:3478"}}, "", 1},
		{"turn without secret", TURNConfig{External: []string{"turn:relay.example.com:3478"}}, "must be set", 0},
		{"turn with short secret", TURNConfig{External: []string{"turn:relay.example.com"}, Secret: []byte("short")}, "at least", 0},
		{"turn and stun", TURNConfig{External: []string{"turn:a:3478?transport=udp", "turns:b:5349", "stun:a:3478"}, Secret: secret}, "", 2},
		{"not a url", TURNConfig{External: []string{"relay.example.com:3478"}, Secret: secret}, "not a stun:", 0},
		{"no host", TURNConfig{External: []string{"turn:"}, Secret: secret}, "no host", 0},
	}
	for _, tc := range tests {
		err := tc.cfg.validateExternal()
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			got := tc.cfg.externalCredentials("steamid:76561197960265729")
			if len(got) != tc.servers {
				t.Errorf("%s: %d entries %+v, want %d", tc.name, len(got), got, tc.servers)
			}
			for _, e := range got {
				if isTURNURL(e.URLs[0]) != (e.Username != "") {
					t.Errorf("%s: entry %+v: TURN entries (only) carry credentials", tc.name, e)
				}
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}
