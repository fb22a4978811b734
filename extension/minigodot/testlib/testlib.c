/* A tiny GDExtension written in C, used only by the host's self-test
 * (extension/e2etest). It registers a class "Steam" with a handful of methods
 * that exercise every part of the host's storage model through both call
 * paths, plus methods that misbehave on purpose ("bad_*") so the test can
 * check that the host reports them. Built with:
 *   cc -std=c11 -shared -fPIC testlib.c -o libtestlib.so
 * Entry symbol: testlib_init. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void (*Fn)(void);
typedef Fn (*GetProc)(const char *);

enum { T_NIL = 0, T_BOOL = 1, T_INT = 2, T_FLOAT = 3, T_STRING = 4, T_SNAME = 21, T_OBJECT = 24, T_DICT = 27, T_ARRAY = 28, T_PBA = 29, T_PI32 = 30 };

typedef struct { uint64_t w[3]; } Variant;
typedef struct { void *p; } Str; /* String, StringName, Dictionary, Array: one pointer */
typedef struct { void *a, *b; } Packed;
typedef struct { uint32_t error; int32_t argument, expected; } CallError;

typedef struct {
    uint32_t type;
    void *name, *class_name;
    uint32_t hint;
    void *hint_string;
    uint32_t usage;
} PropInfo;

typedef struct {
    void *name, *userdata;
    void *call, *ptrcall;
    uint32_t flags;
    uint8_t has_ret;
    PropInfo *ret_info;
    uint32_t ret_meta, argc;
    PropInfo *args;
    uint32_t *meta;
    uint32_t ndef;
    void **defs;
} MethodInfo;

typedef struct {
    uint32_t min_level;
    void *userdata;
    void (*init)(void *, uint32_t);
    void (*deinit)(void *, uint32_t);
} Init;

typedef struct { uint32_t major, minor, patch; const char *s; } Version;
typedef struct { uint32_t major, minor, patch, hex; const char *a, *b, *c; uint64_t ts; const char *s; } Version2;

/* TESTLIB_BAD selects one deliberate ABI mistake, for the host's self-test */
static const char *bad = "";
static bool is_bad(const char *what) { return strcmp(bad, what) == 0; }

/* interface */
static void *lib;
static int minor;
static void (*print_error)(const char *, const char *, const char *, int32_t, uint8_t);
static void (*sn_new)(void *, const char *, int64_t);
static int64_t (*str_new)(void *, const char *, int64_t);
static int64_t (*str_utf8)(const void *, char *, int64_t);
static void (*v_nil)(Variant *);
static void (*v_copy)(Variant *, const Variant *);
static void (*v_destroy)(Variant *);
static uint32_t (*v_type)(const Variant *);
static void *(*from_type)(uint32_t);
static void *(*to_type)(uint32_t);
static void *(*ptr_ctor)(uint32_t, int32_t);
static void *(*ptr_dtor)(uint32_t);
static void *(*builtin)(uint32_t, const void *, int64_t);
static Variant *(*dict_index)(void *, const Variant *);
static Variant *(*dict_index_const)(const void *, const Variant *);
static Variant *(*array_index_const)(const void *, int64_t);
static uint8_t *(*pba_index)(void *, int64_t);
static const uint8_t *(*pba_index_const)(const void *, int64_t);
static int32_t *(*pi32_index)(void *, int64_t);
static void *reg_class;
static void (*reg_method)(void *, const void *, const MethodInfo *);
static void (*reg_const)(void *, const void *, const void *, const void *, int64_t, uint8_t);
static void (*reg_signal)(void *, const void *, const void *, const PropInfo *, int64_t);
static void (*unreg_class)(void *, const void *);
static void *(*construct)(const void *);
static void (*set_instance)(void *, const void *, void *);
static void (*obj_destroy)(void *);
static void *(*get_bind)(const void *, const void *, int64_t);
static void *(*get_singleton)(const void *);
static void (*bind_ptrcall)(void *, void *, const void *const *, void *);
static void (*bind_call)(void *, void *, const Variant *const *, int64_t, Variant *, CallError *);

#define LOAD(var, name) var = (void *)gp(name)

/* cached names */
static Str sn_steam, sn_object, sn_empty, sn_fired, sn_engine;
static Str s_empty;
static void *obj;
static void *bind_emit, *bind_notify, *bind_reg, *bind_unreg;

static Str sn(const char *s) {
    Str r;
    sn_new(&r, s, (int64_t)strlen(s));
    return r;
}
static void sn_free(Str *s) { ((void (*)(void *))ptr_dtor(T_SNAME))(s); }
static void str_free(Str *s) { ((void (*)(void *))ptr_dtor(T_STRING))(s); }

/* ---- method implementations (ptrcall shape: typed args, typed initialized return) ---- */

typedef void (*Impl)(const void *const *args, void *ret);

static void m_add(const void *const *a, void *r) { *(int64_t *)r = *(const int64_t *)a[0] + *(const int64_t *)a[1]; }

static void m_concat(const void *const *a, void *r) {
    char buf[256];
    int64_t n = str_utf8(a[0], NULL, 0);
    if (n > 200) n = 200;
    str_utf8(a[0], buf, n);
    int64_t times = *(const int64_t *)a[1];
    size_t len = 0;
    char out[1024];
    for (int64_t i = 0; i < times && len + (size_t)n < sizeof out; i++) {
        memcpy(out + len, buf, (size_t)n);
        len += (size_t)n;
    }
    str_free(r); /* destroy the initialized slot, then construct */
    str_new(r, out, (int64_t)len);
}

static void m_make_dict(const void *const *a, void *r) {
    void (*dict_dtor)(void *) = ptr_dtor(T_DICT);
    dict_dtor(r);
    ((void (*)(void *, const void *))ptr_ctor(T_DICT, 0))(r, NULL);
    Variant k, v, *slot;
    ((void (*)(Variant *, void *))from_type(T_STRING))(&k, (void *)a[0]);
    ((void (*)(Variant *, void *))from_type(T_INT))(&v, (void *)a[1]);
    slot = dict_index(r, &k);
    v_destroy(slot);
    v_copy(slot, &v);
    v_destroy(&k);
    /* an int key and a StringName key (stored as String) */
    int64_t one = 1;
    ((void (*)(Variant *, void *))from_type(T_INT))(&k, &one);
    slot = dict_index(r, &k);
    v_destroy(slot);
    v_copy(slot, &v);
    v_destroy(&k);
    Str name = sn("sn_key");
    ((void (*)(Variant *, void *))from_type(T_SNAME))(&k, &name);
    slot = dict_index(r, &k);
    v_destroy(slot);
    v_copy(slot, &v);
    v_destroy(&k);
    sn_free(&name);
    v_destroy(&v);
}

static void m_dict_keys(const void *const *a, void *r) {
    Str kn = sn("keys");
    void (*keys)(void *, const void *const *, void *, int32_t) = builtin(T_DICT, &kn, 4144163970);
    sn_free(&kn);
    keys((void *)a[0], NULL, r, 0); /* r is an initialized Array: assigned into */
}

static void m_bytes_sum(const void *const *a, void *r) {
    Str sz = sn("size");
    void (*size)(void *, const void *const *, void *, int32_t) = builtin(T_PBA, &sz, 3173160232);
    sn_free(&sz);
    int64_t n = 0;
    size((void *)a[0], NULL, &n, 0);
    int64_t sum = 0;
    if (n > 0) {
        const uint8_t *p = pba_index_const(a[0], 0);
        for (int64_t i = 0; i < n; i++) sum += p[i];
    }
    *(int64_t *)r = sum;
}

static void m_reverse(const void *const *a, void *r) {
    Str sz = sn("size"), rs = sn("resize");
    void (*size)(void *, const void *const *, void *, int32_t) = builtin(T_PBA, &sz, 3173160232);
    void (*resize)(void *, const void *const *, void *, int32_t) = builtin(T_PBA, &rs, 848867239);
    sn_free(&sz);
    sn_free(&rs);
    int64_t n = 0, err = 0;
    size((void *)a[0], NULL, &n, 0);
    Packed out;
    ((void (*)(void *, const void *))ptr_ctor(T_PBA, 0))(&out, NULL);
    const void *args[1] = {&n};
    resize(&out, args, &err, 1);
    if (n > 0) {
        const uint8_t *src = pba_index_const(a[0], 0);
        uint8_t *dst = pba_index(&out, 0);
        for (int64_t i = 0; i < n; i++) dst[i] = src[n - 1 - i];
    }
    ((void (*)(void *))ptr_dtor(T_PBA))(r);
    memcpy(r, &out, sizeof out); /* move */
}

static void m_ports(const void *const *a, void *r) {
    (void)a;
    Str rs = sn("resize");
    void (*resize)(void *, const void *const *, void *, int32_t) = builtin(T_PI32, &rs, 848867239);
    sn_free(&rs);
    int64_t n = 8, err = 0;
    const void *args[1] = {&n};
    resize(r, args, &err, 1); /* resize the initialized slot in place */
    int32_t *p = pi32_index(r, 0);
    for (int i = 0; i < 8; i++) p[i] = 27015 + i;
}

static void m_echo(const void *const *a, void *r) {
    v_destroy(r);
    v_copy(r, a[0]);
}

static void m_first(const void *const *a, void *r) {
    const Variant *e = array_index_const(a[0], 0);
    v_destroy(r);
    if (e) v_copy(r, e);
    else v_nil(r);
}

static void emit(const char *signal, Variant *args, int n) {
    Variant name, ret;
    Str s = sn(signal);
    ((void (*)(Variant *, void *))from_type(T_SNAME))(&name, &s);
    sn_free(&s);
    const Variant *argv[4] = {&name};
    for (int i = 0; i < n; i++) argv[i + 1] = &args[i];
    CallError ce;
    bind_call(bind_emit, obj, argv, n + 1, &ret, &ce);
    v_destroy(&ret);
    v_destroy(&name);
}

static void m_fire(const void *const *a, void *r) {
    (void)r;
    Variant args[2];
    ((void (*)(Variant *, void *))from_type(T_INT))(&args[0], (void *)a[0]);
    Str tag;
    str_new(&tag, "tag", 3);
    ((void (*)(Variant *, void *))from_type(T_STRING))(&args[1], &tag);
    str_free(&tag);
    emit("fired", args, 2);
    v_destroy(&args[0]);
    v_destroy(&args[1]);
}

static void m_state(const void *const *a, void *r) { (void)a; *(int64_t *)r = 1; }

/* misbehaving on purpose */
static void m_bad_leak(const void *const *a, void *r) {
    (void)a;
    (void)r;
    Str s;
    str_new(&s, "leaked", 6);
}
static void m_bad_double_free(const void *const *a, void *r) {
    (void)a;
    (void)r;
    Variant v;
    Str s;
    str_new(&s, "twice", 5);
    ((void (*)(Variant *, void *))from_type(T_STRING))(&v, &s);
    Variant copy = v; /* byte copy, not variant_new_copy */
    v_destroy(&v);
    v_destroy(&copy);
    str_free(&s);
}
static void m_bad_modify(const void *const *a, void *r) {
    (void)r;
    uint8_t *p = pba_index((void *)a[0], 0); /* non-const index on an argument */
    if (p) p[0] ^= 0xFF;
}
static void m_bad_signal(const void *const *a, void *r) {
    (void)a;
    (void)r;
    Variant args[2];
    double f = 1.5;
    ((void (*)(Variant *, void *))from_type(T_FLOAT))(&args[0], &f);
    ((void (*)(Variant *, void *))from_type(T_FLOAT))(&args[1], &f);
    emit("fired", args, 2);
}
static void m_bad_overwrite(const void *const *a, void *r) {
    (void)a;
    ((void (*)(void *, const void *))ptr_ctor(T_DICT, 0))(r, NULL); /* leaks the initialized slot */
}

/* ---- method table and generic call path ---- */

typedef struct {
    const char *name;
    Impl impl;
    int argc;
    uint32_t args[3];
    const char *argn[3];
    int ndef;
    int64_t def_int; /* the last int argument's default */
    uint32_t ret;    /* T_NIL + has_ret=0 for void */
    bool has_ret;
    const char *ret_enum;
} Def;

static const Def defs[] = {
    {"add", m_add, 2, {T_INT, T_INT}, {"a", "b"}, 1, 5, T_INT, true, NULL},
    {"concat", m_concat, 2, {T_STRING, T_INT}, {"text", "times"}, 0, 0, T_STRING, true, NULL},
    {"make_dict", m_make_dict, 2, {T_STRING, T_INT}, {"key", "value"}, 0, 0, T_DICT, true, NULL},
    {"dict_keys", m_dict_keys, 1, {T_DICT}, {"dict"}, 0, 0, T_ARRAY, true, NULL},
    {"bytes_sum", m_bytes_sum, 1, {T_PBA}, {"data"}, 0, 0, T_INT, true, NULL},
    {"reverse", m_reverse, 1, {T_PBA}, {"data"}, 0, 0, T_PBA, true, NULL},
    {"ports", m_ports, 0, {0}, {0}, 0, 0, T_PI32, true, NULL},
    {"echo", m_echo, 1, {T_NIL}, {"value"}, 0, 0, T_NIL, true, NULL},
    {"first", m_first, 1, {T_ARRAY}, {"items"}, 0, 0, T_NIL, true, NULL},
    {"fire", m_fire, 1, {T_INT}, {"n"}, 0, 0, T_NIL, false, NULL},
    {"get_state", m_state, 0, {0}, {0}, 0, 0, T_INT, true, "State"},
    {"bad_leak", m_bad_leak, 0, {0}, {0}, 0, 0, T_NIL, false, NULL},
    {"bad_double_free", m_bad_double_free, 0, {0}, {0}, 0, 0, T_NIL, false, NULL},
    {"bad_modify", m_bad_modify, 1, {T_PBA}, {"data"}, 0, 0, T_NIL, false, NULL},
    {"bad_signal", m_bad_signal, 0, {0}, {0}, 0, 0, T_NIL, false, NULL},
    {"bad_overwrite", m_bad_overwrite, 0, {0}, {0}, 0, 0, T_DICT, true, NULL},
};
#define NDEFS (sizeof defs / sizeof defs[0])

static bool strict(uint32_t from, uint32_t to) {
    if (from == to || to == T_NIL) return true;
    switch (to) {
    case T_INT: return from == T_BOOL || from == T_FLOAT;
    case T_FLOAT: return from == T_BOOL || from == T_INT;
    case T_BOOL: return from == T_INT || from == T_FLOAT;
    case T_STRING: return from == T_SNAME || from == 22;
    case T_PBA: return from == T_ARRAY;
    default: return false;
    }
}

typedef union {
    int64_t i;
    double f;
    uint8_t b;
    Str s;
    Packed p;
    Variant v;
} Slot;

static void slot_init(Slot *s, uint32_t t) {
    memset(s, 0, sizeof *s);
    if (t == T_DICT || t == T_ARRAY || t == T_PBA || t == T_PI32 || t == T_STRING)
        ((void (*)(void *, const void *))ptr_ctor(t, 0))(s, NULL);
    if (t == T_NIL) v_nil(&s->v);
}
static void slot_free(Slot *s, uint32_t t) {
    if (t == T_NIL) v_destroy(&s->v);
    else {
        void (*d)(void *) = ptr_dtor(t);
        if (d) d(s);
    }
}

static void call_func(void *ud, void *inst, const Variant *const *args, int64_t argc, Variant *ret, CallError *err) {
    (void)inst;
    const Def *d = &defs[(uintptr_t)ud - 1];
    err->error = 0;
    if (argc > d->argc) { err->error = 3; err->expected = d->argc; return; }
    if (argc < d->argc - d->ndef) { err->error = 4; err->expected = d->argc; return; }
    Slot s[3];
    const void *ptrs[3];
    for (int i = 0; i < d->argc; i++) {
        if (i < argc) {
            uint32_t t = v_type(args[i]);
            if (!strict(t, d->args[i])) {
                for (int k = 0; k < i; k++) slot_free(&s[k], d->args[k]);
                err->error = 2; err->argument = i; err->expected = (int32_t)d->args[i];
                return;
            }
            if (d->args[i] == T_NIL) v_copy(&s[i].v, args[i]);
            else ((void (*)(void *, const Variant *))to_type(d->args[i]))(&s[i], args[i]);
        } else {
            s[i].i = d->def_int;
        }
        ptrs[i] = &s[i];
    }
    Slot r;
    if (d->has_ret) slot_init(&r, d->ret);
    d->impl(ptrs, d->has_ret ? &r : NULL);
    if (d->has_ret) {
        v_destroy(ret);
        if (d->ret == T_NIL) v_copy(ret, &r.v);
        else ((void (*)(Variant *, void *))from_type(d->ret))(ret, &r);
        slot_free(&r, d->ret);
    }
    for (int i = 0; i < d->argc; i++) slot_free(&s[i], d->args[i]);
}

static void ptrcall_func(void *ud, void *inst, const void *const *args, void *ret) {
    (void)inst;
    defs[(uintptr_t)ud - 1].impl(args, ret);
}

static void *create_instance(void *cud);
static void *create_instance2(void *cud, uint8_t notify) { (void)notify; return create_instance(cud); }
static int instances;
static void free_instance(void *cud, void *inst) { (void)cud; (void)inst; instances--; }

static void *make_object(void) {
    void *o;
    if (minor >= 7) o = ((void *(*)(const void *))construct)(&sn_object);
    else o = construct(&sn_object);
    if (minor >= 4 && !is_bad("no_postinit")) {
        int64_t what = 0;
        uint8_t rev = 0;
        const void *a[2] = {&what, &rev};
        bind_ptrcall(bind_notify, o, a, NULL);
    }
    instances++;
    set_instance(o, &sn_steam, (void *)(uintptr_t)instances);
    return o;
}
static void *create_instance(void *cud) { (void)cud; return make_object(); }

static PropInfo prop(uint32_t type, const char *name, const char *cls, uint32_t usage, Str *keep) {
    keep[0] = sn(name);
    keep[1] = sn(cls);
    PropInfo p = {type, &keep[0], &keep[1], 0, &s_empty, usage};
    return p;
}

static void initialize(void *ud, uint32_t level) {
    (void)ud;
    if (level == 0 && is_bad("core_singleton")) {
        Str e = sn("Engine");
        (void)get_singleton(&e);
        sn_free(&e);
    }
    if (level != 2) return;
    sn_steam = sn("Steam");
    sn_object = sn("Object");
    sn_empty = sn("");
    sn_fired = sn("fired");
    sn_engine = sn("Engine");
    str_new(&s_empty, "", 0);
    /* class */
    uint8_t info[160];
    memset(info, 0, sizeof info);
    info[2] = 1; /* is_exposed */
    if (minor == 3) {
        void *ci = (void *)create_instance, *fi = (void *)free_instance;
        memcpy(info + 96, &ci, 8);
        memcpy(info + 104, &fi, 8);
    } else {
        void *ci = (void *)create_instance2, *fi = (void *)free_instance;
        memcpy(info + 104, &ci, 8);
        memcpy(info + 112, &fi, 8);
    }
    void *cud = (void *)1;
    memcpy(info + 152, &cud, 8);
    ((void (*)(void *, const void *, const void *, const void *))reg_class)(lib, &sn_steam, &sn_object, info);
    if (is_bad("peer_no_virtuals") || is_bad("peer_data_only")) {
        /* a MultiplayerPeerExtension subclass that cannot answer for its virtuals */
        Str bad_name = sn("BadPeer"), mpe = sn("MultiplayerPeerExtension");
        uint8_t pinfo[160];
        memcpy(pinfo, info, sizeof pinfo);
        if (is_bad("peer_data_only")) {
            void *fn = (void *)create_instance; /* any non-NULL function */
            memcpy(pinfo + (minor == 3 ? 128 : 136), &fn, 8);
        }
        ((void (*)(void *, const void *, const void *, const void *))reg_class)(lib, &bad_name, &mpe, pinfo);
        unreg_class(lib, &bad_name);
        sn_free(&bad_name);
        sn_free(&mpe);
    }
    /* methods */
    for (size_t i = 0; i < NDEFS; i++) {
        const Def *d = &defs[i];
        Str keep[16];
        PropInfo args[3];
        uint32_t meta[3] = {0, 0, 0};
        for (int k = 0; k < d->argc; k++) args[k] = prop(d->args[k], d->argn[k], "", d->args[k] == T_NIL ? 6 | 131072 : 6, &keep[2 * k]);
        char enum_cls[64] = "";
        if (d->ret_enum && is_bad("unregistered_enum")) {
            strcpy(enum_cls, "Steam.Nope");
        } else if (d->ret_enum) {
            strcpy(enum_cls, "Steam.");
            strcat(enum_cls, d->ret_enum);
        }
        PropInfo ret = prop(d->ret, "", enum_cls, d->ret == T_NIL ? 6 | 131072 : (d->ret_enum ? 6 | 65536 : 6), &keep[8]);
        Variant defv;
        Variant *defp[1] = {&defv};
        if (d->ndef) {
            int64_t x = d->def_int;
            ((void (*)(Variant *, void *))from_type(T_INT))(&defv, &x);
        }
        Str name = sn(i == 1 && is_bad("duplicate_method") ? "add" : d->name);
        MethodInfo mi = {&name, (void *)(uintptr_t)(i + 1), (void *)call_func, (void *)ptrcall_func, 1, d->has_ret, &ret, 0,
                         (uint32_t)d->argc, args, meta, (uint32_t)d->ndef, (void **)defp};
        if (i == 0) {
            if (is_bad("null_hint_string")) args[0].hint_string = NULL;
            if (is_bad("null_arg_name")) args[0].name = NULL;
            if (is_bad("null_metadata")) mi.meta = NULL;
            if (is_bad("null_return_info")) mi.ret_info = NULL;
            if (is_bad("default_type")) {
                v_destroy(&defv);
                ((void (*)(Variant *, void *))from_type(T_STRING))(&defv, &s_empty);
            }
            if (is_bad("too_many_defaults")) mi.ndef = 3;
        }

        reg_method(lib, &sn_steam, &mi);
        sn_free(&name);
        for (int k = 0; k < d->argc; k++) { sn_free(&keep[2 * k]); sn_free(&keep[2 * k + 1]); }
        sn_free(&keep[8]);
        sn_free(&keep[9]);
        if (d->ndef) v_destroy(&defv);
    }
    /* constants */
    Str e = sn("State"), a = sn("STATE_A"), b = sn("STATE_B"), m = sn("MAX");
    reg_const(lib, &sn_steam, &e, &a, 0, 0);
    reg_const(lib, &sn_steam, &e, &b, 1, 0);
    reg_const(lib, &sn_steam, &sn_empty, &m, 7, 0);
    if (is_bad("duplicate_constant")) reg_const(lib, &sn_steam, &sn_empty, &m, 8, 0);
    sn_free(&e); sn_free(&a); sn_free(&b); sn_free(&m);
    /* signal */
    Str keep[4];
    PropInfo sargs[2] = {prop(T_INT, "n", "", 6, &keep[0]), prop(T_STRING, "tag", "", 6, &keep[2])};
    reg_signal(lib, &sn_steam, &sn_fired, sargs, 2);
    for (int k = 0; k < 4; k++) sn_free(&keep[k]);
    /* binds and the singleton */
    Str on = sn("Object"), en = sn("emit_signal"), nn = sn("notification"), rn = sn("register_singleton"), un = sn("unregister_singleton");
    bind_emit = get_bind(&on, &en, 4047867050);
    bind_notify = get_bind(&on, &nn, 4023243586);
    bind_reg = get_bind(&sn_engine, &rn, 965313290);
    bind_unreg = get_bind(&sn_engine, &un, 3304788590);
    sn_free(&on); sn_free(&en); sn_free(&nn); sn_free(&rn); sn_free(&un);
    obj = make_object();
    void *engine = get_singleton(&sn_engine);
    const void *ra[2] = {&sn_steam, &obj};
    if (is_bad("singleton_by_value")) ra[1] = obj; /* must be a pointer to the Object* */
    bind_ptrcall(bind_reg, engine, ra, NULL);
    if (is_bad("ptrcall_emit")) {
        const void *ea[1] = {&sn_fired};
        bind_ptrcall(bind_emit, obj, ea, NULL);
    }
    if (is_bad("wrong_hash")) {
        Str on = sn("Object"), gc = sn("get_class");
        get_bind(&on, &gc, 12345);
        sn_free(&on);
        sn_free(&gc);
    }
}

static void deinitialize(void *ud, uint32_t level) {
    (void)ud;
    if (level != 2) return;
    void *engine = get_singleton(&sn_engine);
    const void *ua[1] = {&sn_steam};
    if (!is_bad("destroy_registered_singleton"))
        bind_ptrcall(bind_unreg, engine, ua, NULL);
    if (!is_bad("keep_object"))
        obj_destroy(obj);
    if (!is_bad("keep_class"))
        unreg_class(lib, &sn_steam);
    sn_free(&sn_steam);
    sn_free(&sn_object);
    sn_free(&sn_empty);
    sn_free(&sn_fired);
    if (!is_bad("leak_cached_name"))
        sn_free(&sn_engine);
    str_free(&s_empty);
}

__attribute__((visibility("default"))) uint8_t testlib_init(GetProc gp, void *library, Init *r) {
    lib = library;
    if (getenv("TESTLIB_BAD")) bad = getenv("TESTLIB_BAD");
    void (*ver)(Version *);
    LOAD(ver, "get_godot_version");
    Version v;
    if (ver) {
        ver(&v);
        minor = (int)v.minor;
    } else {
        void (*ver2)(Version2 *);
        LOAD(ver2, "get_godot_version2");
        Version2 v2;
        ver2(&v2);
        minor = (int)v2.minor;
    }
    LOAD(print_error, "print_error");
    LOAD(sn_new, "string_name_new_with_utf8_chars_and_len");
    LOAD(str_new, "string_new_with_utf8_chars_and_len2");
    LOAD(str_utf8, "string_to_utf8_chars");
    LOAD(v_nil, "variant_new_nil");
    LOAD(v_copy, "variant_new_copy");
    LOAD(v_destroy, "variant_destroy");
    LOAD(v_type, "variant_get_type");
    LOAD(from_type, "get_variant_from_type_constructor");
    LOAD(to_type, "get_variant_to_type_constructor");
    LOAD(ptr_ctor, "variant_get_ptr_constructor");
    LOAD(ptr_dtor, "variant_get_ptr_destructor");
    LOAD(builtin, "variant_get_ptr_builtin_method");
    LOAD(dict_index, "dictionary_operator_index");
    LOAD(dict_index_const, "dictionary_operator_index_const");
    LOAD(array_index_const, "array_operator_index_const");
    LOAD(pba_index, "packed_byte_array_operator_index");
    LOAD(pba_index_const, "packed_byte_array_operator_index_const");
    LOAD(pi32_index, "packed_int32_array_operator_index");
    const char *rc = minor == 3 ? "classdb_register_extension_class3" : minor == 4 ? "classdb_register_extension_class4"
                   : minor <= 6 ? "classdb_register_extension_class5" : "classdb_register_extension_class6";
    LOAD(reg_class, rc);
    LOAD(reg_method, "classdb_register_extension_class_method");
    LOAD(reg_const, "classdb_register_extension_class_integer_constant");
    LOAD(reg_signal, "classdb_register_extension_class_signal");
    LOAD(unreg_class, "classdb_unregister_extension_class");
    LOAD(construct, minor == 3 ? "classdb_construct_object" : minor <= 6 ? "classdb_construct_object2" : "classdb_construct_object3");
    LOAD(set_instance, "object_set_instance");
    LOAD(obj_destroy, "object_destroy");
    LOAD(get_bind, "classdb_get_method_bind");
    LOAD(get_singleton, "global_get_singleton");
    LOAD(bind_ptrcall, "object_method_bind_ptrcall");
    LOAD(bind_call, "object_method_bind_call");
    if (is_bad("unavailable_name")) (void)gp("classdb_register_extension_class6");
    if (is_bad("unknown_name")) (void)gp("no_such_interface_function");
    r->min_level = 2;
    r->userdata = NULL;
    r->init = initialize;
    if (!is_bad("unset_deinit"))
        r->deinit = deinitialize;
    return 1;
}
