package form

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"msnserver/admin/model"
)

// Account is the create-account form.
type Account struct {
	Email    string
	Name     string
	Password string
	Network  int // 0 when the posted value is not a number
}

// NewAccount reads the create-account form.
func NewAccount(get Getter) Account {
	n, _ := strconv.Atoi(strings.TrimSpace(get("network")))
	return Account{
		Email:    strings.ToLower(strings.TrimSpace(get("email"))),
		Name:     strings.TrimSpace(get("name")),
		Password: get("password"),
		Network:  n,
	}
}

// Validate checks every field; the friendly name may be empty.
func (f Account) Validate() error {
	if err := checkEmail(f.Email); err != nil {
		return err
	}
	if f.Name != "" {
		if _, err := lineText(f.Name, "The friendly name", maxNameRunes); err != nil {
			return err
		}
	}
	if err := checkPassword(f.Password); err != nil {
		return err
	}
	if f.Network != model.NetworkMSN && f.Network != model.NetworkYahoo {
		return errors.New("Choose the MSN or the Yahoo! network.")
	}
	return nil
}

// maxNameRunes bounds friendly names (MSNP allows 387 URL-encoded bytes).
const maxNameRunes = 128

// checkEmail is a first check of a sign-in name; the backend has the last word.
func checkEmail(email string) error {
	at := strings.LastIndexByte(email, '@')
	switch {
	case email == "":
		return errors.New("Enter an e-mail address.")
	case len(email) > 129:
		return errors.New("The e-mail address is too long (at most 129 characters).")
	case at <= 0 || at == len(email)-1 || strings.Count(email, "@") != 1:
		return errors.New("“" + email + "” is not an e-mail address: it needs one @ with a name before it and a domain after it.")
	case strings.ContainsFunc(email, badEmailRune):
		return errors.New("“" + email + "” is not an e-mail address: it contains spaces or characters such as < > , ; :.")
	case !strings.Contains(email[at+1:], ".") || strings.HasSuffix(email, ".") || strings.Contains(email[at+1:], ".."):
		return errors.New("“" + email + "” is not an e-mail address: the domain needs a dot, as in example.com.")
	}
	return nil
}

func badEmailRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>\"(),;:\\[]", r)
}

// checkPassword bounds a Messenger password as the store's bcrypt does (72 bytes).
func checkPassword(pw string) error {
	switch {
	case pw == "":
		return errors.New("Enter a password.")
	case len(pw) > 72:
		return errors.New("The password is too long (at most 72 bytes).")
	}
	return nil
}
