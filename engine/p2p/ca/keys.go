package ca

import "crypto/ed25519"

// Keys returns a copy of the trusted CA keys (for checking other
// CA-signed statements, e.g. relay auth tickets).
func (t *TrustStore) Keys() []ed25519.PublicKey {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]ed25519.PublicKey, 0, len(t.keys))
	for _, k := range t.keys {
		out = append(out, append(ed25519.PublicKey{}, k...))
	}
	return out
}
