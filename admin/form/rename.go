package form

import "strings"

// Rename is the rename form of an account.
type Rename struct {
	Name string
}

// NewRename reads the rename form.
func NewRename(get Getter) Rename {
	return Rename{Name: strings.TrimSpace(get("name"))}
}

// Validate checks the friendly name.
func (f Rename) Validate() error {
	_, err := lineText(f.Name, "The friendly name", maxNameRunes)
	return err
}
