// Package abitest checks the extension's own ABI declarations (extension/gdx.h,
// extension/gdx_iface.h) and the engine facts it relies on (method hashes,
// constructor indices, interface function versions) against Godot's official
// gdextension_interface.h and extension_api.json.
//
// Those two files ship in the pinned module github.com/godot-go/godot-go
// (v0.3.40, Godot 4.7 headers). The test downloads the module zip with
// `go mod download` and reads only those two files from it; nothing of the
// module is built or linked (its go.mod needs go 1.27). Without network
// access or a module cache the tests skip and say why.
package abitest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

const (
	pinnedModule  = "github.com/godot-go/godot-go"
	pinnedVersion = "v0.3.40"
	headerInZip   = "godot_headers/godot/gdextension_interface.h"
	apiJSONInZip  = "godot_headers/extension_api.json"
)

// extensionDir is the extension package, relative to this test's directory.
const extensionDir = ".."

var official struct {
	once    sync.Once
	dir     string // holds gdextension_interface.h and extension_api.json
	skipWhy string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if official.dir != "" {
		os.RemoveAll(official.dir)
	}
	os.Exit(code)
}

// officialFiles returns the paths of the official header and API JSON,
// skipping the test if the pinned module cannot be downloaded.
func officialFiles(t *testing.T) (header, apiJSON string) {
	t.Helper()
	official.once.Do(func() { official.skipWhy = fetchOfficial() })
	if official.skipWhy != "" {
		t.Skip(official.skipWhy)
	}
	return filepath.Join(official.dir, "gdextension_interface.h"), filepath.Join(official.dir, "extension_api.json")
}

func fetchOfficial() string {
	work, err := os.MkdirTemp("", "abitest-")
	if err != nil {
		return "cannot create a temp dir: " + err.Error()
	}
	official.dir = work
	// Run outside our module so go.mod is never touched. The command exits
	// non-zero because the module's go.mod asks for go 1.27, but it has
	// downloaded the zip by then and names it in its JSON output.
	cmd := exec.Command("go", "mod", "download", "-json", pinnedModule+"@"+pinnedVersion)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct {
		Zip   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Zip == "" {
		return fmt.Sprintf("skipping: could not download %s@%s (go mod download: %v; %s %s); the ABI check needs network access to the Go module proxy or a module cache holding it",
			pinnedModule, pinnedVersion, runErr, strings.TrimSpace(info.Error), strings.TrimSpace(stderr.String()))
	}
	zr, err := zip.OpenReader(info.Zip)
	if err != nil {
		return fmt.Sprintf("skipping: the downloaded module zip %s cannot be opened: %v", info.Zip, err)
	}
	defer zr.Close()
	prefix := pinnedModule + "@" + pinnedVersion + "/"
	want := map[string]string{prefix + headerInZip: "gdextension_interface.h", prefix + apiJSONInZip: "extension_api.json"}
	for _, f := range zr.File {
		out, ok := want[f.Name]
		if !ok {
			continue
		}
		if err := extract(f, filepath.Join(work, out)); err != nil {
			return fmt.Sprintf("skipping: cannot extract %s: %v", f.Name, err)
		}
		delete(want, f.Name)
	}
	if len(want) > 0 {
		return fmt.Sprintf("skipping: %s@%s no longer ships %v", pinnedModule, pinnedVersion, want)
	}
	return ""
}

func extract(f *zip.File, dst string) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ---- C compilation ----

func cCompiler(t *testing.T) string {
	t.Helper()
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	path, err := exec.LookPath(cc)
	if err != nil {
		t.Skipf("skipping: no C compiler %q (install gcc): %v", cc, err)
	}
	return path
}

// compileC compiles src (syntax and static assertions only) with both the
// official header's directory and the extension directory on the include
// path. Any warning about incompatible pointer types is an error.
func compileC(t *testing.T, header, src string) {
	t.Helper()
	cc := cCompiler(t)
	ext, err := filepath.Abs(extensionDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "check.c")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cc, "-std=c11", "-fsyntax-only", "-Wall", "-Werror=incompatible-pointer-types",
		"-I", filepath.Dir(header), "-I", ext, file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the ABI check program does not compile, so our declarations differ from gdextension_interface.h:\n%s\n(%v)", out, err)
	}
}

// ---- layouts and enum values ----

// structPair names one of our structs and the official struct that must
// have the same size and, field by field, the same offsets and sizes.
type structPair struct {
	ours, theirs string
	fields       []string
}

var creationInfo3Fields = []string{
	"is_virtual", "is_abstract", "is_exposed", "is_runtime", "set_func", "get_func", "get_property_list_func",
	"free_property_list_func", "property_can_revert_func", "property_get_revert_func", "validate_property_func",
	"notification_func", "to_string_func", "reference_func", "unreference_func", "create_instance_func",
	"free_instance_func", "recreate_instance_func", "get_virtual_func", "get_virtual_call_data_func",
	"call_virtual_with_data_func", "get_rid_func", "class_userdata",
}

var creationInfo4Fields = []string{
	"is_virtual", "is_abstract", "is_exposed", "is_runtime", "icon_path", "set_func", "get_func",
	"get_property_list_func", "free_property_list_func", "property_can_revert_func", "property_get_revert_func",
	"validate_property_func", "notification_func", "to_string_func", "reference_func", "unreference_func",
	"create_instance_func", "free_instance_func", "recreate_instance_func", "get_virtual_func",
	"get_virtual_call_data_func", "call_virtual_with_data_func", "class_userdata",
}

var structPairs = []structPair{
	{"GdxCallError", "GDExtensionCallError", []string{"error", "argument", "expected"}},
	{"GdxInitialization", "GDExtensionInitialization", []string{"minimum_initialization_level", "userdata", "initialize", "deinitialize"}},
	{"GdxGodotVersion", "GDExtensionGodotVersion", []string{"major", "minor", "patch", "string"}},
	{"GdxGodotVersion2", "GDExtensionGodotVersion2", []string{"major", "minor", "patch", "hex", "status", "build", "hash", "timestamp", "string"}},
	{"GdxPropertyInfo", "GDExtensionPropertyInfo", []string{"type", "name", "class_name", "hint", "hint_string", "usage"}},
	{"GdxMethodInfo", "GDExtensionClassMethodInfo", []string{
		"name", "method_userdata", "call_func", "ptrcall_func", "method_flags", "has_return_value",
		"return_value_info", "return_value_metadata", "argument_count", "arguments_info", "arguments_metadata",
		"default_argument_count", "default_arguments",
	}},
	{"GdxClassCreationInfo3", "GDExtensionClassCreationInfo3", creationInfo3Fields},
	{"GdxClassCreationInfo4", "GDExtensionClassCreationInfo4", creationInfo4Fields},
	{"GdxClassCreationInfo4", "GDExtensionClassCreationInfo5", creationInfo4Fields},
	{"GdxClassCreationInfo4", "GDExtensionClassCreationInfo6", creationInfo4Fields},
}

// typedFields are fields whose C types must be compatible too (the ones we
// fill in; unused hooks are declared as a generic function pointer).
var typedFields = map[string][]string{
	"GDExtensionClassCreationInfo3": {"create_instance_func", "free_instance_func", "get_virtual_func", "get_virtual_call_data_func", "call_virtual_with_data_func", "class_userdata", "is_exposed"},
	"GDExtensionClassCreationInfo4": {"icon_path", "create_instance_func", "free_instance_func", "get_virtual_func", "get_virtual_call_data_func", "call_virtual_with_data_func", "class_userdata", "is_exposed"},
	"GDExtensionClassCreationInfo5": {"icon_path", "create_instance_func", "free_instance_func", "get_virtual_func", "get_virtual_call_data_func", "call_virtual_with_data_func", "class_userdata", "is_exposed"},
	"GDExtensionClassCreationInfo6": {"icon_path", "create_instance_func", "free_instance_func", "get_virtual_func", "get_virtual_call_data_func", "call_virtual_with_data_func", "class_userdata", "is_exposed"},
	"GDExtensionClassMethodInfo":    {"name", "method_userdata", "method_flags", "has_return_value", "return_value_metadata", "argument_count", "default_argument_count", "default_arguments"},
	"GDExtensionInitialization":     {"userdata", "initialize", "deinitialize"},
}

// enumPairs: our constant, the official one.
var enumPairs = [][2]string{
	{"GDX_TYPE_NIL", "GDEXTENSION_VARIANT_TYPE_NIL"},
	{"GDX_TYPE_BOOL", "GDEXTENSION_VARIANT_TYPE_BOOL"},
	{"GDX_TYPE_INT", "GDEXTENSION_VARIANT_TYPE_INT"},
	{"GDX_TYPE_FLOAT", "GDEXTENSION_VARIANT_TYPE_FLOAT"},
	{"GDX_TYPE_STRING", "GDEXTENSION_VARIANT_TYPE_STRING"},
	{"GDX_TYPE_STRING_NAME", "GDEXTENSION_VARIANT_TYPE_STRING_NAME"},
	{"GDX_TYPE_NODE_PATH", "GDEXTENSION_VARIANT_TYPE_NODE_PATH"},
	{"GDX_TYPE_OBJECT", "GDEXTENSION_VARIANT_TYPE_OBJECT"},
	{"GDX_TYPE_DICTIONARY", "GDEXTENSION_VARIANT_TYPE_DICTIONARY"},
	{"GDX_TYPE_ARRAY", "GDEXTENSION_VARIANT_TYPE_ARRAY"},
	{"GDX_TYPE_PACKED_BYTE_ARRAY", "GDEXTENSION_VARIANT_TYPE_PACKED_BYTE_ARRAY"},
	{"GDX_TYPE_PACKED_INT32_ARRAY", "GDEXTENSION_VARIANT_TYPE_PACKED_INT32_ARRAY"},
	{"GDX_TYPE_PACKED_VECTOR4_ARRAY", "GDEXTENSION_VARIANT_TYPE_PACKED_VECTOR4_ARRAY"},
	{"GDX_TYPE_MAX", "GDEXTENSION_VARIANT_TYPE_VARIANT_MAX"},
	{"GDX_CALL_OK", "GDEXTENSION_CALL_OK"},
	{"GDX_CALL_ERROR_INVALID_METHOD", "GDEXTENSION_CALL_ERROR_INVALID_METHOD"},
	{"GDX_CALL_ERROR_INVALID_ARGUMENT", "GDEXTENSION_CALL_ERROR_INVALID_ARGUMENT"},
	{"GDX_CALL_ERROR_TOO_MANY_ARGUMENTS", "GDEXTENSION_CALL_ERROR_TOO_MANY_ARGUMENTS"},
	{"GDX_CALL_ERROR_TOO_FEW_ARGUMENTS", "GDEXTENSION_CALL_ERROR_TOO_FEW_ARGUMENTS"},
	{"GDX_CALL_ERROR_INSTANCE_IS_NULL", "GDEXTENSION_CALL_ERROR_INSTANCE_IS_NULL"},
	{"GDX_CALL_ERROR_METHOD_NOT_CONST", "GDEXTENSION_CALL_ERROR_METHOD_NOT_CONST"},
	{"GDX_INIT_CORE", "GDEXTENSION_INITIALIZATION_CORE"},
	{"GDX_INIT_SERVERS", "GDEXTENSION_INITIALIZATION_SERVERS"},
	{"GDX_INIT_SCENE", "GDEXTENSION_INITIALIZATION_SCENE"},
	{"GDX_INIT_EDITOR", "GDEXTENSION_INITIALIZATION_EDITOR"},
	{"GDX_INIT_MAX", "GDEXTENSION_MAX_INITIALIZATION_LEVEL"},
	{"GDX_METHOD_FLAG_NORMAL", "GDEXTENSION_METHOD_FLAG_NORMAL"},
	{"GDX_METHOD_FLAG_EDITOR", "GDEXTENSION_METHOD_FLAG_EDITOR"},
	{"GDX_METHOD_FLAG_CONST", "GDEXTENSION_METHOD_FLAG_CONST"},
	{"GDX_METHOD_FLAG_VIRTUAL", "GDEXTENSION_METHOD_FLAG_VIRTUAL"},
	{"GDX_METHOD_FLAG_VARARG", "GDEXTENSION_METHOD_FLAG_VARARG"},
	{"GDX_METHOD_FLAG_STATIC", "GDEXTENSION_METHOD_FLAG_STATIC"},
	{"GDX_METHOD_FLAGS_DEFAULT", "GDEXTENSION_METHOD_FLAGS_DEFAULT"},
	{"GDX_METADATA_NONE", "GDEXTENSION_METHOD_ARGUMENT_METADATA_NONE"},
	{"GDX_METADATA_INT_IS_INT8", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_INT8"},
	{"GDX_METADATA_INT_IS_INT16", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_INT16"},
	{"GDX_METADATA_INT_IS_INT32", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_INT32"},
	{"GDX_METADATA_INT_IS_INT64", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_INT64"},
	{"GDX_METADATA_INT_IS_UINT8", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_UINT8"},
	{"GDX_METADATA_INT_IS_UINT16", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_UINT16"},
	{"GDX_METADATA_INT_IS_UINT32", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_UINT32"},
	{"GDX_METADATA_INT_IS_UINT64", "GDEXTENSION_METHOD_ARGUMENT_METADATA_INT_IS_UINT64"},
	{"GDX_METADATA_REAL_IS_FLOAT", "GDEXTENSION_METHOD_ARGUMENT_METADATA_REAL_IS_FLOAT"},
	{"GDX_METADATA_REAL_IS_DOUBLE", "GDEXTENSION_METHOD_ARGUMENT_METADATA_REAL_IS_DOUBLE"},
}

// scalarTypes: our typedef, the official one (same size and signedness).
var scalarTypes = [][2]string{
	{"GdxBool", "GDExtensionBool"},
	{"GdxInt", "GDExtensionInt"},
	{"GdxVariantType", "GDExtensionVariantType"},
}

func TestLayoutsAndEnumsMatchOfficialHeader(t *testing.T) {
	header, _ := officialFiles(t)
	var b strings.Builder
	b.WriteString("#include <stddef.h>\n#include <gdextension_interface.h>\n#include \"gdx.h\"\n\n")
	b.WriteString("#define SAME_TYPE(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))\n")
	for _, p := range structPairs {
		fmt.Fprintf(&b, "_Static_assert(sizeof(%s) == sizeof(%s), \"size of %s differs from %s\");\n", p.ours, p.theirs, p.ours, p.theirs)
		fmt.Fprintf(&b, "_Static_assert(_Alignof(%s) == _Alignof(%s), \"alignment of %s differs from %s\");\n", p.ours, p.theirs, p.ours, p.theirs)
		for _, f := range p.fields {
			fmt.Fprintf(&b, "_Static_assert(offsetof(%s, %s) == offsetof(%s, %s), \"offset of %s.%s differs from %s\");\n", p.ours, f, p.theirs, f, p.ours, f, p.theirs)
			fmt.Fprintf(&b, "_Static_assert(sizeof(((%s *)0)->%s) == sizeof(((%s *)0)->%s), \"size of %s.%s differs from %s\");\n", p.ours, f, p.theirs, f, p.ours, f, p.theirs)
		}
		for _, f := range typedFields[p.theirs] {
			fmt.Fprintf(&b, "_Static_assert(SAME_TYPE(((%s *)0)->%s, ((%s *)0)->%s), \"type of %s.%s differs from %s\");\n", p.ours, f, p.theirs, f, p.ours, f, p.theirs)
		}
	}
	for _, e := range enumPairs {
		fmt.Fprintf(&b, "_Static_assert((long long)%s == (long long)%s, \"%s != %s\");\n", e[0], e[1], e[0], e[1])
	}
	for _, s := range scalarTypes {
		fmt.Fprintf(&b, "_Static_assert(sizeof(%s) == sizeof(%s) && ((%s)-1 > 0) == ((%s)-1 > 0), \"%s differs from %s\");\n", s[0], s[1], s[0], s[1], s[0], s[1])
	}
	compileC(t, header, b.String())

	// Every struct pair must list every field of the official struct, so a
	// field added upstream cannot hide behind a matching total size.
	src := readFile(t, header)
	for _, p := range structPairs {
		fields := officialStructFields(t, src, p.theirs)
		if strings.Join(fields, ",") != strings.Join(p.fields, ",") {
			t.Errorf("%s has fields %v; the check (and our %s) lists %v", p.theirs, fields, p.ours, p.fields)
		}
	}
}

// officialStructFields returns the field names of `typedef struct {...} name;`.
func officialStructFields(t *testing.T, src, name string) []string {
	t.Helper()
	end := strings.Index(src, "} "+name+";")
	if end < 0 {
		// typedef OtherStruct name;
		if m := regexp.MustCompile(`typedef\s+(\w+)\s+` + name + `\s*;`).FindStringSubmatch(src); m != nil {
			return officialStructFields(t, src, m[1])
		}
		t.Fatalf("struct %s not found in the official header", name)
	}
	start := strings.LastIndex(src[:end], "typedef struct")
	body := src[start:end]
	body = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(body, "")
	body = regexp.MustCompile(`//[^\n]*`).ReplaceAllString(body, "")
	body = body[strings.Index(body, "{")+1:]
	var fields []string
	for _, decl := range strings.Split(body, ";") {
		decl = strings.TrimSpace(decl)
		if decl == "" {
			continue
		}
		m := regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*$`).FindStringSubmatch(decl)
		if m == nil {
			t.Fatalf("cannot parse field %q of %s", decl, name)
		}
		fields = append(fields, m[1])
	}
	return fields
}

// ---- interface function shapes ----

// shapeCheck: our typedef (in gdx_iface.h or gdx.h), the official typedef
// it must be compatible with, and which of our structs stand for which
// official ones in its parameters.
type shapeCheck struct {
	ours, theirs string
	structs      map[string]string
}

var defaultStructs = map[string]string{
	"GdxCallError":          "GDExtensionCallError",
	"GdxGodotVersion2":      "GDExtensionGodotVersion2",
	"GdxGodotVersion":       "GDExtensionGodotVersion",
	"GdxPropertyInfo":       "GDExtensionPropertyInfo",
	"GdxMethodInfo":         "GDExtensionClassMethodInfo",
	"GdxClassCreationInfo3": "GDExtensionClassCreationInfo3",
	"GdxClassCreationInfo4": "GDExtensionClassCreationInfo4",
	"GdxInitialization":     "GDExtensionInitialization",
}

var shapeChecks = []shapeCheck{
	{"PfnGetGodotVersion", "GDExtensionInterfaceGetGodotVersion", nil},
	{"PfnGetGodotVersion2", "GDExtensionInterfaceGetGodotVersion2", nil},
	{"PfnPrintError", "GDExtensionInterfacePrintError", nil},
	{"PfnPrintError", "GDExtensionInterfacePrintWarning", nil},
	{"PfnStringNameNewUtf8Len", "GDExtensionInterfaceStringNameNewWithUtf8CharsAndLen", nil},
	{"PfnStringNewUtf8Len2", "GDExtensionInterfaceStringNewWithUtf8CharsAndLen2", nil},
	{"PfnStringToUtf8", "GDExtensionInterfaceStringToUtf8Chars", nil},
	{"PfnVariantNewNil", "GDExtensionInterfaceVariantNewNil", nil},
	{"PfnVariantNewCopy", "GDExtensionInterfaceVariantNewCopy", nil},
	{"PfnVariantDestroy", "GDExtensionInterfaceVariantDestroy", nil},
	{"PfnVariantGetType", "GDExtensionInterfaceVariantGetType", nil},
	{"PfnFromTypeCtor", "GDExtensionVariantFromTypeConstructorFunc", nil},
	{"PfnToTypeCtor", "GDExtensionTypeFromVariantConstructorFunc", nil},
	{"PfnGetVariantFromTypeConstructor", "GDExtensionInterfaceGetVariantFromTypeConstructor", nil},
	{"PfnGetVariantToTypeConstructor", "GDExtensionInterfaceGetVariantToTypeConstructor", nil},
	{"PfnPtrConstructor", "GDExtensionPtrConstructor", nil},
	{"PfnPtrDestructor", "GDExtensionPtrDestructor", nil},
	{"PfnPtrBuiltinMethod", "GDExtensionPtrBuiltInMethod", nil},
	{"PfnVariantGetPtrConstructor", "GDExtensionInterfaceVariantGetPtrConstructor", nil},
	{"PfnVariantGetPtrDestructor", "GDExtensionInterfaceVariantGetPtrDestructor", nil},
	{"PfnVariantGetPtrBuiltinMethod", "GDExtensionInterfaceVariantGetPtrBuiltinMethod", nil},
	{"PfnIndex", "GDExtensionInterfacePackedByteArrayOperatorIndex", map[string]string{"void *(": "uint8_t *("}},
	{"PfnIndexConst", "GDExtensionInterfacePackedByteArrayOperatorIndexConst", map[string]string{"const void *(": "const uint8_t *("}},
	{"PfnIndex", "GDExtensionInterfacePackedInt32ArrayOperatorIndex", map[string]string{"void *(": "int32_t *("}},
	{"PfnIndexConst", "GDExtensionInterfacePackedInt32ArrayOperatorIndexConst", map[string]string{"const void *(": "const int32_t *("}},
	{"PfnIndexConst", "GDExtensionInterfaceArrayOperatorIndexConst", map[string]string{"const void *(": "void *("}},
	{"PfnDictIndex", "GDExtensionInterfaceDictionaryOperatorIndex", nil},
	{"PfnRegisterClass3", "GDExtensionInterfaceClassdbRegisterExtensionClass3", nil},
	{"PfnRegisterClass4", "GDExtensionInterfaceClassdbRegisterExtensionClass4", nil},
	{"PfnRegisterClass4", "GDExtensionInterfaceClassdbRegisterExtensionClass5", nil},
	{"PfnRegisterClass4", "GDExtensionInterfaceClassdbRegisterExtensionClass6", map[string]string{"GdxClassCreationInfo4": "GDExtensionClassCreationInfo6"}},
	{"PfnRegisterMethod", "GDExtensionInterfaceClassdbRegisterExtensionClassMethod", nil},
	{"PfnRegisterConstant", "GDExtensionInterfaceClassdbRegisterExtensionClassIntegerConstant", nil},
	{"PfnRegisterSignal", "GDExtensionInterfaceClassdbRegisterExtensionClassSignal", nil},
	{"PfnUnregisterClass", "GDExtensionInterfaceClassdbUnregisterExtensionClass", nil},
	{"PfnConstructObject", "GDExtensionInterfaceClassdbConstructObject", nil},
	{"PfnConstructObject", "GDExtensionInterfaceClassdbConstructObject2", nil},
	{"PfnConstructObject", "GDExtensionInterfaceClassdbConstructObject3", nil},
	{"PfnObjectSetInstance", "GDExtensionInterfaceObjectSetInstance", nil},
	{"PfnObjectDestroy", "GDExtensionInterfaceObjectDestroy", nil},
	{"PfnGetMethodBind", "GDExtensionInterfaceClassdbGetMethodBind", nil},
	{"PfnGlobalGetSingleton", "GDExtensionInterfaceGlobalGetSingleton", nil},
	{"PfnMethodBindPtrcall", "GDExtensionInterfaceObjectMethodBindPtrcall", nil},
	{"PfnMethodBindCall", "GDExtensionInterfaceObjectMethodBindCall", nil},
	{"PfnEditorHelpLoad", "GDExtensionsInterfaceEditorHelpLoadXmlFromUtf8CharsAndLen", nil},
	{"GdxMethodCallFn", "GDExtensionClassMethodCall", nil},
	{"GdxMethodPtrCallFn", "GDExtensionClassMethodPtrCall", nil},
	{"GdxCreateInstance1Fn", "GDExtensionClassCreateInstance", nil},
	{"GdxCreateInstance2Fn", "GDExtensionClassCreateInstance2", nil},
	{"GdxCreateInstance2Fn", "GDExtensionClassCreateInstance3", nil},
	{"GdxFreeInstanceFn", "GDExtensionClassFreeInstance", nil},
	{"GdxCallVirtualFn", "GDExtensionClassCallVirtual", nil},
	{"GdxGetVirtual1Fn", "GDExtensionClassGetVirtual", nil},
	{"GdxGetVirtual2Fn", "GDExtensionClassGetVirtual2", nil},
	{"GdxInitializeFn", "GDExtensionInitializeCallback", nil},
	{"GdxGetProcAddressFn", "GDExtensionInterfaceGetProcAddress", nil},
	{"GdxInitializationFn", "GDExtensionInitializationFunction", nil},
}

var typedefRE = regexp.MustCompile(`(?s)typedef\s[^;{}]*?\(\*\s*(\w+)\)\s*\([^;]*?\);`)

// ourTypedefs maps each function-pointer typedef name in our headers to its
// declaration text.
func ourTypedefs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range []string{"gdx.h", "gdx_iface.h"} {
		src := readFile(t, filepath.Join(extensionDir, f))
		src = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(src, "")
		for _, m := range typedefRE.FindAllStringSubmatch(src, -1) {
			out[m[1]] = m[0]
		}
	}
	return out
}

func TestInterfaceFunctionShapesMatchOfficialHeader(t *testing.T) {
	header, _ := officialFiles(t)
	decls := ourTypedefs(t)
	var b strings.Builder
	b.WriteString("#include <stddef.h>\n#include <gdextension_interface.h>\n#include \"gdx_iface.h\"\n\n")
	for i, c := range shapeChecks {
		decl, ok := decls[c.ours]
		if !ok {
			t.Fatalf("typedef %s not found in extension/gdx.h or gdx_iface.h", c.ours)
		}
		// A copy of our typedef, renamed, with our structs replaced by the
		// official ones (their layouts are checked separately).
		shape := fmt.Sprintf("Shape%d", i)
		decl = strings.Replace(decl, "(*"+c.ours+")", "(*"+shape+")", 1)
		for from, to := range c.structs {
			decl = strings.ReplaceAll(decl, from, to)
		}
		for from, to := range defaultStructs {
			decl = regexp.MustCompile(`\b`+from+`\b`).ReplaceAllString(decl, to)
		}
		// Our typedefs reference each other (PfnPtrConstructor, ...): the
		// official equivalents are compatible by the checks above.
		fmt.Fprintf(&b, "%s\n", decl)
		fmt.Fprintf(&b, "static void check%d(void) { %s theirs = (%s)0; (void)theirs; }\n", i, c.theirs, shape)
		fmt.Fprintf(&b, "_Static_assert(__builtin_types_compatible_p(%s, %s), \"%s is not shaped like %s\");\n", shape, c.theirs, c.ours, c.theirs)
	}
	b.WriteString("int main(void) {\n")
	for i := range shapeChecks {
		fmt.Fprintf(&b, "\tcheck%d();\n", i)
	}
	b.WriteString("\treturn 0;\n}\n")
	compileC(t, header, b.String())
}

// ---- requested names and their versions ----

// gatedNames are the interface functions we request only from the Godot
// version in which they appeared (the others must exist since 4.3 at most).
var gatedNames = map[string]string{
	"get_godot_version2":                           "4.5",
	"classdb_register_extension_class3":            "4.3",
	"classdb_register_extension_class4":            "4.4",
	"classdb_register_extension_class5":            "4.5",
	"classdb_register_extension_class6":            "4.7",
	"classdb_construct_object":                     "4.1",
	"classdb_construct_object2":                    "4.4",
	"classdb_construct_object3":                    "4.7",
	"editor_help_load_xml_from_utf8_chars_and_len": "4.3",
}

func sinceVersions(t *testing.T, header string) map[string]string {
	t.Helper()
	src := readFile(t, header)
	out := map[string]string{}
	re := regexp.MustCompile(`@name\s+(\w+)\s*\n\s*\*\s*@since\s+([0-9.]+)`)
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		out[m[1]] = m[2]
	}
	if len(out) < 100 {
		t.Fatalf("found only %d @name/@since pairs in the official header; has its format changed?", len(out))
	}
	return out
}

func TestRequestedInterfaceFunctionsExistInTheirVersions(t *testing.T) {
	header, _ := officialFiles(t)
	since := sinceVersions(t, header)
	src := readFile(t, filepath.Join(extensionDir, "gdx.c"))
	re := regexp.MustCompile(`(?:\bload\(|LOAD\([^,]+,[^,]+,\s*)"(\w+)"`)
	requested := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		requested[m[1]] = true
	}
	if len(requested) < 30 {
		t.Fatalf("found only %d requested names in gdx.c; has the loading code changed shape?", len(requested))
	}
	for name := range requested {
		v, ok := since[name]
		if !ok {
			t.Errorf("gdx.c requests %q, which the official header does not declare", name)
			continue
		}
		if want, gated := gatedNames[name]; gated {
			if v != want {
				t.Errorf("%s is @since %s in the official header; gdx.c gates it at %s", name, v, want)
			}
		} else if versionAbove(v, "4.3") {
			t.Errorf("gdx.c requests %s unconditionally, but it exists only since Godot %s (minimum is 4.3)", name, v)
		}
	}
	for name := range gatedNames {
		if !requested[name] {
			t.Errorf("the version table names %s, which gdx.c never requests", name)
		}
	}
}

func versionAbove(a, b string) bool {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a, "%d.%d", &a1, &a2)
	fmt.Sscanf(b, "%d.%d", &b1, &b2)
	return a1 > b1 || (a1 == b1 && a2 > b2)
}

// ---- extension_api.json: hashes, constructors, sizes ----

type apiMethod struct {
	Name string `json:"name"`
	Hash int64  `json:"hash"`
}

type apiJSON struct {
	BuiltinClassSizes []struct {
		BuildConfiguration string `json:"build_configuration"`
		Sizes              []struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		} `json:"sizes"`
	} `json:"builtin_class_sizes"`
	BuiltinClasses []struct {
		Name          string      `json:"name"`
		Methods       []apiMethod `json:"methods"`
		HasDestructor bool        `json:"has_destructor"`
		Constructors  []struct {
			Index     int `json:"index"`
			Arguments []struct {
				Type string `json:"type"`
			} `json:"arguments"`
		} `json:"constructors"`
	} `json:"builtin_classes"`
	Classes []struct {
		Name    string      `json:"name"`
		Methods []apiMethod `json:"methods"`
	} `json:"classes"`
}

func loadAPI(t *testing.T) *apiJSON {
	t.Helper()
	_, path := officialFiles(t)
	var api apiJSON
	if err := json.Unmarshal([]byte(readFile(t, path)), &api); err != nil {
		t.Fatalf("extension_api.json: %v", err)
	}
	return &api
}

// hashUses says, for each GDX_HASH_* define in gdx.h, which methods it is
// used for ("Builtin.method" for builtin types, "Class.method" for classes).
var hashUses = map[string][]string{
	"GDX_HASH_ENGINE_REGISTER_SINGLETON":    {"Engine.register_singleton"},
	"GDX_HASH_ENGINE_UNREGISTER_SINGLETON":  {"Engine.unregister_singleton"},
	"GDX_HASH_OBJECT_EMIT_SIGNAL":           {"Object.emit_signal"},
	"GDX_HASH_OBJECT_NOTIFICATION":          {"Object.notification"},
	"GDX_HASH_SIZE":                         {"Dictionary.size", "Array.size", "PackedByteArray.size", "PackedInt32Array.size"},
	"GDX_HASH_DICTIONARY_KEYS":              {"Dictionary.keys"},
	"GDX_HASH_DICTIONARY_VALUES":            {"Dictionary.values"},
	"GDX_HASH_ARRAY_APPEND":                 {"Array.append"},
	"GDX_HASH_PACKED_RESIZE":                {"PackedByteArray.resize", "PackedInt32Array.resize"},
	"GDX_HASH_PROJECT_SETTINGS_HAS_SETTING": {"ProjectSettings.has_setting"},
	"GDX_HASH_PROJECT_SETTINGS_GET_SETTING": {"ProjectSettings.get_setting"},
}

func TestMethodHashesMatchExtensionAPI(t *testing.T) {
	api := loadAPI(t)
	hashes := map[string]int64{}
	for _, c := range api.BuiltinClasses {
		for _, m := range c.Methods {
			hashes[c.Name+"."+m.Name] = m.Hash
		}
	}
	for _, c := range api.Classes {
		for _, m := range c.Methods {
			hashes[c.Name+"."+m.Name] = m.Hash
		}
	}
	src := readFile(t, filepath.Join(extensionDir, "gdx.h"))
	defines := regexp.MustCompile(`#define\s+(GDX_HASH_\w+)\s+(\d+)`).FindAllStringSubmatch(src, -1)
	if len(defines) == 0 {
		t.Fatal("no GDX_HASH_* defines found in gdx.h")
	}
	seen := map[string]bool{}
	for _, d := range defines {
		name := d[1]
		var ours int64
		fmt.Sscan(d[2], &ours)
		seen[name] = true
		uses, ok := hashUses[name]
		if !ok {
			t.Errorf("gdx.h defines %s, which this test does not know; add it to hashUses", name)
			continue
		}
		for _, u := range uses {
			official, ok := hashes[u]
			switch {
			case !ok:
				t.Errorf("%s: extension_api.json has no method %s", name, u)
			case official != ours:
				t.Errorf("%s = %d, but extension_api.json gives %s hash %d", name, ours, u, official)
			}
		}
	}
	for name := range hashUses {
		if !seen[name] {
			t.Errorf("hashUses lists %s, which gdx.h no longer defines", name)
		}
	}
}

func TestConstructorsAndSizesMatchExtensionAPI(t *testing.T) {
	api := loadAPI(t)
	// Constructor indices gdx.h uses: (type, index) -> argument types.
	want := []struct {
		class string
		index int
		args  []string
	}{
		{"String", 0, nil},
		{"String", 2, []string{"StringName"}},
		{"String", 3, []string{"NodePath"}},
		{"NodePath", 2, []string{"String"}},
		{"Dictionary", 0, nil},
		{"Array", 0, nil},
		{"PackedByteArray", 0, nil},
		{"PackedInt32Array", 0, nil},
		{"StringName", 0, nil},
	}
	for _, w := range want {
		found := false
		for _, c := range api.BuiltinClasses {
			if c.Name != w.class {
				continue
			}
			if !c.HasDestructor {
				t.Errorf("%s has no destructor in extension_api.json; gdx.c destroys it", w.class)
			}
			for _, k := range c.Constructors {
				if k.Index != w.index {
					continue
				}
				found = true
				var got []string
				for _, a := range k.Arguments {
					got = append(got, a.Type)
				}
				if strings.Join(got, ",") != strings.Join(w.args, ",") {
					t.Errorf("%s constructor %d takes (%s), gdx.c expects (%s)", w.class, w.index, strings.Join(got, ","), strings.Join(w.args, ","))
				}
			}
		}
		if !found {
			t.Errorf("extension_api.json has no %s constructor %d", w.class, w.index)
		}
	}

	// Sizes in the standard float_64 build, as gdx.h assumes.
	src := readFile(t, filepath.Join(extensionDir, "gdx.h"))
	ourSize := func(name string) int {
		m := regexp.MustCompile(name + `\s*=\s*(\d+)`).FindStringSubmatch(src)
		if m == nil {
			t.Fatalf("%s not found in gdx.h", name)
		}
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	sizes := map[string]string{
		"Variant": "GDX_VARIANT_SIZE", "String": "GDX_STRING_SIZE", "StringName": "GDX_STRING_NAME_SIZE",
		"NodePath": "GDX_NODE_PATH_SIZE", "Dictionary": "GDX_DICTIONARY_SIZE", "Array": "GDX_ARRAY_SIZE",
		"PackedByteArray": "GDX_PACKED_ARRAY_SIZE", "PackedInt32Array": "GDX_PACKED_ARRAY_SIZE",
	}
	var got map[string]int
	for _, c := range api.BuiltinClassSizes {
		if c.BuildConfiguration == "float_64" {
			got = map[string]int{}
			for _, s := range c.Sizes {
				got[s.Name] = s.Size
			}
		}
	}
	if got == nil {
		t.Fatal("extension_api.json has no float_64 builtin_class_sizes")
	}
	for class, def := range sizes {
		if got[class] != ourSize(def) {
			t.Errorf("%s is %d bytes in float_64 builds; gdx.h says %s = %d", class, got[class], def, ourSize(def))
		}
	}
	// Our value slots in Go hold up to 16 bytes.
	for class := range sizes {
		if class != "Variant" && got[class] > 16 {
			t.Errorf("%s is %d bytes; extension/gd.go's value type holds 16", class, got[class])
		}
	}
}

// TestNoOfficialHeaderInExtension guards the rule that our ABI declarations
// are our own: no extension source includes the official header.
func TestNoOfficialHeaderInExtension(t *testing.T) {
	entries, err := os.ReadDir(extensionDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".c") || strings.HasSuffix(e.Name(), ".h") || strings.HasSuffix(e.Name(), ".go")) {
			continue
		}
		src := readFile(t, filepath.Join(extensionDir, e.Name()))
		if strings.Contains(src, "gdextension_interface.h") {
			t.Errorf("extension/%s mentions gdextension_interface.h; our declarations must stay our own", e.Name())
		}
	}
}
