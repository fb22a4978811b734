/* Typed JSON encoding of Variants (§6.7): nothing is lost, 64-bit ints are
 * decimal strings, bytes are hex. */
#include "mg.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

cJSON *json_int64(int64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_CreateRaw(buf);
}

static cJSON *typed(const char *t, cJSON *v) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "t", t);
    if (v)
        cJSON_AddItemToObject(o, "v", v);
    return o;
}

static cJSON *float_json(double f) {
    if (isnan(f))
        return cJSON_CreateString("nan");
    if (isinf(f))
        return cJSON_CreateString(f > 0 ? "inf" : "-inf");
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", f);
    if (!strpbrk(buf, ".eE"))
        strcat(buf, ".0");
    return cJSON_CreateRaw(buf);
}

static cJSON *text_json(const char *s, size_t n) {
    char *tmp = xstrndup(s ? s : "", s ? n : 0);
    cJSON *j = cJSON_CreateString(tmp);
    free(tmp);
    return j;
}

cJSON *json_from_variant(const MgVariant *v) {
    if (!variant_valid(v, "serialize"))
        return typed("invalid", NULL);
    char buf[32];
    switch (v->type) {
    case VT_NIL: return typed("nil", NULL);
    case VT_BOOL:
        if (v->u.b > 1)
            mg_violation("bool Variant holds byte %u (must be 0 or 1)", v->u.b);
        return typed("bool", cJSON_CreateBool(v->u.b != 0));
    case VT_INT:
        snprintf(buf, sizeof buf, "%" PRId64, v->u.i);
        return typed("int", cJSON_CreateString(buf));
    case VT_FLOAT: return typed("float", float_json(v->u.f));
    case VT_STRING: case VT_STRING_NAME: case VT_NODE_PATH: {
        size_t n;
        const char *s = variant_text(v, &n);
        return typed(v->type == VT_STRING ? "string" : v->type == VT_STRING_NAME ? "string_name" : "node_path", text_json(s, n));
    }
    case VT_VECTOR2: {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, float_json(v->u.v2[0]));
        cJSON_AddItemToArray(a, float_json(v->u.v2[1]));
        return typed("vector2", a);
    }
    case VT_OBJECT: {
        if (!v->u.o.obj)
            return typed("object", cJSON_CreateNull());
        snprintf(buf, sizeof buf, "%" PRIu64, v->u.o.id);
        cJSON *o = typed("object", cJSON_CreateString(buf));
        MgObject *ob = v->u.o.obj;
        cJSON_AddStringToObject(o, "class", ob->ext_class ? ob->ext_class->name : ob->base_class);
        return o;
    }
    case VT_DICTIONARY: {
        const MgDict *d = v->u.p;
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < d->n; i++) {
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, json_from_variant(&d->e[i]->key));
            cJSON_AddItemToArray(pair, json_from_variant(&d->e[i]->val));
            cJSON_AddItemToArray(a, pair);
        }
        return typed("dict", a);
    }
    case VT_ARRAY: {
        const MgArray *arr = v->u.p;
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < arr->n; i++)
            cJSON_AddItemToArray(a, json_from_variant(&arr->items[i]));
        return typed("array", a);
    }
    case VT_PACKED_BYTE_ARRAY: {
        const MgBox *bx = v->u.p;
        size_t n = bx->val.buf ? bx->val.buf->size : 0;
        char *hex = xmalloc(n * 2 + 1);
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
            hex[2 * i] = digits[bx->val.buf->data[i] >> 4];
            hex[2 * i + 1] = digits[bx->val.buf->data[i] & 15];
        }
        hex[2 * n] = 0;
        cJSON *j = typed("bytes", cJSON_CreateString(hex));
        free(hex);
        return j;
    }
    case VT_PACKED_INT32_ARRAY: {
        const MgBox *bx = v->u.p;
        size_t n = bx->val.buf ? bx->val.buf->size : 0;
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            int32_t x;
            memcpy(&x, bx->val.buf->data + 4 * i, 4);
            cJSON_AddItemToArray(a, cJSON_CreateNumber(x));
        }
        return typed("int32s", a);
    }
    default: return typed("invalid", NULL);
    }
}

static bool fail(char *err, size_t errlen, const char *msg) {
    snprintf(err, errlen, "%s", msg);
    return false;
}

static bool parse_int(const cJSON *j, int64_t *out) {
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d != floor(d) || fabs(d) > 9007199254740992.0)
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (!cJSON_IsString(j))
        return false;
    const char *s = j->valuestring;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end && errno == 0) {
        *out = v;
        return true;
    }
    /* uint64 bit patterns (Steam IDs above 2^63) are accepted too */
    errno = 0;
    unsigned long long u = strtoull(s, &end, 10);
    if (*s && *s != '-' && !*end && errno == 0) {
        *out = (int64_t)u;
        return true;
    }
    return false;
}

static bool parse_float(const cJSON *j, double *out) {
    if (cJSON_IsNumber(j)) {
        *out = j->valuedouble;
        return true;
    }
    if (!cJSON_IsString(j))
        return false;
    if (!strcmp(j->valuestring, "nan")) *out = NAN;
    else if (!strcmp(j->valuestring, "inf")) *out = INFINITY;
    else if (!strcmp(j->valuestring, "-inf")) *out = -INFINITY;
    else {
        char *end;
        *out = strtod(j->valuestring, &end);
        if (!*j->valuestring || *end)
            return false;
    }
    return true;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool variant_from_json(MgVariant *dst, const cJSON *j, char *err, size_t errlen) {
    variant_nil(dst);
    if (!cJSON_IsObject(j))
        return fail(err, errlen, "a value must be an object {\"t\":type,\"v\":value}");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
    if (!cJSON_IsString(t))
        return fail(err, errlen, "value without a \"t\" string");
    const char *ts = t->valuestring;
    if (!strcmp(ts, "nil"))
        return true;
    if (!v && strcmp(ts, "object"))
        return fail(err, errlen, "value without \"v\"");
    if (!strcmp(ts, "bool")) {
        if (!cJSON_IsBool(v))
            return fail(err, errlen, "bool value must be true/false");
        dst->type = VT_BOOL;
        dst->u.b = cJSON_IsTrue(v) ? 1 : 0;
        return true;
    }
    if (!strcmp(ts, "int")) {
        if (!parse_int(v, &dst->u.i))
            return fail(err, errlen, "int value must be a decimal string");
        dst->type = VT_INT;
        return true;
    }
    if (!strcmp(ts, "float")) {
        if (!parse_float(v, &dst->u.f))
            return fail(err, errlen, "bad float value");
        dst->type = VT_FLOAT;
        return true;
    }
    if (!strcmp(ts, "string") || !strcmp(ts, "node_path") || !strcmp(ts, "string_name")) {
        if (!cJSON_IsString(v))
            return fail(err, errlen, "string value must be a JSON string");
        size_t n = strlen(v->valuestring);
        if (!strcmp(ts, "string_name")) {
            dst->type = VT_STRING_NAME;
            sname_make(&dst->u.p, v->valuestring, n, false);
        } else {
            dst->type = ts[0] == 's' ? VT_STRING : VT_NODE_PATH;
            str_make(&dst->u.p, v->valuestring, n, dst->type == VT_STRING ? K_STRING : K_NODE_PATH);
        }
        return true;
    }
    if (!strcmp(ts, "vector2")) {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
            return fail(err, errlen, "vector2 value must be [x, y]");
        double x, y;
        if (!parse_float(cJSON_GetArrayItem(v, 0), &x) || !parse_float(cJSON_GetArrayItem(v, 1), &y))
            return fail(err, errlen, "bad vector2 component");
        dst->type = VT_VECTOR2;
        dst->u.v2[0] = (float)x;
        dst->u.v2[1] = (float)y;
        return true;
    }
    if (!strcmp(ts, "object")) {
        dst->type = VT_OBJECT;
        if (!v || cJSON_IsNull(v))
            return true;
        int64_t id;
        if (!parse_int(v, &id))
            return fail(err, errlen, "object value must be an instance id string or null");
        MgObject *o = object_by_id((uint64_t)id);
        if (!o)
            return fail(err, errlen, "no live object with that id");
        dst->u.o.id = o->id;
        dst->u.o.obj = o;
        return true;
    }
    if (!strcmp(ts, "dict")) {
        if (!cJSON_IsArray(v))
            return fail(err, errlen, "dict value must be [[K,V],...]");
        dst->type = VT_DICTIONARY;
        MgDict *d = dict_new();
        dst->u.p = d;
        const cJSON *pair;
        cJSON_ArrayForEach(pair, v) {
            if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2) {
                variant_destroy(dst, "parse");
                return fail(err, errlen, "dict entries must be [K,V] pairs");
            }
            MgVariant k, x;
            if (!variant_from_json(&k, cJSON_GetArrayItem(pair, 0), err, errlen)) {
                variant_destroy(dst, "parse");
                return false;
            }
            if (!variant_from_json(&x, cJSON_GetArrayItem(pair, 1), err, errlen)) {
                variant_destroy(&k, "parse");
                variant_destroy(dst, "parse");
                return false;
            }
            MgVariant *slot = dict_index(d, &k, true);
            variant_destroy(slot, "parse");
            *slot = x; /* move */
            variant_destroy(&k, "parse");
        }
        return true;
    }
    if (!strcmp(ts, "array")) {
        if (!cJSON_IsArray(v))
            return fail(err, errlen, "array value must be a JSON array");
        dst->type = VT_ARRAY;
        MgArray *a = array_new();
        dst->u.p = a;
        const cJSON *it;
        cJSON_ArrayForEach(it, v) {
            MgVariant x;
            if (!variant_from_json(&x, it, err, errlen)) {
                variant_destroy(dst, "parse");
                return false;
            }
            array_append(a, &x);
            variant_destroy(&x, "parse");
        }
        return true;
    }
    if (!strcmp(ts, "bytes")) {
        if (!cJSON_IsString(v))
            return fail(err, errlen, "bytes value must be a hex string");
        size_t n = strlen(v->valuestring);
        if (n % 2)
            return fail(err, errlen, "bytes hex has odd length");
        MgBox *bx = box_new(K_PBA_BOX);
        dst->type = VT_PACKED_BYTE_ARRAY;
        dst->u.p = bx;
        if (n) {
            bx->val.buf = buf_new(K_PBA_BUF, n / 2, 1);
            for (size_t i = 0; i < n / 2; i++) {
                int hi = hexval(v->valuestring[2 * i]), lo = hexval(v->valuestring[2 * i + 1]);
                if (hi < 0 || lo < 0) {
                    variant_destroy(dst, "parse");
                    return fail(err, errlen, "bytes value is not hex");
                }
                bx->val.buf->data[i] = (uint8_t)(hi << 4 | lo);
            }
        }
        return true;
    }
    if (!strcmp(ts, "int32s")) {
        if (!cJSON_IsArray(v))
            return fail(err, errlen, "int32s value must be a JSON array of numbers");
        int n = cJSON_GetArraySize(v);
        MgBox *bx = box_new(K_PI32_BOX);
        dst->type = VT_PACKED_INT32_ARRAY;
        dst->u.p = bx;
        if (n) {
            bx->val.buf = buf_new(K_PI32_BUF, (size_t)n, 4);
            for (int i = 0; i < n; i++) {
                int64_t x;
                if (!parse_int(cJSON_GetArrayItem(v, i), &x) || x < INT32_MIN || x > INT32_MAX) {
                    variant_destroy(dst, "parse");
                    return fail(err, errlen, "int32s element out of range");
                }
                int32_t y = (int32_t)x;
                memcpy(bx->val.buf->data + 4 * (size_t)i, &y, 4);
            }
        }
        return true;
    }
    return fail(err, errlen, "unknown value type (nil, bool, int, float, string, string_name, node_path, vector2, object, dict, array, bytes, int32s)");
}

/* api.json style plain value for a default argument. */
cJSON *json_plain_default(const MgVariant *v) {
    switch (v->type) {
    case VT_NIL: return cJSON_CreateNull();
    case VT_BOOL: return cJSON_CreateBool(v->u.b != 0);
    case VT_INT: return json_int64(v->u.i);
    case VT_FLOAT: return float_json(v->u.f);
    case VT_STRING: case VT_STRING_NAME: case VT_NODE_PATH: {
        size_t n;
        const char *s = variant_text(v, &n);
        return text_json(s, n);
    }
    case VT_DICTIONARY: {
        const MgDict *d = v->u.p;
        cJSON *o = cJSON_CreateObject();
        for (size_t i = 0; i < d->n; i++) {
            size_t n;
            const char *k = variant_text(&d->e[i]->key, &n);
            char *kk = xstrndup(k ? k : "?", k ? n : 1);
            cJSON_AddItemToObject(o, kk, json_plain_default(&d->e[i]->val));
            free(kk);
        }
        return o;
    }
    case VT_ARRAY: {
        const MgArray *a = v->u.p;
        cJSON *o = cJSON_CreateArray();
        for (size_t i = 0; i < a->n; i++)
            cJSON_AddItemToArray(o, json_plain_default(&a->items[i]));
        return o;
    }
    default: return json_from_variant(v);
    }
}
