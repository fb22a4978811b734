package engine

import "net/netip"

// sockets is the implementation behind Sockets. THIS FILE IS A PLACEHOLDER:
// the engine issue replaces it with the real implementation.
type sockets struct{ opts Options }

func newSockets(opts Options) *sockets                { return &sockets{opts: opts} }
func (s *sockets) close()                             {}
func (s *sockets) setGlobalConfig(ConfigOption) error { return errNotImplemented }
func (s *sockets) createListenSocketIP(netip.AddrPort, []ConfigOption) (Handle, error) {
	return 0, errNotImplemented
}
func (s *sockets) connectByIPAddress(netip.AddrPort, []ConfigOption) (Handle, error) {
	return 0, errNotImplemented
}
func (s *sockets) acceptConnection(Handle) Result                    { return ResultInvalidParam }
func (s *sockets) closeConnection(Handle, int, string, bool) bool    { return false }
func (s *sockets) closeListenSocket(Handle) bool                     { return false }
func (s *sockets) listenSocketAddress(Handle) (netip.AddrPort, bool) { return netip.AddrPort{}, false }
func (s *sockets) createSocketPair(bool, Identity, Identity) (Handle, Handle, bool) {
	return 0, 0, false
}
func (s *sockets) sendMessage(Handle, []byte, int, int) (int64, Result) {
	return -1, ResultInvalidParam
}
func (s *sockets) sendMessages(m []OutgoingMessage) []int64 {
	r := make([]int64, len(m))
	for i := range r {
		r[i] = -int64(ResultInvalidParam)
	}
	return r
}
func (s *sockets) flush(Handle) Result                             { return ResultInvalidParam }
func (s *sockets) receiveOnConnection(Handle, int) []*Message      { return nil }
func (s *sockets) receiveOnPollGroup(Handle, int) []*Message       { return nil }
func (s *sockets) configureLanes(Handle, int, []int, []int) Result { return ResultNoConnection }
func (s *sockets) createPollGroup() Handle                         { return 0 }
func (s *sockets) destroyPollGroup(Handle) bool                    { return false }
func (s *sockets) setPollGroup(Handle, Handle) bool                { return false }
func (s *sockets) connectionInfo(Handle) (ConnectionInfo, bool)    { return ConnectionInfo{}, false }
func (s *sockets) realTimeStatus(Handle, int) (RealTimeStatus, []LaneStatus, Result) {
	return RealTimeStatus{}, nil, ResultNoConnection
}
func (s *sockets) detailedStatus(Handle) (string, bool) { return "", false }
func (s *sockets) setName(Handle, string) bool          { return false }
func (s *sockets) name(Handle) (string, bool)           { return "", false }
func (s *sockets) setUserData(Handle, int64) bool       { return false }
func (s *sockets) userData(Handle) int64                { return -1 }
func (s *sockets) identity() Identity                   { return s.opts.Identity }
func (s *sockets) resetIdentity(id Identity)            { s.opts.Identity = id }
func (s *sockets) pollEvents(dst []Event) []Event       { return dst }
func (s *sockets) eventsPending() bool                  { return false }
