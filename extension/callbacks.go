package main

// The functions Godot reaches through the C trampolines in gdx.c. Every one
// recovers panics: a panic escaping into Godot would kill the game.

/*
#include "gdx.h"
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"unsafe"

	"godotsteam-sockets/bindings"
)

func recoverTo(where string, onPanic func()) {
	if p := recover(); p != nil {
		printError(fmt.Sprintf("godotsteam-sockets: internal error in %s (please report it): %v\n%s", where, p, debug.Stack()))
		if onPanic != nil {
			onPanic()
		}
	}
}

//export goInitialize
func goInitialize(level C.uint32_t) {
	defer recoverTo("initialize", nil)
	switch level {
	case C.GDX_INIT_SCENE:
		initScene()
	case C.GDX_INIT_EDITOR:
		initEditor()
	}
}

//export goDeinitialize
func goDeinitialize(level C.uint32_t) {
	defer recoverTo("deinitialize", nil)
	if level == C.GDX_INIT_SCENE {
		deinitScene()
	}
}

//export goNewInstance
func goNewInstance(class C.uintptr_t, obj unsafe.Pointer) (h C.uintptr_t) {
	defer recoverTo("create_instance", nil)
	return C.uintptr_t(newInstance(int(class), obj))
}

//export goFreeInstance
func goFreeInstance(h C.uintptr_t) {
	defer recoverTo("free_instance", nil)
	freeInstance(uintptr(h))
}

// methodFor resolves method userdata (index + 1) and an instance handle.
func methodFor(method, inst C.uintptr_t) (*regMethod, *instance, string) {
	i := int(method) - 1
	if i < 0 || i >= len(registered.methods) {
		return nil, nil, fmt.Sprintf("godotsteam-sockets: unknown method userdata %d", int(method))
	}
	m := &registered.methods[i]
	in := lookupInstance(uintptr(inst))
	if in == nil {
		return m, nil, fmt.Sprintf("%s.%s: called on an instance that does not exist (already freed?)", m.owner, m.Name)
	}
	if in.class != m.class {
		return m, nil, fmt.Sprintf("%s.%s: called on an instance of another class", m.owner, m.Name)
	}
	return m, in, ""
}

// call runs method m (checked and converted arguments) on its instance.
func (in *instance) call(m *regMethod, vals []any) (any, bindings.CallError) {
	if in.peer != nil {
		return in.peer.Call(m.local, vals)
	}
	return in.steam.Call(m.local, vals)
}

//export goMethodCall
func goMethodCall(method, inst C.uintptr_t, args *unsafe.Pointer, argc C.GdxInt, rReturn unsafe.Pointer, rError *C.GdxCallError) {
	defer recoverTo("a method call", func() {
		rError.error = C.GDX_CALL_ERROR_INVALID_METHOD
		rError.argument, rError.expected = 0, 0
	})
	m, in, problem := methodFor(method, inst)
	if problem != "" {
		printError(problem)
		rError.error = C.GDX_CALL_ERROR_INVALID_METHOD
		if m != nil {
			rError.error = C.GDX_CALL_ERROR_INSTANCE_IS_NULL
		}
		return
	}
	var c converter
	n := int(argc)
	if n < 0 {
		n = 0
	}
	vals := make([]any, n)
	if n > 0 {
		argv := unsafe.Slice(args, n)
		for i := range vals {
			vals[i] = c.fromVariant(argv[i], 0)
		}
	}
	ret, cerr := in.call(m, vals)
	if cerr.Error != bindings.CallOK {
		rError.error = C.uint32_t(cerr.Error)
		rError.argument = C.int32_t(cerr.Argument)
		rError.expected = C.int32_t(cerr.Expected)
		return
	}
	if m.HasReturn {
		var tmp variant
		c.toVariant(unsafe.Pointer(&tmp), c.conform(C.GdxVariantType(m.Return), ret), 0)
		C.gdx_variant_destroy(rReturn)
		C.gdx_variant_new_copy(rReturn, unsafe.Pointer(&tmp))
		C.gdx_variant_destroy(unsafe.Pointer(&tmp))
	}
	if c.problem != "" {
		printError(fmt.Sprintf("%s.%s: %s", m.owner, m.Name, c.problem))
	}
}

//export goMethodPtrCall
func goMethodPtrCall(method, inst C.uintptr_t, args *unsafe.Pointer, rRet unsafe.Pointer) {
	defer recoverTo("a method ptrcall", nil)
	m, in, problem := methodFor(method, inst)
	if problem != "" {
		printError(problem)
		return
	}
	var c converter
	vals := make([]any, len(m.Args))
	if len(vals) > 0 {
		if args == nil {
			printError(fmt.Sprintf("%s.%s: ptrcall without arguments", m.owner, m.Name))
			return
		}
		argv := unsafe.Slice(args, len(vals))
		for i, a := range m.Args {
			if argv[i] == nil {
				printError(fmt.Sprintf("%s.%s: ptrcall argument %d is NULL", m.owner, m.Name, i+1))
				return
			}
			vals[i] = c.fromValue(C.GdxVariantType(a.Type), argv[i], 0)
		}
	}
	ret, cerr := in.call(m, vals)
	if cerr.Error != bindings.CallOK {
		printError(fmt.Sprintf("%s.%s: call failed: %s", m.owner, m.Name, describeCallError(&m.Method, cerr)))
		return
	}
	if m.HasReturn && rRet != nil {
		c.writeReturn(C.GdxVariantType(m.Return), rRet, ret)
	}
	if c.problem != "" {
		printError(fmt.Sprintf("%s.%s: %s", m.owner, m.Name, c.problem))
	}
}

func describeCallError(m *bindings.Method, e bindings.CallError) string {
	switch e.Error {
	case bindings.CallInvalidArgument:
		return fmt.Sprintf("argument %d: expected %s", e.Argument+1, bindings.TypeName(bindings.VariantType(e.Expected)))
	case bindings.CallTooManyArguments, bindings.CallTooFewArguments:
		return fmt.Sprintf("expected %d arguments", e.Expected)
	}
	return fmt.Sprintf("call error %d", int(e.Error))
}
