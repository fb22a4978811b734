package wire

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrMalformed is wrapped by every decode error.
var ErrMalformed = errors.New("wire: malformed message")

func malformed(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }

// field is one decoded protobuf field. Only the member matching typ is set.
type field struct {
	num   protowire.Number
	typ   protowire.Type
	u64   uint64 // varint, fixed32, fixed64
	bytes []byte // bytes (aliases the input)
}

// walk calls fn for every field of a proto2 message. Unknown fields are the
// caller's business (fn ignores them); groups are skipped.
func walk(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return malformed("bad tag")
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.u64, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.u64 = uint64(v)
		case protowire.Fixed64Type:
			f.u64, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.bytes, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return malformed(fmt.Sprintf("bad value for field %d", num))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// repeatedU32 appends the values of a repeated uint32/enum field occurrence,
// accepting both unpacked (varint) and packed (bytes) encodings.
func repeatedU32(dst []uint32, f field) ([]uint32, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, uint32(f.u64)), nil
	case protowire.BytesType:
		b := f.bytes
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return dst, malformed("bad packed varint")
			}
			dst = append(dst, uint32(v))
			b = b[n:]
		}
		return dst, nil
	}
	return dst, nil
}

// repeatedFixed32 is repeatedU32 for fixed32 fields.
func repeatedFixed32(dst []uint32, f field) ([]uint32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, uint32(f.u64)), nil
	case protowire.BytesType:
		b := f.bytes
		if len(b)%4 != 0 {
			return dst, malformed("bad packed fixed32")
		}
		for len(b) > 0 {
			v, _ := protowire.ConsumeFixed32(b)
			dst = append(dst, v)
			b = b[4:]
		}
	}
	return dst, nil
}

func appendFixed32(b []byte, num protowire.Number, v uint32) []byte {
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

func appendFixed64(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendString(b []byte, num protowire.Number, v string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}

// isVarint / isFixed32 / isFixed64 / isBytes check a known field's wire type;
// a known field number with the wrong wire type is treated as unknown
// (skipped), as the C++ proto2 parser does.
func (f field) isVarint() bool  { return f.typ == protowire.VarintType }
func (f field) isFixed32() bool { return f.typ == protowire.Fixed32Type }
func (f field) isFixed64() bool { return f.typ == protowire.Fixed64Type }
func (f field) isBytes() bool   { return f.typ == protowire.BytesType }

// clone copies b so a decoded message does not alias a reused packet buffer.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
