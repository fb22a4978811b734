package ice

import (
	"fmt"

	pice "github.com/pion/ice/v4"
)

// newListenMux binds Config.ListenPort for every session's host
// candidates (a hosted dedicated server's SDR_LISTEN_PORT): one UDP socket
// per usable interface, shared by all ICE agents of the transport.
func newListenMux(cfg *Config) (pice.UDPMux, error) {
	if cfg.ListenPort <= 0 {
		return nil, nil
	}
	if cfg.ListenPort > 0xFFFF {
		return nil, fmt.Errorf("ice: ListenPort %d is not a UDP port", cfg.ListenPort)
	}
	opts := []pice.UDPMuxFromPortOption{pice.UDPMuxFromPortWithNetworks(pice.NetworkTypeUDP4), pice.UDPMuxFromPortWithLogger(quietLogs.NewLogger("ice"))}
	if cfg.UDP6 {
		opts[0] = pice.UDPMuxFromPortWithNetworks(pice.NetworkTypeUDP4, pice.NetworkTypeUDP6)
	}
	if cfg.InterfaceFilter != nil {
		opts = append(opts, pice.UDPMuxFromPortWithInterfaceFilter(cfg.InterfaceFilter))
	}
	if cfg.IncludeLoopback {
		opts = append(opts, pice.UDPMuxFromPortWithLoopback())
	}
	m, err := pice.NewMultiUDPMuxFromPort(cfg.ListenPort, opts...)
	if err != nil {
		return nil, fmt.Errorf("ice: cannot listen on UDP port %d: %w", cfg.ListenPort, err)
	}
	return m, nil
}
