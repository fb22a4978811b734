package main

/*
#include "gdx.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"godotsteam-sockets/bindings"
)

// instance is one Steam object: the singleton, or one made by
// ClassDB.instantiate("Steam"). Godot knows it only by its handle.
type instance struct {
	obj   unsafe.Pointer // the Godot Object (C memory)
	steam *bindings.Steam
}

// instances maps the integer handles Godot holds (the
// GDExtensionClassInstancePtr we gave object_set_instance) to instances.
var instances = struct {
	sync.Mutex
	next uintptr
	byID map[uintptr]*instance
}{byID: map[uintptr]*instance{}}

func newInstance(obj unsafe.Pointer) uintptr {
	inst := &instance{obj: obj}
	inst.steam = bindings.New(&host{obj: obj})
	instances.Lock()
	instances.next++ // never 0: a NULL instance means "static" to Godot
	h := instances.next
	instances.byID[h] = inst
	instances.Unlock()
	return h
}

func lookupInstance(h uintptr) *instance {
	instances.Lock()
	defer instances.Unlock()
	return instances.byID[h]
}

func freeInstance(h uintptr) {
	instances.Lock()
	inst := instances.byID[h]
	delete(instances.byID, h)
	instances.Unlock()
	if inst != nil {
		inst.steam.Close()
	}
}

// host implements bindings.Host for one instance. Its methods run on the
// thread that called into the binding (Godot's), never on a goroutine of
// the engine, so calling Godot here is allowed.
type host struct {
	obj unsafe.Pointer
}

func (h *host) EmitSignal(name string, args []any) {
	var c converter
	vs := make([]variant, len(args)+1)
	var sn value
	stringNameInto(unsafe.Pointer(&sn), name)
	C.gdx_variant_from(typeStringName, unsafe.Pointer(&vs[0]), unsafe.Pointer(&sn))
	C.gdx_string_name_destroy(unsafe.Pointer(&sn))
	for i, a := range args {
		c.toVariant(unsafe.Pointer(&vs[i+1]), a, 0)
	}
	rc := C.gdx_emit_signal(h.obj, unsafe.Pointer(&vs[0]), C.GdxInt(len(vs)))
	for i := range vs {
		C.gdx_variant_destroy(unsafe.Pointer(&vs[i]))
	}
	if c.problem != "" {
		printError(fmt.Sprintf("Steam: signal %s: %s", name, c.problem))
	}
	if rc != C.GDX_CALL_OK {
		printError(fmt.Sprintf("Steam: emitting signal %s failed (call error %d)", name, int(rc)))
	}
}

func (h *host) PrintError(msg string)   { printError(msg) }
func (h *host) PrintWarning(msg string) { printWarning(msg) }
