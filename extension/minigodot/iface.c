/* The interface functions of Variant, String, StringName and containers, and
 * get_proc_address with per-version name availability (§1.3, §6.2). */
#include "mg.h"

#include <stdlib.h>
#include <string.h>

void *classdb_proc(const char *name); /* classdb.c */

#define ENTER(fn) check_thread(fn)

/* ---------------- version and logging ---------------- */

static char version_string[64];

static void gi_get_godot_version(AbiGodotVersion *r) {
    ENTER("get_godot_version");
    if (!r) {
        mg_violation("get_godot_version: NULL r_godot_version");
        return;
    }
    snprintf(version_string, sizeof version_string, "Godot Engine v4.%d.0.minigodot", mg_host.version % 10);
    r->major = 4;
    r->minor = (uint32_t)(mg_host.version % 10);
    r->patch = 0;
    r->string = version_string;
}

static void gi_get_godot_version2(AbiGodotVersion2 *r) {
    ENTER("get_godot_version2");
    if (!r) {
        mg_violation("get_godot_version2: NULL r_godot_version");
        return;
    }
    snprintf(version_string, sizeof version_string, "Godot Engine v4.%d.0.minigodot", mg_host.version % 10);
    r->major = 4;
    r->minor = (uint32_t)(mg_host.version % 10);
    r->patch = 0;
    r->hex = 0x040000u | (r->minor << 8);
    r->status = "minigodot";
    r->build = "minigodot";
    r->hash = "0000000000000000000000000000000000000000";
    r->timestamp = 0;
    r->string = version_string;
}

static void gi_print_error(const char *d, const char *f, const char *file, int32_t line, uint8_t notify) {
    (void)notify;
    ENTER("print_error");
    mg_log_event("error", d, f, file, line);
}
static void gi_print_error_with_message(const char *d, const char *m, const char *f, const char *file, int32_t line, uint8_t notify) {
    (void)notify;
    (void)d;
    ENTER("print_error_with_message");
    mg_log_event("error", m ? m : d, f, file, line);
}
static void gi_print_warning(const char *d, const char *f, const char *file, int32_t line, uint8_t notify) {
    (void)notify;
    ENTER("print_warning");
    mg_log_event("warning", d, f, file, line);
}
static void gi_print_warning_with_message(const char *d, const char *m, const char *f, const char *file, int32_t line, uint8_t notify) {
    (void)notify;
    (void)d;
    ENTER("print_warning_with_message");
    mg_log_event("warning", m ? m : d, f, file, line);
}
static void gi_print_script_error(const char *d, const char *f, const char *file, int32_t line, uint8_t notify) {
    (void)notify;
    ENTER("print_script_error");
    mg_log_event("script_error", d, f, file, line);
}

static void *gi_mem_alloc(size_t n) { ENTER("mem_alloc"); return malloc(n ? n : 1); }
static void *gi_mem_realloc(void *p, size_t n) { ENTER("mem_realloc"); return realloc(p, n ? n : 1); }
static void gi_mem_free(void *p) { ENTER("mem_free"); free(p); }
static void *gi_mem_alloc2(size_t n, uint8_t pad) { (void)pad; ENTER("mem_alloc2"); return malloc(n ? n : 1); }
static void *gi_mem_realloc2(void *p, size_t n, uint8_t pad) { (void)pad; ENTER("mem_realloc2"); return realloc(p, n ? n : 1); }
static void gi_mem_free2(void *p, uint8_t pad) { (void)pad; ENTER("mem_free2"); free(p); }

/* ---------------- String and StringName ---------------- */

/* Godot's String::parse_utf8: stops at a NUL byte, skips a BOM, replaces
 * invalid sequences with U+FFFD and reports an error. Returns malloc'd text. */
static char *parse_utf8(const char *s, int64_t len, size_t *outlen, bool *bad) {
    *bad = false;
    if (!s) {
        *outlen = 0;
        return xstrdup("");
    }
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    char *out = xmalloc(n * 3 + 1);
    size_t o = 0;
    while (i < n && p[i]) {
        uint8_t c = p[i];
        size_t need;
        uint32_t cp;
        if (c < 0x80) {
            out[o++] = (char)c;
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3;
            cp = c & 0x07;
        } else {
            goto invalid;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n || (p[i + k] & 0xC0) != 0x80)
                goto invalid;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            goto invalid;
        memcpy(out + o, p + i, need + 1);
        o += need + 1;
        i += need + 1;
        continue;
    invalid:
        *bad = true;
        out[o++] = (char)0xEF;
        out[o++] = (char)0xBF;
        out[o++] = (char)0xBD;
        i++;
    }
    out[o] = 0;
    *outlen = o;
    return out;
}

static int64_t make_string_utf8(void *dst, const char *s, int64_t len, const char *fn) {
    if (!dst) {
        mg_violation("%s: NULL r_dest", fn);
        return 1;
    }
    if (!s && len > 0)
        mg_violation("%s: NULL p_contents with size %lld", fn, (long long)len);
    size_t n;
    bool bad;
    char *t = parse_utf8(s, len, &n, &bad);
    str_make(dst, t, n, K_STRING);
    free(t);
    if (bad) {
        mg_log_event("error", "Unicode parsing error, some characters were replaced with U+FFFD", fn, "ustring.cpp", 0);
        return 30; /* ERR_INVALID_DATA */
    }
    return 0;
}

static char *latin1_to_utf8(const char *s, int64_t len, size_t *outlen) {
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    char *out = xmalloc(n * 2 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n && s[i]; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x80)
            out[o++] = (char)c;
        else {
            out[o++] = (char)(0xC0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = 0;
    *outlen = o;
    return out;
}

static void gi_string_new_with_latin1_chars(void *dst, const char *s) {
    ENTER("string_new_with_latin1_chars");
    size_t n;
    char *t = latin1_to_utf8(s ? s : "", -1, &n);
    str_make(dst, t, n, K_STRING);
    free(t);
}
static void gi_string_new_with_latin1_chars_and_len(void *dst, const char *s, int64_t len) {
    ENTER("string_new_with_latin1_chars_and_len");
    size_t n;
    char *t = latin1_to_utf8(s ? s : "", s ? len : 0, &n);
    str_make(dst, t, n, K_STRING);
    free(t);
}
static void gi_string_new_with_utf8_chars(void *dst, const char *s) {
    ENTER("string_new_with_utf8_chars");
    make_string_utf8(dst, s, -1, "string_new_with_utf8_chars");
}
static void gi_string_new_with_utf8_chars_and_len(void *dst, const char *s, int64_t len) {
    ENTER("string_new_with_utf8_chars_and_len");
    make_string_utf8(dst, s, len, "string_new_with_utf8_chars_and_len");
}
static int64_t gi_string_new_with_utf8_chars_and_len2(void *dst, const char *s, int64_t len) {
    ENTER("string_new_with_utf8_chars_and_len2");
    return make_string_utf8(dst, s, len, "string_new_with_utf8_chars_and_len2");
}

static int64_t gi_string_to_utf8_chars(const void *str, char *r_text, int64_t max) {
    ENTER("string_to_utf8_chars");
    size_t n;
    const char *s = str_text(str, &n, K_STRING, "string_to_utf8_chars");
    if (!s)
        return 0;
    if (r_text && max > 0)
        memcpy(r_text, s, (size_t)max < n ? (size_t)max : n);
    return (int64_t)n;
}

static int64_t gi_string_to_latin1_chars(const void *str, char *r_text, int64_t max) {
    ENTER("string_to_latin1_chars");
    size_t n;
    const char *s = str_text(str, &n, K_STRING, "string_to_latin1_chars");
    if (!s)
        return 0;
    /* decode UTF-8 code points, keep the low byte like Godot */
    int64_t count = 0;
    for (size_t i = 0; i < n;) {
        uint8_t c = (uint8_t)s[i];
        uint32_t cp;
        size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        cp = k == 1 ? c : k == 2 ? c & 0x1F : k == 3 ? c & 0x0F : c & 0x07;
        for (size_t j = 1; j < k && i + j < n; j++)
            cp = cp << 6 | ((uint8_t)s[i + j] & 0x3F);
        if (r_text && count < max)
            r_text[count] = (char)(cp & 0xFF);
        count++;
        i += k;
    }
    return count;
}

static void gi_string_name_new_with_latin1_chars(void *dst, const char *s, uint8_t is_static) {
    ENTER("string_name_new_with_latin1_chars");
    if (!dst) {
        mg_violation("string_name_new_with_latin1_chars: NULL r_dest");
        return;
    }
    size_t n;
    char *t = latin1_to_utf8(s ? s : "", -1, &n);
    sname_make(dst, t, n, is_static != 0);
    free(t);
}
static void gi_string_name_new_with_utf8_chars(void *dst, const char *s) {
    ENTER("string_name_new_with_utf8_chars");
    if (!dst) {
        mg_violation("string_name_new_with_utf8_chars: NULL r_dest");
        return;
    }
    size_t n;
    bool bad;
    char *t = parse_utf8(s, -1, &n, &bad);
    sname_make(dst, t, n, false);
    free(t);
}
static void gi_string_name_new_with_utf8_chars_and_len(void *dst, const char *s, int64_t len) {
    ENTER("string_name_new_with_utf8_chars_and_len");
    if (!dst) {
        mg_violation("string_name_new_with_utf8_chars_and_len: NULL r_dest");
        return;
    }
    size_t n;
    bool bad;
    char *t = parse_utf8(s, len, &n, &bad);
    if (bad)
        mg_log_event("error", "Unicode parsing error in StringName", "string_name_new_with_utf8_chars_and_len", "ustring.cpp", 0);
    sname_make(dst, t, n, false);
    free(t);
}

/* ---------------- Variant core ---------------- */

static void gi_variant_new_nil(MgVariant *dst) {
    ENTER("variant_new_nil");
    if (!dst) {
        mg_violation("variant_new_nil: NULL r_dest");
        return;
    }
    variant_nil(dst);
}
static void gi_variant_new_copy(MgVariant *dst, const MgVariant *src) {
    ENTER("variant_new_copy");
    if (!dst || !src) {
        mg_violation("variant_new_copy: NULL pointer");
        return;
    }
    variant_copy(dst, src);
}
static void gi_variant_destroy(MgVariant *v) {
    ENTER("variant_destroy");
    variant_destroy(v, "variant_destroy");
}
static uint32_t gi_variant_get_type(const MgVariant *v) {
    ENTER("variant_get_type");
    if (!variant_valid(v, "variant_get_type"))
        return VT_NIL;
    return v->type;
}
static uint8_t gi_variant_can_convert_strict(uint32_t from, uint32_t to) {
    ENTER("variant_can_convert_strict");
    return can_convert_strict(from, to) ? 1 : 0;
}
static uint8_t gi_variant_can_convert(uint32_t from, uint32_t to) {
    ENTER("variant_can_convert");
    if (to == VT_STRING)
        return 1;
    return can_convert_strict(from, to) ? 1 : 0;
}
static void gi_variant_stringify(const MgVariant *v, void *r_str) {
    ENTER("variant_stringify");
    if (!variant_valid(v, "variant_stringify") || !r_str)
        return;
    cJSON *j = json_from_variant(v);
    char *s = cJSON_PrintUnformatted(j);
    str_make(r_str, s, strlen(s), K_STRING);
    free(s);
    cJSON_Delete(j);
}

/* from-type constructors: Variant <- typed value (copies, refcount+1) */
#define FROM_TYPE(name, T, body)                                          \
    static void name(MgVariant *dst, void *src) {                         \
        ENTER("variant from-type constructor");                           \
        if (!dst || !src) {                                               \
            mg_violation("variant from-type constructor (%s): NULL pointer", T); \
            return;                                                       \
        }                                                                 \
        variant_nil(dst);                                                 \
        body                                                              \
    }

FROM_TYPE(ft_bool, "bool", {
    uint8_t b = *(uint8_t *)src;
    if (b > 1)
        mg_violation("bool from-type constructor: source byte is %u, a C++ bool must be 0 or 1", b);
    dst->type = VT_BOOL;
    dst->u.b = b != 0;
})
FROM_TYPE(ft_int, "int", {
    dst->type = VT_INT;
    memcpy(&dst->u.i, src, 8);
})
FROM_TYPE(ft_float, "float", {
    dst->type = VT_FLOAT;
    memcpy(&dst->u.f, src, 8);
})
FROM_TYPE(ft_string, "String", {
    size_t n;
    if (!str_text(src, &n, K_STRING, "String -> Variant"))
        return;
    dst->type = VT_STRING;
    dst->u.p = *(void **)src;
    str_ref(dst->u.p);
})
FROM_TYPE(ft_node_path, "NodePath", {
    size_t n;
    if (!str_text(src, &n, K_NODE_PATH, "NodePath -> Variant"))
        return;
    dst->type = VT_NODE_PATH;
    dst->u.p = *(void **)src;
    str_ref(dst->u.p);
})
FROM_TYPE(ft_string_name, "StringName", {
    if (!sname_text(src, "StringName -> Variant"))
        return;
    dst->type = VT_STRING_NAME;
    dst->u.p = *(void **)src;
    sname_ref(dst->u.p);
})
FROM_TYPE(ft_dictionary, "Dictionary", {
    void *d = *(void **)src;
    if (!mg_live(d, K_DICTIONARY)) {
        mg_violation("Dictionary -> Variant: source %p is not a live Dictionary", d);
        return;
    }
    MgVariant tmp = {.type = VT_DICTIONARY};
    tmp.u.p = d;
    variant_copy(dst, &tmp);
})
FROM_TYPE(ft_array, "Array", {
    void *a = *(void **)src;
    if (!mg_live(a, K_ARRAY)) {
        mg_violation("Array -> Variant: source %p is not a live Array", a);
        return;
    }
    MgVariant tmp = {.type = VT_ARRAY};
    tmp.u.p = a;
    variant_copy(dst, &tmp);
})
FROM_TYPE(ft_pba, "PackedByteArray", {
    MgBox *bx = box_new(K_PBA_BOX);
    packed_copy(&bx->val, src, K_PBA_BUF);
    dst->type = VT_PACKED_BYTE_ARRAY;
    dst->u.p = bx;
})
FROM_TYPE(ft_pi32, "PackedInt32Array", {
    MgBox *bx = box_new(K_PI32_BOX);
    packed_copy(&bx->val, src, K_PI32_BUF);
    dst->type = VT_PACKED_INT32_ARRAY;
    dst->u.p = bx;
})
FROM_TYPE(ft_object, "Object", {
    MgObject *o = *(MgObject **)src;
    if (o && !mg_live(o, K_OBJECT)) {
        mg_violation("Object -> Variant: %p is not a live Object", (void *)o);
        return;
    }
    dst->type = VT_OBJECT;
    dst->u.o.obj = o;
    dst->u.o.id = o ? o->id : 0;
})

static void *gi_get_variant_from_type_constructor(uint32_t type) {
    ENTER("get_variant_from_type_constructor");
    switch (type) {
    case VT_BOOL: return (void *)ft_bool;
    case VT_INT: return (void *)ft_int;
    case VT_FLOAT: return (void *)ft_float;
    case VT_STRING: return (void *)ft_string;
    case VT_STRING_NAME: return (void *)ft_string_name;
    case VT_NODE_PATH: return (void *)ft_node_path;
    case VT_DICTIONARY: return (void *)ft_dictionary;
    case VT_ARRAY: return (void *)ft_array;
    case VT_PACKED_BYTE_ARRAY: return (void *)ft_pba;
    case VT_PACKED_INT32_ARRAY: return (void *)ft_pi32;
    case VT_OBJECT: return (void *)ft_object;
    case VT_NIL:
        mg_log_event("error", "get_variant_from_type_constructor: NIL has no from-type constructor", "get_variant_from_type_constructor", "gdextension_interface.cpp", 0);
        mg_violation("get_variant_from_type_constructor(NIL): Godot returns NULL with an error");
        return NULL;
    default:
        mg_violation("get_variant_from_type_constructor(%s): type not modelled by mini-Godot", variant_type_name(type));
        return NULL;
    }
}

/* to-type constructors: typed value <- Variant (placement construction) */
static bool to_type_check(const MgVariant *src, uint32_t to, const char *T) {
    if (!variant_valid(src, "to-type constructor"))
        return false;
    if (!can_convert_strict(src->type, to)) {
        mg_violation("Variant -> %s: converting a %s is not a strict conversion; check variant_get_type first", T, variant_type_name(src->type));
        return false;
    }
    return true;
}

static void tt_bool(uint8_t *dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> bool: NULL r_dest"); return; }
    *dst = 0;
    if (!to_type_check(src, VT_BOOL, "bool")) return;
    switch (src->type) {
    case VT_BOOL: *dst = src->u.b != 0; break;
    case VT_INT: *dst = src->u.i != 0; break;
    case VT_FLOAT: *dst = src->u.f != 0.0; break;
    }
}
static void tt_int(int64_t *dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> int: NULL r_dest"); return; }
    *dst = 0;
    if (!to_type_check(src, VT_INT, "int")) return;
    switch (src->type) {
    case VT_BOOL: *dst = src->u.b != 0; break;
    case VT_INT: *dst = src->u.i; break;
    case VT_FLOAT: *dst = (int64_t)src->u.f; break;
    }
}
static void tt_float(double *dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> float: NULL r_dest"); return; }
    *dst = 0;
    if (!to_type_check(src, VT_FLOAT, "float")) return;
    switch (src->type) {
    case VT_BOOL: *dst = src->u.b != 0; break;
    case VT_INT: *dst = (double)src->u.i; break;
    case VT_FLOAT: *dst = src->u.f; break;
    }
}
static void tt_string(void **dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> String: NULL r_dest"); return; }
    *dst = NULL;
    if (!to_type_check(src, VT_STRING, "String")) return;
    if (src->type == VT_STRING) {
        *dst = src->u.p;
        str_ref(*dst);
    } else {
        size_t n;
        const char *s = variant_text(src, &n);
        str_make(dst, s ? s : "", s ? n : 0, K_STRING);
    }
}
static void tt_node_path(void **dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> NodePath: NULL r_dest"); return; }
    *dst = NULL;
    if (!to_type_check(src, VT_NODE_PATH, "NodePath")) return;
    if (src->type == VT_NODE_PATH) {
        *dst = src->u.p;
        str_ref(*dst);
    } else {
        size_t n;
        const char *s = variant_text(src, &n);
        str_make(dst, s ? s : "", s ? n : 0, K_NODE_PATH);
    }
}
static void tt_string_name(void **dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> StringName: NULL r_dest"); return; }
    *dst = NULL;
    if (!to_type_check(src, VT_STRING_NAME, "StringName")) return;
    size_t n;
    const char *s = variant_text(src, &n);
    sname_make(dst, s ? s : "", s ? n : 0, false);
}
static void tt_dictionary(void **dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> Dictionary: NULL r_dest"); return; }
    if (!to_type_check(src, VT_DICTIONARY, "Dictionary")) {
        *dst = dict_new();
        return;
    }
    MgVariant tmp;
    variant_copy(&tmp, src);
    *dst = tmp.u.p;
}
static void tt_array(void **dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> Array: NULL r_dest"); return; }
    if (!to_type_check(src, VT_ARRAY, "Array")) {
        *dst = array_new();
        return;
    }
    if (src->type == VT_ARRAY) {
        MgVariant tmp;
        variant_copy(&tmp, src);
        *dst = tmp.u.p;
        return;
    }
    MgArray *a = array_new();
    const MgBox *bx = src->u.p;
    size_t n = bx->val.buf ? bx->val.buf->size : 0;
    for (size_t i = 0; i < n; i++) {
        MgVariant e = {.type = VT_INT};
        if (src->type == VT_PACKED_BYTE_ARRAY)
            e.u.i = bx->val.buf->data[i];
        else {
            int32_t x;
            memcpy(&x, bx->val.buf->data + 4 * i, 4);
            e.u.i = x;
        }
        array_append(a, &e);
    }
    *dst = a;
}
static void array_to_packed(MgPacked *dst, const MgArray *a, int buf_kind, size_t elem) {
    dst->proxy = NULL;
    dst->buf = NULL;
    if (!a->n)
        return;
    dst->buf = buf_new(buf_kind, a->n, elem);
    for (size_t i = 0; i < a->n; i++) {
        int64_t x = 0;
        const MgVariant *e = &a->items[i];
        if (e->type == VT_INT) x = e->u.i;
        else if (e->type == VT_FLOAT) x = (int64_t)e->u.f;
        else if (e->type == VT_BOOL) x = e->u.b;
        if (elem == 1)
            dst->buf->data[i] = (uint8_t)x;
        else {
            int32_t y = (int32_t)x;
            memcpy(dst->buf->data + 4 * i, &y, 4);
        }
    }
}
static void tt_pba(MgPacked *dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> PackedByteArray: NULL r_dest"); return; }
    dst->proxy = NULL;
    dst->buf = NULL;
    if (!to_type_check(src, VT_PACKED_BYTE_ARRAY, "PackedByteArray")) return;
    if (src->type == VT_PACKED_BYTE_ARRAY)
        packed_copy(dst, &((MgBox *)src->u.p)->val, K_PBA_BUF);
    else
        array_to_packed(dst, src->u.p, K_PBA_BUF, 1);
}
static void tt_pi32(MgPacked *dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> PackedInt32Array: NULL r_dest"); return; }
    dst->proxy = NULL;
    dst->buf = NULL;
    if (!to_type_check(src, VT_PACKED_INT32_ARRAY, "PackedInt32Array")) return;
    if (src->type == VT_PACKED_INT32_ARRAY)
        packed_copy(dst, &((MgBox *)src->u.p)->val, K_PI32_BUF);
    else
        array_to_packed(dst, src->u.p, K_PI32_BUF, 4);
}
static void tt_object(MgObject **dst, MgVariant *src) {
    ENTER("to-type constructor");
    if (!dst) { mg_violation("Variant -> Object: NULL r_dest"); return; }
    *dst = NULL;
    if (!to_type_check(src, VT_OBJECT, "Object")) return;
    if (src->type == VT_OBJECT)
        *dst = src->u.o.obj;
}

static void *gi_get_variant_to_type_constructor(uint32_t type) {
    ENTER("get_variant_to_type_constructor");
    switch (type) {
    case VT_BOOL: return (void *)tt_bool;
    case VT_INT: return (void *)tt_int;
    case VT_FLOAT: return (void *)tt_float;
    case VT_STRING: return (void *)tt_string;
    case VT_STRING_NAME: return (void *)tt_string_name;
    case VT_NODE_PATH: return (void *)tt_node_path;
    case VT_DICTIONARY: return (void *)tt_dictionary;
    case VT_ARRAY: return (void *)tt_array;
    case VT_PACKED_BYTE_ARRAY: return (void *)tt_pba;
    case VT_PACKED_INT32_ARRAY: return (void *)tt_pi32;
    case VT_OBJECT: return (void *)tt_object;
    case VT_NIL:
        mg_log_event("error", "get_variant_to_type_constructor: NIL has no to-type constructor", "get_variant_to_type_constructor", "gdextension_interface.cpp", 0);
        mg_violation("get_variant_to_type_constructor(NIL): Godot returns NULL with an error");
        return NULL;
    default:
        mg_violation("get_variant_to_type_constructor(%s): type not modelled by mini-Godot", variant_type_name(type));
        return NULL;
    }
}

/* ---------------- ptr constructors and destructors ---------------- */

static const void *arg0(const void *const *args, const char *ctx) {
    if (!args || !args[0]) {
        mg_violation("%s: missing argument pointer", ctx);
        return NULL;
    }
    return args[0];
}

static void ctor_string0(void **base, const void *const *args) { (void)args; ENTER("String()"); *base = NULL; }
static void ctor_string1(void **base, const void *const *args) {
    ENTER("String(String)");
    *base = NULL;
    const void *a = arg0(args, "String(String)");
    if (!a || !str_text(a, NULL, K_STRING, "String(String)")) return;
    *base = *(void *const *)a;
    str_ref(*base);
}
static void ctor_string2(void **base, const void *const *args) {
    ENTER("String(StringName)");
    *base = NULL;
    const void *a = arg0(args, "String(StringName)");
    if (!a) return;
    const char *s = sname_text(a, "String(StringName)");
    if (s) str_make(base, s, strlen(s), K_STRING);
}
static void ctor_string3(void **base, const void *const *args) {
    ENTER("String(NodePath)");
    *base = NULL;
    const void *a = arg0(args, "String(NodePath)");
    size_t n;
    const char *s = a ? str_text(a, &n, K_NODE_PATH, "String(NodePath)") : NULL;
    if (s) str_make(base, s, n, K_STRING);
}
static void ctor_sname0(void **base, const void *const *args) { (void)args; ENTER("StringName()"); *base = NULL; }
static void ctor_sname1(void **base, const void *const *args) {
    ENTER("StringName(StringName)");
    *base = NULL;
    const void *a = arg0(args, "StringName(StringName)");
    if (!a || !sname_text(a, "StringName(StringName)")) return;
    *base = *(void *const *)a;
    sname_ref(*base);
}
static void ctor_sname2(void **base, const void *const *args) {
    ENTER("StringName(String)");
    *base = NULL;
    const void *a = arg0(args, "StringName(String)");
    size_t n;
    const char *s = a ? str_text(a, &n, K_STRING, "StringName(String)") : NULL;
    if (s) sname_make(base, s, n, false);
}
static void ctor_np0(void **base, const void *const *args) { (void)args; ENTER("NodePath()"); *base = NULL; }
static void ctor_np1(void **base, const void *const *args) {
    ENTER("NodePath(NodePath)");
    *base = NULL;
    const void *a = arg0(args, "NodePath(NodePath)");
    if (!a || !str_text(a, NULL, K_NODE_PATH, "NodePath(NodePath)")) return;
    *base = *(void *const *)a;
    str_ref(*base);
}
static void ctor_np2(void **base, const void *const *args) {
    ENTER("NodePath(String)");
    *base = NULL;
    const void *a = arg0(args, "NodePath(String)");
    size_t n;
    const char *s = a ? str_text(a, &n, K_STRING, "NodePath(String)") : NULL;
    if (s) str_make(base, s, n, K_NODE_PATH);
}
static void ctor_dict0(void **base, const void *const *args) { (void)args; ENTER("Dictionary()"); *base = dict_new(); }
static void ctor_dict1(void **base, const void *const *args) {
    ENTER("Dictionary(Dictionary)");
    const void *a = arg0(args, "Dictionary(Dictionary)");
    void *d = a ? *(void *const *)a : NULL;
    if (!mg_live(d, K_DICTIONARY)) {
        mg_violation("Dictionary(Dictionary): source %p is not a live Dictionary", d);
        *base = dict_new();
        return;
    }
    MgVariant tmp = {.type = VT_DICTIONARY}, out;
    tmp.u.p = d;
    variant_copy(&out, &tmp);
    *base = out.u.p;
}
static void ctor_array0(void **base, const void *const *args) { (void)args; ENTER("Array()"); *base = array_new(); }
static void ctor_array1(void **base, const void *const *args) {
    ENTER("Array(Array)");
    const void *a = arg0(args, "Array(Array)");
    void *x = a ? *(void *const *)a : NULL;
    if (!mg_live(x, K_ARRAY)) {
        mg_violation("Array(Array): source %p is not a live Array", x);
        *base = array_new();
        return;
    }
    MgVariant tmp = {.type = VT_ARRAY}, out;
    tmp.u.p = x;
    variant_copy(&out, &tmp);
    *base = out.u.p;
}
static void ctor_array_from_packed(void **base, const void *const *args, uint32_t type, const char *ctx) {
    const void *a = arg0(args, ctx);
    *base = array_new();
    if (!a) return;
    MgBox bx = {.h = {0}};
    packed_copy(&bx.val, a, type == VT_PACKED_BYTE_ARRAY ? K_PBA_BUF : K_PI32_BUF);
    MgArray *arr = *base;
    size_t n = bx.val.buf ? bx.val.buf->size : 0;
    for (size_t i = 0; i < n; i++) {
        MgVariant e = {.type = VT_INT};
        if (type == VT_PACKED_BYTE_ARRAY) e.u.i = bx.val.buf->data[i];
        else {
            int32_t x;
            memcpy(&x, bx.val.buf->data + 4 * i, 4);
            e.u.i = x;
        }
        array_append(arr, &e);
    }
    packed_destroy(&bx.val, type == VT_PACKED_BYTE_ARRAY ? K_PBA_BUF : K_PI32_BUF, ctx);
}
static void ctor_array3(void **base, const void *const *args) { ENTER("Array(PackedByteArray)"); ctor_array_from_packed(base, args, VT_PACKED_BYTE_ARRAY, "Array(PackedByteArray)"); }
static void ctor_array4(void **base, const void *const *args) { ENTER("Array(PackedInt32Array)"); ctor_array_from_packed(base, args, VT_PACKED_INT32_ARRAY, "Array(PackedInt32Array)"); }
static void ctor_pba0(MgPacked *base, const void *const *args) { (void)args; ENTER("PackedByteArray()"); base->proxy = NULL; base->buf = NULL; }
static void ctor_pba1(MgPacked *base, const void *const *args) {
    ENTER("PackedByteArray(PackedByteArray)");
    const void *a = arg0(args, "PackedByteArray(PackedByteArray)");
    base->proxy = NULL;
    base->buf = NULL;
    if (a) packed_copy(base, a, K_PBA_BUF);
}
static void ctor_pba2(MgPacked *base, const void *const *args) {
    ENTER("PackedByteArray(Array)");
    const void *a = arg0(args, "PackedByteArray(Array)");
    base->proxy = NULL;
    base->buf = NULL;
    void *x = a ? *(void *const *)a : NULL;
    if (!mg_live(x, K_ARRAY)) { mg_violation("PackedByteArray(Array): not a live Array"); return; }
    array_to_packed(base, x, K_PBA_BUF, 1);
}
static void ctor_pi320(MgPacked *base, const void *const *args) { (void)args; ENTER("PackedInt32Array()"); base->proxy = NULL; base->buf = NULL; }
static void ctor_pi321(MgPacked *base, const void *const *args) {
    ENTER("PackedInt32Array(PackedInt32Array)");
    const void *a = arg0(args, "PackedInt32Array(PackedInt32Array)");
    base->proxy = NULL;
    base->buf = NULL;
    if (a) packed_copy(base, a, K_PI32_BUF);
}
static void ctor_pi322(MgPacked *base, const void *const *args) {
    ENTER("PackedInt32Array(Array)");
    const void *a = arg0(args, "PackedInt32Array(Array)");
    base->proxy = NULL;
    base->buf = NULL;
    void *x = a ? *(void *const *)a : NULL;
    if (!mg_live(x, K_ARRAY)) { mg_violation("PackedInt32Array(Array): not a live Array"); return; }
    array_to_packed(base, x, K_PI32_BUF, 4);
}

static void *gi_variant_get_ptr_constructor(uint32_t type, int32_t idx) {
    ENTER("variant_get_ptr_constructor");
    switch (type) {
    case VT_STRING:
        if (idx == 0) return (void *)ctor_string0;
        if (idx == 1) return (void *)ctor_string1;
        if (idx == 2) return (void *)ctor_string2;
        if (idx == 3) return (void *)ctor_string3;
        break;
    case VT_STRING_NAME:
        if (idx == 0) return (void *)ctor_sname0;
        if (idx == 1) return (void *)ctor_sname1;
        if (idx == 2) return (void *)ctor_sname2;
        break;
    case VT_NODE_PATH:
        if (idx == 0) return (void *)ctor_np0;
        if (idx == 1) return (void *)ctor_np1;
        if (idx == 2) return (void *)ctor_np2;
        break;
    case VT_DICTIONARY:
        if (idx == 0) return (void *)ctor_dict0;
        if (idx == 1) return (void *)ctor_dict1;
        if (idx == 2) {
            mg_violation("Dictionary constructor 2 (typed) exists only since Godot 4.4; do not use it");
            return NULL;
        }
        break;
    case VT_ARRAY:
        if (idx == 0) return (void *)ctor_array0;
        if (idx == 1) return (void *)ctor_array1;
        if (idx == 3) return (void *)ctor_array3;
        if (idx == 4) return (void *)ctor_array4;
        break;
    case VT_PACKED_BYTE_ARRAY:
        if (idx == 0) return (void *)ctor_pba0;
        if (idx == 1) return (void *)ctor_pba1;
        if (idx == 2) return (void *)ctor_pba2;
        break;
    case VT_PACKED_INT32_ARRAY:
        if (idx == 0) return (void *)ctor_pi320;
        if (idx == 1) return (void *)ctor_pi321;
        if (idx == 2) return (void *)ctor_pi322;
        break;
    }
    mg_violation("variant_get_ptr_constructor(%s, %d): not available in mini-Godot", variant_type_name(type), idx);
    return NULL;
}

static void dtor_string(void **base) { ENTER("~String"); if (base) str_unref(*base, K_STRING, "String destructor"); }
static void dtor_node_path(void **base) { ENTER("~NodePath"); if (base) str_unref(*base, K_NODE_PATH, "NodePath destructor"); }
static void dtor_sname(void **base) { ENTER("~StringName"); if (base) sname_unref(*base, "StringName destructor"); }
static void dtor_dict(void **base) {
    ENTER("~Dictionary");
    if (base) dict_unref(*base, "Dictionary destructor");
}
static void dtor_array(void **base) {
    ENTER("~Array");
    if (base) array_unref(*base, "Array destructor");
}
static void dtor_pba(MgPacked *base) { ENTER("~PackedByteArray"); packed_destroy(base, K_PBA_BUF, "PackedByteArray destructor"); }
static void dtor_pi32(MgPacked *base) { ENTER("~PackedInt32Array"); packed_destroy(base, K_PI32_BUF, "PackedInt32Array destructor"); }

static void *gi_variant_get_ptr_destructor(uint32_t type) {
    ENTER("variant_get_ptr_destructor");
    switch (type) {
    case VT_STRING: return (void *)dtor_string;
    case VT_STRING_NAME: return (void *)dtor_sname;
    case VT_NODE_PATH: return (void *)dtor_node_path;
    case VT_DICTIONARY: return (void *)dtor_dict;
    case VT_ARRAY: return (void *)dtor_array;
    case VT_PACKED_BYTE_ARRAY: return (void *)dtor_pba;
    case VT_PACKED_INT32_ARRAY: return (void *)dtor_pi32;
    default: return NULL; /* types without a destructor */
    }
}

/* ---------------- builtin methods (ptrcall convention) ---------------- */

static bool bargs(int32_t argc, int32_t want, const char *m) {
    if (argc != want) {
        mg_violation("%s: called with p_argument_count %d, expected %d", m, argc, want);
        return false;
    }
    return true;
}
static MgDict *bdict(void *base, const char *m) {
    void *d = base ? *(void **)base : NULL;
    if (!mg_live(d, K_DICTIONARY)) {
        mg_violation("%s: p_base does not point to a live Dictionary", m);
        return NULL;
    }
    return d;
}
static MgArray *barray(void *base, const char *m) {
    void *a = base ? *(void **)base : NULL;
    if (!mg_live(a, K_ARRAY)) {
        mg_violation("%s: p_base does not point to a live Array", m);
        return NULL;
    }
    return a;
}
static bool bret(void *ret, const char *m) {
    if (!ret) {
        mg_violation("%s: NULL r_return for a method with a return value", m);
        return false;
    }
    return true;
}
static const MgVariant *bvar(const void *const *args, const char *m) {
    const MgVariant *v = args ? args[0] : NULL;
    if (!v || !variant_valid(v, m)) {
        if (!v) mg_violation("%s: missing Variant argument", m);
        return NULL;
    }
    return v;
}
/* assigning an Array into an initialized Array slot, like Array::operator= */
static void assign_array(void *ret, MgArray *a, const char *m) {
    void *old = *(void **)ret;
    if (!mg_live(old, K_ARRAY))
        mg_violation("%s: r_return does not hold a constructed Array (construct it before the call)", m);
    else
        array_unref(old, m);
    *(void **)ret = a;
}

static void bm_dict_size(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    ENTER("Dictionary.size");
    MgDict *d = bdict(base, "Dictionary.size");
    bargs(argc, 0, "Dictionary.size");
    if (d && bret(ret, "Dictionary.size")) *(int64_t *)ret = (int64_t)d->n;
}
static void bm_dict_is_empty(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    ENTER("Dictionary.is_empty");
    MgDict *d = bdict(base, "Dictionary.is_empty");
    bargs(argc, 0, "Dictionary.is_empty");
    if (d && bret(ret, "Dictionary.is_empty")) *(uint8_t *)ret = d->n == 0;
}
static void bm_dict_keys_values(void *base, void *ret, int32_t argc, bool keys) {
    const char *m = keys ? "Dictionary.keys" : "Dictionary.values";
    MgDict *d = bdict(base, m);
    bargs(argc, 0, m);
    if (!d || !bret(ret, m)) return;
    MgArray *a = array_new();
    for (size_t i = 0; i < d->n; i++)
        array_append(a, keys ? &d->e[i]->key : &d->e[i]->val);
    assign_array(ret, a, m);
}
static void bm_dict_keys(void *base, const void *const *args, void *ret, int32_t argc) { (void)args; ENTER("Dictionary.keys"); bm_dict_keys_values(base, ret, argc, true); }
static void bm_dict_values(void *base, const void *const *args, void *ret, int32_t argc) { (void)args; ENTER("Dictionary.values"); bm_dict_keys_values(base, ret, argc, false); }
static void bm_dict_has(void *base, const void *const *args, void *ret, int32_t argc) {
    ENTER("Dictionary.has");
    MgDict *d = bdict(base, "Dictionary.has");
    bargs(argc, 1, "Dictionary.has");
    const MgVariant *k = bvar(args, "Dictionary.has");
    if (d && k && bret(ret, "Dictionary.has")) *(uint8_t *)ret = dict_index(d, k, false) != NULL;
}
static void bm_dict_erase(void *base, const void *const *args, void *ret, int32_t argc) {
    ENTER("Dictionary.erase");
    MgDict *d = bdict(base, "Dictionary.erase");
    bargs(argc, 1, "Dictionary.erase");
    const MgVariant *k = bvar(args, "Dictionary.erase");
    if (d && k) {
        bool r = dict_erase(d, k);
        if (bret(ret, "Dictionary.erase")) *(uint8_t *)ret = r;
    }
}
static void bm_dict_clear(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    (void)ret;
    ENTER("Dictionary.clear");
    MgDict *d = bdict(base, "Dictionary.clear");
    bargs(argc, 0, "Dictionary.clear");
    if (d) dict_clear(d);
}
static void bm_array_size(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    ENTER("Array.size");
    MgArray *a = barray(base, "Array.size");
    bargs(argc, 0, "Array.size");
    if (a && bret(ret, "Array.size")) *(int64_t *)ret = (int64_t)a->n;
}
static void bm_array_is_empty(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    ENTER("Array.is_empty");
    MgArray *a = barray(base, "Array.is_empty");
    bargs(argc, 0, "Array.is_empty");
    if (a && bret(ret, "Array.is_empty")) *(uint8_t *)ret = a->n == 0;
}
static void bm_array_append(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)ret;
    ENTER("Array.append");
    MgArray *a = barray(base, "Array.append");
    bargs(argc, 1, "Array.append");
    const MgVariant *v = bvar(args, "Array.append");
    if (a && v) array_append(a, v);
}
static void bm_array_resize(void *base, const void *const *args, void *ret, int32_t argc) {
    ENTER("Array.resize");
    MgArray *a = barray(base, "Array.resize");
    bargs(argc, 1, "Array.resize");
    const int64_t *n = args ? args[0] : NULL;
    if (!a || !n) return;
    int64_t err = 0;
    if (*n < 0) err = 31;
    else array_resize(a, (size_t)*n);
    if (ret) *(int64_t *)ret = err;
}
static void bm_array_clear(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    (void)ret;
    ENTER("Array.clear");
    MgArray *a = barray(base, "Array.clear");
    bargs(argc, 0, "Array.clear");
    if (a) array_clear(a);
}
#define PACKED_METHODS(P, KIND, ELEM, TNAME)                                                   \
    static void bm_##P##_size(void *base, const void *const *args, void *ret, int32_t argc) { \
        (void)args;                                                                            \
        ENTER(TNAME ".size");                                                                  \
        bargs(argc, 0, TNAME ".size");                                                         \
        size_t n = packed_size(base, KIND, TNAME ".size");                                     \
        if (bret(ret, TNAME ".size")) *(int64_t *)ret = (int64_t)n;                            \
    }                                                                                          \
    static void bm_##P##_is_empty(void *base, const void *const *args, void *ret, int32_t argc) { \
        (void)args;                                                                            \
        ENTER(TNAME ".is_empty");                                                              \
        bargs(argc, 0, TNAME ".is_empty");                                                     \
        size_t n = packed_size(base, KIND, TNAME ".is_empty");                                 \
        if (bret(ret, TNAME ".is_empty")) *(uint8_t *)ret = n == 0;                            \
    }                                                                                          \
    static void bm_##P##_resize(void *base, const void *const *args, void *ret, int32_t argc) { \
        ENTER(TNAME ".resize");                                                                \
        bargs(argc, 1, TNAME ".resize");                                                       \
        const int64_t *n = args ? args[0] : NULL;                                              \
        if (!n) { mg_violation(TNAME ".resize: missing argument"); return; }                   \
        bool ok = packed_resize(base, KIND, ELEM, *n);                                         \
        if (ret) *(int64_t *)ret = ok ? 0 : 31;                                                \
    }                                                                                          \
    static void bm_##P##_append(void *base, const void *const *args, void *ret, int32_t argc) { \
        ENTER(TNAME ".append");                                                                \
        bargs(argc, 1, TNAME ".append");                                                       \
        const int64_t *x = args ? args[0] : NULL;                                              \
        if (!x) { mg_violation(TNAME ".append: missing argument"); return; }                   \
        size_t n = packed_size(base, KIND, TNAME ".append");                                   \
        if (packed_resize(base, KIND, ELEM, (int64_t)n + 1)) {                                 \
            uint8_t *p = packed_ptrw(base, KIND, (int64_t)n);                                  \
            if (ELEM == 1) *p = (uint8_t)*x;                                                   \
            else { int32_t y = (int32_t)*x; memcpy(p, &y, 4); }                                \
        }                                                                                      \
        if (ret) *(uint8_t *)ret = 0; /* Vector::push_back returns false on success */        \
    }                                                                                          \
    static void bm_##P##_clear(void *base, const void *const *args, void *ret, int32_t argc) { \
        (void)args;                                                                            \
        (void)ret;                                                                             \
        ENTER(TNAME ".clear");                                                                 \
        bargs(argc, 0, TNAME ".clear");                                                        \
        packed_resize(base, KIND, ELEM, 0);                                                    \
    }
PACKED_METHODS(pba, K_PBA_BUF, 1, "PackedByteArray")
PACKED_METHODS(pi32, K_PI32_BUF, 4, "PackedInt32Array")

static void bm_string_length(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    ENTER("String.length");
    bargs(argc, 0, "String.length");
    size_t n;
    const char *s = str_text(base, &n, K_STRING, "String.length");
    int64_t count = 0;
    if (s)
        for (size_t i = 0; i < n; i++)
            if (((uint8_t)s[i] & 0xC0) != 0x80) count++;
    if (bret(ret, "String.length")) *(int64_t *)ret = count;
}
static void bm_string_is_empty(void *base, const void *const *args, void *ret, int32_t argc) {
    (void)args;
    ENTER("String.is_empty");
    bargs(argc, 0, "String.is_empty");
    size_t n;
    str_text(base, &n, K_STRING, "String.is_empty");
    if (bret(ret, "String.is_empty")) *(uint8_t *)ret = n == 0;
}

typedef void (*BuiltinFn)(void *, const void *const *, void *, int32_t);
static const struct {
    uint32_t type;
    const char *name;
    int64_t hash;
    BuiltinFn fn;
} builtins[] = {
    {VT_DICTIONARY, "size", 3173160232, bm_dict_size},
    {VT_DICTIONARY, "is_empty", 3918633141, bm_dict_is_empty},
    {VT_DICTIONARY, "keys", 4144163970, bm_dict_keys},
    {VT_DICTIONARY, "values", 4144163970, bm_dict_values},
    {VT_DICTIONARY, "has", 3680194679, bm_dict_has},
    {VT_DICTIONARY, "erase", 1776646889, bm_dict_erase},
    {VT_DICTIONARY, "clear", 3218959716, bm_dict_clear},
    {VT_ARRAY, "size", 3173160232, bm_array_size},
    {VT_ARRAY, "is_empty", 3918633141, bm_array_is_empty},
    {VT_ARRAY, "append", 3316032543, bm_array_append},
    {VT_ARRAY, "push_back", 3316032543, bm_array_append},
    {VT_ARRAY, "resize", 848867239, bm_array_resize},
    {VT_ARRAY, "clear", 3218959716, bm_array_clear},
    {VT_PACKED_BYTE_ARRAY, "size", 3173160232, bm_pba_size},
    {VT_PACKED_BYTE_ARRAY, "is_empty", 3918633141, bm_pba_is_empty},
    {VT_PACKED_BYTE_ARRAY, "resize", 848867239, bm_pba_resize},
    {VT_PACKED_BYTE_ARRAY, "append", 694024632, bm_pba_append},
    {VT_PACKED_BYTE_ARRAY, "push_back", 694024632, bm_pba_append},
    {VT_PACKED_BYTE_ARRAY, "clear", 3218959716, bm_pba_clear},
    {VT_PACKED_INT32_ARRAY, "size", 3173160232, bm_pi32_size},
    {VT_PACKED_INT32_ARRAY, "is_empty", 3918633141, bm_pi32_is_empty},
    {VT_PACKED_INT32_ARRAY, "resize", 848867239, bm_pi32_resize},
    {VT_PACKED_INT32_ARRAY, "append", 694024632, bm_pi32_append},
    {VT_PACKED_INT32_ARRAY, "push_back", 694024632, bm_pi32_append},
    {VT_PACKED_INT32_ARRAY, "clear", 3218959716, bm_pi32_clear},
    {VT_STRING, "length", 3173160232, bm_string_length},
    {VT_STRING, "is_empty", 3918633141, bm_string_is_empty},
};

static void *gi_variant_get_ptr_builtin_method(uint32_t type, const void *name, int64_t hash) {
    ENTER("variant_get_ptr_builtin_method");
    const char *n = sname_text(name, "variant_get_ptr_builtin_method");
    if (!n)
        return NULL;
    bool seen = false;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        if (builtins[i].type == type && !strcmp(builtins[i].name, n)) {
            seen = true;
            if (builtins[i].hash == hash)
                return (void *)builtins[i].fn;
        }
    }
    char msg[256];
    snprintf(msg, sizeof msg, "Error getting method %s.%s, hash mismatch or unknown (hash %lld)", variant_type_name(type), n, (long long)hash);
    mg_log_event("error", msg, "variant_get_ptr_builtin_method", "gdextension_interface.cpp", 0);
    mg_violation("variant_get_ptr_builtin_method: %s%s", msg, seen ? "" : " (not modelled by mini-Godot)");
    return NULL;
}

/* ---------------- container index functions ---------------- */

static MgVariant *gi_dictionary_operator_index(void *self, const MgVariant *key) {
    ENTER("dictionary_operator_index");
    MgDict *d = bdict(self, "dictionary_operator_index");
    if (!d || !variant_valid(key, "dictionary_operator_index key"))
        return NULL;
    return dict_index(d, key, true);
}
static MgVariant *gi_dictionary_operator_index_const(const void *self, const MgVariant *key) {
    ENTER("dictionary_operator_index_const");
    MgDict *d = bdict((void *)self, "dictionary_operator_index_const");
    if (!d || !variant_valid(key, "dictionary_operator_index_const key"))
        return NULL;
    MgVariant *v = dict_index(d, key, false);
    if (!v)
        mg_fatal("dictionary_operator_index_const: key not found; Godot crashes here (HashMap::get CRASH_COND)");
    return v;
}
static MgVariant *array_index(const void *self, int64_t idx, const char *m) {
    MgArray *a = barray((void *)self, m);
    if (!a)
        return NULL;
    if (idx < 0 || (size_t)idx >= a->n) {
        char msg[128];
        snprintf(msg, sizeof msg, "Index p_index = %lld is out of bounds (size() = %zu).", (long long)idx, a->n);
        mg_log_event("error", msg, m, "array.cpp", 0);
        return NULL;
    }
    return &a->items[idx];
}
static MgVariant *gi_array_operator_index(void *self, int64_t idx) { ENTER("array_operator_index"); return array_index(self, idx, "array_operator_index"); }
static MgVariant *gi_array_operator_index_const(const void *self, int64_t idx) { ENTER("array_operator_index_const"); return array_index(self, idx, "array_operator_index_const"); }
static uint8_t *gi_pba_index(void *self, int64_t idx) { ENTER("packed_byte_array_operator_index"); return packed_ptrw(self, K_PBA_BUF, idx); }
static const uint8_t *gi_pba_index_const(const void *self, int64_t idx) { ENTER("packed_byte_array_operator_index_const"); return packed_ptr(self, K_PBA_BUF, idx); }
static int32_t *gi_pi32_index(void *self, int64_t idx) { ENTER("packed_int32_array_operator_index"); return packed_ptrw(self, K_PI32_BUF, idx); }
static const int32_t *gi_pi32_index_const(const void *self, int64_t idx) { ENTER("packed_int32_array_operator_index_const"); return packed_ptr(self, K_PI32_BUF, idx); }

/* ---------------- editor help ---------------- */

static int editor_help_docs;

int mg_editor_help_docs(void) { return editor_help_docs; }

static void editor_help_load(const char *data, int64_t len, const char *fn) {
    if (!data) {
        mg_violation("%s: NULL p_data", fn);
        return;
    }
    if (len < 0) {
        mg_violation("%s: negative p_size %lld", fn, (long long)len);
        return;
    }
    size_t n = (size_t)len;
    if (memchr(data, 0, n))
        mg_violation("%s: p_size %lld covers a NUL byte (size is in bytes of the XML text)", fn, (long long)len);
    char *text = xstrndup(data, n);
    if (!strstr(text, "<class ") || !strstr(text, "</class>"))
        mg_violation("%s: the XML has no <class ...>...</class> element", fn);
    if (mg_host.level != LEVEL_EDITOR)
        mg_log_event("warning", "editor help loaded outside EDITOR initialization", fn, "gdextension_interface.cpp", 0);
    free(text);
    editor_help_docs++;
}
static void gi_editor_help_load_xml_from_utf8_chars(const char *data) {
    ENTER("editor_help_load_xml_from_utf8_chars");
    editor_help_load(data, data ? (int64_t)strlen(data) : 0, "editor_help_load_xml_from_utf8_chars");
}
static void gi_editor_help_load_xml_from_utf8_chars_and_len(const char *data, int64_t len) {
    ENTER("editor_help_load_xml_from_utf8_chars_and_len");
    editor_help_load(data, len, "editor_help_load_xml_from_utf8_chars_and_len");
}

/* ---------------- get_proc_address ---------------- */

static const struct {
    const char *name;
    void *fn;
} impls[] = {
    {"get_godot_version", (void *)gi_get_godot_version},
    {"get_godot_version2", (void *)gi_get_godot_version2},
    {"mem_alloc", (void *)gi_mem_alloc},
    {"mem_realloc", (void *)gi_mem_realloc},
    {"mem_free", (void *)gi_mem_free},
    {"mem_alloc2", (void *)gi_mem_alloc2},
    {"mem_realloc2", (void *)gi_mem_realloc2},
    {"mem_free2", (void *)gi_mem_free2},
    {"print_error", (void *)gi_print_error},
    {"print_error_with_message", (void *)gi_print_error_with_message},
    {"print_warning", (void *)gi_print_warning},
    {"print_warning_with_message", (void *)gi_print_warning_with_message},
    {"print_script_error", (void *)gi_print_script_error},
    {"string_new_with_latin1_chars", (void *)gi_string_new_with_latin1_chars},
    {"string_new_with_latin1_chars_and_len", (void *)gi_string_new_with_latin1_chars_and_len},
    {"string_new_with_utf8_chars", (void *)gi_string_new_with_utf8_chars},
    {"string_new_with_utf8_chars_and_len", (void *)gi_string_new_with_utf8_chars_and_len},
    {"string_new_with_utf8_chars_and_len2", (void *)gi_string_new_with_utf8_chars_and_len2},
    {"string_to_utf8_chars", (void *)gi_string_to_utf8_chars},
    {"string_to_latin1_chars", (void *)gi_string_to_latin1_chars},
    {"string_name_new_with_latin1_chars", (void *)gi_string_name_new_with_latin1_chars},
    {"string_name_new_with_utf8_chars", (void *)gi_string_name_new_with_utf8_chars},
    {"string_name_new_with_utf8_chars_and_len", (void *)gi_string_name_new_with_utf8_chars_and_len},
    {"variant_new_nil", (void *)gi_variant_new_nil},
    {"variant_new_copy", (void *)gi_variant_new_copy},
    {"variant_destroy", (void *)gi_variant_destroy},
    {"variant_get_type", (void *)gi_variant_get_type},
    {"variant_can_convert_strict", (void *)gi_variant_can_convert_strict},
    {"variant_can_convert", (void *)gi_variant_can_convert},
    {"variant_stringify", (void *)gi_variant_stringify},
    {"get_variant_from_type_constructor", (void *)gi_get_variant_from_type_constructor},
    {"get_variant_to_type_constructor", (void *)gi_get_variant_to_type_constructor},
    {"variant_get_ptr_constructor", (void *)gi_variant_get_ptr_constructor},
    {"variant_get_ptr_destructor", (void *)gi_variant_get_ptr_destructor},
    {"variant_get_ptr_builtin_method", (void *)gi_variant_get_ptr_builtin_method},
    {"dictionary_operator_index", (void *)gi_dictionary_operator_index},
    {"dictionary_operator_index_const", (void *)gi_dictionary_operator_index_const},
    {"array_operator_index", (void *)gi_array_operator_index},
    {"array_operator_index_const", (void *)gi_array_operator_index_const},
    {"packed_byte_array_operator_index", (void *)gi_pba_index},
    {"packed_byte_array_operator_index_const", (void *)gi_pba_index_const},
    {"packed_int32_array_operator_index", (void *)gi_pi32_index},
    {"packed_int32_array_operator_index_const", (void *)gi_pi32_index_const},
    {"editor_help_load_xml_from_utf8_chars", (void *)gi_editor_help_load_xml_from_utf8_chars},
    {"editor_help_load_xml_from_utf8_chars_and_len", (void *)gi_editor_help_load_xml_from_utf8_chars_and_len},
};

typedef struct {
    char *name;
    bool available;
    bool emulated;
    int count;
} Requested;
static Requested *reqs;
static size_t nreqs, capreqs;
static bool version_getter_ok;

bool mg_version_getter_ok(void) { return version_getter_ok; }

static void record(const char *name, bool available, bool emulated) {
    for (size_t i = 0; i < nreqs; i++) {
        if (!strcmp(reqs[i].name, name)) {
            reqs[i].count++;
            return;
        }
    }
    if (nreqs == capreqs) {
        capreqs = capreqs ? capreqs * 2 : 64;
        reqs = xrealloc(reqs, capreqs * sizeof *reqs);
    }
    reqs[nreqs++] = (Requested){xstrdup(name), available, emulated, 1};
}

cJSON *mg_requested_names(void) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < nreqs; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", reqs[i].name);
        cJSON_AddBoolToObject(o, "available", reqs[i].available);
        cJSON_AddNumberToObject(o, "count", reqs[i].count);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static const MgIfaceName *find_name(const char *name) {
    for (const MgIfaceName *n = mg_iface_names; n->name; n++)
        if (!strcmp(n->name, name))
            return n;
    return NULL;
}

void *mg_get_proc_address(const char *name) {
    ENTER("get_proc_address");
    if (!name) {
        mg_violation("get_proc_address: NULL name");
        return NULL;
    }
    const MgIfaceName *n = find_name(name);
    int v = mg_host.version;
    bool available = n && n->since <= v && !(n->removed && v >= n->removed) &&
                     !(mg_host.disable_deprecated && n->deprecated && n->deprecated <= v);
    bool is_version_getter = !strcmp(name, "get_godot_version") || !strcmp(name, "get_godot_version2");
    if (!available) {
        char msg[256];
        snprintf(msg, sizeof msg, "Attempt to get non-existent interface function: '%s'.", name);
        mg_log_event("error", msg, "get_proc_address", "gdextension_library_loader.cpp", 0);
        record(name, false, false);
        if (!is_version_getter) {
            if (!n)
                mg_violation("get_proc_address: '%s' is not a GDExtension interface function in any Godot version", name);
            else if (n->since > v)
                mg_violation("get_proc_address: '%s' exists only since Godot 4.%d; emulated Godot is 4.%d", name, n->since % 10, v % 10);
            else
                mg_violation("get_proc_address: '%s' is absent in Godot 4.%d%s (deprecated in 4.%d%s)", name, v % 10,
                             mg_host.disable_deprecated ? " built with disable_deprecated" : "", n->deprecated % 10,
                             n->removed ? ", removed" : "");
        }
        return NULL;
    }
    void *fn = NULL;
    for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++)
        if (!strcmp(impls[i].name, name))
            fn = impls[i].fn;
    if (!fn)
        fn = classdb_proc(name);
    record(name, true, fn != NULL);
    if (!fn) {
        mg_violation("get_proc_address: '%s' exists in Godot 4.%d but mini-Godot does not emulate it; extend the host or avoid it", name, v % 10);
        return NULL;
    }
    if (is_version_getter)
        version_getter_ok = true;
    return fn;
}
