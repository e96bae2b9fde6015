package form

import "errors"

// Password is the reset-password form of an account.
type Password struct {
	Password string
	Confirm  string
}

// NewPassword reads the reset-password form.
func NewPassword(get Getter) Password {
	return Password{Password: get("password"), Confirm: get("confirm")}
}

// Validate checks the password and its repetition.
func (f Password) Validate() error {
	if err := checkPassword(f.Password); err != nil {
		return err
	}
	if f.Password != f.Confirm {
		return errors.New("The two passwords differ.")
	}
	return nil
}

// AdminPassword is the form where an admin changes their own password.
type AdminPassword struct {
	Current  string
	Password string
	Confirm  string
}

// NewAdminPassword reads the admin password form.
func NewAdminPassword(get Getter) AdminPassword {
	return AdminPassword{Current: get("current"), Password: get("password"), Confirm: get("confirm")}
}

// minAdminPassword is the shortest admin password accepted: the console
// can change every account, so it gets a longer one than a chat login.
const minAdminPassword = 8

// Validate checks the new password and its repetition (the current one is the backend's to check).
func (f AdminPassword) Validate() error {
	switch {
	case f.Current == "":
		return errors.New("Enter your current password.")
	case len([]rune(f.Password)) < minAdminPassword:
		return errors.New("The new password is too short (at least 8 characters).")
	case len(f.Password) > 72:
		return errors.New("The new password is too long (at most 72 bytes).")
	case f.Password != f.Confirm:
		return errors.New("The two new passwords differ.")
	}
	return nil
}
