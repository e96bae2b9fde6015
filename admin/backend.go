package admin

import (
	"context"
	"errors"

	"msnserver/admin/model"
)

// Backend is everything the console reads and changes. main implements it
// with an adapter over the store and the presence hub.
type Backend interface {
	// Admin logins. The hash comparison is the backend's and must take about
	// the same time whether or not the user exists.
	CheckAdminPassword(ctx context.Context, user, password string) (bool, error)
	SetAdminPassword(ctx context.Context, user, password string) error

	// Accounts.
	ListAccounts(ctx context.Context, query string, offset, limit int) (accts []Account, total int, err error)
	Account(ctx context.Context, email string) (AccountDetail, error)                   // ErrNotFound
	CreateAccount(ctx context.Context, email, password, name string, network int) error // ErrExists, ErrInvalid (wrapped with a message)
	RenameAccount(ctx context.Context, email, name string) error
	SetPassword(ctx context.Context, email, password string) error
	SetDisabled(ctx context.Context, email string, disabled bool) error // disabling also disconnects
	DeleteAccount(ctx context.Context, email string) error
	// Picture is the account's roamed display picture: its type and bytes (ErrNotFound when none).
	Picture(ctx context.Context, email string) (mime string, data []byte, err error)

	// The shields policy (GCF) XML sent at login. SetPolicy validates too;
	// the console has already checked that it is well-formed with root <Policies>.
	Policy(ctx context.Context) (string, error)
	SetPolicy(ctx context.Context, xml string) error

	// Live state.
	Sessions() []Session                   // signed-in NS sessions
	Switchboards() []Switchboard           // SB sessions in progress
	Kick(email string) bool                // sends OUT and closes; false when not online
	SendTo(email, text string) bool        // an admin message to one client; false when not online
	Broadcast(b Broadcast) (delivered int) // to every online client
	Stats() Stats
	CACertPEM() []byte // the CA certificate clients must trust, PEM
	PublicHost() string
}

// The types the Backend speaks; see package model for their fields.
type (
	Account       = model.Account
	AccountDetail = model.AccountDetail
	Picture       = model.Picture
	Contact       = model.Contact
	Session       = model.Session
	Switchboard   = model.Switchboard
	Broadcast     = model.Broadcast
	Stats         = model.Stats
	SentBroadcast = model.SentBroadcast
)

// Network ids and broadcast kinds.
const (
	NetworkMSN        = model.NetworkMSN
	NetworkYahoo      = model.NetworkYahoo
	BroadcastShutdown = model.BroadcastShutdown
	BroadcastText     = model.BroadcastText
)

// Errors a Backend returns, wrapped with a message where useful
// (fmt.Errorf("%q is not a valid e-mail address: %w", email, admin.ErrInvalid)).
// The console shows the message of an ErrInvalid or ErrExists to the admin.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrInvalid  = errors.New("invalid")
)
