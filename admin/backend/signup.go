package backend

import (
	"context"
	"errors"
	"fmt"

	"msnserver/admin"
	"msnserver/ns/wire"
	"msnserver/store"
)

// SignupSettings reads the sign-up switches from the store's settings.
func (b *Backend) SignupSettings(ctx context.Context) (admin.SignupSettings, error) {
	var set admin.SignupSettings
	open, _, err := b.store.Setting(store.SettingSignup)
	if err != nil {
		return set, err
	}
	invite, _, err := b.store.Setting(store.SettingSignupInvite)
	return admin.SignupSettings{Open: open == "1", InviteOnly: invite == "1"}, err
}

// SetSignupSettings stores the sign-up switches.
func (b *Backend) SetSignupSettings(ctx context.Context, set admin.SignupSettings) error {
	flag := func(on bool) string {
		if on {
			return "1"
		}
		return ""
	}
	if err := b.store.SetSetting(store.SettingSignup, flag(set.Open)); err != nil {
		return err
	}
	return b.store.SetSetting(store.SettingSignupInvite, flag(set.InviteOnly))
}

// Invites lists the unused invite codes.
func (b *Backend) Invites(ctx context.Context) ([]admin.Invite, error) {
	list, err := b.store.Invites()
	out := make([]admin.Invite, len(list))
	for i, inv := range list {
		out[i] = admin.Invite{Code: inv.Code, Note: inv.Note, Created: inv.Created}
	}
	return out, err
}

// CreateInvite makes a new invite code.
func (b *Backend) CreateInvite(ctx context.Context, note string) (admin.Invite, error) {
	inv, err := b.store.CreateInvite(note)
	if err != nil {
		return admin.Invite{}, err
	}
	return admin.Invite{Code: inv.Code, Note: inv.Note, Created: inv.Created}, nil
}

// DeleteInvite withdraws an invite code.
func (b *Backend) DeleteInvite(ctx context.Context, code string) error {
	return mapErr(b.store.DeleteInvite(code))
}

// SignUp creates an MSN account from the public page; a code, when given,
// is checked and used up in the same transaction.
func (b *Backend) SignUp(ctx context.Context, email, password, name, invite string) error {
	if len(wire.EncodeName(name)) > wire.MaxNameEncode {
		return fmt.Errorf("%w: the display name is too long", admin.ErrInvalid)
	}
	n := store.NewAccount{Email: email, Password: password, Name: name, Network: store.NetworkMSN}
	if invite == "" {
		_, err := b.store.CreateAccount(n)
		return mapErr(err)
	}
	_, err := b.store.CreateAccountWithInvite(n, invite)
	if errors.Is(err, store.ErrNotFound) {
		return admin.ErrBadInvite
	}
	return mapErr(err)
}

// ChangeOwnPassword sets a new password after checking the current one.
// An unknown account costs the same bcrypt comparison as a known one.
func (b *Backend) ChangeOwnPassword(ctx context.Context, email, current, password string) (bool, error) {
	a, err := b.store.AccountByEmail(email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if !store.CheckPassword(a, current) || a.Disabled {
		return false, nil
	}
	if err := b.store.SetPassword(a.Email, password); err != nil {
		return false, mapErr(err)
	}
	return true, nil
}

var _ admin.SignupBackend = (*Backend)(nil)
