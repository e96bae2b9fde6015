package admin

import (
	"context"
	"errors"

	"msnserver/admin/model"
)

// SignupBackend is what the public sign-up page and its console switch
// need. A Backend that also implements it gets both; one that does not
// (an embedding without a store) serves neither.
type SignupBackend interface {
	SignupSettings(ctx context.Context) (SignupSettings, error)
	SetSignupSettings(ctx context.Context, s SignupSettings) error
	Invites(ctx context.Context) ([]Invite, error)
	CreateInvite(ctx context.Context, note string) (Invite, error)
	DeleteInvite(ctx context.Context, code string) error // ErrNotFound
	// SignUp creates an MSN account; with invite != "" it uses the code up
	// in the same step. ErrExists, ErrInvalid, ErrBadInvite.
	SignUp(ctx context.Context, email, password, name, invite string) error
	// ChangeOwnPassword sets a new password when the current one is right;
	// false (and no error) when the account or the password is wrong, or the
	// account is disabled. It must take about as long either way.
	ChangeOwnPassword(ctx context.Context, email, current, password string) (bool, error)
}

type (
	SignupSettings = model.SignupSettings
	Invite         = model.Invite
)

// ErrBadInvite is a sign-up's unknown or used-up invite code.
var ErrBadInvite = errors.New("unknown or used invite code")
