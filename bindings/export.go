package bindings

import "godotsteam-sockets/engine"

// PrepareArgs applies Godot's call-path rules to raw arguments of method m
// (count, trailing defaults, Variant::can_convert_strict, conversion to the
// declared types), exactly as Steam.Call does. Other classes the extension
// registers (bindings/multiplayer's SteamMultiplayerPeer) use it so that
// every class reports the same call errors Godot's own binders would.
func PrepareArgs(m *Method, raw []any) ([]any, CallError) {
	a, cerr := prepareArgs(m, raw)
	return []any(a), cerr
}

// ConfigOptions converts a config_options Dictionary (NETWORKING_CONFIG_*
// keys) to engine options, with the same rules and error texts as the Steam
// methods that take config_options.
func ConfigOptions(d *Dictionary) ([]engine.ConfigOption, error) {
	return convertConfigOptions(d)
}
