/* Engine classes with virtual methods and signals (MultiplayerPeerExtension),
 * and calling an extension's virtuals the way Godot's GDVIRTUAL_CALL does:
 *
 *  - the first call of a virtual on an object asks the extension once
 *    (get_virtual_call_data: 4.3 by name, 4.4+ name + signature hash; or
 *    get_virtual / get_virtual2 without call data) and caches the answer on
 *    the object, NULL included;
 *  - each call then passes that data to call_virtual_with_data with ptrcall
 *    arguments (int as int64, bool as one byte, PackedByteArray as the
 *    16-byte value) and a return slot initialised to the declared type;
 *  - a required virtual the extension does not implement is Godot's
 *    "Required virtual method ... must be overridden" error: a violation.
 *
 * Names, hashes, shapes and is_required come from extension_api.json. */
#include "mg.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *cls;
    const char *name;
    uint32_t hash;
    bool required;
    bool raw; /* pointer arguments: not callable through the protocol */
    int argc;
    uint32_t args[2];
    uint32_t ret; /* VT_NIL = void */
    void *sn;     /* immortal StringName handle, made on first use */
} EngineVirtual;

#define MPE "MultiplayerPeerExtension"

static EngineVirtual engine_virtuals[] = {
    {MPE, "_get_packet", 3099858825u, false, true, 2, {0, 0}, VT_INT, NULL},
    {MPE, "_put_packet", 3099858825u, false, true, 2, {0, 0}, VT_INT, NULL},
    {MPE, "_get_available_packet_count", 3905245786u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_get_max_packet_size", 3905245786u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_get_packet_script", 2115431945u, false, false, 0, {0, 0}, VT_PACKED_BYTE_ARRAY, NULL},
    {MPE, "_put_packet_script", 680677267u, false, false, 1, {VT_PACKED_BYTE_ARRAY, 0}, VT_INT, NULL},
    {MPE, "_get_packet_channel", 3905245786u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_get_packet_mode", 3369852622u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_set_transfer_channel", 1286410249u, true, false, 1, {VT_INT, 0}, VT_NIL, NULL},
    {MPE, "_get_transfer_channel", 3905245786u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_set_transfer_mode", 950411049u, true, false, 1, {VT_INT, 0}, VT_NIL, NULL},
    {MPE, "_get_transfer_mode", 3369852622u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_set_target_peer", 1286410249u, true, false, 1, {VT_INT, 0}, VT_NIL, NULL},
    {MPE, "_get_packet_peer", 3905245786u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_is_server", 36873697u, true, false, 0, {0, 0}, VT_BOOL, NULL},
    {MPE, "_poll", 3218959716u, true, false, 0, {0, 0}, VT_NIL, NULL},
    {MPE, "_close", 3218959716u, true, false, 0, {0, 0}, VT_NIL, NULL},
    {MPE, "_disconnect_peer", 300928843u, true, false, 2, {VT_INT, VT_BOOL}, VT_NIL, NULL},
    {MPE, "_get_unique_id", 3905245786u, true, false, 0, {0, 0}, VT_INT, NULL},
    {MPE, "_set_refuse_new_connections", 2586408642u, false, false, 1, {VT_BOOL, 0}, VT_NIL, NULL},
    {MPE, "_is_refusing_new_connections", 36873697u, false, false, 0, {0, 0}, VT_BOOL, NULL},
    {MPE, "_is_server_relay_supported", 36873697u, false, false, 0, {0, 0}, VT_BOOL, NULL},
    {MPE, "_get_connection_status", 2147374275u, true, false, 0, {0, 0}, VT_INT, NULL},
};
#define N_VIRTUALS (sizeof engine_virtuals / sizeof engine_virtuals[0])

/* MultiplayerPeer's signals, inherited by MultiplayerPeerExtension. */
static MgProp id_arg[1] = {{(char *)"id", VT_INT, (char *)"", 0, (char *)"", 6}};
static MgSignal mpe_signals[] = {
    {(char *)"peer_connected", 1, id_arg},
    {(char *)"peer_disconnected", 1, id_arg},
};

bool engine_class_known(const char *n) {
    return !strcmp(n, "Object") || !strcmp(n, "Engine") || !strcmp(n, "OS") || !strcmp(n, "ProjectSettings") || !strcmp(n, MPE);
}

bool engine_class_constructible(const char *n) { return !strcmp(n, "Object") || !strcmp(n, MPE); }

bool engine_class_has_virtuals(const char *n) { return !strcmp(n, MPE); }

MgSignal *engine_signal(const char *base_class, const char *name) {
    if (strcmp(base_class, MPE) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof mpe_signals / sizeof mpe_signals[0]; i++)
        if (!strcmp(mpe_signals[i].name, name))
            return &mpe_signals[i];
    return NULL;
}

/* One resolved virtual of one object (Godot's per-object _gdvirtual_ slot). */
struct MgVSlot {
    const EngineVirtual *v;
    void *data;
    int lookups; /* get_virtual_call_data calls for this object and name */
};

static EngineVirtual *find_virtual(const char *cls, const char *name) {
    for (size_t i = 0; i < N_VIRTUALS; i++)
        if (!strcmp(engine_virtuals[i].cls, cls) && !strcmp(engine_virtuals[i].name, name))
            return &engine_virtuals[i];
    return NULL;
}

static struct MgVSlot *slot_of(MgObject *o, const EngineVirtual *v) {
    for (size_t i = 0; i < o->nvslots; i++)
        if (o->vslots[i].v == v)
            return &o->vslots[i];
    return NULL;
}

void virtual_slots_free(MgObject *o) {
    free(o->vslots);
    o->vslots = NULL;
    o->nvslots = 0;
}

typedef void *(*GetCallData1)(void *, const void *);
typedef void *(*GetCallData2)(void *, const void *, uint32_t);
typedef void *(*GetVirtual1)(void *, const void *);
typedef void *(*GetVirtual2)(void *, const void *, uint32_t);
typedef void (*CallWithData)(void *, const void *, void *, const void *const *, void *);
typedef void (*CallVirtual)(void *, const void *const *, void *);

/* Resolves v on o once, like the first GDVIRTUAL_CALL of an object. */
static struct MgVSlot *resolve(MgObject *o, EngineVirtual *v) {
    struct MgVSlot *s = slot_of(o, v);
    if (s)
        return s;
    o->vslots = xrealloc(o->vslots, (o->nvslots + 1) * sizeof *o->vslots);
    s = &o->vslots[o->nvslots++];
    s->v = v;
    s->data = NULL;
    s->lookups = 0;
    if (!v->sn)
        sname_make(&v->sn, v->name, strlen(v->name), true);
    MgClass *c = o->ext_class;
    bool with_data = c->get_virtual_call_data && c->call_virtual_with_data;
    if (c->info_version == 3 || mg_host.version == 43) {
        /* 4.3, or a class registered with CreationInfo3: by name only */
        if (with_data)
            s->data = ((GetCallData1)c->get_virtual_call_data)(c->class_userdata, &v->sn);
        else if (c->get_virtual)
            s->data = ((GetVirtual1)c->get_virtual)(c->class_userdata, &v->sn);
    } else {
        if (with_data)
            s->data = ((GetCallData2)c->get_virtual_call_data)(c->class_userdata, &v->sn, v->hash);
        else if (c->get_virtual)
            s->data = ((GetVirtual2)c->get_virtual)(c->class_userdata, &v->sn, v->hash);
    }
    s->lookups++;
    return s;
}

int virtual_lookups(MgObject *o, const char *name) {
    if (!o->ext_class)
        return 0;
    EngineVirtual *v = find_virtual(o->base_class, name);
    struct MgVSlot *s = v ? slot_of(o, v) : NULL;
    return s ? s->lookups : 0;
}

bool virtual_call(MgObject *o, const char *name, MgVariant *args, int n, MgVariant *ret, bool *overridden, char *err, size_t errlen) {
    variant_nil(ret);
    *overridden = false;
    if (!o->ext_class) {
        snprintf(err, errlen, "the object has no extension instance");
        return false;
    }
    EngineVirtual *v = find_virtual(o->base_class, name);
    if (!v) {
        snprintf(err, errlen, "%s has no virtual method '%s'", o->base_class, name);
        return false;
    }
    if (n != v->argc && !v->raw) {
        snprintf(err, errlen, "%s takes %d argument(s), got %d", name, v->argc, n);
        return false;
    }
    for (int i = 0; i < n && !v->raw; i++) {
        if (args[i].type != v->args[i]) {
            snprintf(err, errlen, "argument %d of %s must be a %s, got a %s", i, name, variant_type_name(v->args[i]), variant_type_name(args[i].type));
            return false;
        }
    }
    char ctx[160];
    snprintf(ctx, sizeof ctx, "virtual %s::%s", o->ext_class->name, name);
    struct MgVSlot *s = resolve(o, v);
    if (!mg_live(o, K_OBJECT) || !o->ext_class) {
        mg_violation("%s: the object died while its virtual was resolved", ctx);
        return true;
    }
    if (!s->data) {
        if (v->required) {
            char msg[256];
            snprintf(msg, sizeof msg, "Required virtual method %s::%s must be overridden before calling.", o->ext_class->name, name);
            mg_log_event("error", msg, name, "object.h", 0);
            mg_violation("%s", msg);
        }
        return true;
    }
    *overridden = true;
    if (v->raw) {
        snprintf(err, errlen, "%s is overridden, but mini-Godot does not model its raw-pointer arguments", name);
        return false;
    }
    const void *argp[2] = {NULL, NULL};
    uint64_t hashes[2] = {0, 0};
    MgVariant copies[2];
    for (int i = 0; i < n; i++) {
        argp[i] = variant_payload(&args[i]);
        hashes[i] = variant_hash(&args[i]);
        copies[i] = args[i];
    }
    void *slot = NULL;
    if (v->ret != VT_NIL) {
        variant_init_type(ret, v->ret);
        slot = variant_payload(ret);
    }
    MgClass *c = o->ext_class;
    if (c->call_virtual_with_data)
        ((CallWithData)c->call_virtual_with_data)(o->instance, &v->sn, s->data, n ? argp : NULL, slot);
    else
        ((CallVirtual)s->data)(o->instance, n ? argp : NULL, slot);
    if (!variant_valid(ret, ctx))
        variant_nil(ret);
    if (ret->type == VT_BOOL && ret->u.b > 1)
        mg_violation("%s: bool return slot holds byte %u", ctx, ret->u.b);
    for (int i = 0; i < n; i++)
        if (memcmp(&copies[i], &args[i], sizeof(MgVariant)) != 0 || variant_hash(&args[i]) != hashes[i])
            mg_violation("%s: argument %d was modified or retained; virtual arguments are const", ctx, i);
    return true;
}

/* Checks at registration: a class extending an engine class with virtuals
 * must be able to answer for them. */
void virtual_check_class(MgClass *c, const char *fn) {
    if (!engine_class_has_virtuals(c->parent))
        return;
    if (c->get_virtual_call_data && !c->call_virtual_with_data)
        mg_violation("%s: class '%s' sets get_virtual_call_data_func without call_virtual_with_data_func (Godot would ignore both)", fn, c->name);
    if (!c->get_virtual_call_data && c->call_virtual_with_data && !c->get_virtual)
        mg_violation("%s: class '%s' sets call_virtual_with_data_func without get_virtual_call_data_func", fn, c->name);
    if (!c->get_virtual && !(c->get_virtual_call_data && c->call_virtual_with_data))
        mg_violation("%s: class '%s' extends %s but resolves no virtual methods (its required virtuals would fail)", fn, c->name, c->parent);
}
