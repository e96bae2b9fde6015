package admin

import (
	"errors"
	"fmt"
	"testing"
)

func TestBackendMessage(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%q is not a valid e-mail address: %w", "x", ErrInvalid), `"x" is not a valid e-mail address.`},
		{fmt.Errorf("%w: not well-formed XML: line 2", ErrInvalid), "Not well-formed XML: line 2."},
		{fmt.Errorf("%w: %v", ErrExists, errors.New("account exists")), "Account exists."},
		{ErrInvalid, "fallback"},
		{fmt.Errorf("wrapped: %w", ErrInvalid), "Wrapped."},
		{errors.New("disk on fire"), "fallback"},
	} {
		if got := backendMessage(tc.err, "fallback"); got != tc.want {
			t.Errorf("backendMessage(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
