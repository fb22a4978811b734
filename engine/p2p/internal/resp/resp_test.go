package resp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func readString(s string, lim Limits) (Value, error) {
	return Read(bufio.NewReaderSize(strings.NewReader(s), 64), lim)
}

func TestReadValid(t *testing.T) {
	tests := []struct {
		in   string
		want Value
	}{
		{"+OK\r\n", Value{Kind: SimpleString, Str: []byte("OK")}},
		{"-ERR wrong\r\n", Value{Kind: Error, Str: []byte("ERR wrong")}},
		{":-42\r\n", Value{Kind: Integer, Int: -42}},
		{"$5\r\nhe\r\no\r\n", Value{Kind: Bulk, Str: []byte("he\r\no")}},
		{"$0\r\n\r\n", Value{Kind: Bulk, Str: []byte{}}},
		{"$-1\r\n", Value{Kind: Bulk, Null: true}},
		{"*-1\r\n", Value{Kind: Array, Null: true}},
		{"*0\r\n", Value{Kind: Array, Array: []Value{}}},
		{"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nabc\r\n", Value{Kind: Array, Array: []Value{
			{Kind: Bulk, Str: []byte("message")}, {Kind: Bulk, Str: []byte("ch")}, {Kind: Bulk, Str: []byte("abc")}}}},
		{"*2\r\n*1\r\n:1\r\n$-1\r\n", Value{Kind: Array, Array: []Value{
			{Kind: Array, Array: []Value{{Kind: Integer, Int: 1}}}, {Kind: Bulk, Null: true}}}},
	}
	for _, tc := range tests {
		got, err := readString(tc.in, Limits{})
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.in, got, tc.want)
		}
		if enc := string(AppendValue(nil, got)); enc != tc.in {
			t.Errorf("%q: re-encoded as %q", tc.in, enc)
		}
	}
}

func TestReadHostile(t *testing.T) {
	small := Limits{MaxBulk: 16, MaxArray: 4, MaxDepth: 2, MaxTotal: 300}
	tests := []struct {
		name, in string
		want     error
	}{
		{"unknown type", "?x\r\n", ErrProtocol},
		{"no CR", "+OK\n", ErrProtocol},
		{"empty line", "\r\n", ErrProtocol},
		{"bad integer", ":12a\r\n", ErrProtocol},
		{"integer overflow", ":99999999999999999999\r\n", ErrProtocol},
		{"negative bulk", "$-2\r\n", ErrProtocol},
		{"bulk over limit", "$17\r\n", ErrProtocol},
		{"huge bulk claim", "$9223372036854775807\r\n", ErrProtocol},
		{"bulk without CRLF", "$2\r\nabXY", ErrProtocol},
		{"array over limit", "*5\r\n", ErrProtocol},
		{"negative array", "*-5\r\n", ErrProtocol},
		{"too deep", "*1\r\n*1\r\n*1\r\n:1\r\n", ErrProtocol},
		{"over total", "*4\r\n$16\r\n0123456789abcdef\r\n$16\r\n0123456789abcdef\r\n$16\r\n0123456789abcdef\r\n$16\r\n0123456789abcdef\r\n", ErrProtocol},
		{"line longer than buffer", "+" + strings.Repeat("a", 200) + "\r\n", ErrProtocol},
		{"truncated bulk", "$10\r\nabc", io.ErrUnexpectedEOF},
		{"truncated array", "*2\r\n:1\r\n", io.ErrUnexpectedEOF},
		{"truncated line", "+OK", io.ErrUnexpectedEOF},
		{"empty", "", io.EOF},
	}
	for _, tc := range tests {
		_, err := readString(tc.in, small)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestAppendCommand(t *testing.T) {
	got := string(AppendCommand(nil, "PUBLISH", "ch", "a\r\nb"))
	want := "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$4\r\na\r\nb\r\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// FuzzRead: any input decodes to a value or an error, never a panic or an
// allocation past the limits; a decoded value re-encodes to bytes that
// decode to the same value.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "-ERR x\r\n", ":1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n",
		"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nabc\r\n",
		"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
		"*2\r\n$4\r\npong\r\n$0\r\n\r\n",
		"$99999999\r\n", "*99999999\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxBulk: 4096, MaxArray: 64, MaxDepth: 4, MaxTotal: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Read(bufio.NewReaderSize(bytes.NewReader(data), 256), lim)
		if err != nil {
			return
		}
		enc := AppendValue(nil, v)
		v2, err := Read(bufio.NewReaderSize(bytes.NewReader(enc), 256), lim)
		if err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", enc, err)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("round trip changed %+v into %+v", v, v2)
		}
	})
}

func BenchmarkReadMessage(b *testing.B) {
	payload := strings.Repeat("x", 400)
	msg := AppendValue(nil, Value{Kind: Array, Array: []Value{
		{Kind: Bulk, Str: []byte("message")}, {Kind: Bulk, Str: []byte("gst:id:steamid:76561197960265729")}, {Kind: Bulk, Str: []byte(payload)}}})
	stream := bytes.Repeat(msg, 1000)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	r := bufio.NewReader(bytes.NewReader(stream))
	for i := 0; i < b.N; i++ {
		if i%1000 == 0 {
			r.Reset(bytes.NewReader(stream))
		}
		if _, err := Read(r, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
