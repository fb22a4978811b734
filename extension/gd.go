package main

/*
#cgo CFLAGS: -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter
#include <stdlib.h>
#include "gdx.h"
*/
import "C"

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Godot values held in Go are plain words; the GC never sees a pointer in
// them, and each must be destroyed explicitly (copying the bytes is not a
// copy in Godot's sense).
type (
	variant [3]uint64 // a Variant (24 bytes on float_64 builds)
	// value is large enough for any builtin value we construct: an 8-byte
	// handle (String, StringName, NodePath, Dictionary, Array) or a 16-byte
	// packed array.
	value [2]uint64
)

// vtype is a Variant type as the C side spells it.
type vtype = C.GdxVariantType

const (
	typeNil         = C.GDX_TYPE_NIL
	typeBool        = C.GDX_TYPE_BOOL
	typeInt         = C.GDX_TYPE_INT
	typeFloat       = C.GDX_TYPE_FLOAT
	typeString      = C.GDX_TYPE_STRING
	typeStringName  = C.GDX_TYPE_STRING_NAME
	typeNodePath    = C.GDX_TYPE_NODE_PATH
	typeDictionary  = C.GDX_TYPE_DICTIONARY
	typeArray       = C.GDX_TYPE_ARRAY
	typeByteArray   = C.GDX_TYPE_PACKED_BYTE_ARRAY
	typeInt32Array  = C.GDX_TYPE_PACKED_INT32_ARRAY
	variantTypesMax = C.GDX_TYPE_MAX
)

var emptyByte = [1]byte{0}

// utf8Args returns a pointer and byte length for s, valid for the duration
// of one C call (Godot copies the text). Invalid UTF-8 is replaced, so
// Godot never logs a parse error for text we hand it.
func utf8Args(s string) (*C.char, C.GdxInt) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) == 0 {
		return (*C.char)(unsafe.Pointer(&emptyByte[0])), 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.GdxInt(len(s))
}

// stringName constructs a StringName into the uninitialized slot dst.
func stringNameInto(dst unsafe.Pointer, s string) {
	p, n := utf8Args(s)
	C.gdx_string_name_new(dst, p, n)
}

// stringInto constructs a String into the uninitialized slot dst.
func stringInto(dst unsafe.Pointer, s string) {
	p, n := utf8Args(s)
	C.gdx_string_new(dst, p, n)
}

// readString returns the text of the String at p.
func readString(p unsafe.Pointer) string {
	var small [256]byte
	n := int(C.gdx_string_to_utf8(p, (*C.char)(unsafe.Pointer(&small[0])), C.GdxInt(len(small))))
	if n <= 0 {
		return ""
	}
	if n <= len(small) {
		return string(small[:n])
	}
	buf := make([]byte, n)
	n2 := int(C.gdx_string_to_utf8(p, (*C.char)(unsafe.Pointer(&buf[0])), C.GdxInt(n)))
	if n2 < n {
		buf = buf[:max(n2, 0)]
	}
	return string(buf)
}

// cStringName is a StringName in C memory, for names Godot keeps a pointer
// to during a call or that we reuse (class, singleton, signal names).
type cStringName struct{ p unsafe.Pointer }

func newCStringName(s string) cStringName {
	p := C.calloc(1, C.GDX_STRING_NAME_SIZE)
	stringNameInto(p, s)
	return cStringName{p}
}

func (sn *cStringName) free() {
	if sn.p != nil {
		C.gdx_string_name_destroy(sn.p)
		C.free(sn.p)
		sn.p = nil
	}
}

// cString is a String in C memory.
type cString struct{ p unsafe.Pointer }

func newCString(s string) cString {
	p := C.calloc(1, C.GDX_STRING_SIZE)
	stringInto(p, s)
	return cString{p}
}

func (s *cString) free() {
	if s.p != nil {
		C.gdx_string_destroy(s.p)
		C.free(s.p)
		s.p = nil
	}
}

// printError reports an error through Godot's print_error.
func printError(msg string) {
	cmsg := C.CString(strings.ToValidUTF8(strings.ReplaceAll(msg, "\x00", ""), "\uFFFD"))
	defer C.free(unsafe.Pointer(cmsg))
	C.gdx_print_error(cmsg, cFunctionName, cFileName, 0)
}

// printWarning reports a warning through Godot's print_warning.
func printWarning(msg string) {
	cmsg := C.CString(strings.ToValidUTF8(strings.ReplaceAll(msg, "\x00", ""), "\uFFFD"))
	defer C.free(unsafe.Pointer(cmsg))
	C.gdx_print_warning(cmsg, cFunctionName, cFileName, 0)
}

// The "at:" location Godot prints under our messages.
var (
	cFunctionName = C.CString("Steam")
	cFileName     = C.CString("godotsteam-sockets")
)
