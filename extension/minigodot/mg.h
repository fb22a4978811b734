/* mini-Godot: a C test host that plays Godot's role for a GDExtension library.
 *
 * It loads the library as Godot does, offers the interface functions of the
 * emulated Godot version (4.3 .. 4.7), stores Variants with Godot's layout and
 * ownership rules, invokes registered methods through call and ptrcall like
 * Godot, captures emit_signal, and reports every misuse of the ABI it can see
 * as a "violation". See shared/spec/gdextension_notes.md §6. */
#ifndef MG_H
#define MG_H

#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* ---- ABI facts (our own declarations, §2) ---- */

enum {
    VT_NIL = 0,
    VT_BOOL = 1,
    VT_INT = 2,
    VT_FLOAT = 3,
    VT_STRING = 4,
    VT_VECTOR2 = 5,
    VT_STRING_NAME = 21,
    VT_NODE_PATH = 22,
    VT_OBJECT = 24,
    VT_DICTIONARY = 27,
    VT_ARRAY = 28,
    VT_PACKED_BYTE_ARRAY = 29,
    VT_PACKED_INT32_ARRAY = 30,
    VT_MAX = 39,
};

enum { LEVEL_CORE = 0, LEVEL_SERVERS = 1, LEVEL_SCENE = 2, LEVEL_EDITOR = 3 };

enum {
    CALL_OK = 0,
    CALL_INVALID_METHOD = 1,
    CALL_INVALID_ARGUMENT = 2,
    CALL_TOO_MANY_ARGUMENTS = 3,
    CALL_TOO_FEW_ARGUMENTS = 4,
    CALL_INSTANCE_IS_NULL = 5,
    CALL_METHOD_NOT_CONST = 6,
};

enum {
    USAGE_CLASS_IS_BITFIELD = 512,
    USAGE_CLASS_IS_ENUM = 65536,
    USAGE_NIL_IS_VARIANT = 131072,
};

typedef struct {
    uint32_t error;
    int32_t argument;
    int32_t expected;
} MgCallError;

/* A Variant: type tag at 0, 16-byte payload at 8 (float_64 builds). */
typedef struct MgVariant {
    uint32_t type;
    uint32_t pad;
    union {
        uint8_t b;
        int64_t i;
        double f;
        void *p; /* String/StringName/NodePath/Dictionary/Array handle, packed-array box */
        struct {
            uint64_t id;
            void *obj;
        } o;
        float v2[2];
        uint8_t raw[16];
    } u;
} MgVariant;
_Static_assert(sizeof(MgVariant) == 24, "Variant must be 24 bytes");
_Static_assert(offsetof(MgVariant, u) == 8, "Variant payload at offset 8");

typedef struct {
    uint32_t type;
    void *name;       /* StringName* */
    void *class_name; /* StringName* */
    uint32_t hint;
    void *hint_string; /* String* */
    uint32_t usage;
} AbiPropertyInfo;
_Static_assert(sizeof(AbiPropertyInfo) == 48, "PropertyInfo is 48 bytes");

typedef void (*AbiMethodCall)(void *ud, void *inst, const void *const *args, int64_t argc, void *ret, MgCallError *err);
typedef void (*AbiMethodPtrCall)(void *ud, void *inst, const void *const *args, void *ret);

typedef struct {
    void *name;
    void *method_userdata;
    AbiMethodCall call_func;
    AbiMethodPtrCall ptrcall_func;
    uint32_t method_flags;
    uint8_t has_return_value;
    AbiPropertyInfo *return_value_info;
    uint32_t return_value_metadata;
    uint32_t argument_count;
    AbiPropertyInfo *arguments_info;
    uint32_t *arguments_metadata;
    uint32_t default_argument_count;
    void **default_arguments;
} AbiMethodInfo;
_Static_assert(sizeof(AbiMethodInfo) == 88, "MethodInfo is 88 bytes");
_Static_assert(offsetof(AbiMethodInfo, default_arguments) == 80, "MethodInfo layout");

typedef void (*AbiFn)(void);

/* CreationInfo3 (4.3) */
typedef struct {
    uint8_t is_virtual, is_abstract, is_exposed, is_runtime;
    AbiFn set_func, get_func, get_property_list_func, free_property_list_func;
    AbiFn property_can_revert_func, property_get_revert_func, validate_property_func;
    AbiFn notification_func, to_string_func, reference_func, unreference_func;
    AbiFn create_instance_func, free_instance_func, recreate_instance_func;
    AbiFn get_virtual_func, get_virtual_call_data_func, call_virtual_with_data_func;
    AbiFn get_rid_func;
    void *class_userdata;
} AbiCreationInfo3;
_Static_assert(sizeof(AbiCreationInfo3) == 160, "CreationInfo3 is 160 bytes");

/* CreationInfo4 == 5 == 6 (4.4 .. 4.7) */
typedef struct {
    uint8_t is_virtual, is_abstract, is_exposed, is_runtime;
    const void *icon_path;
    AbiFn set_func, get_func, get_property_list_func, free_property_list_func;
    AbiFn property_can_revert_func, property_get_revert_func, validate_property_func;
    AbiFn notification_func, to_string_func, reference_func, unreference_func;
    AbiFn create_instance_func, free_instance_func, recreate_instance_func;
    AbiFn get_virtual_func, get_virtual_call_data_func, call_virtual_with_data_func;
    void *class_userdata;
} AbiCreationInfo4;
_Static_assert(sizeof(AbiCreationInfo4) == 160, "CreationInfo4 is 160 bytes");
_Static_assert(offsetof(AbiCreationInfo4, create_instance_func) == 104, "CreationInfo4 layout");
_Static_assert(offsetof(AbiCreationInfo3, create_instance_func) == 96, "CreationInfo3 layout");

typedef struct {
    uint32_t minimum_initialization_level;
    void *userdata;
    void (*initialize)(void *userdata, uint32_t level);
    void (*deinitialize)(void *userdata, uint32_t level);
} AbiInitialization;
_Static_assert(sizeof(AbiInitialization) == 32, "Initialization is 32 bytes");

typedef struct {
    uint32_t major, minor, patch;
    const char *string;
} AbiGodotVersion;

typedef struct {
    uint32_t major, minor, patch, hex;
    const char *status, *build, *hash;
    uint64_t timestamp;
    const char *string;
} AbiGodotVersion2;

typedef struct {
    void *(*create_callback)(void *token, void *instance);
    void (*free_callback)(void *token, void *instance, void *binding);
    uint8_t (*reference_callback)(void *token, void *binding, uint8_t reference);
} AbiInstanceBindingCallbacks;

/* ---- host storage model (store.c) ---- */

enum MgKind {
    K_STRING,
    K_STRING_NAME,
    K_NODE_PATH,
    K_DICTIONARY,
    K_ARRAY,
    K_PBA_BUF,
    K_PBA_BOX,
    K_PI32_BUF,
    K_PI32_BOX,
    K_OBJECT,
    K_COUNT,
};
extern const char *const mg_kind_names[K_COUNT];

#define MG_MAGIC 0x4d474f44u
#define MG_DEAD 0xdeaddeadu

typedef struct MgBlock {
    uint32_t magic;
    int32_t rc;
    uint32_t kind;
    uint32_t flags;
} MgBlock;

typedef struct {
    MgBlock h;
    size_t len;
    char *data; /* NUL-terminated for convenience; len excludes it */
} MgStr;        /* String and NodePath */

typedef struct MgSName {
    MgBlock h;
    struct MgSName *next;
    size_t len;
    bool is_static;
    char *data;
} MgSName;

typedef struct {
    MgVariant key, val;
} MgDictEntry;

typedef struct {
    MgBlock h;
    size_t n, cap;
    MgDictEntry **e; /* entries are separately allocated: value slots stay put */
} MgDict;

typedef struct {
    MgBlock h;
    size_t n, cap;
    MgVariant *items;
} MgArray;

typedef struct {
    MgBlock h;
    size_t size; /* elements */
    size_t elem; /* bytes per element */
    uint8_t *data;
} MgBuf;

/* A packed array value as Godot lays it out: write proxy, then the COW pointer. */
typedef struct {
    void *proxy;
    MgBuf *buf;
} MgPacked;
_Static_assert(sizeof(MgPacked) == 16, "packed arrays are 16 bytes");

typedef struct {
    MgBlock h;
    MgPacked val;
} MgBox;

struct MgClass;
struct MgVSlot;

typedef struct MgObject {
    MgBlock h;
    uint64_t id;
    char base_class[64];      /* the engine class it was constructed as */
    struct MgClass *ext_class; /* set by object_set_instance */
    void *instance;
    bool postinit;
    bool host_owned;
    int constructed_with; /* 1, 2, 3 = classdb_construct_object version, 0 = host */
    void *binding_token;
    void *binding;
    AbiInstanceBindingCallbacks binding_cb;
    struct MgVSlot *vslots; /* virtuals resolved for this object (virtuals.c) */
    size_t nvslots;
} MgObject;

extern int64_t mg_refs[K_COUNT];   /* references held, per kind */
extern int64_t mg_blocks[K_COUNT]; /* live blocks, per kind */

bool mg_live(const void *p, int kind);
bool mg_dead(const void *p); /* a block we freed earlier */

/* Strings: the handle is a MgStr* or NULL (empty). */
void str_make(void **dst, const char *s, size_t n, int kind);
const char *str_text(const void *handle_ptr, size_t *len, int kind, const char *ctx);
void str_ref(void *h);
void str_unref(void *h, int kind, const char *ctx);

/* StringNames: interned; the handle is a MgSName* or NULL (empty). */
void sname_make(void **dst, const char *s, size_t n, bool is_static);
const char *sname_text(const void *handle_ptr, const char *ctx); /* NULL on invalid */
void sname_unref(void *h, const char *ctx);
void sname_ref(void *h);

MgDict *dict_new(void);
void dict_unref(MgDict *d, const char *ctx);
MgVariant *dict_index(MgDict *d, const MgVariant *key, bool insert);
bool dict_erase(MgDict *d, const MgVariant *key);
void dict_clear(MgDict *d);

MgArray *array_new(void);
void array_unref(MgArray *a, const char *ctx);
void array_append(MgArray *a, const MgVariant *v); /* copies */
void array_resize(MgArray *a, size_t n);
void array_clear(MgArray *a);

MgBuf *buf_new(int kind, size_t n, size_t elem);
void buf_unref(MgBuf *b, const char *ctx);
void packed_copy(MgPacked *dst, const MgPacked *src, int buf_kind);
void packed_destroy(MgPacked *p, int buf_kind, const char *ctx);
bool packed_resize(MgPacked *p, int buf_kind, size_t elem, int64_t n);
void *packed_ptrw(MgPacked *p, int buf_kind, int64_t idx);
const void *packed_ptr(const MgPacked *p, int buf_kind, int64_t idx);
size_t packed_size(const MgPacked *p, int buf_kind, const char *ctx);
MgBox *box_new(int box_kind);

MgObject *object_new(const char *base_class, bool host_owned);
MgObject *object_by_id(uint64_t id);
void object_free_block(MgObject *o);
int object_live_count(bool include_host);

/* Variants */
void variant_nil(MgVariant *v);
void variant_copy(MgVariant *dst, const MgVariant *src);
void variant_destroy(MgVariant *v, const char *ctx);
bool variant_valid(const MgVariant *v, const char *ctx);
bool variant_equal(const MgVariant *a, const MgVariant *b); /* Godot's hash_compare */
uint64_t variant_hash(const MgVariant *v);
void variant_init_type(MgVariant *v, uint32_t type); /* like VariantInternal::initialize */
void *variant_payload(MgVariant *v);                /* like get_opaque_pointer */
bool string_like(uint32_t t);
const char *variant_type_name(uint32_t t);
const char *variant_text(const MgVariant *v, size_t *len); /* String/StringName/NodePath text */
bool can_convert_strict(uint32_t from, uint32_t to);

/* ---- reporting (main.c) ---- */
void mg_violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mg_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void mg_log_event(const char *level, const char *text, const char *func, const char *file, int line);
void mg_emit(cJSON *ev); /* writes one line to the protocol stream and deletes ev */
extern int mg_violations;

/* ---- JSON values (json.c) ---- */
cJSON *json_from_variant(const MgVariant *v);
bool variant_from_json(MgVariant *dst, const cJSON *j, char *err, size_t errlen);
cJSON *json_int64(int64_t v);
cJSON *json_plain_default(const MgVariant *v); /* api.json style plain value */

/* ---- interface + ClassDB (iface.c, classdb.c) ---- */
typedef struct {
    const char *name;
    int since, deprecated, removed;
} MgIfaceName;
extern const MgIfaceName mg_iface_names[];

typedef struct {
    char *name;
    uint32_t type;
    char *class_name;
    uint32_t hint;
    char *hint_string;
    uint32_t usage;
} MgProp;

typedef struct {
    char *name;
    void *userdata;
    AbiMethodCall call;
    AbiMethodPtrCall ptrcall;
    uint32_t flags;
    bool has_ret;
    MgProp ret;
    uint32_t ret_meta;
    uint32_t argc;
    MgProp *args;
    uint32_t *meta;
    uint32_t ndef;
    MgVariant *defs;
} MgMethod;

typedef struct {
    char *name;
    char *enum_name;
    int64_t value;
    bool bitfield;
} MgConst;

typedef struct {
    char *name;
    uint32_t argc;
    MgProp *args;
} MgSignal;

typedef struct MgClass {
    char *name;
    char *parent;
    int info_version; /* 3 or 4 (4/5/6 share a layout) */
    int register_fn;  /* which classdb_register_extension_classN */
    bool is_virtual, is_abstract, is_exposed, is_runtime;
    AbiFn create_instance, free_instance, notification, get_virtual;
    AbiFn get_virtual_call_data, call_virtual_with_data;
    void *class_userdata;
    MgMethod *methods;
    size_t nmethods, capmethods;
    MgConst *consts;
    size_t nconsts, capconsts;
    MgSignal *signals;
    size_t nsignals, capsignals;
    size_t nprops;
    int live_instances;
    int level;
} MgClass;

typedef struct {
    int version; /* 43 .. 47 */
    bool editor;
    bool disable_deprecated;
    bool allow_threads;
    int level;          /* level being initialized / deinitialized, -1 outside */
    bool initializing;  /* inside an initialize() call */
    bool core_done;     /* Engine/OS singletons exist */
    bool deinit_done;
    bool in_entry;
    char token[16]; /* p_library points here */
    const char *lib_path;
} MgHost;
extern MgHost mg_host;

void *mg_get_proc_address(const char *name);
cJSON *mg_requested_names(void);
int mg_editor_help_docs(void);
bool mg_version_getter_ok(void);

MgClass *class_find(const char *name);
MgClass **class_all(size_t *n);
MgMethod *class_method(MgClass *c, const char *name);
MgSignal *class_signal(MgClass *c, const char *name);
void classdb_final_checks(void);
void classdb_deinit_checks(void);
void host_create_singletons(void);
void host_destroy_singletons(void);
MgObject *singleton_find(const char *name);
const char *singleton_name_of(MgObject *o);
int user_singleton_count(void);
MgObject *host_instantiate(MgClass *c);
void host_object_destroy(MgObject *o, const char *ctx);
const char *object_label(MgObject *o, char *buf, size_t n);
cJSON *describe_json(void);
void check_thread(const char *fn);

/* ---- engine classes with virtuals and signals (virtuals.c) ---- */
bool engine_class_known(const char *name);
bool engine_class_constructible(const char *name);
bool engine_class_has_virtuals(const char *name);
MgSignal *engine_signal(const char *base_class, const char *name);
/* Calls virtual `name` of o as Godot does (resolved once per object, then
 * call_virtual_with_data with ptrcall arguments). false + err: a bad
 * request; *overridden is false when the extension does not implement it. */
bool virtual_call(MgObject *o, const char *name, MgVariant *args, int n, MgVariant *ret, bool *overridden, char *err, size_t errlen);
int virtual_lookups(MgObject *o, const char *name);
void virtual_slots_free(MgObject *o);
void virtual_check_class(MgClass *c, const char *fn);

/* memory helpers */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
