package bindings

import (
	"testing"

	"godotsteam-sockets/engine"
)

func BenchmarkCallSendInvalidHandle(b *testing.B) {
	s := New(&fakeHost{})
	defer s.Close()
	i := MethodIndex("sendMessageToConnection")
	a := []any{int64(0), make([]byte, 1200), int64(8)}
	b.ReportAllocs()
	for b.Loop() {
		s.Call(i, a)
	}
}

func BenchmarkMessageDict(b *testing.B) {
	m := &engine.Message{Data: make([]byte, 1200), Conn: 5, MessageNumber: 9, Flags: 8}
	b.ReportAllocs()
	for b.Loop() {
		messageDict(m)
	}
}

func BenchmarkConvertConfigOptions(b *testing.B) {
	d := dict(int64(4), int64(50), int64(9), int64(5000), int64(2), 1.5, int64(40), int64(7))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := convertConfigOptions(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseIPAddr(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		parseIPAddr("[2001:db8::1]:27015")
	}
}
