/* gdx.h: the subset of the GDExtension C ABI this library uses, declared by
 * us from shared/spec/gdextension_notes.md (the official header is not
 * included; extension/abitest checks these layouts and values against it).
 *
 * Only declarations live here: the Go files that //export callbacks include
 * this header, and cgo forbids definitions in such preambles. The function
 * wrappers Go calls are defined in gdx.c. All sizes assume a 64-bit target
 * and a single-precision ("float_64") Godot build: Variant is 24 bytes. */
#ifndef GODOTSTEAM_SOCKETS_GDX_H
#define GODOTSTEAM_SOCKETS_GDX_H

#include <stddef.h>
#include <stdint.h>

/* ---- Scalar types ---- */

typedef uint8_t GdxBool;
typedef int64_t GdxInt;

/* Godot's Variant::Type (a 4-byte enum in C). */
enum {
    GDX_TYPE_NIL = 0,
    GDX_TYPE_BOOL = 1,
    GDX_TYPE_INT = 2,
    GDX_TYPE_FLOAT = 3,
    GDX_TYPE_STRING = 4,
    GDX_TYPE_STRING_NAME = 21,
    GDX_TYPE_NODE_PATH = 22,
    GDX_TYPE_OBJECT = 24,
    GDX_TYPE_DICTIONARY = 27,
    GDX_TYPE_ARRAY = 28,
    GDX_TYPE_PACKED_BYTE_ARRAY = 29,
    GDX_TYPE_PACKED_INT32_ARRAY = 30,
    GDX_TYPE_PACKED_VECTOR4_ARRAY = 38,
    GDX_TYPE_MAX = 39,
};
typedef uint32_t GdxVariantType;

enum {
    GDX_CALL_OK = 0,
    GDX_CALL_ERROR_INVALID_METHOD = 1,
    GDX_CALL_ERROR_INVALID_ARGUMENT = 2,
    GDX_CALL_ERROR_TOO_MANY_ARGUMENTS = 3,
    GDX_CALL_ERROR_TOO_FEW_ARGUMENTS = 4,
    GDX_CALL_ERROR_INSTANCE_IS_NULL = 5,
    GDX_CALL_ERROR_METHOD_NOT_CONST = 6,
};

enum {
    GDX_INIT_CORE = 0,
    GDX_INIT_SERVERS = 1,
    GDX_INIT_SCENE = 2,
    GDX_INIT_EDITOR = 3,
    GDX_INIT_MAX = 4,
};

enum {
    GDX_METHOD_FLAG_NORMAL = 1,
    GDX_METHOD_FLAG_EDITOR = 2,
    GDX_METHOD_FLAG_CONST = 4,
    GDX_METHOD_FLAG_VIRTUAL = 8,
    GDX_METHOD_FLAG_VARARG = 16,
    GDX_METHOD_FLAG_STATIC = 32,
    GDX_METHOD_FLAGS_DEFAULT = 1,
};

enum {
    GDX_METADATA_NONE = 0,
    GDX_METADATA_INT_IS_INT8 = 1,
    GDX_METADATA_INT_IS_INT16 = 2,
    GDX_METADATA_INT_IS_INT32 = 3,
    GDX_METADATA_INT_IS_INT64 = 4,
    GDX_METADATA_INT_IS_UINT8 = 5,
    GDX_METADATA_INT_IS_UINT16 = 6,
    GDX_METADATA_INT_IS_UINT32 = 7,
    GDX_METADATA_INT_IS_UINT64 = 8,
    GDX_METADATA_REAL_IS_FLOAT = 9,
    GDX_METADATA_REAL_IS_DOUBLE = 10,
};

/* PropertyUsageFlags / PropertyHint values we use (from extension_api.json). */
enum {
    GDX_USAGE_DEFAULT = 6,
    GDX_USAGE_CLASS_IS_BITFIELD = 512,
    GDX_USAGE_CLASS_IS_ENUM = 65536,
    GDX_USAGE_NIL_IS_VARIANT = 131072,
    GDX_HINT_NONE = 0,
};

/* Sizes of the opaque builtin values (float_64 build). */
enum {
    GDX_VARIANT_SIZE = 24,
    GDX_STRING_SIZE = 8,
    GDX_STRING_NAME_SIZE = 8,
    GDX_NODE_PATH_SIZE = 8,
    GDX_DICTIONARY_SIZE = 8,
    GDX_ARRAY_SIZE = 8,
    GDX_PACKED_ARRAY_SIZE = 16,
};

/* ---- Structs ---- */

typedef struct {
    uint32_t error; /* GDX_CALL_* */
    int32_t argument;
    int32_t expected;
} GdxCallError;

typedef void (*GdxInitializeFn)(void *userdata, uint32_t level);

typedef struct {
    uint32_t minimum_initialization_level;
    void *userdata;
    GdxInitializeFn initialize;
    GdxInitializeFn deinitialize;
} GdxInitialization;

typedef struct {
    uint32_t major;
    uint32_t minor;
    uint32_t patch;
    const char *string;
} GdxGodotVersion;

typedef struct {
    uint32_t major;
    uint32_t minor;
    uint32_t patch;
    uint32_t hex;
    const char *status;
    const char *build;
    const char *hash;
    uint64_t timestamp;
    const char *string;
} GdxGodotVersion2;

typedef struct {
    uint32_t type; /* GdxVariantType */
    void *name; /* StringName*, never NULL */
    void *class_name; /* StringName*, never NULL (empty if unused) */
    uint32_t hint;
    void *hint_string; /* String*, never NULL (empty if unused) */
    uint32_t usage;
} GdxPropertyInfo;

typedef void (*GdxMethodCallFn)(void *method_userdata, void *instance, const void *const *args, GdxInt argc,
                                void *r_return, GdxCallError *r_error);
typedef void (*GdxMethodPtrCallFn)(void *method_userdata, void *instance, const void *const *args, void *r_ret);

typedef struct {
    void *name; /* StringName* */
    void *method_userdata;
    GdxMethodCallFn call_func;
    GdxMethodPtrCallFn ptrcall_func;
    uint32_t method_flags;
    GdxBool has_return_value;
    GdxPropertyInfo *return_value_info;
    uint32_t return_value_metadata;
    uint32_t argument_count;
    GdxPropertyInfo *arguments_info;
    uint32_t *arguments_metadata;
    uint32_t default_argument_count;
    void **default_arguments; /* Variant* per trailing parameter */
} GdxMethodInfo;

typedef void (*GdxFn)(void);
typedef void *(*GdxCreateInstance1Fn)(void *class_userdata);
typedef void *(*GdxCreateInstance2Fn)(void *class_userdata, GdxBool notify_postinitialize);
typedef void (*GdxFreeInstanceFn)(void *class_userdata, void *instance);
typedef void (*GdxCallVirtualFn)(void *instance, const void *const *args, void *r_ret);
typedef GdxCallVirtualFn (*GdxGetVirtual1Fn)(void *class_userdata, const void *name_sn);
typedef GdxCallVirtualFn (*GdxGetVirtual2Fn)(void *class_userdata, const void *name_sn, uint32_t hash);
/* Virtual dispatch with call data: Godot asks once per virtual name (4.3:
 * by name; 4.4+: name + hash of the signature) and then passes the data
 * back with each call's ptrcall arguments. */
typedef void *(*GdxGetVirtualCallData1Fn)(void *class_userdata, const void *name_sn);
typedef void *(*GdxGetVirtualCallData2Fn)(void *class_userdata, const void *name_sn, uint32_t hash);
typedef void (*GdxCallVirtualWithDataFn)(void *instance, const void *name_sn, void *call_data, const void *const *args,
                                         void *r_ret);

/* ClassCreationInfo3 (Godot 4.3). */
typedef struct {
    GdxBool is_virtual;
    GdxBool is_abstract;
    GdxBool is_exposed;
    GdxBool is_runtime;
    GdxFn set_func;
    GdxFn get_func;
    GdxFn get_property_list_func;
    GdxFn free_property_list_func;
    GdxFn property_can_revert_func;
    GdxFn property_get_revert_func;
    GdxFn validate_property_func;
    GdxFn notification_func;
    GdxFn to_string_func;
    GdxFn reference_func;
    GdxFn unreference_func;
    GdxCreateInstance1Fn create_instance_func;
    GdxFreeInstanceFn free_instance_func;
    GdxFn recreate_instance_func;
    GdxGetVirtual1Fn get_virtual_func;
    GdxGetVirtualCallData1Fn get_virtual_call_data_func;
    GdxCallVirtualWithDataFn call_virtual_with_data_func;
    GdxFn get_rid_func;
    void *class_userdata;
} GdxClassCreationInfo3;

/* ClassCreationInfo4 (4.4); 5 (4.5) is the same type and 6 (4.7) the same
 * layout with CreateInstance3, which has CreateInstance2's signature. */
typedef struct {
    GdxBool is_virtual;
    GdxBool is_abstract;
    GdxBool is_exposed;
    GdxBool is_runtime;
    const void *icon_path; /* String*, may be NULL */
    GdxFn set_func;
    GdxFn get_func;
    GdxFn get_property_list_func;
    GdxFn free_property_list_func;
    GdxFn property_can_revert_func;
    GdxFn property_get_revert_func;
    GdxFn validate_property_func;
    GdxFn notification_func;
    GdxFn to_string_func;
    GdxFn reference_func;
    GdxFn unreference_func;
    GdxCreateInstance2Fn create_instance_func;
    GdxFreeInstanceFn free_instance_func;
    GdxFn recreate_instance_func;
    GdxGetVirtual2Fn get_virtual_func;
    GdxGetVirtualCallData2Fn get_virtual_call_data_func;
    GdxCallVirtualWithDataFn call_virtual_with_data_func;
    void *class_userdata;
} GdxClassCreationInfo4;

typedef GdxFn (*GdxGetProcAddressFn)(const char *name);
typedef GdxBool (*GdxInitializationFn)(GdxGetProcAddressFn get_proc_address, void *library,
                                       GdxInitialization *r_initialization);

/* ---- Engine method hashes (extension_api.json) ---- */

#define GDX_HASH_ENGINE_REGISTER_SINGLETON 965313290
#define GDX_HASH_ENGINE_UNREGISTER_SINGLETON 3304788590
#define GDX_HASH_OBJECT_EMIT_SIGNAL 4047867050
#define GDX_HASH_OBJECT_NOTIFICATION 4023243586
#define GDX_HASH_PROJECT_SETTINGS_HAS_SETTING 3927539163 /* has_setting(String) -> bool */
#define GDX_HASH_PROJECT_SETTINGS_GET_SETTING 223050753  /* get_setting(String, Variant = null) -> Variant */
#define GDX_HASH_SIZE 3173160232 /* Dictionary/Array/Packed*.size() const -> int */
#define GDX_HASH_DICTIONARY_KEYS 4144163970
#define GDX_HASH_DICTIONARY_VALUES 4144163970
#define GDX_HASH_ARRAY_APPEND 3316032543
#define GDX_HASH_PACKED_RESIZE 848867239 /* PackedByteArray/PackedInt32Array.resize(int) -> int */

/* Constructor indices (variant_get_ptr_constructor). */
enum {
    GDX_CTOR_DEFAULT = 0,
    GDX_CTOR_STRING_FROM_STRING_NAME = 2,
    GDX_CTOR_STRING_FROM_NODE_PATH = 3,
    GDX_CTOR_NODE_PATH_FROM_STRING = 2,
};

/* ---- Entry point (gdx.c) ---- */

#if defined(_WIN32)
#define GDX_EXPORT __declspec(dllexport)
#else
#define GDX_EXPORT __attribute__((visibility("default")))
#endif

GDX_EXPORT GdxBool godotsteam_sockets_init(GdxGetProcAddressFn get_proc_address, void *library,
                                           GdxInitialization *r_initialization);

/* ---- Wrappers called from Go (gdx.c). Pointers named "v" are Variant*. ---- */

/* Version chosen at entry (major*100+minor, e.g. 403) and the init hooks. */
int gdx_godot_version(void);
const char *gdx_godot_version_string(void);
int gdx_has_editor_help(void);

void gdx_print_error(const char *text, const char *function, const char *file, int32_t line);
void gdx_print_warning(const char *text, const char *function, const char *file, int32_t line);

void gdx_string_name_new(void *r_dest, const char *utf8, GdxInt len);
void gdx_string_name_destroy(void *sn);
void gdx_string_new(void *r_dest, const char *utf8, GdxInt len);
GdxInt gdx_string_to_utf8(const void *s, char *buf, GdxInt cap);
void gdx_string_destroy(void *s);
void gdx_string_from_string_name(void *r_dest, const void *sn);
void gdx_string_from_node_path(void *r_dest, const void *np);
void gdx_node_path_from_string(void *r_dest, const void *s);
void gdx_node_path_destroy(void *np);

void gdx_variant_new_nil(void *r_dest);
void gdx_variant_new_copy(void *r_dest, const void *src);
void gdx_variant_destroy(void *v);
GdxVariantType gdx_variant_get_type(const void *v);
/* Builds a Variant of type t from a typed value (copying it). */
void gdx_variant_from(GdxVariantType t, void *r_dest, void *value);
/* Constructs a typed value of type t from a Variant of exactly type t. */
void gdx_variant_to(GdxVariantType t, void *r_value, const void *v);
/* Default constructor / destructor of a builtin type t. */
void gdx_construct_default(GdxVariantType t, void *r_value);
void gdx_destroy_value(GdxVariantType t, void *value);

GdxInt gdx_container_size(GdxVariantType t, const void *value);
/* Dictionary.keys() / values(): construct an Array (same order) into r_array.
 * Reading a Dictionary this way never looks a key up, so it cannot hit the
 * engine's crash on a missing key in dictionary_operator_index_const. */
void gdx_dictionary_keys(const void *dict, void *r_array);
void gdx_dictionary_values(const void *dict, void *r_array);
/* Sets dict[key] = value (copying value). */
void gdx_dictionary_set(void *dict, const void *key, const void *value);
const void *gdx_array_get_const(const void *arr, GdxInt i);
void gdx_array_append(void *arr, const void *value);
/* Resize a packed array of type t; returns the writable data (NULL if n==0). */
void *gdx_packed_resize(GdxVariantType t, void *packed, GdxInt n);
const void *gdx_packed_data_const(GdxVariantType t, const void *packed);

int gdx_setup_scene(void);
void gdx_teardown_scene(void);
/* Registers class class_id (1, 2, ...: the class userdata) extending the
 * engine class parent_sn. Both StringNames must stay alive until
 * gdx_unregister_class. With virtuals set, Godot resolves the class's
 * virtual methods through goGetVirtual / goCallVirtual. */
void gdx_register_class(const void *class_sn, const void *parent_sn, uintptr_t class_id, int virtuals);
/* Registers a method; userdata (index + 1) is what call_func receives. */
void gdx_register_method(const void *class_sn, const GdxMethodInfo *info, uintptr_t userdata);
void gdx_register_constant(const void *class_sn, const void *enum_sn, const void *name_sn, GdxInt value,
                           GdxBool bitfield);
void gdx_register_signal(const void *class_sn, const void *signal_sn, const GdxPropertyInfo *args, GdxInt argc);
void gdx_unregister_class(const void *class_sn);
/* Creates an object of class class_id: the parent engine class with our
 * instance attached (the create_instance path). */
void *gdx_create_object(uintptr_t class_id, GdxBool notify_postinitialize);
void gdx_destroy_object(void *obj);
int gdx_register_singleton(const void *name_sn, void *obj);
void gdx_unregister_singleton(const void *name_sn);
/* Calls obj.emit_signal(variants[0], variants[1..n-1]); variants is a
 * contiguous block of n Variants. Returns the call error (0 = OK). */
int gdx_emit_signal(void *obj, const void *variants, GdxInt n);
int gdx_project_setting(const char *name, GdxInt len, void *r_variant);
void gdx_editor_help_load(const char *xml, GdxInt len);

/* The Go callbacks (extension/callbacks.go) are declared by cgo in
 * _cgo_export.h, which gdx.c includes. */

#endif
