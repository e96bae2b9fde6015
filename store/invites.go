package store

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sign-up settings: "1" turns each on; absent means off.
const (
	SettingSignup       = "signup.open"        // the public sign-up page creates accounts
	SettingSignupInvite = "signup.invite-only" // ... and only with an invite code
)

// Invite codes live in the settings bucket under this prefix: a handful of
// small records that need no bucket (and no schema step) of their own.
const invitePrefix = "invite."

// Invite is a one-time code the admin hands out; signing up with it uses it up.
type Invite struct {
	Code    string    `json:"-"`
	Note    string    `json:"note,omitempty"` // for whom, for the admin
	Created time.Time `json:"created"`
}

// inviteAlphabet leaves out 0/O and 1/I, which people misread from a screen.
var inviteEncoding = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// NormalizeInvite is the stored form of a code as a person types it:
// upper case, without spaces and dashes.
func NormalizeInvite(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

// CreateInvite stores a new random code (12 characters, about 60 bits).
func (s *Store) CreateInvite(note string) (*Invite, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	code := inviteEncoding.EncodeToString(b[:])[:12]
	inv := &Invite{Code: code[:4] + "-" + code[4:8] + "-" + code[8:], Note: note, Created: s.now().UTC()}
	err := s.write(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketSettings), []byte(invitePrefix+code), inv)
	})
	if err != nil {
		return nil, fmt.Errorf("invite: %w", err)
	}
	return inv, nil
}

// Invites lists the unused codes, oldest first.
func (s *Store) Invites() ([]*Invite, error) {
	var out []*Invite
	err := s.read(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSettings).Cursor()
		prefix := []byte(invitePrefix)
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var inv Invite
			if err := json.Unmarshal(v, &inv); err != nil {
				return fmt.Errorf("invite %s: %w", k, err)
			}
			code := string(k[len(prefix):])
			inv.Code = code[:4] + "-" + code[4:8] + "-" + code[8:]
			out = append(out, &inv)
		}
		return nil
	})
	// Keys sort by code; people want to see them by age.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Created.Before(out[j-1].Created); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, err
}

// DeleteInvite withdraws a code; ErrNotFound when it is not (or no longer) there.
func (s *Store) DeleteInvite(code string) error {
	return s.write(func(tx *bolt.Tx) error {
		key := []byte(invitePrefix + NormalizeInvite(code))
		if len(key) == len(invitePrefix) || tx.Bucket(bucketSettings).Get(key) == nil {
			return fmt.Errorf("invite %q: %w", code, ErrNotFound)
		}
		return tx.Bucket(bucketSettings).Delete(key)
	})
}

// CreateAccountWithInvite creates an account and uses up the invite code in
// one transaction: a code never makes two accounts, and a refused account
// (ErrExists, ErrInvalid) keeps its code. ErrNotFound when the code is unknown.
func (s *Store) CreateAccountWithInvite(n NewAccount, code string) (*Account, error) {
	a, err := s.prepareAccount(n)
	if err != nil {
		return nil, err
	}
	err = s.write(func(tx *bolt.Tx) error {
		key := []byte(invitePrefix + NormalizeInvite(code))
		if len(key) == len(invitePrefix) || tx.Bucket(bucketSettings).Get(key) == nil {
			return fmt.Errorf("invite code %q: %w", code, ErrNotFound)
		}
		if err := insertAccount(tx, a); err != nil {
			return err
		}
		return tx.Bucket(bucketSettings).Delete(key)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
