package engine

// ConfigKey is ESteamNetworkingConfigValue (NETWORKING_CONFIG_* in api.md).
type ConfigKey int32

// ConfigDataType is ESteamNetworkingConfigDataType.
type ConfigDataType int

// Config data types.
const (
	ConfigInt32       ConfigDataType = 1
	ConfigInt64       ConfigDataType = 2
	ConfigFloat       ConfigDataType = 3
	ConfigString      ConfigDataType = 4
	ConfigFunctionPtr ConfigDataType = 5
)

// ConfigValue is one value as the caller supplied it; the engine converts it
// leniently to the key's own type (int32, int64 and float convert into each
// other, strings are parsed as numbers for numeric keys and numbers are
// formatted for string keys), then clamps it to the key's range.
type ConfigValue struct {
	Type   ConfigDataType
	Int    int64   // ConfigInt32, ConfigInt64
	Float  float32 // ConfigFloat
	String string  // ConfigString
}

// ConfigOption is SteamNetworkingConfigValue_t: a key and a value.
type ConfigOption struct {
	Key   ConfigKey
	Value ConfigValue
}

// Int32Option, Int64Option, FloatOption and StringOption build options.
func Int32Option(k ConfigKey, v int32) ConfigOption {
	return ConfigOption{k, ConfigValue{Type: ConfigInt32, Int: int64(v)}}
}

// Int64Option builds an int64 option.
func Int64Option(k ConfigKey, v int64) ConfigOption {
	return ConfigOption{k, ConfigValue{Type: ConfigInt64, Int: v}}
}

// FloatOption builds a float option.
func FloatOption(k ConfigKey, v float32) ConfigOption {
	return ConfigOption{k, ConfigValue{Type: ConfigFloat, Float: v}}
}

// StringOption builds a string option.
func StringOption(k ConfigKey, v string) ConfigOption {
	return ConfigOption{k, ConfigValue{Type: ConfigString, String: v}}
}
