// Package ticket issues and checks the Passport tickets handed out by the
// token service and presented to every later service (NS USR TWN S, address
// book, sharing, offline messages). A ticket is stateless: it carries the
// account ID and expiry and is signed with HMAC-SHA256 under a secret kept in
// the data folder, so tickets survive a restart and cannot be forged.
//
// A ticket also carries the account's TicketGen. A password change or a
// disable raises it, and Account refuses tickets of an older generation, so
// they stop working everywhere at once; rotating the key (msnserver secrets
// rotate) ends every ticket of every account.
package ticket

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"msnserver/store"
)

// Lifetime of issued tickets (24 h, as soap-services.md §2.2 recommends).
const Lifetime = 24 * time.Hour

// Errors from Check.
var (
	ErrMalformed = errors.New("malformed ticket")
	ErrForged    = errors.New("ticket signature does not verify")
	ErrExpired   = errors.New("ticket expired")
	ErrRevoked   = errors.New("ticket revoked by a password change or a disable")
	ErrDisabled  = errors.New("account disabled")
)

const (
	version1    = 1
	payloadLen1 = 1 + 8 + 8 + 8 // version, account id, expiry, nonce (read as generation 0)
	version     = 2
	payloadLen  = 1 + 8 + 4 + 8 + 8 // version, account id, generation, expiry, nonce
	macLen      = 16
)

// b64 decodes strictly: the unused low bits of a token's last character
// must be zero, so each ticket has exactly one spelling that verifies (a
// lenient decoder accepts 16 for each part).
var b64 = base64.RawURLEncoding.Strict()

// Signer issues and checks tickets.
type Signer struct {
	key []byte
	now func() time.Time
}

// New returns a signer using key (at least 32 bytes).
func New(key []byte) (*Signer, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("ticket key of %d bytes, need 32", len(key))
	}
	return &Signer{key: append([]byte(nil), key...), now: time.Now}, nil
}

// Ticket is a checked ticket's content.
type Ticket struct {
	AccountID uint64
	Gen       uint32 // the account's TicketGen when issued
	Expires   time.Time
}

// Issue returns a token (the part after "t=") for the account at generation
// 0, valid for Lifetime. Tokens use only [A-Za-z0-9._-].
func (s *Signer) Issue(accountID uint64) string {
	return s.issue(accountID, 0, s.now().Add(Lifetime))
}

// IssueFor returns a token for a, carrying its TicketGen, valid for Lifetime.
func (s *Signer) IssueFor(a *store.Account) string {
	return s.issue(a.ID, a.TicketGen, s.now().Add(Lifetime))
}

// IssueAt returns a token expiring at the given time (tests, short-lived uses).
func (s *Signer) IssueAt(accountID uint64, expires time.Time) string {
	return s.issue(accountID, 0, expires)
}

func (s *Signer) issue(accountID uint64, gen uint32, expires time.Time) string {
	var p [payloadLen]byte
	p[0] = version
	binary.BigEndian.PutUint64(p[1:9], accountID)
	binary.BigEndian.PutUint32(p[9:13], gen)
	binary.BigEndian.PutUint64(p[13:21], uint64(expires.Unix()))
	rand.Read(p[21:29])
	return b64.EncodeToString(p[:]) + "." + b64.EncodeToString(s.mac(p[:]))
}

func (s *Signer) mac(p []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(p)
	return m.Sum(nil)[:macLen]
}

// Check verifies a token (with or without the compact "t=…&p=…" wrapping).
func (s *Signer) Check(token string) (Ticket, error) {
	token = Token(token)
	dot := strings.IndexByte(token, '.')
	if dot < 0 || len(token) > 128 || !tokenChars(token) {
		return Ticket{}, ErrMalformed
	}
	p, err1 := b64.DecodeString(token[:dot])
	mac, err2 := b64.DecodeString(token[dot+1:])
	if err1 != nil || err2 != nil || len(mac) != macLen || len(p) == 0 ||
		!(p[0] == version && len(p) == payloadLen || p[0] == version1 && len(p) == payloadLen1) {
		return Ticket{}, ErrMalformed
	}
	if !hmac.Equal(mac, s.mac(p)) {
		return Ticket{}, ErrForged
	}
	t := Ticket{AccountID: binary.BigEndian.Uint64(p[1:9])}
	if p[0] == version1 { // issued before generations: generation 0
		t.Expires = time.Unix(int64(binary.BigEndian.Uint64(p[9:17])), 0)
	} else {
		t.Gen = binary.BigEndian.Uint32(p[9:13])
		t.Expires = time.Unix(int64(binary.BigEndian.Uint64(p[13:21])), 0)
	}
	if !s.now().Before(t.Expires) {
		return t, ErrExpired
	}
	return t, nil
}

// tokenChars reports whether token holds only the characters Issue writes.
// The decoder alone is not enough: encoding/base64 skips CR and LF anywhere.
func tokenChars(token string) bool {
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// Accounts finds an account by id (*store.Store).
type Accounts interface {
	AccountByID(id uint64) (*store.Account, error)
}

// Account checks token and returns its account: the one check every service
// makes (NS USR, address book, sharing, offline messages). It fails for a
// bad ticket, an unknown or disabled account, and a ticket issued before the
// account's last password change or disable (ErrRevoked).
func (s *Signer) Account(accounts Accounts, token string) (*store.Account, error) {
	t, err := s.Check(token)
	if err != nil {
		return nil, err
	}
	a, err := accounts.AccountByID(t.AccountID)
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, fmt.Errorf("%s: %w", a.Email, ErrDisabled)
	}
	if t.Gen != a.TicketGen {
		return nil, fmt.Errorf("%s: %w", a.Email, ErrRevoked)
	}
	return a, nil
}

// Refused reports whether err from Account means the ticket is no good (as
// opposed to the store failing).
func Refused(err error) bool {
	for _, e := range []error{ErrMalformed, ErrForged, ErrExpired, ErrRevoked, ErrDisabled, store.ErrNotFound} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Token extracts TOKEN from "t=TOKEN&p=PROFILE" (also with &amp;); a bare token is returned as is.
func Token(compact string) string {
	compact = strings.TrimSpace(compact)
	if strings.HasPrefix(compact, "t=") {
		compact = compact[2:]
		if i := strings.IndexByte(compact, '&'); i >= 0 {
			compact = compact[:i]
		}
	}
	return compact
}

// Compact wraps a token the way RST hands it out: "t=TOKEN&p=".
func Compact(token string) string { return "t=" + token + "&p=" }

// LoadOrCreateKey reads a 32-byte secret from path, creating it (0600) if missing.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, fmt.Errorf("secret %s is shorter than 32 bytes", path)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create secret folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create secret: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("write secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// ReplaceKey writes a fresh 32-byte secret to path (0600), replacing the old
// one atomically: every ticket (or session) signed with the old one stops
// working. The server must be stopped, since it keeps its key in memory.
func ReplaceKey(path string) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create secret folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".rotate-*")
	if err != nil {
		return fmt.Errorf("replace secret: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if _, err := f.Write(key); err != nil {
		f.Close()
		return fmt.Errorf("write secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write secret: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace secret: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ProofKeyLen is the length of an SSO proof key (a 3DES key's worth).
const ProofKeyLen = 24

// ProofKey is the BinarySecret handed out with a messengerclear.live.com
// ticket and the key its MSNP15 USR SSO proof is checked with. It is derived
// from the token under the signer's secret, so it needs no state and cannot
// be computed by anyone who only saw the ticket.
func (s *Signer) ProofKey(token string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("msnserver sso proof key\x00"))
	m.Write([]byte(Token(token)))
	return m.Sum(nil)[:ProofKeyLen]
}
