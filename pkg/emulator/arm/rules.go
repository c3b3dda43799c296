package arm

// A Rule adds a service's own behaviour to the generic ARM one: writes the
// service refuses because of the state of other resources, read-only
// properties it fills in, what its actions change.
type Rule interface {
	// Admit sees a write before it is made. It may refuse it with an
	// *Error, or complete a PUT's Body as the service would.
	Admit(st *Store, w *Write) error
	// Applied sees a write once it has taken effect (for a long-running
	// operation: once it was accepted to succeed).
	Applied(st *Store, w *Write)
}

// Write is a change a request asks for.
type Write struct {
	Method string // PUT, PATCH, DELETE or POST
	// Key is the store key of the resource written; for POST, of the
	// resource the action runs on.
	Key string
	// Type is that resource's ARM type, as the document spells it
	// (Microsoft.DataProtection/backupVaults/backupInstances).
	Type string
	// Action is the action a POST runs (the path's last segment).
	Action string
	// Body is the resource a PUT stores, or the object a POST sent; nil
	// otherwise.
	Body map[string]any
}
