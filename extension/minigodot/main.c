/* mini-Godot command line, lifecycle and JSON-lines protocol (§6.1, §6.4, §6.7).
 *
 *   minigodot describe LIBRARY [options]   print the registered class as JSON
 *   minigodot run LIBRARY [options]        JSON-lines requests on stdin
 *
 * options: --godot 4.3|4.4|4.5|4.6|4.7  --editor  --disable-deprecated
 *          --entry SYMBOL (default godotsteam_sockets_init)
 *          --allow-threads (interface calls off the main thread are violations unless given)
 *
 * Exit status: 0 clean, 1 violations were recorded, 2 usage or load error,
 * 70 a fatal misuse that would crash Godot. */
#include "mg.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

MgHost mg_host = {.version = 43, .level = -1};
int mg_violations;
int64_t mg_main_tid;

static FILE *proto;
static bool events_to_stderr; /* describe: stdout carries only the description */
static pthread_t main_thread;
static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;
static AbiInitialization init_info;
static int max_level;

/* ---------------- reporting ---------------- */

void mg_emit(cJSON *ev) {
    char *s = cJSON_PrintUnformatted(ev);
    cJSON_Delete(ev);
    pthread_mutex_lock(&emit_lock);
    FILE *f = events_to_stderr ? stderr : proto;
    fputs(s, f);
    fputc('\n', f);
    fflush(f);
    pthread_mutex_unlock(&emit_lock);
    free(s);
}

static void vviolation(const char *fmt, va_list ap) {
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    __atomic_add_fetch(&mg_violations, 1, __ATOMIC_SEQ_CST);
    fprintf(stderr, "minigodot: VIOLATION: %s\n", buf);
    if (!events_to_stderr) {
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "event", "violation");
        cJSON_AddStringToObject(ev, "text", buf);
        mg_emit(ev);
    }
}

void mg_violation(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vviolation(fmt, ap);
    va_end(ap);
}

void mg_fatal(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vviolation(fmt, ap);
    va_end(ap);
    fprintf(stderr, "minigodot: FATAL: Godot would crash here; exiting\n");
    fflush(stderr);
    if (proto)
        fflush(proto);
    _exit(70);
}

void mg_log_event(const char *level, const char *text, const char *func, const char *file, int line) {
    fprintf(stderr, "minigodot: %s: %s (%s %s:%d)\n", level, text ? text : "(null)", func ? func : "", file ? file : "", line);
    if (events_to_stderr)
        return;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "log");
    cJSON_AddStringToObject(ev, "level", level);
    cJSON_AddStringToObject(ev, "text", text ? text : "");
    cJSON_AddStringToObject(ev, "function", func ? func : "");
    cJSON_AddStringToObject(ev, "file", file ? file : "");
    cJSON_AddNumberToObject(ev, "line", line);
    mg_emit(ev);
}

void check_thread(const char *fn) {
    if (!mg_host.allow_threads && !pthread_equal(pthread_self(), main_thread))
        mg_violation("interface function %s called from a thread other than the main thread (goroutines must never call Godot)", fn);
    if (mg_host.deinit_done)
        mg_violation("interface function %s called after the last deinitialize", fn);
}

/* ---------------- lifecycle ---------------- */

static bool all_ab(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0xAB)
            return false;
    return true;
}

static void run_level(int l, bool init) {
    mg_host.level = l;
    mg_host.initializing = init;
    if (init)
        init_info.initialize(init_info.userdata, (uint32_t)l);
    else
        init_info.deinitialize(init_info.userdata, (uint32_t)l);
    mg_host.initializing = false;
    mg_host.level = -1;
}

static int load(const char *path, const char *entry) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "minigodot: cannot load %s: %s\n", path, dlerror());
        return 2;
    }
    void *sym = dlsym(h, entry);
    if (!sym) {
        fprintf(stderr, "minigodot: entry symbol '%s' not found in %s\n", entry, path);
        return 2;
    }
    memset(&init_info, 0xAB, sizeof init_info);
    uint8_t (*fn)(void *, void *, AbiInitialization *) = (uint8_t(*)(void *, void *, AbiInitialization *))sym;
    mg_host.in_entry = true;
    uint8_t ok = fn((void *)mg_get_proc_address, mg_host.token, &init_info);
    mg_host.in_entry = false;
    if (ok != 1) {
        mg_log_event("error", "GDExtension initialization function returned an error.", entry, "gdextension_library_loader.cpp", 0);
        mg_violation("entry '%s' returned %u (Godot refuses to load the extension)", entry, ok);
        return 2;
    }
    bool bad = false;
    if (all_ab(&init_info.minimum_initialization_level, 4) || init_info.minimum_initialization_level > LEVEL_EDITOR) {
        mg_violation("r_initialization.minimum_initialization_level is %u (unset or out of range)", init_info.minimum_initialization_level);
        bad = true;
    }
    if (all_ab(&init_info.initialize, sizeof(void *)) || !init_info.initialize) {
        mg_violation("r_initialization.initialize is unset");
        bad = true;
    }
    if (all_ab(&init_info.deinitialize, sizeof(void *)) || !init_info.deinitialize) {
        mg_violation("r_initialization.deinitialize is unset");
        bad = true;
    }
    if (all_ab(&init_info.userdata, sizeof(void *)))
        mg_violation("r_initialization.userdata is unset (0xAB pattern)");
    if (bad)
        return 2;
    max_level = mg_host.editor ? LEVEL_EDITOR : LEVEL_SCENE;
    for (int l = LEVEL_CORE; l <= max_level; l++) {
        run_level(l, true);
        if (l == LEVEL_CORE) {
            host_create_singletons();
            mg_host.core_done = true;
        }
    }
    classdb_final_checks();
    return 0;
}

static cJSON *refs_json(const int64_t *refs) {
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < K_COUNT; k++)
        cJSON_AddNumberToObject(o, mg_kind_names[k], (double)refs[k]);
    return o;
}

static int finish(void) {
    for (int l = max_level; l >= LEVEL_CORE; l--)
        run_level(l, false);
    mg_host.deinit_done = true;
    classdb_deinit_checks();
    host_destroy_singletons();
    for (int k = 0; k < K_COUNT; k++) {
        if (mg_refs[k] || mg_blocks[k])
            mg_violation("after deinitialize: %" PRId64 " %s reference(s) in %" PRId64 " block(s) are still alive (leaked)", mg_refs[k], mg_kind_names[k], mg_blocks[k]);
    }
    return mg_violations ? 1 : 0;
}

/* ---------------- invoking methods ---------------- */

static MgObject *resolve_object(const cJSON *req, char *err, size_t errlen) {
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(req, "object");
    const char *name = cJSON_IsString(o) ? o->valuestring : "Steam";
    MgObject *obj = singleton_find(name);
    if (!obj) {
        char *end;
        unsigned long long id = strtoull(name, &end, 10);
        if (*name && !*end)
            obj = object_by_id(id);
    }
    if (!obj || !mg_live(obj, K_OBJECT)) {
        snprintf(err, errlen, "no object '%s' (a singleton name or an instance id)", name);
        return NULL;
    }
    if (!obj->ext_class) {
        snprintf(err, errlen, "object '%s' has no extension instance", name);
        return NULL;
    }
    return obj;
}

static cJSON *call_error_json(const MgCallError *ce) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "error", ce->error);
    cJSON_AddNumberToObject(o, "argument", ce->argument);
    cJSON_AddNumberToObject(o, "expected", ce->expected);
    return o;
}

/* What Godot's own binders would report for these arguments. */
static MgCallError expected_error(const MgMethod *m, const MgVariant *args, int n) {
    MgCallError e = {CALL_OK, 0, 0};
    if ((uint32_t)n > m->argc) {
        e.error = CALL_TOO_MANY_ARGUMENTS;
        e.expected = (int32_t)m->argc;
    } else if ((uint32_t)n < m->argc - m->ndef) {
        e.error = CALL_TOO_FEW_ARGUMENTS;
        e.expected = (int32_t)m->argc;
    } else {
        for (int i = 0; i < n; i++) {
            if (!can_convert_strict(args[i].type, m->args[i].type)) {
                e.error = CALL_INVALID_ARGUMENT;
                e.argument = i;
                e.expected = (int32_t)m->args[i].type;
                break;
            }
        }
    }
    return e;
}

static cJSON *response(const cJSON *req) {
    cJSON *r = cJSON_CreateObject();
    const cJSON *id = req ? cJSON_GetObjectItemCaseSensitive(req, "id") : NULL;
    if (id)
        cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, true));
    return r;
}

static cJSON *fail_response(const cJSON *req, const char *msg) {
    cJSON *r = response(req);
    cJSON_AddBoolToObject(r, "ok", false);
    cJSON_AddStringToObject(r, "error", msg);
    return r;
}

static void add_delta(cJSON *r, const cJSON *req, const int64_t *before, const char *what) {
    cJSON *leaks = NULL;
    for (int k = 0; k < K_COUNT; k++) {
        int64_t d = mg_refs[k] - before[k];
        if (d) {
            if (!leaks)
                leaks = cJSON_CreateObject();
            cJSON_AddNumberToObject(leaks, mg_kind_names[k], (double)d);
        }
    }
    if (!leaks)
        return;
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(req, "check_balance");
    if (cJSON_IsTrue(cb)) {
        char *s = cJSON_PrintUnformatted(leaks);
        mg_violation("%s: Variant accounting not balanced, reference deltas %s", what, s);
        free(s);
    }
    cJSON_AddItemToObject(r, "leaks", leaks);
}

static cJSON *do_invoke(const cJSON *req, const char *method_override, bool ptr) {
    char err[512];
    MgObject *obj = resolve_object(req, err, sizeof err);
    if (!obj)
        return fail_response(req, err);
    const cJSON *mj = cJSON_GetObjectItemCaseSensitive(req, "method");
    const char *mname = method_override ? method_override : cJSON_IsString(mj) ? mj->valuestring : NULL;
    if (!mname)
        return fail_response(req, "missing \"method\"");
    MgMethod *m = class_method(obj->ext_class, mname);
    if (!m) {
        if (ptr)
            return fail_response(req, "no such method (ptrcall needs a method bind)");
        /* Object::callp on a missing method: CALL_ERROR_INVALID_METHOD, the extension is not reached */
        cJSON *r = response(req);
        cJSON_AddBoolToObject(r, "ok", true);
        cJSON_AddItemToObject(r, "ret", json_from_variant(&(MgVariant){0}));
        MgCallError ce = {CALL_INVALID_METHOD, 0, 0};
        cJSON_AddItemToObject(r, "call_error", call_error_json(&ce));
        return r;
    }
    if ((ptr && !m->ptrcall) || (!ptr && !m->call))
        return fail_response(req, "the method was registered without this call function");
    char ctx[300];
    snprintf(ctx, sizeof ctx, "%s %s.%s", ptr ? "ptrcall" : "call", obj->ext_class->name, m->name);

    int64_t before[K_COUNT];
    memcpy(before, mg_refs, sizeof before);

    const cJSON *aj = cJSON_GetObjectItemCaseSensitive(req, "args");
    int n = cJSON_IsArray(aj) ? cJSON_GetArraySize(aj) : 0;
    MgVariant *args = xcalloc((size_t)n, sizeof *args);
    for (int i = 0; i < n; i++) {
        if (!variant_from_json(&args[i], cJSON_GetArrayItem(aj, i), err, sizeof err)) {
            for (int k = 0; k < i; k++)
                variant_destroy(&args[k], "request cleanup");
            free(args);
            char msg[600];
            snprintf(msg, sizeof msg, "argument %d: %s", i, err);
            return fail_response(req, msg);
        }
    }
    if (ptr) {
        const char *why = NULL;
        char whybuf[256];
        if ((uint32_t)n != m->argc) {
            snprintf(whybuf, sizeof whybuf, "ptrcall needs exactly %u arguments (GDScript uses call when defaults are omitted), got %d", m->argc, n);
            why = whybuf;
        }
        for (int i = 0; !why && i < n; i++) {
            if (m->args[i].type == VT_NIL) {
                snprintf(whybuf, sizeof whybuf, "argument %d is declared Variant: never ptrcalled", i);
                why = whybuf;
            } else if (args[i].type != m->args[i].type) {
                snprintf(whybuf, sizeof whybuf, "argument %d is a %s, declared %s: GDScript would use call", i, variant_type_name(args[i].type), variant_type_name(m->args[i].type));
                why = whybuf;
            }
        }
        if (why) {
            for (int k = 0; k < n; k++)
                variant_destroy(&args[k], "request cleanup");
            free(args);
            char msg[400];
            snprintf(msg, sizeof msg, "not eligible for ptrcall: %s", why);
            return fail_response(req, msg);
        }
    }
    uint64_t *hashes = xcalloc((size_t)n, sizeof *hashes);
    MgVariant *copies = xcalloc((size_t)n, sizeof *copies);
    for (int i = 0; i < n; i++) {
        hashes[i] = variant_hash(&args[i]);
        copies[i] = args[i];
    }

    MgVariant ret;
    MgCallError ce = {CALL_OK, 0, 0};
    if (!ptr) {
        const MgVariant **argp = n ? xcalloc((size_t)n, sizeof *argp) : NULL;
        for (int i = 0; i < n; i++)
            argp[i] = &args[i];
        variant_nil(&ret);
        m->call(m->userdata, obj->instance, (const void *const *)argp, n, &ret, &ce);
        free(argp);
    } else {
        const void **argp = n ? xcalloc((size_t)n, sizeof *argp) : NULL;
        for (int i = 0; i < n; i++)
            argp[i] = variant_payload(&args[i]);
        void *slot = NULL;
        if (m->has_ret) {
            variant_init_type(&ret, m->ret.type);
            slot = variant_payload(&ret);
        } else {
            variant_nil(&ret);
        }
        m->ptrcall(m->userdata, obj->instance, argp, slot);
        free(argp);
    }
    if (!mg_live(obj, K_OBJECT))
        mg_violation("%s: the object was destroyed during its own method call", ctx);

    cJSON *r = response(req);
    cJSON_AddBoolToObject(r, "ok", true);
    bool ret_ok = variant_valid(&ret, ctx);
    if (!ret_ok)
        variant_nil(&ret); /* do not touch a broken return value */
    if (ptr && m->has_ret && ret.type == VT_BOOL && ret.u.b > 1)
        mg_violation("%s: bool return slot holds byte %u", ctx, ret.u.b);
    cJSON_AddItemToObject(r, "ret", json_from_variant(&ret));
    if (!ptr) {
        cJSON_AddItemToObject(r, "call_error", call_error_json(&ce));
        if (ce.error > CALL_METHOD_NOT_CONST)
            mg_violation("%s: r_error.error = %u is not a GDExtensionCallErrorType", ctx, ce.error);
        MgCallError want = expected_error(m, args, n);
        if (want.error != CALL_OK) {
            if (ce.error != want.error || (want.error == CALL_INVALID_ARGUMENT && (ce.argument != want.argument || ce.expected != want.expected)) ||
                ((want.error == CALL_TOO_MANY_ARGUMENTS || want.error == CALL_TOO_FEW_ARGUMENTS) && ce.expected != want.expected))
                mg_violation("%s: call error {%u,%d,%d}, Godot's binders give {%u,%d,%d}", ctx, ce.error, ce.argument, ce.expected, want.error, want.argument, want.expected);
        } else if (ce.error == CALL_INVALID_ARGUMENT || ce.error == CALL_TOO_MANY_ARGUMENTS || ce.error == CALL_TOO_FEW_ARGUMENTS) {
            mg_violation("%s: call error %u for arguments Godot's binders accept", ctx, ce.error);
        }
        if (ce.error == CALL_OK && ret_ok) {
            if (!m->has_ret && ret.type != VT_NIL)
                mg_violation("%s: void method returned a %s", ctx, variant_type_name(ret.type));
            if (m->has_ret && m->ret.type != VT_NIL && ret.type != m->ret.type)
                mg_violation("%s: returned a %s, declared %s", ctx, variant_type_name(ret.type), variant_type_name(m->ret.type));
        }
    }
    variant_destroy(&ret, ctx);
    /* checked once the return value is gone: it may legitimately share blocks with the arguments */
    for (int i = 0; i < n; i++) {
        if (memcmp(&copies[i], &args[i], sizeof(MgVariant)) != 0 || variant_hash(&args[i]) != hashes[i])
            mg_violation("%s: argument %d (%s) was modified or retained; arguments are const", ctx, i, m->args && (uint32_t)i < m->argc ? m->args[i].name : "?");
    }
    free(hashes);
    free(copies);
    for (int i = 0; i < n; i++)
        variant_destroy(&args[i], ctx);
    free(args);
    add_delta(r, req, before, ctx);
    return r;
}

/* vcall: a virtual method called the way the engine calls it (virtuals.c). */
static cJSON *do_vcall(const cJSON *req) {
    char err[512];
    MgObject *obj = resolve_object(req, err, sizeof err);
    if (!obj)
        return fail_response(req, err);
    const cJSON *mj = cJSON_GetObjectItemCaseSensitive(req, "method");
    if (!cJSON_IsString(mj))
        return fail_response(req, "missing \"method\" (the virtual's name, e.g. \"_poll\")");
    int64_t before[K_COUNT];
    memcpy(before, mg_refs, sizeof before);
    const cJSON *aj = cJSON_GetObjectItemCaseSensitive(req, "args");
    int n = cJSON_IsArray(aj) ? cJSON_GetArraySize(aj) : 0;
    if (n > 2)
        return fail_response(req, "virtuals take at most 2 arguments");
    MgVariant args[2];
    for (int i = 0; i < n; i++) {
        if (!variant_from_json(&args[i], cJSON_GetArrayItem(aj, i), err, sizeof err)) {
            for (int k = 0; k < i; k++)
                variant_destroy(&args[k], "request cleanup");
            char msg[600];
            snprintf(msg, sizeof msg, "argument %d: %s", i, err);
            return fail_response(req, msg);
        }
    }
    MgVariant ret;
    bool overridden = false;
    char ctx[200];
    snprintf(ctx, sizeof ctx, "vcall %s", mj->valuestring);
    bool ok = virtual_call(obj, mj->valuestring, args, n, &ret, &overridden, err, sizeof err);
    for (int i = 0; i < n; i++)
        variant_destroy(&args[i], ctx);
    if (!ok) {
        variant_destroy(&ret, ctx);
        return fail_response(req, err);
    }
    cJSON *r = response(req);
    cJSON_AddBoolToObject(r, "ok", true);
    cJSON_AddBoolToObject(r, "overridden", overridden);
    cJSON_AddItemToObject(r, "ret", json_from_variant(&ret));
    variant_destroy(&ret, ctx);
    if (mg_live(obj, K_OBJECT))
        cJSON_AddNumberToObject(r, "lookups", virtual_lookups(obj, mj->valuestring));
    add_delta(r, req, before, ctx);
    return r;
}

static cJSON *do_instantiate(const cJSON *req) {
    const cJSON *cj = cJSON_GetObjectItemCaseSensitive(req, "class");
    const char *cname = cJSON_IsString(cj) ? cj->valuestring : "Steam";
    MgClass *c = class_find(cname);
    if (!c)
        return fail_response(req, "no such extension class");
    int64_t before[K_COUNT];
    memcpy(before, mg_refs, sizeof before);
    int live_before = c->live_instances;
    MgObject *o = host_instantiate(c);
    if (!o)
        return fail_response(req, "create_instance failed");
    cJSON *r = response(req);
    cJSON_AddBoolToObject(r, "ok", true);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "keep"))) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" PRIu64, o->id);
        cJSON_AddStringToObject(r, "object", buf);
        return r;
    }
    host_object_destroy(o, "instantiate round trip");
    if (c->live_instances != live_before)
        mg_violation("instantiate %s: live instance count %d after destroy, expected %d", cname, c->live_instances, live_before);
    add_delta(r, req, before, "instantiate");
    return r;
}

static cJSON *do_free(const cJSON *req) {
    char err[256];
    const cJSON *oj = cJSON_GetObjectItemCaseSensitive(req, "object");
    if (!cJSON_IsString(oj))
        return fail_response(req, "missing \"object\" id");
    MgObject *o = resolve_object(req, err, sizeof err);
    if (!o)
        return fail_response(req, err);
    if (singleton_name_of(o))
        return fail_response(req, "refusing to free a singleton");
    host_object_destroy(o, "free");
    cJSON *r = response(req);
    cJSON_AddBoolToObject(r, "ok", true);
    return r;
}

static cJSON *do_stats(const cJSON *req) {
    cJSON *r = response(req);
    cJSON_AddBoolToObject(r, "ok", true);
    cJSON_AddItemToObject(r, "refs", refs_json(mg_refs));
    cJSON_AddItemToObject(r, "blocks", refs_json(mg_blocks));
    cJSON_AddNumberToObject(r, "objects", object_live_count(false));
    cJSON_AddNumberToObject(r, "violations", mg_violations);
    return r;
}

static void send(cJSON *r) { mg_emit(r); }

static int run_loop(void) {
    cJSON *ready = cJSON_CreateObject();
    cJSON_AddStringToObject(ready, "event", "ready");
    char v[8];
    snprintf(v, sizeof v, "4.%d", mg_host.version % 10);
    cJSON_AddStringToObject(ready, "godot", v);
    cJSON_AddNumberToObject(ready, "violations", mg_violations);
    mg_emit(ready);

    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        if (len == 0 || line[0] == '\n')
            continue;
        cJSON *req = cJSON_Parse(line);
        if (!req || !cJSON_IsObject(req)) {
            send(fail_response(NULL, "request is not a JSON object"));
            cJSON_Delete(req);
            continue;
        }
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
        const char *ops = cJSON_IsString(op) ? op->valuestring : "";
        if (!strcmp(ops, "call"))
            send(do_invoke(req, NULL, false));
        else if (!strcmp(ops, "ptrcall"))
            send(do_invoke(req, NULL, true));
        else if (!strcmp(ops, "pump"))
            send(do_invoke(req, "run_callbacks", false));
        else if (!strcmp(ops, "vcall"))
            send(do_vcall(req));
        else if (!strcmp(ops, "instantiate"))
            send(do_instantiate(req));
        else if (!strcmp(ops, "free"))
            send(do_free(req));
        else if (!strcmp(ops, "stats"))
            send(do_stats(req));
        else if (!strcmp(ops, "describe")) {
            cJSON *r = response(req);
            cJSON_AddBoolToObject(r, "ok", true);
            cJSON_AddItemToObject(r, "describe", describe_json());
            send(r);
        } else if (!strcmp(ops, "quit")) {
            int rc = finish();
            cJSON *r = response(req);
            cJSON_AddBoolToObject(r, "ok", true);
            cJSON_AddNumberToObject(r, "violations", mg_violations);
            cJSON_AddNumberToObject(r, "exit", rc);
            send(r);
            cJSON_Delete(req);
            free(line);
            return rc;
        } else
            send(fail_response(req, "unknown op (call, ptrcall, vcall, pump, instantiate, free, stats, describe, quit)"));
        cJSON_Delete(req);
    }
    free(line);
    return finish();
}

static void usage(void) {
    fprintf(stderr, "usage: minigodot describe|run LIBRARY [--godot 4.3|4.4|4.5|4.6|4.7] [--editor] [--disable-deprecated] [--entry SYMBOL] [--allow-threads]\n");
}

int main(int argc, char **argv) {
    if (argc < 3) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];
    const char *lib = argv[2];
    const char *entry = "godotsteam_sockets_init";
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--godot") && i + 1 < argc) {
            const char *v = argv[++i];
            if (strlen(v) != 3 || v[0] != '4' || v[1] != '.' || v[2] < '3' || v[2] > '7') {
                fprintf(stderr, "minigodot: --godot must be 4.3 .. 4.7\n");
                return 2;
            }
            mg_host.version = 40 + (v[2] - '0');
        } else if (!strcmp(argv[i], "--editor"))
            mg_host.editor = true;
        else if (!strcmp(argv[i], "--disable-deprecated"))
            mg_host.disable_deprecated = true;
        else if (!strcmp(argv[i], "--allow-threads"))
            mg_host.allow_threads = true;
        else if (!strcmp(argv[i], "--strict-threads"))
            mg_host.allow_threads = false; /* the default; accepted for the notes' spelling */
        else if (!strcmp(argv[i], "--entry") && i + 1 < argc)
            entry = argv[++i];
        else {
            usage();
            return 2;
        }
    }
    if (strcmp(cmd, "describe") != 0 && strcmp(cmd, "run") != 0) {
        usage();
        return 2;
    }
    /* protect the protocol stream: everything else that writes to stdout
     * (the Go runtime, fmt.Println in the extension) goes to stderr */
    int fd = dup(1);
    if (fd < 0 || dup2(2, 1) < 0) {
        perror("minigodot: dup");
        return 2;
    }
    proto = fdopen(fd, "w");
    if (!proto) {
        perror("minigodot: fdopen");
        return 2;
    }
    main_thread = pthread_self();
    mg_main_tid = (int64_t)syscall(SYS_gettid);
    mg_host.lib_path = lib;
    events_to_stderr = !strcmp(cmd, "describe");

    int rc = load(lib, entry);
    if (rc) {
        fflush(proto);
        return rc;
    }
    if (!strcmp(cmd, "describe")) {
        cJSON *d = describe_json();
        char *s = cJSON_Print(d);
        cJSON_Delete(d);
        fputs(s, proto);
        fputc('\n', proto);
        fflush(proto);
        free(s);
        rc = finish();
        if (mg_violations)
            fprintf(stderr, "minigodot: %d violation(s)\n", mg_violations);
        return rc;
    }
    rc = run_loop();
    fflush(proto);
    return rc;
}
