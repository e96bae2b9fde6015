package admin_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"msnserver/admin"
)

// The fake's sign-up side: switches and invite codes in memory.
type fakeSignup struct {
	settings admin.SignupSettings
	invites  []admin.Invite
}

func (f *fakeBackend) SignupSettings(context.Context) (admin.SignupSettings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.signup.settings, nil
}

func (f *fakeBackend) SetSignupSettings(_ context.Context, s admin.SignupSettings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signup.settings = s
	f.changes++
	return nil
}

func (f *fakeBackend) Invites(context.Context) ([]admin.Invite, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]admin.Invite(nil), f.signup.invites...), nil
}

func (f *fakeBackend) CreateInvite(_ context.Context, note string) (admin.Invite, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inv := admin.Invite{Code: fmt.Sprintf("TEST-CODE-%04d", len(f.signup.invites)), Note: note, Created: time.Now()}
	f.signup.invites = append(f.signup.invites, inv)
	f.changes++
	return inv, nil
}

func (f *fakeBackend) DeleteInvite(_ context.Context, code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, inv := range f.signup.invites {
		if inv.Code == code {
			f.signup.invites = append(f.signup.invites[:i], f.signup.invites[i+1:]...)
			f.changes++
			return nil
		}
	}
	return fmt.Errorf("invite %s: %w", code, admin.ErrNotFound)
}

func (f *fakeBackend) SignUp(ctx context.Context, email, password, name, invite string) error {
	if invite != "" {
		if err := f.DeleteInvite(ctx, strings.ToUpper(invite)); err != nil {
			return admin.ErrBadInvite
		}
	}
	return f.CreateAccount(ctx, email, password, name, admin.NetworkMSN)
}

func (f *fakeBackend) ChangeOwnPassword(_ context.Context, email, current, password string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[email]
	if a == nil || a.password != current || a.Disabled {
		return false, nil
	}
	a.password = password
	f.changes++
	return true, nil
}
