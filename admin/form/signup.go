package form

import (
	"errors"
	"strings"

	"msnserver/admin/model"
)

// Signup is the public sign-up form.
type Signup struct {
	Email    string
	Name     string
	Password string
	Confirm  string
	Invite   string
}

// NewSignup reads the sign-up form.
func NewSignup(get Getter) Signup {
	return Signup{
		Email:    strings.ToLower(strings.TrimSpace(get("email"))),
		Name:     strings.TrimSpace(get("name")),
		Password: get("password"),
		Confirm:  get("confirm"),
		Invite:   strings.TrimSpace(get("invite")),
	}
}

// Validate checks the fields as the console's create-account form does,
// and also wants a display name, the repeated password and, when the
// server asks for one, an invite code.
func (f Signup) Validate(inviteOnly bool) error {
	if f.Name == "" {
		return errors.New("Enter a display name: it is what your contacts see.")
	}
	acct := Account{Email: f.Email, Name: f.Name, Password: f.Password, Network: model.NetworkMSN}
	if err := acct.Validate(); err != nil {
		return err
	}
	if f.Password != f.Confirm {
		return errors.New("The two passwords differ.")
	}
	if inviteOnly && f.Invite == "" {
		return errors.New("Enter the invite code the server's admin gave you.")
	}
	if len(f.Invite) > 64 {
		return errors.New("That invite code is too long.")
	}
	return nil
}

// OwnPassword is the public form where a user changes their own password.
type OwnPassword struct {
	Email    string
	Current  string
	Password string
	Confirm  string
}

// NewOwnPassword reads the change-your-password form.
func NewOwnPassword(get Getter) OwnPassword {
	return OwnPassword{
		Email:    strings.ToLower(strings.TrimSpace(get("email"))),
		Current:  get("current"),
		Password: get("password"),
		Confirm:  get("confirm"),
	}
}

// Validate checks the fields; whether the current password is right is the backend's to say.
func (f OwnPassword) Validate() error {
	if err := checkEmail(f.Email); err != nil {
		return err
	}
	if f.Current == "" {
		return errors.New("Enter your current password.")
	}
	if err := checkPassword(f.Password); err != nil {
		return err
	}
	if f.Password != f.Confirm {
		return errors.New("The two new passwords differ.")
	}
	return nil
}
