/* Storage model: refcounted blocks with magic numbers, a live set, and per-kind
 * reference counts, so that leaks, double frees and garbage pointers handed to
 * the host are caught by name (§6.3). Block headers are never returned to
 * malloc (they are poisoned and kept), so a stale pointer can never alias a
 * newer block; the large payloads behind them are freed. */
#include "mg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const mg_kind_names[K_COUNT] = {
    "String", "StringName", "NodePath", "Dictionary", "Array",
    "PackedByteArray buffer", "PackedByteArray box", "PackedInt32Array buffer", "PackedInt32Array box", "Object",
};

int64_t mg_refs[K_COUNT];
int64_t mg_blocks[K_COUNT];

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "minigodot: out of memory\n");
        abort();
    }
    return p;
}
void *xcalloc(size_t n, size_t m) {
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) {
        fprintf(stderr, "minigodot: out of memory\n");
        abort();
    }
    return p;
}
void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "minigodot: out of memory\n");
        abort();
    }
    return p;
}
char *xstrndup(const char *s, size_t n) {
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}
char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

/* ---- live set: open addressing over block addresses ---- */

#define TOMB ((void *)1)
static const void **ls_tab;
static size_t ls_cap, ls_used; /* used counts tombstones too */

static size_t ptr_hash(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static void ls_insert_raw(const void *p) {
    size_t i = ptr_hash(p) & (ls_cap - 1);
    while (ls_tab[i] && ls_tab[i] != TOMB)
        i = (i + 1) & (ls_cap - 1);
    if (!ls_tab[i])
        ls_used++;
    ls_tab[i] = p;
}

static void ls_add(const void *p) {
    if ((ls_used + 1) * 2 > ls_cap) {
        size_t old = ls_cap;
        const void **ot = ls_tab;
        ls_cap = old ? old * 2 : 1024;
        ls_tab = xcalloc(ls_cap, sizeof(void *));
        ls_used = 0;
        for (size_t i = 0; i < old; i++)
            if (ot[i] && ot[i] != TOMB)
                ls_insert_raw(ot[i]);
        free(ot);
    }
    ls_insert_raw(p);
}

static bool ls_has(const void *p) {
    if (!ls_cap || !p || p == TOMB)
        return false;
    size_t i = ptr_hash(p) & (ls_cap - 1);
    while (ls_tab[i]) {
        if (ls_tab[i] == p)
            return true;
        i = (i + 1) & (ls_cap - 1);
    }
    return false;
}

static void ls_del(const void *p) {
    if (!ls_cap)
        return;
    size_t i = ptr_hash(p) & (ls_cap - 1);
    while (ls_tab[i]) {
        if (ls_tab[i] == p) {
            ls_tab[i] = TOMB;
            return;
        }
        i = (i + 1) & (ls_cap - 1);
    }
}

/* Dead blocks are kept in a second set so that messages can say "freed". */
static const void **dead_tab;
static size_t dead_cap, dead_n;
static void dead_add(const void *p) {
    if ((dead_n + 1) * 2 > dead_cap) {
        size_t old = dead_cap;
        const void **ot = dead_tab;
        dead_cap = old ? old * 2 : 1024;
        dead_tab = xcalloc(dead_cap, sizeof(void *));
        for (size_t i = 0; i < old; i++)
            if (ot[i]) {
                size_t j = ptr_hash(ot[i]) & (dead_cap - 1);
                while (dead_tab[j])
                    j = (j + 1) & (dead_cap - 1);
                dead_tab[j] = ot[i];
            }
        free(ot);
    }
    size_t j = ptr_hash(p) & (dead_cap - 1);
    while (dead_tab[j])
        j = (j + 1) & (dead_cap - 1);
    dead_tab[j] = p;
    dead_n++;
}
bool mg_dead(const void *p) {
    if (!dead_cap || !p)
        return false;
    size_t j = ptr_hash(p) & (dead_cap - 1);
    while (dead_tab[j]) {
        if (dead_tab[j] == p)
            return true;
        j = (j + 1) & (dead_cap - 1);
    }
    return false;
}

bool mg_live(const void *p, int kind) {
    if (!ls_has(p))
        return false;
    const MgBlock *b = p;
    return b->magic == MG_MAGIC && (kind < 0 || (int)b->kind == kind);
}

static void *blk_new(int kind, size_t sz) {
    MgBlock *b = xcalloc(1, sz);
    b->magic = MG_MAGIC;
    b->rc = 1;
    b->kind = (uint32_t)kind;
    ls_add(b);
    mg_refs[kind]++;
    mg_blocks[kind]++;
    return b;
}

static void blk_ref(MgBlock *b) {
    b->rc++;
    mg_refs[b->kind]++;
}

/* Drops one reference; true when the block must be destroyed. */
static bool blk_unref(MgBlock *b) {
    b->rc--;
    mg_refs[b->kind]--;
    return b->rc == 0;
}

static void blk_kill(MgBlock *b) {
    ls_del(b);
    dead_add(b);
    mg_blocks[b->kind]--;
    b->magic = MG_DEAD;
    b->rc = -1;
}

static const char *describe_bad(const void *p) {
    if (mg_dead(p))
        return "already freed (double free or use after free)";
    return "not a pointer the host handed out (garbage or uninitialized)";
}

/* ---- String / NodePath ---- */

void str_make(void **dst, const char *s, size_t n, int kind) {
    if (n == 0) {
        *dst = NULL; /* Godot's empty String is a NULL CowData pointer */
        return;
    }
    MgStr *st = blk_new(kind, sizeof(MgStr));
    st->data = xstrndup(s, n);
    st->len = n;
    *dst = st;
}

const char *str_text(const void *handle_ptr, size_t *len, int kind, const char *ctx) {
    if (!handle_ptr) {
        mg_violation("%s: NULL %s pointer", ctx, mg_kind_names[kind]);
        if (len)
            *len = 0;
        return NULL;
    }
    const MgStr *st = *(void *const *)handle_ptr;
    if (!st) {
        if (len)
            *len = 0;
        return "";
    }
    if (!mg_live(st, kind)) {
        mg_violation("%s: %s handle %p is %s", ctx, mg_kind_names[kind], (const void *)st, describe_bad(st));
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = st->len;
    return st->data;
}

void str_ref(void *h) {
    if (h)
        blk_ref(h);
}

void str_unref(void *h, int kind, const char *ctx) {
    if (!h)
        return;
    if (!mg_live(h, kind)) {
        mg_violation("%s: %s handle %p is %s", ctx, mg_kind_names[kind], h, describe_bad(h));
        return;
    }
    MgStr *st = h;
    if (blk_unref(&st->h)) {
        free(st->data);
        st->data = NULL;
        blk_kill(&st->h);
    }
}

/* ---- StringName (interned) ---- */

#define SN_BUCKETS 4096
static MgSName *sn_table[SN_BUCKETS];

static uint32_t text_hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

void sname_make(void **dst, const char *s, size_t n, bool is_static) {
    if (n == 0) {
        *dst = NULL;
        return;
    }
    uint32_t h = text_hash(s, n) % SN_BUCKETS;
    for (MgSName *e = sn_table[h]; e; e = e->next) {
        if (e->len == n && memcmp(e->data, s, n) == 0) {
            if (is_static && !e->is_static) {
                /* becomes immortal: its counted references stop counting */
                mg_refs[K_STRING_NAME] -= e->h.rc;
                mg_blocks[K_STRING_NAME]--;
                e->is_static = true;
            }
            if (!e->is_static)
                blk_ref(&e->h);
            *dst = e;
            return;
        }
    }
    MgSName *e = blk_new(K_STRING_NAME, sizeof(MgSName));
    e->data = xstrndup(s, n);
    e->len = n;
    e->is_static = is_static;
    if (is_static) {
        mg_refs[K_STRING_NAME]--;
        mg_blocks[K_STRING_NAME]--; /* immortal names are host-owned */
    }
    e->next = sn_table[h];
    sn_table[h] = e;
    *dst = e;
}

const char *sname_text(const void *handle_ptr, const char *ctx) {
    if (!handle_ptr) {
        mg_violation("%s: NULL StringName pointer", ctx);
        return NULL;
    }
    const MgSName *e = *(void *const *)handle_ptr;
    if (!e)
        return "";
    if (!mg_live(e, K_STRING_NAME)) {
        mg_violation("%s: StringName handle %p is %s", ctx, (const void *)e, describe_bad(e));
        return NULL;
    }
    return e->data;
}

void sname_ref(void *h) {
    MgSName *e = h;
    if (e && !e->is_static)
        blk_ref(&e->h);
}

void sname_unref(void *h, const char *ctx) {
    if (!h)
        return;
    if (!mg_live(h, K_STRING_NAME)) {
        mg_violation("%s: StringName handle %p is %s", ctx, h, describe_bad(h));
        return;
    }
    MgSName *e = h;
    if (e->is_static)
        return;
    if (blk_unref(&e->h)) {
        uint32_t hh = text_hash(e->data, e->len) % SN_BUCKETS;
        for (MgSName **pp = &sn_table[hh]; *pp; pp = &(*pp)->next) {
            if (*pp == e) {
                *pp = e->next;
                break;
            }
        }
        free(e->data);
        e->data = NULL;
        blk_kill(&e->h);
    }
}

/* ---- Variant helpers ---- */

bool string_like(uint32_t t) { return t == VT_STRING || t == VT_STRING_NAME; }

const char *variant_type_name(uint32_t t) {
    switch (t) {
    case VT_NIL: return "Nil";
    case VT_BOOL: return "bool";
    case VT_INT: return "int";
    case VT_FLOAT: return "float";
    case VT_STRING: return "String";
    case VT_VECTOR2: return "Vector2";
    case 6: return "Vector2i";
    case 7: return "Rect2";
    case 9: return "Vector3";
    case 20: return "Color";
    case VT_STRING_NAME: return "StringName";
    case VT_NODE_PATH: return "NodePath";
    case 23: return "RID";
    case VT_OBJECT: return "Object";
    case 25: return "Callable";
    case 26: return "Signal";
    case VT_DICTIONARY: return "Dictionary";
    case VT_ARRAY: return "Array";
    case VT_PACKED_BYTE_ARRAY: return "PackedByteArray";
    case VT_PACKED_INT32_ARRAY: return "PackedInt32Array";
    case 31: return "PackedInt64Array";
    case 32: return "PackedFloat32Array";
    case 33: return "PackedFloat64Array";
    case 34: return "PackedStringArray";
    default: return "<unknown type>";
    }
}

/* Variant::can_convert_strict for the types this host models (§3.3). */
bool can_convert_strict(uint32_t from, uint32_t to) {
    if (from == to)
        return true;
    switch (to) {
    case VT_NIL: return true; /* a Variant parameter takes anything */
    case VT_BOOL: return from == VT_INT || from == VT_FLOAT;
    case VT_INT: return from == VT_BOOL || from == VT_FLOAT;
    case VT_FLOAT: return from == VT_BOOL || from == VT_INT;
    case VT_STRING: return from == VT_STRING_NAME || from == VT_NODE_PATH;
    case VT_STRING_NAME: return from == VT_STRING;
    case VT_NODE_PATH: return from == VT_STRING;
    case VT_OBJECT: return from == VT_NIL;
    case VT_ARRAY: return from >= VT_PACKED_BYTE_ARRAY && from <= 38;
    case VT_PACKED_BYTE_ARRAY:
    case VT_PACKED_INT32_ARRAY: return from == VT_ARRAY;
    default: return false;
    }
}

static int box_kind_of(uint32_t t) { return t == VT_PACKED_BYTE_ARRAY ? K_PBA_BOX : K_PI32_BOX; }
static int buf_kind_of(uint32_t t) { return t == VT_PACKED_BYTE_ARRAY ? K_PBA_BUF : K_PI32_BUF; }

void variant_nil(MgVariant *v) { memset(v, 0, sizeof *v); }

/* Checks that every handle inside v is live (not recursive into containers). */
bool variant_valid(const MgVariant *v, const char *ctx) {
    if (!v) {
        mg_violation("%s: NULL Variant pointer", ctx);
        return false;
    }
    switch (v->type) {
    case VT_NIL: case VT_BOOL: case VT_INT: case VT_FLOAT: case VT_VECTOR2:
        return true;
    case VT_STRING: case VT_NODE_PATH:
        if (v->u.p && !mg_live(v->u.p, v->type == VT_STRING ? K_STRING : K_NODE_PATH)) {
            mg_violation("%s: %s Variant holds %p which is %s", ctx, variant_type_name(v->type), v->u.p, describe_bad(v->u.p));
            return false;
        }
        return true;
    case VT_STRING_NAME:
        if (v->u.p && !mg_live(v->u.p, K_STRING_NAME)) {
            mg_violation("%s: StringName Variant holds %p which is %s", ctx, v->u.p, describe_bad(v->u.p));
            return false;
        }
        return true;
    case VT_DICTIONARY:
        if (!mg_live(v->u.p, K_DICTIONARY)) {
            mg_violation("%s: Dictionary Variant holds %p which is %s", ctx, v->u.p, describe_bad(v->u.p));
            return false;
        }
        return true;
    case VT_ARRAY:
        if (!mg_live(v->u.p, K_ARRAY)) {
            mg_violation("%s: Array Variant holds %p which is %s", ctx, v->u.p, describe_bad(v->u.p));
            return false;
        }
        return true;
    case VT_PACKED_BYTE_ARRAY: case VT_PACKED_INT32_ARRAY: {
        const MgBox *bx = v->u.p;
        if (!mg_live(bx, box_kind_of(v->type))) {
            mg_violation("%s: %s Variant holds box %p which is %s", ctx, variant_type_name(v->type), v->u.p, describe_bad(v->u.p));
            return false;
        }
        if (bx->val.buf && !mg_live(bx->val.buf, buf_kind_of(v->type))) {
            mg_violation("%s: %s buffer %p is %s", ctx, variant_type_name(v->type), (void *)bx->val.buf, describe_bad(bx->val.buf));
            return false;
        }
        return true;
    }
    case VT_OBJECT:
        if (v->u.o.obj && !mg_live(v->u.o.obj, K_OBJECT)) {
            mg_violation("%s: Object Variant holds %p which is %s", ctx, v->u.o.obj, describe_bad(v->u.o.obj));
            return false;
        }
        return true;
    default:
        mg_violation("%s: Variant has type tag %u which this host never creates (uninitialized memory?)", ctx, v->type);
        return false;
    }
}

void variant_copy(MgVariant *dst, const MgVariant *src) {
    if (!variant_valid(src, "variant copy")) {
        variant_nil(dst);
        return;
    }
    *dst = *src;
    dst->pad = 0;
    switch (src->type) {
    case VT_STRING: case VT_NODE_PATH: str_ref(src->u.p); break;
    case VT_STRING_NAME: sname_ref(src->u.p); break;
    case VT_DICTIONARY: case VT_ARRAY: blk_ref(src->u.p); break;
    case VT_PACKED_BYTE_ARRAY: case VT_PACKED_INT32_ARRAY: blk_ref(src->u.p); break; /* the box is shared, as in Godot */
    default: break;
    }
}

void variant_destroy(MgVariant *v, const char *ctx) {
    if (!v) {
        mg_violation("%s: NULL Variant pointer", ctx);
        return;
    }
    if (!variant_valid(v, ctx)) {
        variant_nil(v);
        return;
    }
    switch (v->type) {
    case VT_STRING: str_unref(v->u.p, K_STRING, ctx); break;
    case VT_NODE_PATH: str_unref(v->u.p, K_NODE_PATH, ctx); break;
    case VT_STRING_NAME: sname_unref(v->u.p, ctx); break;
    case VT_DICTIONARY: dict_unref(v->u.p, ctx); break;
    case VT_ARRAY: array_unref(v->u.p, ctx); break;
    case VT_PACKED_BYTE_ARRAY: case VT_PACKED_INT32_ARRAY: {
        MgBox *bx = v->u.p;
        if (blk_unref(&bx->h)) {
            packed_destroy(&bx->val, buf_kind_of(v->type), ctx);
            blk_kill(&bx->h);
        }
        break;
    }
    default: break;
    }
    variant_nil(v); /* ~Variant() leaves a NIL behind */
}

const char *variant_text(const MgVariant *v, size_t *len) {
    switch (v->type) {
    case VT_STRING: return str_text(&v->u.p, len, K_STRING, "variant text");
    case VT_NODE_PATH: return str_text(&v->u.p, len, K_NODE_PATH, "variant text");
    case VT_STRING_NAME: {
        const char *s = sname_text(&v->u.p, "variant text");
        if (len)
            *len = s ? strlen(s) : 0;
        return s;
    }
    default:
        if (len)
            *len = 0;
        return NULL;
    }
}

bool variant_equal(const MgVariant *a, const MgVariant *b) {
    if (string_like(a->type) && string_like(b->type)) {
        size_t la, lb;
        const char *sa = variant_text(a, &la), *sb = variant_text(b, &lb);
        if (!sa || !sb)
            return false;
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case VT_NIL: return true;
    case VT_BOOL: return (a->u.b != 0) == (b->u.b != 0);
    case VT_INT: return a->u.i == b->u.i;
    case VT_FLOAT: return a->u.f == b->u.f || (isnan(a->u.f) && isnan(b->u.f));
    case VT_VECTOR2: return memcmp(a->u.v2, b->u.v2, sizeof a->u.v2) == 0;
    case VT_NODE_PATH: {
        size_t la, lb;
        const char *sa = variant_text(a, &la), *sb = variant_text(b, &lb);
        return sa && sb && la == lb && memcmp(sa, sb, la) == 0;
    }
    case VT_OBJECT: return a->u.o.obj == b->u.o.obj;
    case VT_DICTIONARY: {
        const MgDict *da = a->u.p, *db = b->u.p;
        if (da == db)
            return true;
        if (da->n != db->n)
            return false;
        for (size_t i = 0; i < da->n; i++) {
            MgVariant *ov = dict_index((MgDict *)db, &da->e[i]->key, false);
            if (!ov || !variant_equal(&da->e[i]->val, ov))
                return false;
        }
        return true;
    }
    case VT_ARRAY: {
        const MgArray *x = a->u.p, *y = b->u.p;
        if (x == y)
            return true;
        if (x->n != y->n)
            return false;
        for (size_t i = 0; i < x->n; i++)
            if (!variant_equal(&x->items[i], &y->items[i]))
                return false;
        return true;
    }
    case VT_PACKED_BYTE_ARRAY: case VT_PACKED_INT32_ARRAY: {
        const MgBox *x = a->u.p, *y = b->u.p;
        int k = buf_kind_of(a->type);
        size_t nx = packed_size(&x->val, k, "compare"), ny = packed_size(&y->val, k, "compare");
        if (nx != ny)
            return false;
        if (nx == 0)
            return true;
        return memcmp(x->val.buf->data, y->val.buf->data, nx * x->val.buf->elem) == 0;
    }
    default: return memcmp(&a->u, &b->u, sizeof a->u) == 0;
    }
}

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Deep content hash plus the refcounts of the blocks involved: a call that
 * must treat its arguments as const must leave this unchanged. */
uint64_t variant_hash(const MgVariant *v) {
    uint64_t h = 1469598103934665603ULL;
    h = mix(h, &v->type, sizeof v->type);
    switch (v->type) {
    case VT_NIL: break;
    case VT_BOOL: h = mix(h, &v->u.b, 1); break;
    case VT_INT: case VT_FLOAT: case VT_VECTOR2: h = mix(h, &v->u, 8); break;
    case VT_STRING: case VT_NODE_PATH: case VT_STRING_NAME: {
        size_t n;
        const char *s = variant_text(v, &n);
        if (s)
            h = mix(h, s, n);
        h = mix(h, &v->u.p, sizeof v->u.p);
        if (v->u.p && v->type != VT_STRING_NAME)
            h = mix(h, &((MgBlock *)v->u.p)->rc, 4);
        break;
    }
    case VT_OBJECT: h = mix(h, &v->u.o, sizeof v->u.o); break;
    case VT_DICTIONARY: {
        const MgDict *d = v->u.p;
        h = mix(h, &d, sizeof d);
        h = mix(h, &d->h.rc, 4);
        for (size_t i = 0; i < d->n; i++) {
            uint64_t k = variant_hash(&d->e[i]->key), x = variant_hash(&d->e[i]->val);
            h = mix(h, &k, 8);
            h = mix(h, &x, 8);
        }
        break;
    }
    case VT_ARRAY: {
        const MgArray *a = v->u.p;
        h = mix(h, &a, sizeof a);
        h = mix(h, &a->h.rc, 4);
        for (size_t i = 0; i < a->n; i++) {
            uint64_t x = variant_hash(&a->items[i]);
            h = mix(h, &x, 8);
        }
        break;
    }
    case VT_PACKED_BYTE_ARRAY: case VT_PACKED_INT32_ARRAY: {
        const MgBox *b = v->u.p;
        h = mix(h, &b, sizeof b);
        h = mix(h, &b->h.rc, 4);
        h = mix(h, &b->val, sizeof b->val);
        if (b->val.buf) {
            h = mix(h, &b->val.buf->h.rc, 4);
            h = mix(h, b->val.buf->data, b->val.buf->size * b->val.buf->elem);
        }
        break;
    }
    default: h = mix(h, &v->u, sizeof v->u); break;
    }
    return h;
}

/* VariantInternal::initialize: a Variant of the declared type with its default value. */
void variant_init_type(MgVariant *v, uint32_t type) {
    variant_nil(v);
    v->type = type;
    switch (type) {
    case VT_DICTIONARY: v->u.p = dict_new(); break;
    case VT_ARRAY: v->u.p = array_new(); break;
    case VT_PACKED_BYTE_ARRAY: case VT_PACKED_INT32_ARRAY: v->u.p = box_new(box_kind_of(type)); break;
    default: break;
    }
}

/* VariantInternal::get_opaque_pointer */
void *variant_payload(MgVariant *v) {
    switch (v->type) {
    case VT_NIL: return v;
    case VT_OBJECT: return &v->u.o.obj;
    case VT_PACKED_BYTE_ARRAY: case VT_PACKED_INT32_ARRAY: return &((MgBox *)v->u.p)->val;
    default: return &v->u;
    }
}

/* ---- Dictionary ---- */

MgDict *dict_new(void) { return blk_new(K_DICTIONARY, sizeof(MgDict)); }

void dict_clear(MgDict *d) {
    for (size_t i = 0; i < d->n; i++) {
        variant_destroy(&d->e[i]->key, "Dictionary entry");
        variant_destroy(&d->e[i]->val, "Dictionary entry");
        free(d->e[i]);
    }
    d->n = 0;
}

void dict_unref(MgDict *d, const char *ctx) {
    if (!mg_live(d, K_DICTIONARY)) {
        mg_violation("%s: Dictionary %p is %s", ctx, (void *)d, describe_bad(d));
        return;
    }
    if (blk_unref(&d->h)) {
        dict_clear(d);
        free(d->e);
        d->e = NULL;
        blk_kill(&d->h);
    }
}

MgVariant *dict_index(MgDict *d, const MgVariant *key, bool insert) {
    for (size_t i = 0; i < d->n; i++)
        if (variant_equal(&d->e[i]->key, key))
            return &d->e[i]->val;
    if (!insert)
        return NULL;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->e = xrealloc(d->e, d->cap * sizeof *d->e);
    }
    MgDictEntry *e = xcalloc(1, sizeof *e);
    if (key->type == VT_STRING_NAME) {
        /* the non-const operator[] stores StringName keys as String keys */
        size_t n;
        const char *s = variant_text(key, &n);
        e->key.type = VT_STRING;
        str_make(&e->key.u.p, s ? s : "", s ? n : 0, K_STRING);
    } else {
        variant_copy(&e->key, key);
    }
    variant_nil(&e->val);
    d->e[d->n++] = e;
    return &e->val;
}

bool dict_erase(MgDict *d, const MgVariant *key) {
    for (size_t i = 0; i < d->n; i++) {
        if (variant_equal(&d->e[i]->key, key)) {
            MgDictEntry *e = d->e[i];
            memmove(&d->e[i], &d->e[i + 1], (d->n - i - 1) * sizeof *d->e);
            d->n--;
            variant_destroy(&e->key, "Dictionary.erase");
            variant_destroy(&e->val, "Dictionary.erase");
            free(e);
            return true;
        }
    }
    return false;
}

/* ---- Array ---- */

MgArray *array_new(void) { return blk_new(K_ARRAY, sizeof(MgArray)); }

void array_clear(MgArray *a) {
    for (size_t i = 0; i < a->n; i++)
        variant_destroy(&a->items[i], "Array element");
    a->n = 0;
}

void array_unref(MgArray *a, const char *ctx) {
    if (!mg_live(a, K_ARRAY)) {
        mg_violation("%s: Array %p is %s", ctx, (void *)a, describe_bad(a));
        return;
    }
    if (blk_unref(&a->h)) {
        array_clear(a);
        free(a->items);
        a->items = NULL;
        blk_kill(&a->h);
    }
}

static void array_reserve(MgArray *a, size_t n) {
    if (n > a->cap) {
        size_t c = a->cap ? a->cap : 4;
        while (c < n)
            c *= 2;
        a->items = xrealloc(a->items, c * sizeof *a->items);
        a->cap = c;
    }
}

void array_append(MgArray *a, const MgVariant *v) {
    array_reserve(a, a->n + 1);
    variant_copy(&a->items[a->n], v);
    a->n++;
}

void array_resize(MgArray *a, size_t n) {
    if (n < a->n) {
        for (size_t i = n; i < a->n; i++)
            variant_destroy(&a->items[i], "Array.resize");
    } else {
        array_reserve(a, n);
        for (size_t i = a->n; i < n; i++)
            variant_nil(&a->items[i]);
    }
    a->n = n;
}

/* ---- packed arrays: COW buffers behind a 16-byte value ---- */

MgBuf *buf_new(int kind, size_t n, size_t elem) {
    MgBuf *b = blk_new(kind, sizeof(MgBuf));
    b->size = n;
    b->elem = elem;
    b->data = xcalloc(n ? n : 1, elem);
    return b;
}

void buf_unref(MgBuf *b, const char *ctx) {
    if (!b)
        return;
    if (!mg_live(b, (int)b->h.kind) || (b->h.kind != K_PBA_BUF && b->h.kind != K_PI32_BUF)) {
        mg_violation("%s: packed array buffer %p is %s", ctx, (void *)b, describe_bad(b));
        return;
    }
    if (blk_unref(&b->h)) {
        free(b->data);
        b->data = NULL;
        blk_kill(&b->h);
    }
}

static bool packed_check(const MgPacked *p, int buf_kind, const char *ctx) {
    if (!p) {
        mg_violation("%s: NULL packed array pointer", ctx);
        return false;
    }
    if (p->buf && !mg_live(p->buf, buf_kind)) {
        mg_violation("%s: %s %p is %s", ctx, mg_kind_names[buf_kind], (void *)p->buf, describe_bad(p->buf));
        return false;
    }
    return true;
}

void packed_copy(MgPacked *dst, const MgPacked *src, int buf_kind) {
    dst->proxy = NULL;
    dst->buf = NULL;
    if (!packed_check(src, buf_kind, "packed array copy"))
        return;
    dst->buf = src->buf;
    if (dst->buf)
        blk_ref(&dst->buf->h);
}

void packed_destroy(MgPacked *p, int buf_kind, const char *ctx) {
    if (!packed_check(p, buf_kind, ctx))
        return;
    buf_unref(p->buf, ctx); /* the value keeps its pointer: destroying twice is caught */
}

size_t packed_size(const MgPacked *p, int buf_kind, const char *ctx) {
    if (!packed_check(p, buf_kind, ctx))
        return 0;
    return p->buf ? p->buf->size : 0;
}

/* Copy-on-write: make p the only owner of its buffer. */
static void packed_own(MgPacked *p, int buf_kind) {
    if (p->buf && p->buf->h.rc > 1) {
        MgBuf *nb = buf_new(buf_kind, p->buf->size, p->buf->elem);
        memcpy(nb->data, p->buf->data, p->buf->size * p->buf->elem);
        buf_unref(p->buf, "copy on write");
        p->buf = nb;
    }
}

bool packed_resize(MgPacked *p, int buf_kind, size_t elem, int64_t n) {
    if (!packed_check(p, buf_kind, "resize"))
        return false;
    if (n < 0)
        return false;
    if (n == 0) {
        buf_unref(p->buf, "resize");
        p->buf = NULL;
        return true;
    }
    if (!p->buf) {
        p->buf = buf_new(buf_kind, (size_t)n, elem);
        return true;
    }
    packed_own(p, buf_kind);
    size_t old = p->buf->size;
    p->buf->data = xrealloc(p->buf->data, (size_t)n * elem);
    if ((size_t)n > old)
        memset(p->buf->data + old * elem, 0, ((size_t)n - old) * elem);
    p->buf->size = (size_t)n;
    return true;
}

void *packed_ptrw(MgPacked *p, int buf_kind, int64_t idx) {
    if (!packed_check(p, buf_kind, "packed array operator_index"))
        return NULL;
    if (!p->buf || idx < 0 || (size_t)idx >= p->buf->size)
        return NULL;
    packed_own(p, buf_kind);
    return p->buf->data + (size_t)idx * p->buf->elem;
}

const void *packed_ptr(const MgPacked *p, int buf_kind, int64_t idx) {
    if (!packed_check(p, buf_kind, "packed array operator_index_const"))
        return NULL;
    if (!p->buf || idx < 0 || (size_t)idx >= p->buf->size)
        return NULL;
    return p->buf->data + (size_t)idx * p->buf->elem;
}

MgBox *box_new(int box_kind) { return blk_new(box_kind, sizeof(MgBox)); }

/* ---- Objects ---- */

static MgObject **objs;
static size_t nobjs, capobjs;
static uint64_t next_object_id = 0x100000001ULL;

MgObject *object_new(const char *base_class, bool host_owned) {
    MgObject *o = blk_new(K_OBJECT, sizeof(MgObject));
    o->id = next_object_id++;
    snprintf(o->base_class, sizeof o->base_class, "%s", base_class);
    o->host_owned = host_owned;
    if (nobjs == capobjs) {
        capobjs = capobjs ? capobjs * 2 : 16;
        objs = xrealloc(objs, capobjs * sizeof *objs);
    }
    objs[nobjs++] = o;
    return o;
}

MgObject *object_by_id(uint64_t id) {
    for (size_t i = 0; i < nobjs; i++)
        if (objs[i]->id == id)
            return objs[i];
    return NULL;
}

void object_free_block(MgObject *o) {
    virtual_slots_free(o);
    for (size_t i = 0; i < nobjs; i++) {
        if (objs[i] == o) {
            objs[i] = objs[--nobjs];
            break;
        }
    }
    blk_unref(&o->h);
    blk_kill(&o->h);
}

int object_live_count(bool include_host) {
    int n = 0;
    for (size_t i = 0; i < nobjs; i++)
        if (include_host || !objs[i]->host_owned)
            n++;
    return n;
}
