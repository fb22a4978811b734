/* gdx_iface.h: the shapes of the Godot interface functions gdx.c loads
 * with get_proc_address (from the notes, section 2.1). Pointer-typed
 * arguments are plain void pointers, as in Godot's own typedefs; the only
 * struct pointers are our GDX structs. extension/abitest compiles these
 * against the official typedefs. */
#ifndef GODOTSTEAM_SOCKETS_GDX_IFACE_H
#define GODOTSTEAM_SOCKETS_GDX_IFACE_H

#include "gdx.h"

typedef void (*PfnGetGodotVersion)(GdxGodotVersion *r);
typedef void (*PfnGetGodotVersion2)(GdxGodotVersion2 *r);
typedef void (*PfnPrintError)(const char *desc, const char *fn, const char *file, int32_t line, GdxBool notify);
typedef void (*PfnStringNameNewUtf8Len)(void *r_dest, const char *s, GdxInt len);
typedef GdxInt (*PfnStringNewUtf8Len2)(void *r_dest, const char *s, GdxInt len);
typedef GdxInt (*PfnStringToUtf8)(const void *s, char *r_text, GdxInt max);
typedef void (*PfnVariantNewNil)(void *r_dest);
typedef void (*PfnVariantNewCopy)(void *r_dest, const void *src);
typedef void (*PfnVariantDestroy)(void *v);
typedef GdxVariantType (*PfnVariantGetType)(const void *v);
typedef void (*PfnFromTypeCtor)(void *r_variant, void *value);
typedef void (*PfnToTypeCtor)(void *r_value, void *variant);
typedef PfnFromTypeCtor (*PfnGetVariantFromTypeConstructor)(GdxVariantType t);
typedef PfnToTypeCtor (*PfnGetVariantToTypeConstructor)(GdxVariantType t);
typedef void (*PfnPtrConstructor)(void *r_base, const void *const *args);
typedef void (*PfnPtrDestructor)(void *base);
typedef void (*PfnPtrBuiltinMethod)(void *base, const void *const *args, void *r_return, int32_t argc);
typedef PfnPtrConstructor (*PfnVariantGetPtrConstructor)(GdxVariantType t, int32_t index);
typedef PfnPtrDestructor (*PfnVariantGetPtrDestructor)(GdxVariantType t);
typedef PfnPtrBuiltinMethod (*PfnVariantGetPtrBuiltinMethod)(GdxVariantType t, const void *method_sn, GdxInt hash);
typedef void *(*PfnIndex)(void *self, GdxInt index);
typedef const void *(*PfnIndexConst)(const void *self, GdxInt index);
typedef void *(*PfnDictIndex)(void *self, const void *key);
typedef void (*PfnRegisterClass3)(void *lib, const void *cls, const void *parent, const GdxClassCreationInfo3 *info);
typedef void (*PfnRegisterClass4)(void *lib, const void *cls, const void *parent, const GdxClassCreationInfo4 *info);
typedef void (*PfnRegisterMethod)(void *lib, const void *cls, const GdxMethodInfo *info);
typedef void (*PfnRegisterConstant)(void *lib, const void *cls, const void *enum_sn, const void *name_sn, GdxInt value,
                                    GdxBool bitfield);
typedef void (*PfnRegisterSignal)(void *lib, const void *cls, const void *sig, const GdxPropertyInfo *args,
                                  GdxInt argc);
typedef void (*PfnUnregisterClass)(void *lib, const void *cls);
typedef void *(*PfnConstructObject)(const void *cls);
typedef void (*PfnObjectSetInstance)(void *obj, const void *cls, void *instance);
typedef void (*PfnObjectDestroy)(void *obj);
typedef const void *(*PfnGetMethodBind)(const void *cls, const void *method, GdxInt hash);
typedef void *(*PfnGlobalGetSingleton)(const void *name);
typedef void (*PfnMethodBindPtrcall)(const void *mb, void *obj, const void *const *args, void *r_ret);
typedef void (*PfnMethodBindCall)(const void *mb, void *obj, const void *const *args, GdxInt argc, void *r_ret,
                                  GdxCallError *r_error);
typedef void (*PfnEditorHelpLoad)(const char *data, GdxInt len);

#endif
