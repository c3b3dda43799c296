package cli

import "fmt"

// errNotImplemented is returned by commands whose issue has not landed yet,
// so that nothing ever reports a silent success.
func errNotImplemented(what string) error {
	return fmt.Errorf("%s is not implemented yet", what)
}
