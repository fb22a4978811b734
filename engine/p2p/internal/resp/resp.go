// Package resp is a minimal Redis client on the standard library: the RESP2
// codec (Read, AppendCommand), a pipelined command connection (Conn), a
// reconnecting command client (Client) and a reconnecting pub/sub
// subscriber (PubSub). It is what the rendezvous service needs to share
// signaling between nodes through Redis pub/sub — not a general client.
//
// Every read is bounded (Limits): a hostile or broken server cannot make
// the decoder allocate more than Limits.MaxTotal bytes per value, nest
// deeper than MaxDepth, or send lines longer than the reader's buffer.
package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Kind is a RESP2 value type (its first byte on the wire).
type Kind byte

// RESP2 kinds.
const (
	SimpleString Kind = '+'
	Error        Kind = '-'
	Integer      Kind = ':'
	Bulk         Kind = '$'
	Array        Kind = '*'
)

// Value is one decoded RESP2 value.
type Value struct {
	Kind  Kind
	Str   []byte  // SimpleString, Error text, Bulk data
	Int   int64   // Integer
	Array []Value // Array elements
	Null  bool    // null bulk ($-1) or null array (*-1)
}

// Text is Str as a string.
func (v Value) Text() string { return string(v.Str) }

// RedisError is an error reply ("-ERR ...", "-NOAUTH ...").
type RedisError struct{ Msg string }

func (e *RedisError) Error() string { return "redis: " + e.Msg }

// Limits bound what Read accepts.
type Limits struct {
	MaxBulk  int // bytes of one bulk string (default 1 MiB)
	MaxArray int // elements of one array (default 1024)
	MaxDepth int // array nesting (default 4)
	MaxTotal int // bytes allocated for one top-level value (default 4 MiB)
}

// DefaultLimits are the limits used when a Limits field is zero.
var DefaultLimits = Limits{MaxBulk: 1 << 20, MaxArray: 1024, MaxDepth: 4, MaxTotal: 4 << 20}

func (l Limits) withDefaults() Limits {
	if l.MaxBulk <= 0 {
		l.MaxBulk = DefaultLimits.MaxBulk
	}
	if l.MaxArray <= 0 {
		l.MaxArray = DefaultLimits.MaxArray
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = DefaultLimits.MaxTotal
	}
	return l
}

// ErrProtocol is wrapped by every decoding error: the stream is not RESP2
// or breaks a limit; the connection must be closed.
var ErrProtocol = errors.New("resp: protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// Read decodes one value. Lines longer than r's buffer are refused.
func Read(r *bufio.Reader, lim Limits) (Value, error) {
	lim = lim.withDefaults()
	budget := lim.MaxTotal
	return read(r, &lim, 0, &budget)
}

func read(r *bufio.Reader, lim *Limits, depth int, budget *int) (Value, error) {
	line, err := readLine(r)
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, protoErr("empty line")
	}
	kind, rest := Kind(line[0]), line[1:]
	switch kind {
	case SimpleString, Error:
		if err := spend(budget, len(rest)); err != nil {
			return Value{}, err
		}
		return Value{Kind: kind, Str: append([]byte{}, rest...)}, nil
	case Integer:
		n, err := parseInt(rest)
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: Integer, Int: n}, nil
	case Bulk:
		n, err := parseInt(rest)
		if err != nil {
			return Value{}, err
		}
		if n == -1 {
			return Value{Kind: Bulk, Null: true}, nil
		}
		if n < 0 || n > int64(lim.MaxBulk) {
			return Value{}, protoErr("bulk length %d outside 0..%d", n, lim.MaxBulk)
		}
		if err := spend(budget, int(n)); err != nil {
			return Value{}, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return Value{}, unexpectedEOF(err)
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return Value{}, protoErr("bulk string not terminated by CRLF")
		}
		return Value{Kind: Bulk, Str: buf[:n:n]}, nil
	case Array:
		n, err := parseInt(rest)
		if err != nil {
			return Value{}, err
		}
		if n == -1 {
			return Value{Kind: Array, Null: true}, nil
		}
		if n < 0 || n > int64(lim.MaxArray) {
			return Value{}, protoErr("array length %d outside 0..%d", n, lim.MaxArray)
		}
		if depth >= lim.MaxDepth {
			return Value{}, protoErr("arrays nested deeper than %d", lim.MaxDepth)
		}
		// Each element costs its Value header against the budget, so a
		// long array of empty elements is bounded too.
		if err := spend(budget, int(n)*64); err != nil {
			return Value{}, err
		}
		v := Value{Kind: Array, Array: make([]Value, 0, n)}
		for i := int64(0); i < n; i++ {
			e, err := read(r, lim, depth+1, budget)
			if err != nil {
				return Value{}, unexpectedEOF(err)
			}
			v.Array = append(v.Array, e)
		}
		return v, nil
	default:
		return Value{}, protoErr("unknown type byte %q", line[0])
	}
}

func spend(budget *int, n int) error {
	if n > *budget {
		return protoErr("value larger than the %d-byte limit", n)
	}
	*budget -= n
	return nil
}

// unexpectedEOF turns an EOF inside a value into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readLine returns one CRLF-terminated line without the CRLF.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, protoErr("line longer than %d bytes", r.Size())
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, protoErr("line not terminated by CRLF")
	}
	return line[:len(line)-2], nil
}

func parseInt(b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, protoErr("bad integer %q", b)
	}
	return n, nil
}

// AppendCommand encodes a command as an array of bulk strings.
func AppendCommand(dst []byte, args ...string) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// AppendValue encodes v (the inverse of Read; tests and fakes use it).
// Simple strings and errors must not contain CR or LF.
func AppendValue(dst []byte, v Value) []byte {
	switch v.Kind {
	case SimpleString, Error:
		dst = append(dst, byte(v.Kind))
		dst = append(dst, v.Str...)
	case Integer:
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, v.Int, 10)
	case Bulk:
		if v.Null {
			return append(dst, "$-1\r\n"...)
		}
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(v.Str)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, v.Str...)
	case Array:
		if v.Null {
			return append(dst, "*-1\r\n"...)
		}
		dst = append(dst, '*')
		dst = strconv.AppendInt(dst, int64(len(v.Array)), 10)
		dst = append(dst, '\r', '\n')
		for _, e := range v.Array {
			dst = AppendValue(dst, e)
		}
		return dst
	}
	return append(dst, '\r', '\n')
}
