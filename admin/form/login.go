package form

import (
	"errors"
	"strings"
)

// Login is the sign-in form.
type Login struct {
	User     string
	Password string
	Next     string // the page asked for before signing in
}

// NewLogin reads the sign-in form.
func NewLogin(get Getter) Login {
	return Login{User: strings.TrimSpace(get("user")), Password: get("password"), Next: get("next")}
}

// Validate checks that both fields are filled in.
func (f Login) Validate() error {
	if f.User == "" || f.Password == "" {
		return errors.New("Enter your user name and password.")
	}
	if len(f.User) > 128 || len(f.Password) > 1024 {
		return errors.New("Wrong user name or password.")
	}
	return nil
}

// SafeNext is Next when it is a path on this site, else "/". It keeps a
// crafted login link from sending the admin elsewhere.
func (f Login) SafeNext() string {
	n := f.Next
	if n == "" || n[0] != '/' || strings.HasPrefix(n, "//") || strings.ContainsAny(n, "\\\r\n\t") ||
		strings.HasPrefix(n, "/login") || strings.HasPrefix(n, "/logout") {
		return "/"
	}
	return n
}
