package main

// SteamMultiplayerPeer's virtual methods: Godot asks get_virtual_call_data
// once per name (and, from 4.4, the hash of the signature), keeps the
// integer we return, and hands it back to call_virtual_with_data with the
// ptrcall arguments. The table and the logic are bindings/multiplayer's;
// this file only converts ptrcall values.

/*
#include "gdx.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"godotsteam-sockets/bindings/multiplayer"
)

// hashWarned remembers the virtuals whose hash did not match, so a Godot
// with a changed signature gets one clear error per name, not one per object.
var hashWarned sync.Map

//export goGetVirtual
func goGetVirtual(class C.uintptr_t, nameSN unsafe.Pointer, hash C.uint32_t) (data C.uintptr_t) {
	defer recoverTo("get_virtual_call_data", nil)
	if int(class) != classPeer || nameSN == nil {
		return 0
	}
	var s value
	C.gdx_string_from_string_name(unsafe.Pointer(&s), nameSN)
	name := readString(unsafe.Pointer(&s))
	C.gdx_string_destroy(unsafe.Pointer(&s))
	i, ok := multiplayer.LookupVirtual(name, uint32(hash))
	if !ok {
		if _, known := multiplayer.LookupVirtual(name, 0); known {
			if _, done := hashWarned.LoadOrStore(name, true); !done {
				printError(fmt.Sprintf("%s: this Godot's %s has signature hash %d, which this library does not know; "+
					"the method is left unimplemented (update godotsteam-sockets for this Godot version)",
					multiplayer.ClassName, name, uint32(hash)))
			}
		}
		return 0
	}
	return C.uintptr_t(i + 1)
}

//export goCallVirtual
func goCallVirtual(inst, data C.uintptr_t, args *unsafe.Pointer, rRet unsafe.Pointer) {
	defer recoverTo("a SteamMultiplayerPeer virtual", nil)
	i := int(data) - 1
	if i < 0 || i >= len(multiplayer.Virtuals) {
		printError(fmt.Sprintf("%s: unknown virtual call data %d", multiplayer.ClassName, int(data)))
		return
	}
	v := &multiplayer.Virtuals[i]
	in := lookupInstance(uintptr(inst))
	if in == nil || in.peer == nil {
		printError(fmt.Sprintf("%s.%s: called on an instance that does not exist (already freed?)", multiplayer.ClassName, v.Name))
		return
	}
	var c converter
	vals := make([]any, len(v.Args))
	if len(vals) > 0 {
		if args == nil {
			printError(fmt.Sprintf("%s.%s: virtual called without arguments", multiplayer.ClassName, v.Name))
			return
		}
		argv := unsafe.Slice(args, len(vals))
		for k, kind := range v.Args {
			p := argv[k]
			if p == nil {
				printError(fmt.Sprintf("%s.%s: argument %d pointer is NULL", multiplayer.ClassName, v.Name, k+1))
				return
			}
			switch kind {
			case multiplayer.KindInt:
				vals[k] = *(*int64)(p)
			case multiplayer.KindBool:
				vals[k] = *(*uint8)(p) != 0
			case multiplayer.KindBytes:
				vals[k] = c.fromValue(typeByteArray, p, 0)
			}
		}
	}
	h := &host{obj: in.obj, class: multiplayer.ClassName}
	ret := in.peer.CallVirtual(i, vals, func(signal string, id int64) {
		h.EmitSignal(signal, []any{id})
	})
	if v.Ret == multiplayer.KindNone {
		return
	}
	if rRet == nil {
		printError(fmt.Sprintf("%s.%s: no return slot", multiplayer.ClassName, v.Name))
		return
	}
	switch v.Ret {
	case multiplayer.KindInt:
		n, _ := ret.(int64)
		*(*int64)(rRet) = n
	case multiplayer.KindBool:
		b, _ := ret.(bool)
		var u uint8
		if b {
			u = 1
		}
		*(*uint8)(rRet) = u
	case multiplayer.KindBytes:
		b, _ := ret.([]byte)
		if b == nil {
			b = []byte{}
		}
		c.writeReturn(typeByteArray, rRet, b)
	}
	if c.problem != "" {
		printError(fmt.Sprintf("%s.%s: %s", multiplayer.ClassName, v.Name, c.problem))
	}
}
