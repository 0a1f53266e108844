package plans

// Action is what a plan does to one resource instance. Its rune is the symbol shown in plans.
type Action rune

const (
	NoOp    Action = 0
	Create  Action = '+'
	Read    Action = '<' // data sources: read at every refresh, never changed
	Update  Action = '~'
	Replace Action = '±' // shown as -/+
	Delete  Action = '-'
)

// String is the action's name as used in JSON and approval rules: create, update, replace,
// delete, read, no-op.
func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Read:
		return "read"
	case Update:
		return "update"
	case Replace:
		return "replace"
	case Delete:
		return "delete"
	}
	return "no-op"
}

// Symbol is the prefix shown in the human plan.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Read:
		return "<="
	case Update:
		return "~"
	case Replace:
		return "-/+"
	case Delete:
		return "-"
	}
	return " "
}

// ParseAction is the inverse of String.
func ParseAction(s string) (Action, bool) {
	for _, a := range []Action{NoOp, Create, Read, Update, Replace, Delete} {
		if a.String() == s {
			return a, true
		}
	}
	return NoOp, false
}

// MarshalText / UnmarshalText make Action read as its name in JSON.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

func (a *Action) UnmarshalText(b []byte) error {
	v, ok := ParseAction(string(b))
	if !ok {
		return &UnknownActionError{string(b)}
	}
	*a = v
	return nil
}

// UnknownActionError is returned for an action name this version does not know.
type UnknownActionError struct{ Name string }

func (e *UnknownActionError) Error() string { return "unknown action " + e.Name }
