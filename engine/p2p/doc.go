// Package p2p is the root of the Steam-free P2P stack: identities and
// certificates (ca), login tokens a game backend mints (token), the
// rendezvous service (rendezvous) and its client (signaling), the GNS
// rendezvous-signal codec (sigmsg) and the ICE datagram transport (ice).
// Service nodes share signaling through Redis with our own minimal client
// (internal/resp).
//
// The engine integrates it in three calls: signaling.Start to log in and get
// a CA-signed certificate, ice.NewTransport fed by the signaling client, and
// Transport.Dial / Transport.Accept to get a packet path to a remote identity
// over which the normal GNS data protocol runs.
package p2p
