/* gdx.c: the C side of the extension. It holds the entry point, loads the
 * interface functions the running Godot version offers (never asking for a
 * name that version lacks, since Godot logs an error for every unknown
 * name), and wraps each interface call in a plain C function that Go can
 * call (cgo cannot call C function pointers). Callbacks Godot invokes are
 * tiny trampolines into exported Go functions. Go never hands C a Go
 * pointer to keep: instances and method userdata are small integers. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <windows.h>
#elif defined(__APPLE__)
#include <dlfcn.h>
#endif

#include "gdx.h"
#include "gdx_iface.h"
#include "_cgo_export.h"

/* The types whose constructors, destructors and conversions we cache. */
#define CACHED_TYPES GDX_TYPE_MAX
/* Classes this library registers (Steam, SteamMultiplayerPeer). */
#define GDX_MAX_CLASSES 4

static struct {
    GdxGetProcAddressFn get_proc_address;
    void *library;
    uint32_t major, minor; /* running Godot version */
    char version_string[128];

    PfnPrintError print_error;
    PfnPrintError print_warning;
    PfnStringNameNewUtf8Len string_name_new;
    PfnStringNewUtf8Len2 string_new;
    PfnStringToUtf8 string_to_utf8;
    PfnVariantNewNil variant_new_nil;
    PfnVariantNewCopy variant_new_copy;
    PfnVariantDestroy variant_destroy;
    PfnVariantGetType variant_get_type;
    PfnGetVariantFromTypeConstructor get_from_type;
    PfnGetVariantToTypeConstructor get_to_type;
    PfnVariantGetPtrConstructor get_ptr_constructor;
    PfnVariantGetPtrDestructor get_ptr_destructor;
    PfnVariantGetPtrBuiltinMethod get_ptr_builtin_method;
    PfnIndex pba_index;
    PfnIndexConst pba_index_const;
    PfnIndex pi32_index;
    PfnIndexConst pi32_index_const;
    PfnIndexConst array_index_const;
    PfnDictIndex dict_index;
    PfnRegisterClass3 register_class3;
    PfnRegisterClass4 register_class4; /* class4, class5 or class6: one layout */
    PfnRegisterMethod register_method;
    PfnRegisterConstant register_constant;
    PfnRegisterSignal register_signal;
    PfnUnregisterClass unregister_class;
    PfnConstructObject construct_object;
    int construct_needs_notify; /* construct_object2/3 do not send POSTINITIALIZE */
    PfnObjectSetInstance object_set_instance;
    PfnObjectDestroy object_destroy;
    PfnGetMethodBind get_method_bind;
    PfnGlobalGetSingleton global_get_singleton;
    PfnMethodBindPtrcall method_bind_ptrcall;
    PfnMethodBindCall method_bind_call;
    PfnEditorHelpLoad editor_help_load;
    int editor_help_probed;

    /* Loaded at SCENE init. */
    int scene_ready;
    PfnFromTypeCtor from_type[CACHED_TYPES];
    PfnToTypeCtor to_type[CACHED_TYPES];
    PfnPtrConstructor ctor_default[CACHED_TYPES];
    PfnPtrDestructor dtor[CACHED_TYPES];
    PfnPtrBuiltinMethod size[CACHED_TYPES];
    PfnPtrBuiltinMethod resize[CACHED_TYPES];
    PfnPtrConstructor string_from_string_name;
    PfnPtrConstructor string_from_node_path;
    PfnPtrConstructor node_path_from_string;
    PfnPtrBuiltinMethod dictionary_keys;
    PfnPtrBuiltinMethod dictionary_values;
    PfnPtrBuiltinMethod array_append;
    const void *mb_register_singleton;
    const void *mb_unregister_singleton;
    const void *mb_emit_signal;
    const void *mb_notification;
    void *engine;
    /* ProjectSettings.has_setting/get_setting, looked up on first use
     * (gdx_project_setting); NULL when Godot does not give them. */
    int ps_looked_up;
    void *project_settings;
    const void *mb_has_setting;
    const void *mb_get_setting;
    /* Registered classes by class id (the class userdata); the
     * StringNames are owned by Go and live until unregistration. */
    struct {
        const void *class_sn;
        const void *parent_sn;
    } classes[GDX_MAX_CLASSES + 1];
} G;

_Static_assert(__builtin_types_compatible_p(__typeof__(&godotsteam_sockets_init), GdxInitializationFn),
               "the entry point has the GDExtensionInitializationFunction shape");

static GdxFn load(const char *name) {
    return G.get_proc_address(name);
}

#define LOAD(field, type, name)                                                                                        \
    do {                                                                                                               \
        G.field = (type)load(name);                                                                                    \
        if (!G.field) {                                                                                                \
            missing = name;                                                                                            \
            goto fail;                                                                                                 \
        }                                                                                                              \
    } while (0)

static void report(const char *text) {
    if (G.print_error) {
        G.print_error(text, "godotsteam_sockets_init", "extension/gdx.c", __LINE__, 0);
    } else {
        fprintf(stderr, "ERROR: %s\n", text);
    }
}

static void on_initialize(void *userdata, uint32_t level) {
    (void)userdata;
    goInitialize(level);
}

static void on_deinitialize(void *userdata, uint32_t level) {
    (void)userdata;
    goDeinitialize(level);
}

/* Keeps the library mapped for the life of the process: a Go runtime can
 * never be unloaded, and Godot closes libraries at exit. Linux builds are
 * already NODELETE (the Go linker sets it). */
static void pin_module(void) {
#if defined(_WIN32)
    HMODULE self = NULL;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                       (LPCWSTR)(void *)&godotsteam_sockets_init, &self);
#elif defined(__APPLE__)
    Dl_info info;
    if (dladdr((void *)&godotsteam_sockets_init, &info) && info.dli_fname) {
        dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_NODELETE);
    }
#endif
}

GDX_EXPORT GdxBool godotsteam_sockets_init(GdxGetProcAddressFn get_proc_address, void *library,
                                           GdxInitialization *r_initialization) {
    const char *missing = NULL;
    if (!get_proc_address || !library || !r_initialization) {
        return 0;
    }
    memset(&G, 0, sizeof G);
    G.get_proc_address = get_proc_address;
    G.library = library;
    pin_module();

    G.print_error = (PfnPrintError)load("print_error");
    G.print_warning = (PfnPrintError)load("print_warning");

    /* get_godot_version exists in 4.1..4.7 (deprecated in 4.5); a build
     * without deprecated functions may lack it, then version2 (4.5+). */
    PfnGetGodotVersion get_version = (PfnGetGodotVersion)load("get_godot_version");
    if (get_version) {
        GdxGodotVersion v;
        memset(&v, 0, sizeof v);
        get_version(&v);
        G.major = v.major;
        G.minor = v.minor;
        snprintf(G.version_string, sizeof G.version_string, "%s", v.string ? v.string : "");
    } else {
        PfnGetGodotVersion2 get_version2 = (PfnGetGodotVersion2)load("get_godot_version2");
        if (!get_version2) {
            report("godotsteam-sockets: this Godot offers neither get_godot_version nor get_godot_version2; "
                   "it needs Godot 4.3 or newer.");
            return 0;
        }
        GdxGodotVersion2 v;
        memset(&v, 0, sizeof v);
        get_version2(&v);
        G.major = v.major;
        G.minor = v.minor;
        snprintf(G.version_string, sizeof G.version_string, "%s", v.string ? v.string : "");
    }
    if (G.major < 4 || (G.major == 4 && G.minor < 3)) {
        char msg[256];
        snprintf(msg, sizeof msg, "godotsteam-sockets needs Godot 4.3 or newer; this is %u.%u (%s). Upgrade Godot.",
                 G.major, G.minor, G.version_string);
        report(msg);
        return 0;
    }
    int v = (int)(G.major > 4 ? 9999 : G.minor); /* 5.x and later: newest names */

    LOAD(string_name_new, PfnStringNameNewUtf8Len, "string_name_new_with_utf8_chars_and_len");
    LOAD(string_new, PfnStringNewUtf8Len2, "string_new_with_utf8_chars_and_len2");
    LOAD(string_to_utf8, PfnStringToUtf8, "string_to_utf8_chars");
    LOAD(variant_new_nil, PfnVariantNewNil, "variant_new_nil");
    LOAD(variant_new_copy, PfnVariantNewCopy, "variant_new_copy");
    LOAD(variant_destroy, PfnVariantDestroy, "variant_destroy");
    LOAD(variant_get_type, PfnVariantGetType, "variant_get_type");
    LOAD(get_from_type, PfnGetVariantFromTypeConstructor, "get_variant_from_type_constructor");
    LOAD(get_to_type, PfnGetVariantToTypeConstructor, "get_variant_to_type_constructor");
    LOAD(get_ptr_constructor, PfnVariantGetPtrConstructor, "variant_get_ptr_constructor");
    LOAD(get_ptr_destructor, PfnVariantGetPtrDestructor, "variant_get_ptr_destructor");
    LOAD(get_ptr_builtin_method, PfnVariantGetPtrBuiltinMethod, "variant_get_ptr_builtin_method");
    LOAD(pba_index, PfnIndex, "packed_byte_array_operator_index");
    LOAD(pba_index_const, PfnIndexConst, "packed_byte_array_operator_index_const");
    LOAD(pi32_index, PfnIndex, "packed_int32_array_operator_index");
    LOAD(pi32_index_const, PfnIndexConst, "packed_int32_array_operator_index_const");
    LOAD(array_index_const, PfnIndexConst, "array_operator_index_const");
    LOAD(dict_index, PfnDictIndex, "dictionary_operator_index");
    if (v == 3) {
        LOAD(register_class3, PfnRegisterClass3, "classdb_register_extension_class3");
    } else if (v == 4) {
        LOAD(register_class4, PfnRegisterClass4, "classdb_register_extension_class4");
    } else if (v <= 6) {
        LOAD(register_class4, PfnRegisterClass4, "classdb_register_extension_class5");
    } else {
        LOAD(register_class4, PfnRegisterClass4, "classdb_register_extension_class6");
    }
    if (v == 3) {
        LOAD(construct_object, PfnConstructObject, "classdb_construct_object");
    } else if (v <= 6) {
        LOAD(construct_object, PfnConstructObject, "classdb_construct_object2");
        G.construct_needs_notify = 1;
    } else {
        LOAD(construct_object, PfnConstructObject, "classdb_construct_object3");
        G.construct_needs_notify = 1;
    }
    LOAD(register_method, PfnRegisterMethod, "classdb_register_extension_class_method");
    LOAD(register_constant, PfnRegisterConstant, "classdb_register_extension_class_integer_constant");
    LOAD(register_signal, PfnRegisterSignal, "classdb_register_extension_class_signal");
    LOAD(unregister_class, PfnUnregisterClass, "classdb_unregister_extension_class");
    LOAD(object_set_instance, PfnObjectSetInstance, "object_set_instance");
    LOAD(object_destroy, PfnObjectDestroy, "object_destroy");
    LOAD(get_method_bind, PfnGetMethodBind, "classdb_get_method_bind");
    LOAD(global_get_singleton, PfnGlobalGetSingleton, "global_get_singleton");
    LOAD(method_bind_ptrcall, PfnMethodBindPtrcall, "object_method_bind_ptrcall");
    LOAD(method_bind_call, PfnMethodBindCall, "object_method_bind_call");
    if (!G.print_error) {
        missing = "print_error";
        goto fail;
    }

    r_initialization->minimum_initialization_level = GDX_INIT_SCENE;
    r_initialization->userdata = NULL;
    r_initialization->initialize = on_initialize;
    r_initialization->deinitialize = on_deinitialize;
    return 1;

fail: {
    char msg[512];
    snprintf(msg, sizeof msg,
             "godotsteam-sockets: Godot %s does not offer the interface function '%s'; the extension is disabled.",
             G.version_string, missing);
    report(msg);
    return 0;
}
}

int gdx_godot_version(void) {
    return (int)(G.major * 100 + G.minor);
}

const char *gdx_godot_version_string(void) {
    return G.version_string;
}

/* The editor-help loader exists from 4.3 on, in editor builds; asked for
 * only at EDITOR level. */
int gdx_has_editor_help(void) {
    if (!G.editor_help_probed) {
        G.editor_help_probed = 1;
        G.editor_help_load = (PfnEditorHelpLoad)load("editor_help_load_xml_from_utf8_chars_and_len");
    }
    return G.editor_help_load != NULL;
}

void gdx_editor_help_load(const char *xml, GdxInt len) {
    if (gdx_has_editor_help()) {
        G.editor_help_load(xml, len);
    }
}

void gdx_print_error(const char *text, const char *function, const char *file, int32_t line) {
    if (G.print_error) {
        G.print_error(text, function, file, line, 0);
    } else {
        fprintf(stderr, "ERROR: %s\n", text);
    }
}

void gdx_print_warning(const char *text, const char *function, const char *file, int32_t line) {
    if (G.print_warning) {
        G.print_warning(text, function, file, line, 0);
    } else {
        gdx_print_error(text, function, file, line);
    }
}

/* ---- Strings ---- */

void gdx_string_name_new(void *r_dest, const char *utf8, GdxInt len) {
    G.string_name_new(r_dest, utf8, len);
}

void gdx_string_name_destroy(void *sn) {
    gdx_destroy_value(GDX_TYPE_STRING_NAME, sn);
}

void gdx_string_new(void *r_dest, const char *utf8, GdxInt len) {
    G.string_new(r_dest, utf8, len);
}

GdxInt gdx_string_to_utf8(const void *s, char *buf, GdxInt cap) {
    return G.string_to_utf8(s, buf, cap);
}

void gdx_string_destroy(void *s) {
    gdx_destroy_value(GDX_TYPE_STRING, s);
}

void gdx_string_from_string_name(void *r_dest, const void *sn) {
    const void *args[1] = {sn};
    G.string_from_string_name(r_dest, args);
}

void gdx_string_from_node_path(void *r_dest, const void *np) {
    const void *args[1] = {np};
    G.string_from_node_path(r_dest, args);
}

void gdx_node_path_from_string(void *r_dest, const void *s) {
    const void *args[1] = {s};
    G.node_path_from_string(r_dest, args);
}

void gdx_node_path_destroy(void *np) {
    gdx_destroy_value(GDX_TYPE_NODE_PATH, np);
}

/* ---- Variants and builtin values ---- */

void gdx_variant_new_nil(void *r_dest) {
    G.variant_new_nil(r_dest);
}

void gdx_variant_new_copy(void *r_dest, const void *src) {
    G.variant_new_copy(r_dest, src);
}

void gdx_variant_destroy(void *v) {
    G.variant_destroy(v);
}

GdxVariantType gdx_variant_get_type(const void *v) {
    return G.variant_get_type(v);
}

void gdx_variant_from(GdxVariantType t, void *r_dest, void *value) {
    if (t < CACHED_TYPES && G.from_type[t]) {
        G.from_type[t](r_dest, value);
    } else {
        G.variant_new_nil(r_dest);
    }
}

void gdx_variant_to(GdxVariantType t, void *r_value, const void *v) {
    G.to_type[t](r_value, (void *)v);
}

void gdx_construct_default(GdxVariantType t, void *r_value) {
    G.ctor_default[t](r_value, NULL);
}

void gdx_destroy_value(GdxVariantType t, void *value) {
    if (t < CACHED_TYPES && G.dtor[t]) {
        G.dtor[t](value);
    }
}

GdxInt gdx_container_size(GdxVariantType t, const void *value) {
    int64_t n = 0;
    G.size[t]((void *)value, NULL, &n, 0);
    return n;
}

void gdx_dictionary_keys(const void *dict, void *r_array) {
    G.ctor_default[GDX_TYPE_ARRAY](r_array, NULL);
    G.dictionary_keys((void *)dict, NULL, r_array, 0);
}

void gdx_dictionary_values(const void *dict, void *r_array) {
    G.ctor_default[GDX_TYPE_ARRAY](r_array, NULL);
    G.dictionary_values((void *)dict, NULL, r_array, 0);
}

void gdx_dictionary_set(void *dict, const void *key, const void *value) {
    void *slot = G.dict_index(dict, key);
    if (slot) {
        G.variant_destroy(slot);
        G.variant_new_copy(slot, value);
    }
}

const void *gdx_array_get_const(const void *arr, GdxInt i) {
    return G.array_index_const(arr, i);
}

void gdx_array_append(void *arr, const void *value) {
    const void *args[1] = {value};
    G.array_append(arr, args, NULL, 1);
}

void *gdx_packed_resize(GdxVariantType t, void *packed, GdxInt n) {
    int64_t size = n, err = 0;
    const void *args[1] = {&size};
    G.resize[t](packed, args, &err, 1);
    if (n <= 0 || err != 0) {
        return NULL;
    }
    return t == GDX_TYPE_PACKED_BYTE_ARRAY ? G.pba_index(packed, 0) : G.pi32_index(packed, 0);
}

const void *gdx_packed_data_const(GdxVariantType t, const void *packed) {
    if (gdx_container_size(t, packed) <= 0) {
        return NULL;
    }
    return t == GDX_TYPE_PACKED_BYTE_ARRAY ? G.pba_index_const(packed, 0) : G.pi32_index_const(packed, 0);
}

/* ---- SCENE set-up: builtin function pointers and engine method binds ---- */

static const void *temp_method_bind(const char *cls, const char *method, GdxInt hash) {
    uint8_t cls_sn[GDX_STRING_NAME_SIZE], m_sn[GDX_STRING_NAME_SIZE];
    G.string_name_new(cls_sn, cls, (GdxInt)strlen(cls));
    G.string_name_new(m_sn, method, (GdxInt)strlen(method));
    const void *mb = G.get_method_bind(cls_sn, m_sn, hash);
    gdx_string_name_destroy(m_sn);
    gdx_string_name_destroy(cls_sn);
    return mb;
}

static PfnPtrBuiltinMethod temp_builtin(GdxVariantType t, const char *method, GdxInt hash) {
    uint8_t m_sn[GDX_STRING_NAME_SIZE];
    G.string_name_new(m_sn, method, (GdxInt)strlen(method));
    PfnPtrBuiltinMethod fn = G.get_ptr_builtin_method(t, m_sn, hash);
    gdx_string_name_destroy(m_sn);
    return fn;
}

/* Returns 0 on success, else a negative code; errors are printed. */
int gdx_setup_scene(void) {
    static const GdxVariantType scalar[] = {GDX_TYPE_BOOL, GDX_TYPE_INT, GDX_TYPE_FLOAT};
    static const GdxVariantType handles[] = {
        GDX_TYPE_STRING, GDX_TYPE_STRING_NAME, GDX_TYPE_NODE_PATH, GDX_TYPE_DICTIONARY,
        GDX_TYPE_ARRAY, GDX_TYPE_PACKED_BYTE_ARRAY, GDX_TYPE_PACKED_INT32_ARRAY,
    };
    if (G.scene_ready) {
        return 0;
    }
    for (size_t i = 0; i < sizeof scalar / sizeof scalar[0]; i++) {
        G.from_type[scalar[i]] = G.get_from_type(scalar[i]);
        G.to_type[scalar[i]] = G.get_to_type(scalar[i]);
        if (!G.from_type[scalar[i]] || !G.to_type[scalar[i]]) {
            report("godotsteam-sockets: Godot did not give the Variant conversions for bool/int/float.");
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++) {
        GdxVariantType t = handles[i];
        G.from_type[t] = G.get_from_type(t);
        G.to_type[t] = G.get_to_type(t);
        G.ctor_default[t] = G.get_ptr_constructor(t, GDX_CTOR_DEFAULT);
        G.dtor[t] = G.get_ptr_destructor(t);
        if (!G.from_type[t] || !G.to_type[t] || !G.ctor_default[t] || !G.dtor[t]) {
            char msg[160];
            snprintf(msg, sizeof msg, "godotsteam-sockets: Godot did not give the constructors of Variant type %u.",
                     (unsigned)t);
            report(msg);
            return -1;
        }
    }
    G.string_from_string_name = G.get_ptr_constructor(GDX_TYPE_STRING, GDX_CTOR_STRING_FROM_STRING_NAME);
    G.string_from_node_path = G.get_ptr_constructor(GDX_TYPE_STRING, GDX_CTOR_STRING_FROM_NODE_PATH);
    G.node_path_from_string = G.get_ptr_constructor(GDX_TYPE_NODE_PATH, GDX_CTOR_NODE_PATH_FROM_STRING);
    G.size[GDX_TYPE_DICTIONARY] = temp_builtin(GDX_TYPE_DICTIONARY, "size", GDX_HASH_SIZE);
    G.size[GDX_TYPE_ARRAY] = temp_builtin(GDX_TYPE_ARRAY, "size", GDX_HASH_SIZE);
    G.size[GDX_TYPE_PACKED_BYTE_ARRAY] = temp_builtin(GDX_TYPE_PACKED_BYTE_ARRAY, "size", GDX_HASH_SIZE);
    G.size[GDX_TYPE_PACKED_INT32_ARRAY] = temp_builtin(GDX_TYPE_PACKED_INT32_ARRAY, "size", GDX_HASH_SIZE);
    G.resize[GDX_TYPE_PACKED_BYTE_ARRAY] = temp_builtin(GDX_TYPE_PACKED_BYTE_ARRAY, "resize", GDX_HASH_PACKED_RESIZE);
    G.resize[GDX_TYPE_PACKED_INT32_ARRAY] = temp_builtin(GDX_TYPE_PACKED_INT32_ARRAY, "resize", GDX_HASH_PACKED_RESIZE);
    G.dictionary_keys = temp_builtin(GDX_TYPE_DICTIONARY, "keys", GDX_HASH_DICTIONARY_KEYS);
    G.dictionary_values = temp_builtin(GDX_TYPE_DICTIONARY, "values", GDX_HASH_DICTIONARY_VALUES);
    G.array_append = temp_builtin(GDX_TYPE_ARRAY, "append", GDX_HASH_ARRAY_APPEND);
    if (!G.string_from_string_name || !G.string_from_node_path || !G.node_path_from_string ||
        !G.size[GDX_TYPE_DICTIONARY] || !G.size[GDX_TYPE_ARRAY] || !G.size[GDX_TYPE_PACKED_BYTE_ARRAY] ||
        !G.size[GDX_TYPE_PACKED_INT32_ARRAY] || !G.resize[GDX_TYPE_PACKED_BYTE_ARRAY] ||
        !G.resize[GDX_TYPE_PACKED_INT32_ARRAY] || !G.dictionary_keys || !G.dictionary_values || !G.array_append) {
        report("godotsteam-sockets: Godot did not give the builtin methods it needs (size, resize, keys, values, append).");
        return -1;
    }

    G.mb_register_singleton = temp_method_bind("Engine", "register_singleton", GDX_HASH_ENGINE_REGISTER_SINGLETON);
    G.mb_unregister_singleton =
        temp_method_bind("Engine", "unregister_singleton", GDX_HASH_ENGINE_UNREGISTER_SINGLETON);
    G.mb_emit_signal = temp_method_bind("Object", "emit_signal", GDX_HASH_OBJECT_EMIT_SIGNAL);
    if (G.construct_needs_notify) {
        G.mb_notification = temp_method_bind("Object", "notification", GDX_HASH_OBJECT_NOTIFICATION);
    }
    {
        uint8_t engine_sn[GDX_STRING_NAME_SIZE];
        G.string_name_new(engine_sn, "Engine", 6);
        G.engine = G.global_get_singleton(engine_sn);
        gdx_string_name_destroy(engine_sn);
    }
    if (!G.mb_register_singleton || !G.mb_unregister_singleton || !G.mb_emit_signal || !G.engine ||
        (G.construct_needs_notify && !G.mb_notification)) {
        report("godotsteam-sockets: Godot did not give Engine.register_singleton/unregister_singleton, "
               "Object.emit_signal/notification or the Engine singleton.");
        return -1;
    }
    G.scene_ready = 1;
    return 0;
}

/* Destroys what gdx_setup_scene created (at SCENE deinit). */
void gdx_teardown_scene(void) {
    if (G.scene_ready) {
        G.scene_ready = 0;
        memset(G.classes, 0, sizeof G.classes);
    }
}

/* ---- Class registration ---- */

static void method_call_trampoline(void *method_userdata, void *instance, const void *const *args, GdxInt argc,
                                   void *r_return, GdxCallError *r_error) {
    goMethodCall((uintptr_t)method_userdata, (uintptr_t)instance, (void **)args, argc, r_return, r_error);
}

static void method_ptrcall_trampoline(void *method_userdata, void *instance, const void *const *args, void *r_ret) {
    goMethodPtrCall((uintptr_t)method_userdata, (uintptr_t)instance, (void **)args, r_ret);
}

static void *create_instance1(void *class_userdata) {
    return gdx_create_object((uintptr_t)class_userdata, 1);
}

static void *create_instance2(void *class_userdata, GdxBool notify_postinitialize) {
    return gdx_create_object((uintptr_t)class_userdata, notify_postinitialize);
}

/* Steam (an Object) overrides no virtual method: Object's (_to_string,
 * _get, ...) stay the engine's. Godot null-checks this hook, but answering
 * costs nothing. */
static GdxCallVirtualFn get_virtual1(void *class_userdata, const void *name_sn) {
    (void)class_userdata;
    (void)name_sn;
    return NULL;
}

static GdxCallVirtualFn get_virtual2(void *class_userdata, const void *name_sn, uint32_t hash) {
    (void)class_userdata;
    (void)name_sn;
    (void)hash;
    return NULL;
}

/* Classes with virtuals (SteamMultiplayerPeer): the call data is a small
 * integer (virtual index + 1) chosen by Go, 0 = not overridden. */
static void *get_virtual_call_data1(void *class_userdata, const void *name_sn) {
    return (void *)goGetVirtual((uintptr_t)class_userdata, (void *)name_sn, 0);
}

static void *get_virtual_call_data2(void *class_userdata, const void *name_sn, uint32_t hash) {
    return (void *)goGetVirtual((uintptr_t)class_userdata, (void *)name_sn, hash);
}

static void call_virtual_with_data(void *instance, const void *name_sn, void *call_data, const void *const *args,
                                   void *r_ret) {
    (void)name_sn;
    goCallVirtual((uintptr_t)instance, (uintptr_t)call_data, (void **)args, r_ret);
}

static void free_instance(void *class_userdata, void *instance) {
    (void)class_userdata;
    goFreeInstance((uintptr_t)instance);
}

void gdx_register_class(const void *class_sn, const void *parent_sn, uintptr_t class_id, int virtuals) {
    if (class_id == 0 || class_id > GDX_MAX_CLASSES) {
        report("godotsteam-sockets: internal error: class id out of range");
        return;
    }
    G.classes[class_id].class_sn = class_sn;
    G.classes[class_id].parent_sn = parent_sn;
    if (G.register_class3) {
        GdxClassCreationInfo3 info;
        memset(&info, 0, sizeof info);
        info.is_exposed = 1;
        info.create_instance_func = create_instance1;
        info.free_instance_func = free_instance;
        if (virtuals) {
            info.get_virtual_call_data_func = get_virtual_call_data1;
            info.call_virtual_with_data_func = call_virtual_with_data;
        } else {
            info.get_virtual_func = get_virtual1;
        }
        info.class_userdata = (void *)class_id;
        G.register_class3(G.library, class_sn, parent_sn, &info);
    } else {
        GdxClassCreationInfo4 info;
        memset(&info, 0, sizeof info);
        info.is_exposed = 1;
        info.create_instance_func = create_instance2;
        info.free_instance_func = free_instance;
        if (virtuals) {
            info.get_virtual_call_data_func = get_virtual_call_data2;
            info.call_virtual_with_data_func = call_virtual_with_data;
        } else {
            info.get_virtual_func = get_virtual2;
        }
        info.class_userdata = (void *)class_id;
        G.register_class4(G.library, class_sn, parent_sn, &info);
    }
}

void gdx_register_method(const void *class_sn, const GdxMethodInfo *info, uintptr_t userdata) {
    GdxMethodInfo mi = *info;
    mi.method_userdata = (void *)userdata;
    mi.call_func = method_call_trampoline;
    mi.ptrcall_func = method_ptrcall_trampoline;
    G.register_method(G.library, class_sn, &mi);
}

void gdx_register_constant(const void *class_sn, const void *enum_sn, const void *name_sn, GdxInt value,
                           GdxBool bitfield) {
    G.register_constant(G.library, class_sn, enum_sn, name_sn, value, bitfield);
}

void gdx_register_signal(const void *class_sn, const void *signal_sn, const GdxPropertyInfo *args, GdxInt argc) {
    G.register_signal(G.library, class_sn, signal_sn, args, argc);
}

void gdx_unregister_class(const void *class_sn) {
    G.unregister_class(G.library, class_sn);
}

/* ---- Objects ---- */

static void send_postinitialize(void *obj) {
    int64_t what = 0; /* NOTIFICATION_POSTINITIALIZE */
    uint8_t reversed = 0;
    const void *args[2] = {&what, &reversed};
    G.method_bind_ptrcall(G.mb_notification, obj, args, NULL);
}

void *gdx_create_object(uintptr_t class_id, GdxBool notify_postinitialize) {
    if (!G.scene_ready || class_id == 0 || class_id > GDX_MAX_CLASSES || !G.classes[class_id].class_sn) {
        report("godotsteam-sockets: instances can be created only after the extension's SCENE initialization.");
        return NULL;
    }
    void *obj = G.construct_object(G.classes[class_id].parent_sn);
    if (!obj) {
        report("godotsteam-sockets: Godot could not construct the engine object of a new instance.");
        return NULL;
    }
    uintptr_t handle = goNewInstance(class_id, obj);
    if (!handle) {
        G.object_destroy(obj);
        return NULL;
    }
    G.object_set_instance(obj, G.classes[class_id].class_sn, (void *)handle);
    if (G.construct_needs_notify && notify_postinitialize) {
        send_postinitialize(obj);
    }
    return obj;
}

void gdx_destroy_object(void *obj) {
    if (obj) {
        G.object_destroy(obj);
    }
}

int gdx_register_singleton(const void *name_sn, void *obj) {
    void *object_ptr = obj;
    const void *args[2] = {name_sn, &object_ptr};
    G.method_bind_ptrcall(G.mb_register_singleton, G.engine, args, NULL);
    return 0;
}

void gdx_unregister_singleton(const void *name_sn) {
    const void *args[1] = {name_sn};
    G.method_bind_ptrcall(G.mb_unregister_singleton, G.engine, args, NULL);
}

/* Reads a project setting into r_variant (an uninitialized Variant, always
 * initialized on return): 1 if it exists, 0 if not or if ProjectSettings is
 * unavailable (before SCENE initialization, or a host without it). */
int gdx_project_setting(const char *name, GdxInt len, void *r_variant) {
    G.variant_new_nil(r_variant);
    if (!G.scene_ready) {
        return 0;
    }
    if (!G.ps_looked_up) {
        G.ps_looked_up = 1;
        uint8_t sn[GDX_STRING_NAME_SIZE];
        G.string_name_new(sn, "ProjectSettings", 15);
        G.project_settings = G.global_get_singleton(sn);
        gdx_string_name_destroy(sn);
        if (G.project_settings) {
            G.mb_has_setting = temp_method_bind("ProjectSettings", "has_setting", GDX_HASH_PROJECT_SETTINGS_HAS_SETTING);
            G.mb_get_setting = temp_method_bind("ProjectSettings", "get_setting", GDX_HASH_PROJECT_SETTINGS_GET_SETTING);
        }
    }
    if (!G.project_settings || !G.mb_has_setting || !G.mb_get_setting) {
        return 0;
    }
    uint8_t str[GDX_STRING_SIZE];
    G.string_new(str, name, len);
    uint8_t has = 0;
    const void *hargs[1] = {str};
    G.method_bind_ptrcall(G.mb_has_setting, G.project_settings, hargs, &has);
    if (has) {
        uint8_t def[GDX_VARIANT_SIZE];
        G.variant_new_nil(def);
        const void *gargs[2] = {str, def};
        G.method_bind_ptrcall(G.mb_get_setting, G.project_settings, gargs, r_variant);
        G.variant_destroy(def);
    }
    gdx_string_destroy(str);
    return has ? 1 : 0;
}

int gdx_emit_signal(void *obj, const void *variants, GdxInt n) {
    enum { MAX_ARGS = 16 };
    const void *ptrs[MAX_ARGS];
    uint8_t ret[GDX_VARIANT_SIZE];
    GdxCallError err = {0, 0, 0};
    if (!obj || n < 1 || n > MAX_ARGS) {
        return GDX_CALL_ERROR_INVALID_METHOD;
    }
    for (GdxInt i = 0; i < n; i++) {
        ptrs[i] = (const uint8_t *)variants + i * GDX_VARIANT_SIZE;
    }
    G.method_bind_call(G.mb_emit_signal, obj, ptrs, n, ret, &err);
    G.variant_destroy(ret);
    return (int)err.error;
}
