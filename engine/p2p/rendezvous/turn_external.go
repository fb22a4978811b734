package rendezvous

import (
	"fmt"
	"strings"

	"godotsteam-sockets/engine/p2p/internal/proto"
)

// minTURNSecret is the shortest TURN REST secret accepted for external
// servers (coturn's static-auth-secret): the credentials are an HMAC with
// it, so a short one could be guessed offline from one issued password.
const minTURNSecret = 16

// External TURN servers (coturn at scale): the service never talks to them;
// it only hands clients time-limited credentials they accept, in the TURN
// REST scheme coturn implements with
//
//	use-auth-secret
//	static-auth-secret=<the same secret as TURNConfig.Secret>
//
// username = "<expiry unix seconds>:<identity>" and
// password = base64(HMAC-SHA1(secret, username)). Any number of coturn
// instances (behind DNS or listed one by one) can share the secret.

// validateExternal checks TURNConfig.External: every entry must be a
// stun:, stuns:, turn: or turns: URL, and TURN entries need a shared Secret
// (without it the service could not issue credentials for them).
func (c *TURNConfig) validateExternal() error {
	hasTURN := false
	for _, u := range c.External {
		switch {
		case isTURNURL(u):
			hasTURN = true
		case strings.HasPrefix(u, "stun:") || strings.HasPrefix(u, "stuns:"):
		default:
			return fmt.Errorf("rendezvous: TURN.External entry %q is not a stun:, stuns:, turn: or turns: URL", u)
		}
		if strings.TrimSpace(u) != u || strings.IndexByte(u, ':') == len(u)-1 {
			return fmt.Errorf("rendezvous: TURN.External entry %q has no host", u)
		}
	}
	if hasTURN && len(c.Secret) < minTURNSecret {
		return fmt.Errorf("rendezvous: TURN.External lists TURN servers, so TURN.Secret (RENDEZVOUS_TURN_SECRET) must be set to their static-auth-secret (at least %d bytes)", minTURNSecret)
	}
	return nil
}

func isTURNURL(u string) bool {
	return strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:")
}

// externalCredentials returns the ICE server entries for the external
// servers: STUN URLs as they are, TURN URLs with credentials for identity.
func (c *TURNConfig) externalCredentials(identity string) []proto.ICEServer {
	var stun, relays []string
	for _, u := range c.External {
		if isTURNURL(u) {
			relays = append(relays, u)
		} else {
			stun = append(stun, u)
		}
	}
	var out []proto.ICEServer
	if len(stun) > 0 {
		out = append(out, proto.ICEServer{URLs: stun})
	}
	if len(relays) > 0 && len(c.Secret) > 0 {
		user, pass, exp := restCredentials(c.Secret, identity, c.ttl())
		out = append(out, proto.ICEServer{URLs: relays, Username: user, Credential: pass, Expires: exp})
	}
	return out
}
