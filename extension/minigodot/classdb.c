/* ClassDB, objects, singletons and engine method binds (§2.1 rows 20-31,
 * §2.8, §6.2-§6.6). */
#include "mg.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ENTER(fn) check_thread(fn)

static MgClass **classes;
static size_t nclasses, capclasses;

MgClass *class_find(const char *name) {
    for (size_t i = 0; i < nclasses; i++)
        if (!strcmp(classes[i]->name, name))
            return classes[i];
    return NULL;
}
MgClass **class_all(size_t *n) {
    *n = nclasses;
    return classes;
}
MgMethod *class_method(MgClass *c, const char *name) {
    for (size_t i = 0; i < c->nmethods; i++)
        if (!strcmp(c->methods[i].name, name))
            return &c->methods[i];
    return NULL;
}
MgSignal *class_signal(MgClass *c, const char *name) {
    for (size_t i = 0; i < c->nsignals; i++)
        if (!strcmp(c->signals[i].name, name))
            return &c->signals[i];
    return NULL;
}

static bool valid_ident(const char *s) {
    if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static bool engine_class(const char *n) { return engine_class_known(n); }

static bool check_library(const void *lib, const char *fn) {
    if (lib != mg_host.token) {
        mg_violation("%s: p_library %p is not the token %p the entry point received", fn, lib, (void *)mg_host.token);
        return false;
    }
    return true;
}

/* ---------------- singletons ---------------- */

typedef struct {
    char *name;
    MgObject *obj;
    bool host;
} Singleton;
static Singleton *singletons;
static size_t nsingletons, capsingletons;

static void singleton_add(const char *name, MgObject *o, bool host) {
    if (nsingletons == capsingletons) {
        capsingletons = capsingletons ? capsingletons * 2 : 8;
        singletons = xrealloc(singletons, capsingletons * sizeof *singletons);
    }
    singletons[nsingletons++] = (Singleton){xstrdup(name), o, host};
}
MgObject *singleton_find(const char *name) {
    for (size_t i = 0; i < nsingletons; i++)
        if (!strcmp(singletons[i].name, name))
            return singletons[i].obj;
    return NULL;
}
const char *singleton_name_of(MgObject *o) {
    for (size_t i = 0; i < nsingletons; i++)
        if (singletons[i].obj == o)
            return singletons[i].name;
    return NULL;
}
int user_singleton_count(void) {
    int n = 0;
    for (size_t i = 0; i < nsingletons; i++)
        if (!singletons[i].host)
            n++;
    return n;
}
static bool singleton_remove(const char *name) {
    for (size_t i = 0; i < nsingletons; i++) {
        if (!strcmp(singletons[i].name, name)) {
            free(singletons[i].name);
            singletons[i] = singletons[--nsingletons];
            return true;
        }
    }
    return false;
}

void host_create_singletons(void) {
    singleton_add("Engine", object_new("Engine", true), true);
    singleton_add("OS", object_new("OS", true), true);
    singleton_add("ProjectSettings", object_new("ProjectSettings", true), true);
}
void host_destroy_singletons(void) {
    for (size_t i = 0; i < nsingletons;) {
        if (singletons[i].host) {
            MgObject *o = singletons[i].obj;
            singleton_remove(singletons[i].name);
            object_free_block(o);
        } else {
            i++;
        }
    }
}

const char *object_label(MgObject *o, char *buf, size_t n) {
    const char *s = singleton_name_of(o);
    if (s)
        return s;
    snprintf(buf, n, "%" PRIu64, o->id);
    return buf;
}

/* ---------------- property info copies ---------------- */

static bool copy_prop(MgProp *dst, const AbiPropertyInfo *p, const char *ctx, bool need_name) {
    memset(dst, 0, sizeof *dst);
    if (!p) {
        mg_violation("%s: NULL PropertyInfo", ctx);
        return false;
    }
    bool ok = true;
    const char *name = NULL, *cls = NULL, *hint = NULL;
    if (!p->name) {
        mg_violation("%s: PropertyInfo.name is NULL (Godot dereferences it)", ctx);
        ok = false;
    } else if (!(name = sname_text(p->name, ctx)))
        ok = false;
    if (!p->class_name) {
        mg_violation("%s: PropertyInfo.class_name is NULL (point it at an empty StringName)", ctx);
        ok = false;
    } else if (!(cls = sname_text(p->class_name, ctx)))
        ok = false;
    if (!p->hint_string) {
        mg_violation("%s: PropertyInfo.hint_string is NULL (point it at an empty String)", ctx);
        ok = false;
    } else if (!(hint = str_text(p->hint_string, NULL, K_STRING, ctx)))
        ok = false;
    if (p->type >= VT_MAX) {
        mg_violation("%s: PropertyInfo.type %u out of range", ctx, p->type);
        ok = false;
    }
    if (need_name && name && !valid_ident(name)) {
        mg_violation("%s: argument name '%s' is not a valid identifier", ctx, name);
        ok = false;
    }
    dst->name = xstrdup(name ? name : "");
    dst->class_name = xstrdup(cls ? cls : "");
    dst->hint_string = xstrdup(hint ? hint : "");
    dst->type = p->type;
    dst->hint = p->hint;
    dst->usage = p->usage;
    if (*dst->class_name && dst->type == VT_INT && !(dst->usage & (USAGE_CLASS_IS_ENUM | USAGE_CLASS_IS_BITFIELD))) {
        mg_violation("%s: int typed as '%s' without the CLASS_IS_ENUM (65536) or CLASS_IS_BITFIELD usage bit", ctx, dst->class_name);
        ok = false;
    }
    return ok;
}

static void free_prop(MgProp *p) {
    free(p->name);
    free(p->class_name);
    free(p->hint_string);
}

/* ---------------- class registration ---------------- */

static void register_class(const void *lib, const void *cname, const void *pname, const void *info, int fnver) {
    char fn[64];
    snprintf(fn, sizeof fn, "classdb_register_extension_class%d", fnver);
    ENTER(fn);
    check_library(lib, fn);
    const char *name = sname_text(cname, fn), *parent = sname_text(pname, fn);
    if (!name || !parent || !info) {
        if (!info)
            mg_violation("%s: NULL p_extension_funcs", fn);
        return;
    }
    if (!valid_ident(name)) {
        mg_violation("%s: class name '%s' is not a valid identifier", fn, name);
        return;
    }
    if (class_find(name) || engine_class(name)) {
        mg_violation("%s: class '%s' is already registered", fn, name);
        return;
    }
    if (!engine_class(parent) && !class_find(parent)) {
        mg_violation("%s: parent class '%s' of '%s' does not exist", fn, parent, name);
        return;
    }
    if (mg_host.level < 0 || !mg_host.initializing)
        mg_violation("%s: class '%s' registered outside an initialize() callback", fn, name);
    MgClass *c = xcalloc(1, sizeof *c);
    c->name = xstrdup(name);
    c->parent = xstrdup(parent);
    c->register_fn = fnver;
    c->level = mg_host.level;
    const uint8_t *flags = info;
    for (int i = 0; i < 4; i++)
        if (flags[i] > 1)
            mg_violation("%s: CreationInfo byte %d is %u, a GDExtensionBool must be 0 or 1 (wrong struct layout?)", fn, i, flags[i]);
    if (fnver == 3) {
        const AbiCreationInfo3 *i3 = info;
        c->info_version = 3;
        c->is_virtual = i3->is_virtual;
        c->is_abstract = i3->is_abstract;
        c->is_exposed = i3->is_exposed;
        c->is_runtime = i3->is_runtime;
        c->create_instance = i3->create_instance_func;
        c->free_instance = i3->free_instance_func;
        c->notification = i3->notification_func;
        c->get_virtual = i3->get_virtual_func;
        c->get_virtual_call_data = i3->get_virtual_call_data_func;
        c->call_virtual_with_data = i3->call_virtual_with_data_func;
        c->class_userdata = i3->class_userdata;
        if (i3->get_rid_func)
            mg_violation("%s: get_rid_func set on an Object class (unexpected)", fn);
    } else {
        const AbiCreationInfo4 *i4 = info;
        c->info_version = 4;
        c->is_virtual = i4->is_virtual;
        c->is_abstract = i4->is_abstract;
        c->is_exposed = i4->is_exposed;
        c->is_runtime = i4->is_runtime;
        c->create_instance = i4->create_instance_func;
        c->free_instance = i4->free_instance_func;
        c->notification = i4->notification_func;
        c->get_virtual = i4->get_virtual_func;
        c->get_virtual_call_data = i4->get_virtual_call_data_func;
        c->call_virtual_with_data = i4->call_virtual_with_data_func;
        c->class_userdata = i4->class_userdata;
        if (i4->icon_path && !str_text(i4->icon_path, NULL, K_STRING, fn))
            mg_violation("%s: icon_path is not a live String", fn);
    }
    if (!c->free_instance)
        mg_violation("%s: free_instance_func is NULL (mandatory)", fn);
    if (!c->is_virtual && !c->is_abstract && !c->create_instance)
        mg_violation("%s: create_instance_func is NULL on an instantiable class", fn);
    if (c->is_abstract)
        mg_violation("%s: class '%s' is abstract; ClassDB.instantiate must work", fn, name);
    if (!c->is_exposed)
        mg_violation("%s: class '%s' is not exposed; scripts would not see it", fn, name);
    virtual_check_class(c, fn);
    if (nclasses == capclasses) {
        capclasses = capclasses ? capclasses * 2 : 4;
        classes = xrealloc(classes, capclasses * sizeof *classes);
    }
    classes[nclasses++] = c;
}

static void gi_register3(const void *l, const void *n, const void *p, const void *i) { register_class(l, n, p, i, 3); }
static void gi_register4(const void *l, const void *n, const void *p, const void *i) { register_class(l, n, p, i, 4); }
static void gi_register5(const void *l, const void *n, const void *p, const void *i) { register_class(l, n, p, i, 5); }
static void gi_register6(const void *l, const void *n, const void *p, const void *i) { register_class(l, n, p, i, 6); }

static MgClass *lookup_user_class(const void *lib, const void *cname, const char *fn) {
    check_library(lib, fn);
    const char *name = sname_text(cname, fn);
    if (!name)
        return NULL;
    MgClass *c = class_find(name);
    if (!c)
        mg_violation("%s: class '%s' is not registered by this extension", fn, name);
    return c;
}

static void gi_register_method(const void *lib, const void *cname, const AbiMethodInfo *mi) {
    const char *fn = "classdb_register_extension_class_method";
    ENTER(fn);
    MgClass *c = lookup_user_class(lib, cname, fn);
    if (!c)
        return;
    if (!mi) {
        mg_violation("%s: NULL p_method_info", fn);
        return;
    }
    const char *mname = mi->name ? sname_text(mi->name, fn) : NULL;
    if (!mi->name)
        mg_violation("%s: MethodInfo.name is NULL", fn);
    if (!mname)
        return;
    char ctx[256];
    snprintf(ctx, sizeof ctx, "%s %s.%s", fn, c->name, mname);
    if (!valid_ident(mname)) {
        mg_violation("%s: method name is not a valid identifier", ctx);
        return;
    }
    if (class_method(c, mname)) {
        mg_violation("%s: duplicate method", ctx);
        return;
    }
    if (!mi->call_func)
        mg_violation("%s: call_func is NULL", ctx);
    if (!mi->ptrcall_func)
        mg_violation("%s: ptrcall_func is NULL (GDScript's validated path needs it)", ctx);
    if (mi->method_flags & ~(uint32_t)(1 | 2 | 4))
        mg_violation("%s: method_flags %u include VIRTUAL/VARARG/STATIC, which a Steam method never is", ctx, mi->method_flags);
    if (!(mi->method_flags & 1))
        mg_violation("%s: method_flags %u lack NORMAL (1)", ctx, mi->method_flags);
    if (mi->has_return_value > 1)
        mg_violation("%s: has_return_value is %u (must be 0 or 1)", ctx, mi->has_return_value);
    MgMethod m = {0};
    m.name = xstrdup(mname);
    m.userdata = mi->method_userdata;
    m.call = mi->call_func;
    m.ptrcall = mi->ptrcall_func;
    m.flags = mi->method_flags;
    m.has_ret = mi->has_return_value != 0;
    if (m.has_ret) {
        char rctx[300];
        snprintf(rctx, sizeof rctx, "%s return value", ctx);
        if (!mi->return_value_info) {
            mg_violation("%s: return_value_info is NULL while has_return_value is set", ctx);
            m.ret.name = xstrdup("");
            m.ret.class_name = xstrdup("");
            m.ret.hint_string = xstrdup("");
            m.ret.usage = USAGE_NIL_IS_VARIANT;
        } else {
            copy_prop(&m.ret, mi->return_value_info, rctx, false);
        }
        if (mi->return_value_metadata > 13)
            mg_violation("%s: return_value_metadata %u out of range", ctx, mi->return_value_metadata);
        if (m.ret.type == VT_NIL && !(m.ret.usage & USAGE_NIL_IS_VARIANT))
            mg_violation("%s: returns NIL without NIL_IS_VARIANT usage; use has_return_value=0 for void", ctx);
        m.ret_meta = mi->return_value_metadata;
    } else {
        m.ret.name = xstrdup("");
        m.ret.class_name = xstrdup("");
        m.ret.hint_string = xstrdup("");
    }
    m.argc = mi->argument_count;
    if (m.argc > 64) {
        mg_violation("%s: argument_count %u is absurd", ctx, m.argc);
        m.argc = 0;
    }
    m.args = xcalloc(m.argc, sizeof *m.args);
    m.meta = xcalloc(m.argc, sizeof *m.meta);
    if (m.argc && (!mi->arguments_info || !mi->arguments_metadata)) {
        mg_violation("%s: arguments_info or arguments_metadata is NULL with %u arguments (Godot dereferences both)", ctx, m.argc);
        for (uint32_t i = 0; i < m.argc; i++) {
            m.args[i].name = xstrdup("");
            m.args[i].class_name = xstrdup("");
            m.args[i].hint_string = xstrdup("");
        }
    } else {
        for (uint32_t i = 0; i < m.argc; i++) {
            char actx[320];
            snprintf(actx, sizeof actx, "%s argument %u", ctx, i);
            copy_prop(&m.args[i], &mi->arguments_info[i], actx, true);
            m.meta[i] = mi->arguments_metadata[i];
            if (m.meta[i] > 13 || (m.meta[i] == 13 && m.args[i].type != VT_OBJECT))
                mg_violation("%s: metadata %u invalid for type %s", actx, m.meta[i], variant_type_name(m.args[i].type));
            for (uint32_t j = 0; j < i; j++)
                if (!strcmp(m.args[j].name, m.args[i].name))
                    mg_violation("%s: duplicate argument name '%s'", actx, m.args[i].name);
        }
    }
    m.ndef = mi->default_argument_count;
    if (m.ndef > m.argc) {
        mg_violation("%s: default_argument_count %u > argument_count %u", ctx, m.ndef, m.argc);
        m.ndef = 0;
    }
    m.defs = xcalloc(m.ndef, sizeof *m.defs);
    if (m.ndef && !mi->default_arguments) {
        mg_violation("%s: default_arguments is NULL with %u defaults", ctx, m.ndef);
        m.ndef = 0;
    }
    for (uint32_t j = 0; j < m.ndef; j++) {
        const MgVariant *dv = mi->default_arguments[j];
        uint32_t pi = m.argc - m.ndef + j;
        char dctx[320];
        snprintf(dctx, sizeof dctx, "%s default of argument %u (%s)", ctx, pi, m.args[pi].name);
        if (!dv) {
            mg_violation("%s: NULL Variant pointer", dctx);
            continue;
        }
        if (!variant_valid(dv, dctx))
            continue;
        if (m.args[pi].type != VT_NIL && dv->type != m.args[pi].type)
            mg_violation("%s: default is a %s, parameter is declared %s", dctx, variant_type_name(dv->type), variant_type_name(m.args[pi].type));
        variant_copy(&m.defs[j], dv); /* Godot copies defaults into the MethodBind */
    }
    if (c->nmethods == c->capmethods) {
        c->capmethods = c->capmethods ? c->capmethods * 2 : 32;
        c->methods = xrealloc(c->methods, c->capmethods * sizeof *c->methods);
    }
    c->methods[c->nmethods++] = m;
}

static void gi_register_constant(const void *lib, const void *cname, const void *ename, const void *kname, int64_t value, uint8_t bitfield) {
    const char *fn = "classdb_register_extension_class_integer_constant";
    ENTER(fn);
    MgClass *c = lookup_user_class(lib, cname, fn);
    if (!c)
        return;
    const char *en = sname_text(ename, fn), *kn = sname_text(kname, fn);
    if (!en || !kn)
        return;
    if (*en && !valid_ident(en))
        mg_violation("%s: enum name '%s' is not a valid identifier", fn, en);
    if (!valid_ident(kn)) {
        mg_violation("%s: constant name '%s' is not a valid identifier", fn, kn);
        return;
    }
    if (bitfield > 1)
        mg_violation("%s: p_is_bitfield is %u", fn, bitfield);
    for (size_t i = 0; i < c->nconsts; i++) {
        if (!strcmp(c->consts[i].name, kn)) {
            mg_violation("%s: duplicate constant %s.%s", fn, c->name, kn);
            return;
        }
        if (*en && !strcmp(c->consts[i].enum_name, en) && c->consts[i].bitfield != (bitfield != 0))
            mg_violation("%s: enum %s mixes bitfield and non-bitfield constants", fn, en);
    }
    if (c->nconsts == c->capconsts) {
        c->capconsts = c->capconsts ? c->capconsts * 2 : 64;
        c->consts = xrealloc(c->consts, c->capconsts * sizeof *c->consts);
    }
    c->consts[c->nconsts++] = (MgConst){xstrdup(kn), xstrdup(en), value, bitfield != 0};
}

static void gi_register_signal(const void *lib, const void *cname, const void *sname, const AbiPropertyInfo *args, int64_t argc) {
    const char *fn = "classdb_register_extension_class_signal";
    ENTER(fn);
    MgClass *c = lookup_user_class(lib, cname, fn);
    if (!c)
        return;
    const char *sn = sname_text(sname, fn);
    if (!sn)
        return;
    if (!valid_ident(sn)) {
        mg_violation("%s: signal name '%s' is not a valid identifier", fn, sn);
        return;
    }
    if (class_signal(c, sn)) {
        mg_violation("%s: duplicate signal %s", fn, sn);
        return;
    }
    if (argc < 0 || argc > 64 || (argc > 0 && !args)) {
        mg_violation("%s: signal %s has argument count %lld with argument info %p", fn, sn, (long long)argc, (const void *)args);
        return;
    }
    MgSignal s = {xstrdup(sn), (uint32_t)argc, xcalloc((size_t)argc, sizeof(MgProp))};
    for (int64_t i = 0; i < argc; i++) {
        char ctx[256];
        snprintf(ctx, sizeof ctx, "%s %s argument %lld", fn, sn, (long long)i);
        copy_prop(&s.args[i], &args[i], ctx, true);
    }
    if (c->nsignals == c->capsignals) {
        c->capsignals = c->capsignals ? c->capsignals * 2 : 8;
        c->signals = xrealloc(c->signals, c->capsignals * sizeof *c->signals);
    }
    c->signals[c->nsignals++] = s;
}

static void gi_register_property(const void *lib, const void *cname, const AbiPropertyInfo *info, const void *setter, const void *getter) {
    const char *fn = "classdb_register_extension_class_property";
    ENTER(fn);
    MgClass *c = lookup_user_class(lib, cname, fn);
    if (!c)
        return;
    MgProp p;
    copy_prop(&p, info, fn, true);
    const char *g = sname_text(getter, fn);
    if (g && *g && !class_method(c, g))
        mg_violation("%s: getter '%s' of property '%s' is not a registered method", fn, g, p.name);
    const char *s = sname_text(setter, fn);
    if (s && *s && !class_method(c, s))
        mg_violation("%s: setter '%s' of property '%s' is not a registered method", fn, s, p.name);
    free_prop(&p);
    c->nprops++;
}

static void class_free(MgClass *c) {
    for (size_t i = 0; i < c->nmethods; i++) {
        MgMethod *m = &c->methods[i];
        free(m->name);
        free_prop(&m->ret);
        for (uint32_t j = 0; j < m->argc; j++)
            free_prop(&m->args[j]);
        free(m->args);
        free(m->meta);
        for (uint32_t j = 0; j < m->ndef; j++)
            variant_destroy(&m->defs[j], "class unregister");
        free(m->defs);
    }
    free(c->methods);
    for (size_t i = 0; i < c->nconsts; i++) {
        free(c->consts[i].name);
        free(c->consts[i].enum_name);
    }
    free(c->consts);
    for (size_t i = 0; i < c->nsignals; i++) {
        for (uint32_t j = 0; j < c->signals[i].argc; j++)
            free_prop(&c->signals[i].args[j]);
        free(c->signals[i].args);
        free(c->signals[i].name);
    }
    free(c->signals);
    free(c->name);
    free(c->parent);
    free(c);
}

static void gi_unregister_class(const void *lib, const void *cname) {
    const char *fn = "classdb_unregister_extension_class";
    ENTER(fn);
    MgClass *c = lookup_user_class(lib, cname, fn);
    if (!c)
        return;
    if (c->live_instances)
        mg_violation("%s: class '%s' unregistered while %d instance(s) are alive (destroy them first)", fn, c->name, c->live_instances);
    for (size_t i = 0; i < nclasses; i++)
        if (classes[i] != c && !strcmp(classes[i]->parent, c->name))
            mg_violation("%s: class '%s' unregistered before its subclass '%s'", fn, c->name, classes[i]->name);
    for (size_t i = 0; i < nclasses; i++) {
        if (classes[i] == c) {
            classes[i] = classes[--nclasses];
            break;
        }
    }
    class_free(c);
}

/* ---------------- objects ---------------- */

static MgObject *live_object(const void *p, const char *fn) {
    if (!p) {
        mg_violation("%s: NULL object", fn);
        return NULL;
    }
    if (!mg_live(p, K_OBJECT)) {
        mg_violation("%s: %p is %s", fn, p, mg_dead(p) ? "a destroyed Object (use after free)" : "not an Object the host created");
        return NULL;
    }
    return (MgObject *)p;
}

static MgObject *construct(const void *cname, int ver) {
    char fn[48];
    snprintf(fn, sizeof fn, ver == 1 ? "classdb_construct_object" : "classdb_construct_object%d", ver);
    ENTER(fn);
    const char *n = sname_text(cname, fn);
    if (!n)
        return NULL;
    MgClass *c = class_find(n);
    if (c) {
        /* ClassDB::instantiate of an extension class */
        MgObject *o = host_instantiate(c);
        if (o && ver == 1)
            o->postinit = true;
        return o;
    }
    if (!engine_class_constructible(n)) {
        mg_log_event("error", "Class not found or not instantiable", fn, "class_db.cpp", 0);
        mg_violation("%s: mini-Godot can only construct 'Object' and 'MultiplayerPeerExtension' (asked for '%s')", fn, n);
        return NULL;
    }
    MgObject *o = object_new(n, false);
    o->constructed_with = ver;
    o->postinit = ver == 1; /* v1 sends NOTIFICATION_POSTINITIALIZE itself */
    return o;
}
static void *gi_construct1(const void *n) { return construct(n, 1); }
static void *gi_construct2(const void *n) { return construct(n, 2); }
static void *gi_construct3(const void *n) { return construct(n, 3); }

static void gi_object_set_instance(void *obj, const void *cname, void *instance) {
    const char *fn = "object_set_instance";
    ENTER(fn);
    MgObject *o = live_object(obj, fn);
    const char *n = sname_text(cname, fn);
    if (!o || !n)
        return;
    MgClass *c = class_find(n);
    if (!c) {
        mg_violation("%s: class '%s' is not a registered extension class", fn, n);
        return;
    }
    if (strcmp(o->base_class, c->parent) != 0)
        mg_violation("%s: object was constructed as '%s' but class '%s' extends '%s'", fn, o->base_class, c->name, c->parent);
    if (o->ext_class)
        mg_violation("%s: object already has an extension instance of '%s'", fn, o->ext_class->name);
    if (!instance)
        mg_violation("%s: NULL instance pointer (method calls would receive NULL)", fn);
    o->ext_class = c;
    o->instance = instance;
    c->live_instances++;
}

void host_object_destroy(MgObject *o, const char *fn) {
    if (o->host_owned) {
        mg_violation("%s: destroying the engine's own '%s' object", fn, o->base_class);
        return;
    }
    const char *sn = singleton_name_of(o);
    if (sn) {
        mg_violation("%s: object is still registered as the singleton '%s' (unregister_singleton first)", fn, sn);
        singleton_remove(sn);
    }
    if (o->binding && o->binding_cb.free_callback)
        o->binding_cb.free_callback(o->binding_token, o, o->binding);
    if (o->ext_class) {
        MgClass *c = o->ext_class;
        void *inst = o->instance;
        o->ext_class = NULL;
        o->instance = NULL;
        c->live_instances--;
        if (c->free_instance)
            ((void (*)(void *, void *))c->free_instance)(c->class_userdata, inst);
    }
    object_free_block(o);
}

static void gi_object_destroy(void *obj) {
    ENTER("object_destroy");
    MgObject *o = live_object(obj, "object_destroy");
    if (o)
        host_object_destroy(o, "object_destroy");
}

static uint64_t gi_object_get_instance_id(const void *obj) {
    ENTER("object_get_instance_id");
    MgObject *o = live_object(obj, "object_get_instance_id");
    return o ? o->id : 0;
}
static void *gi_object_get_instance_from_id(uint64_t id) {
    ENTER("object_get_instance_from_id");
    return object_by_id(id);
}
static uint8_t gi_object_get_class_name(const void *obj, const void *lib, void **r_name) {
    ENTER("object_get_class_name");
    check_library(lib, "object_get_class_name");
    MgObject *o = live_object(obj, "object_get_class_name");
    if (!o || !r_name)
        return 0;
    const char *n = o->ext_class ? o->ext_class->name : o->base_class;
    sname_make(r_name, n, strlen(n), false);
    return 1;
}
static void gi_object_set_instance_binding(void *obj, void *token, void *binding, const AbiInstanceBindingCallbacks *cb) {
    ENTER("object_set_instance_binding");
    MgObject *o = live_object(obj, "object_set_instance_binding");
    if (!o)
        return;
    o->binding_token = token;
    o->binding = binding;
    if (cb)
        o->binding_cb = *cb;
}
static void gi_object_free_instance_binding(void *obj, void *token) {
    ENTER("object_free_instance_binding");
    MgObject *o = live_object(obj, "object_free_instance_binding");
    if (!o || o->binding_token != token)
        return;
    if (o->binding && o->binding_cb.free_callback)
        o->binding_cb.free_callback(token, o, o->binding);
    o->binding = NULL;
}
static void *gi_object_get_instance_binding(void *obj, void *token, const AbiInstanceBindingCallbacks *cb) {
    ENTER("object_get_instance_binding");
    MgObject *o = live_object(obj, "object_get_instance_binding");
    if (!o)
        return NULL;
    if (o->binding && o->binding_token == token)
        return o->binding;
    if (cb && cb->create_callback) {
        o->binding_token = token;
        o->binding_cb = *cb;
        o->binding = cb->create_callback(token, o);
        return o->binding;
    }
    return NULL;
}
static void gi_get_library_path(const void *lib, void **r_path) {
    ENTER("get_library_path");
    check_library(lib, "get_library_path");
    if (r_path)
        str_make(r_path, mg_host.lib_path, strlen(mg_host.lib_path), K_STRING);
}

static void *gi_global_get_singleton(const void *sname) {
    ENTER("global_get_singleton");
    const char *n = sname_text(sname, "global_get_singleton");
    if (!n)
        return NULL;
    MgObject *o = singleton_find(n);
    if (!o) {
        char msg[200];
        snprintf(msg, sizeof msg, "Failed to retrieve non-existent singleton '%s'.", n);
        mg_log_event("error", msg, "global_get_singleton", "engine.cpp", 0);
        if (!mg_host.core_done && (!strcmp(n, "Engine") || !strcmp(n, "OS")))
            mg_violation("global_get_singleton('%s') during CORE initialization: the engine singletons do not exist yet", n);
        else
            mg_violation("global_get_singleton: no singleton '%s'", n);
    }
    return o;
}

/* ---------------- engine method binds ---------------- */

enum { B_REGISTER_SINGLETON, B_UNREGISTER_SINGLETON, B_HAS_SINGLETON, B_EMIT_SIGNAL, B_NOTIFICATION, B_GET_CLASS, B_MAIN_THREAD, B_CALLER_THREAD,
       B_HAS_SETTING, B_GET_SETTING };

/* A bind returning a Variant (ptrcall: r_ret points to an initialized Variant). */
#define RET_VARIANT 0x7fffffffu

typedef struct {
    uint32_t magic;
    const char *cls, *name;
    int64_t hash;
    int kind;
    int argc;
    uint32_t args[2];
    uint32_t ret; /* VT_NIL = void */
} HostBind;

static HostBind binds[] = {
    {MG_MAGIC, "Engine", "register_singleton", 965313290, B_REGISTER_SINGLETON, 2, {VT_STRING_NAME, VT_OBJECT}, VT_NIL},
    {MG_MAGIC, "Engine", "unregister_singleton", 3304788590, B_UNREGISTER_SINGLETON, 1, {VT_STRING_NAME, 0}, VT_NIL},
    {MG_MAGIC, "Engine", "has_singleton", 2619796661, B_HAS_SINGLETON, 1, {VT_STRING_NAME, 0}, VT_BOOL},
    {MG_MAGIC, "Object", "emit_signal", 4047867050, B_EMIT_SIGNAL, -1, {0, 0}, VT_INT},
    {MG_MAGIC, "Object", "notification", 4023243586, B_NOTIFICATION, 2, {VT_INT, VT_BOOL}, VT_NIL},
    {MG_MAGIC, "Object", "get_class", 201670096, B_GET_CLASS, 0, {0, 0}, VT_STRING},
    {MG_MAGIC, "OS", "get_main_thread_id", 3905245786, B_MAIN_THREAD, 0, {0, 0}, VT_INT},
    {MG_MAGIC, "OS", "get_thread_caller_id", 3905245786, B_CALLER_THREAD, 0, {0, 0}, VT_INT},
    /* Project settings come from MINIGODOT_PROJECT_SETTINGS: "name=value" lines, String values. */
    {MG_MAGIC, "ProjectSettings", "has_setting", 3927539163, B_HAS_SETTING, 1, {VT_STRING, 0}, VT_BOOL},
    {MG_MAGIC, "ProjectSettings", "get_setting", 223050753, B_GET_SETTING, 2, {VT_STRING, VT_NIL}, RET_VARIANT},
};

/* project_setting finds name in MINIGODOT_PROJECT_SETTINGS; returns the
 * value's start and length, or NULL. */
static const char *project_setting(const char *name, size_t nlen, size_t *vlen) {
    const char *all = getenv("MINIGODOT_PROJECT_SETTINGS");
    for (const char *line = all; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *eq = memchr(line, '=', len);
        if (eq && (size_t)(eq - line) == nlen && !memcmp(line, name, nlen)) {
            *vlen = len - nlen - 1;
            return eq + 1;
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

static void *gi_get_method_bind(const void *cname, const void *mname, int64_t hash) {
    const char *fn = "classdb_get_method_bind";
    ENTER(fn);
    const char *c = sname_text(cname, fn), *m = sname_text(mname, fn);
    if (!c || !m)
        return NULL;
    for (size_t i = 0; i < sizeof binds / sizeof binds[0]; i++) {
        if (!strcmp(binds[i].cls, c) && !strcmp(binds[i].name, m)) {
            if (binds[i].hash == hash)
                return &binds[i];
            char msg[256];
            snprintf(msg, sizeof msg, "Method '%s.%s' has changed and no compatibility fallback has been provided (hash %lld, expected %lld).", c, m, (long long)hash, (long long)binds[i].hash);
            mg_log_event("error", msg, fn, "gdextension_interface.cpp", 0);
            mg_violation("%s: %s", fn, msg);
            return NULL;
        }
    }
    char msg[256];
    snprintf(msg, sizeof msg, "Method '%s.%s' is not modelled by mini-Godot (or does not exist).", c, m);
    mg_log_event("error", msg, fn, "gdextension_interface.cpp", 0);
    mg_violation("%s: %s", fn, msg);
    return NULL;
}

static HostBind *check_bind(const void *b, const char *fn) {
    for (size_t i = 0; i < sizeof binds / sizeof binds[0]; i++)
        if (b == &binds[i])
            return &binds[i];
    mg_violation("%s: %p is not a method bind returned by classdb_get_method_bind", fn, b);
    return NULL;
}

static bool bind_target_ok(HostBind *b, MgObject *o, const char *fn) {
    if (!strcmp(b->cls, "Object"))
        return true;
    if (strcmp(o->base_class, b->cls) != 0) {
        mg_violation("%s: %s.%s called on an object of class '%s'", fn, b->cls, b->name, o->base_class);
        return false;
    }
    return true;
}

static int64_t thread_id(void) { return (int64_t)syscall(SYS_gettid); }
extern int64_t mg_main_tid;

/* Runs a non-vararg bind with typed argument pointers; ret typed by b->ret. */
static void run_bind(HostBind *b, MgObject *o, const void *const *args, void *ret, const char *fn) {
    switch (b->kind) {
    case B_REGISTER_SINGLETON: {
        const char *n = sname_text(args[0], fn);
        MgObject *const *pp = args[1];
        if (!n || !pp)
            return;
        MgObject *so = *pp;
        if (!so || !mg_live(so, K_OBJECT)) {
            mg_violation("%s: register_singleton('%s') with %s object %p (pass a pointer to a variable holding the Object*)", fn, n, so ? "a non-live" : "a NULL", (void *)so);
            return;
        }
        if (!valid_ident(n)) {
            mg_violation("%s: register_singleton name '%s' is not a valid identifier", fn, n);
            return;
        }
        if (singleton_find(n)) {
            mg_log_event("error", "Singleton already registered", fn, "engine.cpp", 0);
            mg_violation("%s: singleton '%s' is already registered", fn, n);
            return;
        }
        if (mg_host.level != LEVEL_SCENE || !mg_host.initializing)
            mg_violation("%s: register_singleton('%s') outside SCENE initialization", fn, n);
        singleton_add(n, so, false);
        return;
    }
    case B_UNREGISTER_SINGLETON: {
        const char *n = sname_text(args[0], fn);
        if (!n)
            return;
        for (size_t i = 0; i < nsingletons; i++) {
            if (!strcmp(singletons[i].name, n)) {
                if (singletons[i].host) {
                    mg_violation("%s: unregister_singleton('%s') of an engine singleton", fn, n);
                    return;
                }
                singleton_remove(n);
                return;
            }
        }
        mg_log_event("error", "Attempt to remove unregistered singleton", fn, "engine.cpp", 0);
        mg_violation("%s: unregister_singleton('%s'): not registered", fn, n);
        return;
    }
    case B_HAS_SINGLETON: {
        const char *n = sname_text(args[0], fn);
        if (ret)
            *(uint8_t *)ret = n && singleton_find(n) != NULL;
        return;
    }
    case B_NOTIFICATION: {
        const int64_t *what = args[0];
        const uint8_t *rev = args[1];
        if (!what || !rev)
            return;
        if (*rev > 1)
            mg_violation("%s: bool argument byte is %u", fn, *rev);
        if (*what == 0)
            o->postinit = true;
        if (o->ext_class && o->ext_class->notification)
            ((void (*)(void *, int32_t, uint8_t))o->ext_class->notification)(o->instance, (int32_t)*what, *rev);
        return;
    }
    case B_GET_CLASS: {
        const char *n = o->ext_class ? o->ext_class->name : o->base_class;
        if (!ret)
            return;
        str_unref(*(void **)ret, K_STRING, fn);
        str_make(ret, n, strlen(n), K_STRING);
        return;
    }
    case B_MAIN_THREAD:
        if (ret)
            *(int64_t *)ret = mg_main_tid;
        return;
    case B_CALLER_THREAD:
        if (ret)
            *(int64_t *)ret = thread_id();
        return;
    case B_HAS_SETTING:
    case B_GET_SETTING: {
        size_t nlen, vlen;
        const char *name = str_text(args[0], &nlen, K_STRING, fn);
        const char *val = name ? project_setting(name, nlen, &vlen) : NULL;
        if (b->kind == B_HAS_SETTING) {
            *(uint8_t *)ret = val != NULL;
            return;
        }
        MgVariant *r = ret;
        if (!variant_valid(r, fn))
            return;
        variant_destroy(r, fn);
        if (!val) { /* the default (argument 1) */
            variant_copy(r, (const MgVariant *)args[1]);
            return;
        }
        variant_nil(r);
        r->type = VT_STRING;
        str_make(&r->u.p, val, vlen, K_STRING);
        return;
    }
    }
}

static void gi_ptrcall(const void *bind, void *obj, const void *const *args, void *ret) {
    const char *fn = "object_method_bind_ptrcall";
    ENTER(fn);
    HostBind *b = check_bind(bind, fn);
    MgObject *o = live_object(obj, fn);
    if (!b || !o || !bind_target_ok(b, o, fn))
        return;
    if (b->kind == B_EMIT_SIGNAL) {
        mg_violation("%s: Object.emit_signal is vararg: it has no ptrcall (use object_method_bind_call)", fn);
        return;
    }
    if (b->argc > 0 && !args) {
        mg_violation("%s: %s.%s needs %d argument pointers, got NULL", fn, b->cls, b->name, b->argc);
        return;
    }
    for (int i = 0; i < b->argc; i++)
        if (!args[i]) {
            mg_violation("%s: %s.%s argument %d pointer is NULL", fn, b->cls, b->name, i);
            return;
        }
    if (b->ret != VT_NIL && !ret) {
        mg_violation("%s: %s.%s returns a value but r_ret is NULL", fn, b->cls, b->name);
        return;
    }
    if (b->ret == VT_STRING && !str_text(ret, NULL, K_STRING, "ptrcall return slot"))
        return;
    run_bind(b, o, args, ret, fn);
}

/* emit_signal through the call path (§6.5) */
static void emit_signal(MgObject *o, const MgVariant *const *args, int64_t argc, MgVariant *r_ret, MgCallError *err, const char *fn) {
    if (argc < 1 || !args) {
        mg_violation("%s: emit_signal without the signal name argument", fn);
        err->error = CALL_TOO_FEW_ARGUMENTS;
        err->expected = 1;
        return;
    }
    const MgVariant *nv = args[0];
    if (!nv || !variant_valid(nv, fn) || !string_like(nv->type)) {
        mg_violation("%s: emit_signal argument 0 must be a StringName", fn);
        err->error = CALL_INVALID_ARGUMENT;
        err->argument = 0;
        err->expected = VT_STRING_NAME;
        return;
    }
    size_t nlen;
    const char *name = variant_text(nv, &nlen);
    if (!name)
        return;
    char namebuf[256];
    snprintf(namebuf, sizeof namebuf, "%s", name);
    MgSignal *s = o->ext_class ? class_signal(o->ext_class, namebuf) : NULL;
    if (!s)
        s = engine_signal(o->base_class, namebuf);
    if (!s) {
        char msg[300];
        snprintf(msg, sizeof msg, "Can't emit non-existing signal \"%s\".", namebuf);
        mg_log_event("error", msg, "emit_signalp", "object.cpp", 0);
        mg_violation("%s: %s", fn, msg);
        r_ret->type = VT_INT;
        r_ret->u.i = 2; /* ERR_UNAVAILABLE */
        return;
    }
    bool ok = true;
    if ((uint64_t)(argc - 1) != s->argc) {
        mg_violation("%s: signal '%s' emitted with %lld arguments, registered with %u", fn, namebuf, (long long)(argc - 1), s->argc);
        ok = false;
    }
    cJSON *jargs = cJSON_CreateArray();
    for (int64_t i = 1; i < argc; i++) {
        const MgVariant *a = args[i];
        if (!a || !variant_valid(a, fn)) {
            cJSON_AddItemToArray(jargs, cJSON_CreateNull());
            ok = false;
            continue;
        }
        if ((uint64_t)(i - 1) < s->argc && s->args[i - 1].type != VT_NIL && a->type != s->args[i - 1].type) {
            mg_violation("%s: signal '%s' argument %lld (%s) is a %s, registered as %s", fn, namebuf, (long long)(i - 1), s->args[i - 1].name,
                         variant_type_name(a->type), variant_type_name(s->args[i - 1].type));
            ok = false;
        }
        cJSON_AddItemToArray(jargs, json_from_variant(a));
    }
    char lb[32];
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "signal");
    cJSON_AddStringToObject(ev, "object", object_label(o, lb, sizeof lb));
    cJSON_AddStringToObject(ev, "name", namebuf);
    cJSON_AddItemToObject(ev, "args", jargs);
    if (!ok)
        cJSON_AddBoolToObject(ev, "malformed", true);
    cJSON_AddItemToObject(ev, "thread", json_int64(thread_id()));
    mg_emit(ev);
    r_ret->type = VT_INT;
    r_ret->u.i = 0;
}

static void gi_call(const void *bind, void *obj, const MgVariant *const *args, int64_t argc, MgVariant *r_ret, MgCallError *err) {
    const char *fn = "object_method_bind_call";
    ENTER(fn);
    if (!r_ret || !err) {
        mg_violation("%s: NULL r_ret or r_error", fn);
        return;
    }
    variant_nil(r_ret); /* r_ret is uninitialized: construct it, never read it */
    err->error = CALL_OK;
    err->argument = 0;
    err->expected = 0;
    HostBind *b = check_bind(bind, fn);
    MgObject *o = live_object(obj, fn);
    if (!b || !o) {
        err->error = CALL_INSTANCE_IS_NULL;
        return;
    }
    if (!bind_target_ok(b, o, fn)) {
        err->error = CALL_INVALID_METHOD;
        return;
    }
    if (argc < 0 || (argc > 0 && !args)) {
        mg_violation("%s: argument count %lld with args %p", fn, (long long)argc, (const void *)args);
        err->error = CALL_INVALID_ARGUMENT;
        return;
    }
    if (b->kind == B_EMIT_SIGNAL) {
        emit_signal(o, args, argc, r_ret, err, fn);
        return;
    }
    if (b->ret == RET_VARIANT || (b->argc > 0 && b->args[0] == VT_STRING)) {
        mg_violation("%s: mini-Godot models %s.%s for ptrcall only", fn, b->cls, b->name);
        err->error = CALL_INVALID_METHOD;
        return;
    }
    if (argc > b->argc) {
        err->error = CALL_TOO_MANY_ARGUMENTS;
        err->expected = b->argc;
        return;
    }
    if (argc < b->argc) {
        err->error = CALL_TOO_FEW_ARGUMENTS;
        err->expected = b->argc;
        return;
    }
    /* typed temporaries from the Variants */
    void *sn_tmp[2] = {0, 0};
    MgObject *obj_tmp[2] = {0, 0};
    int64_t int_tmp[2] = {0, 0};
    uint8_t bool_tmp[2] = {0, 0};
    const void *ptrs[2] = {0, 0};
    for (int i = 0; i < b->argc; i++) {
        const MgVariant *a = args[i];
        if (!a || !variant_valid(a, fn) || !can_convert_strict(a->type, b->args[i])) {
            err->error = CALL_INVALID_ARGUMENT;
            err->argument = i;
            err->expected = (int32_t)b->args[i];
            for (int k = 0; k < i; k++)
                if (b->args[k] == VT_STRING_NAME)
                    sname_unref(sn_tmp[k], fn);
            return;
        }
        switch (b->args[i]) {
        case VT_STRING_NAME: {
            size_t n;
            const char *s = variant_text(a, &n);
            sname_make(&sn_tmp[i], s ? s : "", s ? n : 0, false);
            ptrs[i] = &sn_tmp[i];
            break;
        }
        case VT_OBJECT: obj_tmp[i] = a->type == VT_OBJECT ? a->u.o.obj : NULL; ptrs[i] = &obj_tmp[i]; break;
        case VT_INT: int_tmp[i] = a->type == VT_INT ? a->u.i : a->type == VT_FLOAT ? (int64_t)a->u.f : a->u.b; ptrs[i] = &int_tmp[i]; break;
        case VT_BOOL: bool_tmp[i] = a->type == VT_BOOL ? a->u.b : a->type == VT_INT ? a->u.i != 0 : a->u.f != 0; ptrs[i] = &bool_tmp[i]; break;
        }
    }
    MgVariant rv;
    variant_init_type(&rv, b->ret);
    run_bind(b, o, ptrs, b->ret == VT_NIL ? NULL : variant_payload(&rv), fn);
    *r_ret = rv; /* move */
    for (int i = 0; i < b->argc; i++)
        if (b->args[i] == VT_STRING_NAME)
            sname_unref(sn_tmp[i], fn);
}

/* ---------------- instantiate ---------------- */

MgObject *host_instantiate(MgClass *c) {
    if (!c->create_instance) {
        mg_violation("instantiate %s: no create_instance_func", c->name);
        return NULL;
    }
    void *r;
    if (c->info_version == 3)
        r = ((void *(*)(void *))c->create_instance)(c->class_userdata);
    else
        r = ((void *(*)(void *, uint8_t))c->create_instance)(c->class_userdata, 1);
    if (!r) {
        mg_violation("instantiate %s: create_instance_func returned NULL", c->name);
        return NULL;
    }
    MgObject *o = live_object(r, "create_instance_func result");
    if (!o)
        return NULL;
    if (o->ext_class != c)
        mg_violation("instantiate %s: the created object has no '%s' instance (object_set_instance missing)", c->name, c->name);
    if (!o->postinit)
        mg_violation("instantiate %s: NOTIFICATION_POSTINITIALIZE was not sent after classdb_construct_object%d (ptrcall Object.notification(0, false))",
                     c->name, o->constructed_with);
    return o;
}

/* ---------------- checks ---------------- */

void classdb_final_checks(void) {
    for (size_t ci = 0; ci < nclasses; ci++) {
        MgClass *c = classes[ci];
        for (size_t i = 0; i < c->nmethods; i++) {
            MgMethod *m = &c->methods[i];
            for (uint32_t j = 0; j <= m->argc; j++) {
                MgProp *p = j < m->argc ? &m->args[j] : &m->ret;
                if (j == m->argc && !m->has_ret)
                    continue;
                if (!*p->class_name || p->type != VT_INT)
                    continue;
                const char *dot = strchr(p->class_name, '.');
                if (!dot) {
                    mg_violation("%s.%s: int typed with class_name '%s', expected 'Class.Enum'", c->name, m->name, p->class_name);
                    continue;
                }
                size_t cl = (size_t)(dot - p->class_name);
                MgClass *ec = NULL;
                for (size_t k = 0; k < nclasses; k++)
                    if (strlen(classes[k]->name) == cl && !strncmp(classes[k]->name, p->class_name, cl))
                        ec = classes[k];
                bool found = false;
                if (ec)
                    for (size_t k = 0; k < ec->nconsts; k++)
                        if (!strcmp(ec->consts[k].enum_name, dot + 1))
                            found = true;
                if (!found)
                    mg_violation("%s.%s: %s typed as enum '%s' which is not registered", c->name, m->name,
                                 j < m->argc ? "argument" : "return value", p->class_name);
            }
        }
    }
    for (size_t i = 0; i < nsingletons; i++) {
        MgObject *o = singletons[i].obj;
        if (singletons[i].host)
            continue;
        if (!mg_live(o, K_OBJECT))
            mg_violation("singleton '%s' is not a live object", singletons[i].name);
        else if (!o->ext_class)
            mg_violation("singleton '%s' has no extension instance", singletons[i].name);
        else if (!o->postinit)
            mg_violation("singleton '%s': NOTIFICATION_POSTINITIALIZE was not sent after classdb_construct_object%d", singletons[i].name, o->constructed_with);
    }
}

void classdb_deinit_checks(void) {
    for (size_t i = 0; i < nclasses; i++)
        mg_violation("after deinitialize: class '%s' is still registered (classdb_unregister_extension_class missing)", classes[i]->name);
    for (size_t i = 0; i < nsingletons; i++)
        if (!singletons[i].host)
            mg_violation("after deinitialize: singleton '%s' is still registered", singletons[i].name);
    int n = object_live_count(false);
    if (n)
        mg_violation("after deinitialize: %d object(s) still alive (object_destroy missing)", n);
}

/* ---------------- describe ---------------- */

static const char *type_label(const MgProp *p, bool is_return, bool has_ret) {
    if (is_return && !has_ret)
        return "void";
    if (p->type == VT_NIL)
        return "Variant";
    return variant_type_name(p->type);
}

static const char *enum_of(const MgProp *p) {
    if (!*p->class_name)
        return NULL;
    const char *dot = strchr(p->class_name, '.');
    return dot ? dot + 1 : p->class_name;
}

static cJSON *describe_class(MgClass *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "class", c->name);
    cJSON_AddStringToObject(o, "inherits", c->parent);
    for (size_t i = 0; i < nsingletons; i++)
        if (!singletons[i].host && singletons[i].obj->ext_class == c)
            cJSON_AddStringToObject(o, "singleton", singletons[i].name);
    cJSON_AddNumberToObject(o, "registered_with", c->register_fn);
    cJSON *ms = cJSON_AddArrayToObject(o, "methods");
    for (size_t i = 0; i < c->nmethods; i++) {
        MgMethod *m = &c->methods[i];
        cJSON *mj = cJSON_CreateObject();
        cJSON_AddStringToObject(mj, "name", m->name);
        cJSON *as = cJSON_AddArrayToObject(mj, "args");
        for (uint32_t j = 0; j < m->argc; j++) {
            cJSON *aj = cJSON_CreateObject();
            cJSON_AddStringToObject(aj, "name", m->args[j].name);
            cJSON_AddStringToObject(aj, "type", type_label(&m->args[j], false, true));
            const char *en = enum_of(&m->args[j]);
            if (en)
                cJSON_AddStringToObject(aj, "enum", en);
            if (j >= m->argc - m->ndef)
                cJSON_AddItemToObject(aj, "default", json_plain_default(&m->defs[j - (m->argc - m->ndef)]));
            cJSON_AddItemToArray(as, aj);
        }
        cJSON_AddStringToObject(mj, "return", type_label(&m->ret, true, m->has_ret));
        if (m->has_ret) {
            const char *en = enum_of(&m->ret);
            if (en)
                cJSON_AddStringToObject(mj, "return_enum", en);
        }
        cJSON_AddNumberToObject(mj, "flags", m->flags);
        cJSON_AddItemToArray(ms, mj);
    }
    cJSON *ss = cJSON_AddArrayToObject(o, "signals");
    for (size_t i = 0; i < c->nsignals; i++) {
        cJSON *sj = cJSON_CreateObject();
        cJSON_AddStringToObject(sj, "name", c->signals[i].name);
        cJSON *as = cJSON_AddArrayToObject(sj, "args");
        for (uint32_t j = 0; j < c->signals[i].argc; j++) {
            cJSON *aj = cJSON_CreateObject();
            cJSON_AddStringToObject(aj, "name", c->signals[i].args[j].name);
            cJSON_AddStringToObject(aj, "type", type_label(&c->signals[i].args[j], false, true));
            cJSON_AddItemToArray(as, aj);
        }
        cJSON_AddItemToArray(ss, sj);
    }
    cJSON *cs = cJSON_AddArrayToObject(o, "constants");
    for (size_t i = 0; i < c->nconsts; i++) {
        cJSON *kj = cJSON_CreateObject();
        cJSON_AddStringToObject(kj, "name", c->consts[i].name);
        cJSON_AddItemToObject(kj, "value", json_int64(c->consts[i].value));
        if (*c->consts[i].enum_name)
            cJSON_AddStringToObject(kj, "enum", c->consts[i].enum_name);
        if (c->consts[i].bitfield)
            cJSON_AddBoolToObject(kj, "bitfield", true);
        cJSON_AddItemToArray(cs, kj);
    }
    cJSON_AddNumberToObject(o, "properties", (double)c->nprops);
    return o;
}

cJSON *describe_json(void) {
    cJSON *o;
    if (nclasses > 0)
        o = describe_class(classes[0]);
    else
        o = cJSON_CreateObject();
    if (nclasses > 1) {
        cJSON *extra = cJSON_AddArrayToObject(o, "extra_classes");
        for (size_t i = 1; i < nclasses; i++)
            cJSON_AddItemToArray(extra, describe_class(classes[i]));
    }
    char v[8];
    snprintf(v, sizeof v, "4.%d", mg_host.version % 10);
    cJSON_AddStringToObject(o, "godot", v);
    cJSON_AddBoolToObject(o, "disable_deprecated", mg_host.disable_deprecated);
    cJSON_AddBoolToObject(o, "editor", mg_host.editor);
    cJSON_AddNumberToObject(o, "editor_help_docs", mg_editor_help_docs());
    cJSON_AddItemToObject(o, "interface_requested", mg_requested_names());
    cJSON *sing = cJSON_AddArrayToObject(o, "singletons");
    for (size_t i = 0; i < nsingletons; i++)
        if (!singletons[i].host)
            cJSON_AddItemToArray(sing, cJSON_CreateString(singletons[i].name));
    return o;
}

/* ---------------- proc table ---------------- */

void *classdb_proc(const char *name) {
    static const struct {
        const char *name;
        void *fn;
    } t[] = {
        {"classdb_register_extension_class3", (void *)gi_register3},
        {"classdb_register_extension_class4", (void *)gi_register4},
        {"classdb_register_extension_class5", (void *)gi_register5},
        {"classdb_register_extension_class6", (void *)gi_register6},
        {"classdb_register_extension_class_method", (void *)gi_register_method},
        {"classdb_register_extension_class_integer_constant", (void *)gi_register_constant},
        {"classdb_register_extension_class_signal", (void *)gi_register_signal},
        {"classdb_register_extension_class_property", (void *)gi_register_property},
        {"classdb_unregister_extension_class", (void *)gi_unregister_class},
        {"classdb_construct_object", (void *)gi_construct1},
        {"classdb_construct_object2", (void *)gi_construct2},
        {"classdb_construct_object3", (void *)gi_construct3},
        {"classdb_get_method_bind", (void *)gi_get_method_bind},
        {"object_set_instance", (void *)gi_object_set_instance},
        {"object_destroy", (void *)gi_object_destroy},
        {"object_get_instance_id", (void *)gi_object_get_instance_id},
        {"object_get_instance_from_id", (void *)gi_object_get_instance_from_id},
        {"object_get_class_name", (void *)gi_object_get_class_name},
        {"object_set_instance_binding", (void *)gi_object_set_instance_binding},
        {"object_free_instance_binding", (void *)gi_object_free_instance_binding},
        {"object_get_instance_binding", (void *)gi_object_get_instance_binding},
        {"object_method_bind_ptrcall", (void *)gi_ptrcall},
        {"object_method_bind_call", (void *)gi_call},
        {"global_get_singleton", (void *)gi_global_get_singleton},
        {"get_library_path", (void *)gi_get_library_path},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(t[i].name, name))
            return t[i].fn;
    return NULL;
}
