package main

/*
#include <stdlib.h>
#include "gdx.h"
*/
import "C"

import (
	_ "embed"
	"fmt"
	"unsafe"

	"godotsteam-sockets/bindings"
	"godotsteam-sockets/bindings/multiplayer"
)

// The class references shown in the editor's help, one document per class.
var (
	//go:embed doc_classes/Steam.xml
	docXML []byte
	//go:embed doc_classes/SteamMultiplayerPeer.xml
	peerDocXML []byte
)

// regClass is one registered class.
type regClass struct {
	id       int // class userdata: classSteam, classPeer
	info     bindings.ClassInfo
	name     cStringName // kept alive until unregistration (gdx.c uses it)
	parent   cStringName
	virtuals bool
}

// regMethod is one registered method; its method userdata is its index in
// registered.methods + 1.
type regMethod struct {
	class int // class id
	local int // index in its class's method list (Steam.Call / Object.Call)
	owner string
	bindings.Method
}

// registered is what SCENE init set up and SCENE deinit tears down. It is
// written only during initialization, before any method can be called.
var registered struct {
	classes   []regClass
	methods   []regMethod
	singleton cStringName
	obj       unsafe.Pointer // the singleton's Object
	done      bool
}

func initScene() {
	if registered.done {
		return
	}
	if C.gdx_setup_scene() != 0 {
		return // gdx_setup_scene printed why
	}
	steam := bindings.Class()
	registerClass(classSteam, steam, false)
	// SteamMultiplayerPeer: Godot's high-level multiplayer over our sockets.
	registerClass(classPeer, multiplayer.Class(), true)
	registered.done = true

	// The one Steam instance, registered as the Engine singleton.
	obj := C.gdx_create_object(classSteam, 1)
	if obj == nil {
		return
	}
	registered.obj = obj
	registered.singleton = newCStringName(steam.Singleton)
	C.gdx_register_singleton(registered.singleton.p, obj)
}

func registerClass(id int, ci *bindings.ClassInfo, virtuals bool) {
	rc := regClass{id: id, info: *ci, name: newCStringName(ci.Name), parent: newCStringName(ci.Parent), virtuals: virtuals}
	var v C.int
	if virtuals {
		v = 1
	}
	C.gdx_register_class(rc.name.p, rc.parent.p, C.uintptr_t(id), v)
	registered.classes = append(registered.classes, rc)

	bitfields := map[string]bool{}
	for _, k := range ci.Constants {
		if k.Enum != "" && k.Bitfield {
			bitfields[k.Enum] = true
		}
	}
	r := newRegistrar(ci.Name, rc.name, bitfields)
	for i := range ci.Methods {
		registered.methods = append(registered.methods, regMethod{class: id, local: i, owner: ci.Name, Method: ci.Methods[i]})
		r.method(len(registered.methods)-1, &ci.Methods[i])
	}
	for _, k := range ci.Constants {
		r.constant(k)
	}
	for i := range ci.Signals {
		r.signal(&ci.Signals[i])
	}
	r.free()
}

func deinitScene() {
	if !registered.done {
		C.gdx_teardown_scene()
		return
	}
	if registered.obj != nil {
		C.gdx_unregister_singleton(registered.singleton.p)
		// Godot calls free_instance, which closes the bindings instance
		// (and the engine with the last instance).
		C.gdx_destroy_object(registered.obj)
		registered.obj = nil
	}
	registered.singleton.free()
	for i := len(registered.classes) - 1; i >= 0; i-- {
		rc := &registered.classes[i]
		C.gdx_unregister_class(rc.name.p)
		rc.name.free()
		rc.parent.free()
	}
	registered.classes = nil
	registered.methods = nil
	registered.done = false
	C.gdx_teardown_scene()
}

func initEditor() {
	if C.gdx_has_editor_help() == 0 {
		return
	}
	for _, doc := range [][]byte{docXML, peerDocXML} {
		if len(doc) > 0 {
			C.gdx_editor_help_load((*C.char)(unsafe.Pointer(&doc[0])), C.GdxInt(len(doc)))
		}
	}
}

// registrar holds the temporary Godot values used while registering; Godot
// copies everything it is given, so all of it is freed at the end.
type registrar struct {
	class     string
	classSN   cStringName
	bitfields map[string]bool
	empty     cStringName // empty StringName: unused class_name / plain constants
	emptyText cString     // empty String: hint_string
	temps     []cStringName
}

func newRegistrar(class string, classSN cStringName, bitfields map[string]bool) *registrar {
	return &registrar{class: class, classSN: classSN, bitfields: bitfields, empty: newCStringName(""), emptyText: newCString("")}
}

func (r *registrar) name(s string) unsafe.Pointer {
	if s == "" {
		return r.empty.p
	}
	sn := newCStringName(s)
	r.temps = append(r.temps, sn)
	return sn.p
}

func (r *registrar) free() {
	for i := range r.temps {
		r.temps[i].free()
	}
	r.temps = nil
	r.empty.free()
	r.emptyText.free()
}

// propertyInfo fills one PropertyInfo (in C memory) for an argument, a
// return value or a signal argument.
func (r *registrar) propertyInfo(pi *C.GdxPropertyInfo, name string, t bindings.VariantType, enum string) {
	pi._type = C.uint32_t(t)
	pi.name = r.name(name)
	pi.class_name = r.empty.p
	pi.hint = C.GDX_HINT_NONE
	pi.hint_string = r.emptyText.p
	pi.usage = C.GDX_USAGE_DEFAULT
	switch {
	case enum != "":
		pi.class_name = r.name(r.class + "." + enum)
		if r.bitfields[enum] {
			pi.usage |= C.GDX_USAGE_CLASS_IS_BITFIELD
		} else {
			pi.usage |= C.GDX_USAGE_CLASS_IS_ENUM
		}
	case t == bindings.TypeNil:
		pi.usage |= C.GDX_USAGE_NIL_IS_VARIANT
	}
}

func metadataFor(t bindings.VariantType, enum string) C.uint32_t {
	switch {
	case t == bindings.TypeInt && enum == "":
		return C.GDX_METADATA_INT_IS_INT64
	case t == bindings.TypeFloat:
		return C.GDX_METADATA_REAL_IS_DOUBLE
	}
	return C.GDX_METADATA_NONE
}

func (r *registrar) method(index int, m *bindings.Method) {
	n := len(m.Args)
	var mi C.GdxMethodInfo
	mi.name = r.name(m.Name)
	mi.method_flags = C.GDX_METHOD_FLAGS_DEFAULT

	var ret *C.GdxPropertyInfo
	if m.HasReturn {
		ret = (*C.GdxPropertyInfo)(C.calloc(1, C.size_t(unsafe.Sizeof(C.GdxPropertyInfo{}))))
		defer C.free(unsafe.Pointer(ret))
		r.propertyInfo(ret, "", m.Return, m.ReturnEnum)
		mi.has_return_value = 1
		mi.return_value_info = ret
		mi.return_value_metadata = metadataFor(m.Return, m.ReturnEnum)
	}

	var c converter
	if n > 0 {
		infos := (*C.GdxPropertyInfo)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(C.GdxPropertyInfo{}))))
		defer C.free(unsafe.Pointer(infos))
		metas := (*C.uint32_t)(C.calloc(C.size_t(n), 4))
		defer C.free(unsafe.Pointer(metas))
		infoSlice := unsafe.Slice(infos, n)
		metaSlice := unsafe.Slice(metas, n)
		for i, a := range m.Args {
			r.propertyInfo(&infoSlice[i], a.Name, a.Type, a.Enum)
			metaSlice[i] = metadataFor(a.Type, a.Enum)
		}
		mi.argument_count = C.uint32_t(n)
		mi.arguments_info = infos
		mi.arguments_metadata = metas

		// Defaults belong to the trailing parameters, in order.
		first := n
		for first > 0 && m.Args[first-1].HasDefault {
			first--
		}
		if nd := n - first; nd > 0 {
			block := C.calloc(C.size_t(nd), C.GDX_VARIANT_SIZE)
			defer C.free(block)
			ptrs := (*unsafe.Pointer)(C.calloc(C.size_t(nd), C.size_t(unsafe.Sizeof(uintptr(0)))))
			defer C.free(unsafe.Pointer(ptrs))
			ptrSlice := unsafe.Slice(ptrs, nd)
			for i := 0; i < nd; i++ {
				ptrSlice[i] = unsafe.Add(block, i*C.GDX_VARIANT_SIZE)
				c.toVariant(ptrSlice[i], m.Args[first+i].Default, 0)
			}
			defer func() {
				for i := 0; i < nd; i++ {
					C.gdx_variant_destroy(ptrSlice[i])
				}
			}()
			mi.default_argument_count = C.uint32_t(nd)
			mi.default_arguments = ptrs
		}
	}
	C.gdx_register_method(r.classSN.p, &mi, C.uintptr_t(index+1))
	if c.problem != "" {
		printError(fmt.Sprintf("%s.%s: default argument: %s", r.class, m.Name, c.problem))
	}
}

func (r *registrar) constant(k bindings.Constant) {
	var bitfield C.GdxBool
	if k.Bitfield {
		bitfield = 1
	}
	C.gdx_register_constant(r.classSN.p, r.name(k.Enum), r.name(k.Name), C.GdxInt(k.Value), bitfield)
}

func (r *registrar) signal(s *bindings.Signal) {
	n := len(s.Args)
	var infos *C.GdxPropertyInfo
	if n > 0 {
		infos = (*C.GdxPropertyInfo)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(C.GdxPropertyInfo{}))))
		defer C.free(unsafe.Pointer(infos))
		infoSlice := unsafe.Slice(infos, n)
		for i, a := range s.Args {
			r.propertyInfo(&infoSlice[i], a.Name, a.Type, a.Enum)
		}
	}
	C.gdx_register_signal(r.classSN.p, r.name(s.Name), infos, C.GdxInt(n))
}
