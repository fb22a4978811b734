package rendezvous

// ShrinkFakeIPPlanForTest makes s allocate FakeIPs only from the first n
// addresses of the global range, walked from the first, so that nodes
// sharing a broker collide at once.
func ShrinkFakeIPPlanForTest(s *Server, n int) {
	s.fakeips.mu.Lock()
	defer s.fakeips.mu.Unlock()
	s.fakeips.size, s.fakeips.cursor = uint32(n), 0
}
