package bindings

// Arg describes one method or signal argument.
type Arg struct {
	Name       string
	Type       VariantType
	Enum       string // enum name for enum-typed ints ("NetworkingConnectionState"), else ""
	HasDefault bool
	Default    any // a value of the model, of Type
}

// Method describes one method of the Steam class.
type Method struct {
	Name       string
	Args       []Arg
	HasReturn  bool // false for void
	Return     VariantType
	ReturnEnum string
}

// Signal describes one signal.
type Signal struct {
	Name string
	Args []Arg
}

// Constant is one integer constant; Enum "" means a plain constant.
type Constant struct {
	Name     string
	Value    int64
	Enum     string
	Bitfield bool
}

// ClassInfo is the whole declarative description of the class, which the
// extension registers as-is: methods (the method index used by Steam.Call
// is the index in Methods), signals and constants.
type ClassInfo struct {
	Name      string // "Steam"
	Parent    string // "Object"
	Singleton string // "Steam"
	Methods   []Method
	Signals   []Signal
	Constants []Constant
}
