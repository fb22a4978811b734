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
	"godotsteam-sockets/bindings/multiplayer"
)

// Class ids: the class userdata Godot hands back to create_instance and
// get_virtual_call_data (gdx.c keeps one slot per id).
const (
	classSteam = 1 // Steam (Object): the singleton, or ClassDB.instantiate("Steam")
	classPeer  = 2 // SteamMultiplayerPeer (MultiplayerPeerExtension)
)

// instance is one object of one of our classes. Godot knows it only by its
// handle.
type instance struct {
	class int
	obj   unsafe.Pointer // the Godot Object (C memory)
	steam *bindings.Steam
	peer  *multiplayer.Object
}

// instances maps the integer handles Godot holds (the
// GDExtensionClassInstancePtr we gave object_set_instance) to instances.
var instances = struct {
	sync.Mutex
	next uintptr
	byID map[uintptr]*instance
}{byID: map[uintptr]*instance{}}

// newInstance returns the handle of a new instance of class, or 0 for an
// unknown class.
func newInstance(class int, obj unsafe.Pointer) uintptr {
	inst := &instance{class: class, obj: obj}
	switch class {
	case classSteam:
		inst.steam = bindings.New(&host{obj: obj, class: bindings.Class().Name})
	case classPeer:
		inst.peer = multiplayer.NewObject(&host{obj: obj, class: multiplayer.ClassName})
	default:
		printError(fmt.Sprintf("godotsteam-sockets: create_instance for unknown class id %d", class))
		return 0
	}
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
	switch {
	case inst == nil:
	case inst.steam != nil:
		inst.steam.Close()
	case inst.peer != nil:
		inst.peer.Close()
	}
}

// host implements bindings.Host for one instance. Its methods run on the
// thread that called into the binding (Godot's), never on a goroutine of
// the engine, so calling Godot here is allowed.
type host struct {
	obj   unsafe.Pointer
	class string // for error texts
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
		printError(fmt.Sprintf("%s: signal %s: %s", h.class, name, c.problem))
	}
	if rc != C.GDX_CALL_OK {
		printError(fmt.Sprintf("%s: emitting signal %s failed (call error %d)", h.class, name, int(rc)))
	}
}

// ProjectSetting implements bindings.SettingsReader through
// ProjectSettings.has_setting/get_setting (the rendezvous settings of P2P).
func (h *host) ProjectSetting(name string) (any, bool) {
	b := []byte(name)
	if len(b) == 0 {
		return nil, false
	}
	var v variant
	ok := C.gdx_project_setting((*C.char)(unsafe.Pointer(&b[0])), C.GdxInt(len(b)), unsafe.Pointer(&v))
	defer C.gdx_variant_destroy(unsafe.Pointer(&v))
	if ok == 0 {
		return nil, false
	}
	var c converter
	return c.fromVariant(unsafe.Pointer(&v), 0), true
}

func (h *host) PrintError(msg string)   { printError(msg) }
func (h *host) PrintWarning(msg string) { printWarning(msg) }
