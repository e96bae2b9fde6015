// Package form reads what the console's forms post and checks it. Each form
// is a struct built from a Getter; Validate returns an error whose text is
// meant for the admin, so handlers show it as it is.
package form

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Getter returns one posted field ("" when absent).
type Getter func(name string) string

// lineText trims s and checks that it is one line of at most maxRunes
// printable characters; what names the field in the message.
func lineText(s, what string, maxRunes int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return s, errors.New(what + " is empty.")
	case !utf8.ValidString(s):
		return s, errors.New(what + " is not valid UTF-8.")
	case utf8.RuneCountInString(s) > maxRunes:
		return s, errors.New(what + " is too long (at most " + strconv.Itoa(maxRunes) + " characters).")
	case strings.ContainsFunc(s, unicode.IsControl):
		return s, errors.New(what + " must be a single line without control characters.")
	}
	return s, nil
}
