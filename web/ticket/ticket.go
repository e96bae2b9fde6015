// Package ticket issues and checks the Passport tickets handed out by the
// token service and presented to every later service (NS USR TWN S, address
// book, sharing, offline messages). A ticket is stateless: it carries the
// account ID and expiry and is signed with HMAC-SHA256 under a secret kept in
// the data folder, so tickets survive a restart and cannot be forged.
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
)

// Lifetime of issued tickets (24 h, as soap-services.md §2.2 recommends).
const Lifetime = 24 * time.Hour

// Errors from Check.
var (
	ErrMalformed = errors.New("malformed ticket")
	ErrForged    = errors.New("ticket signature does not verify")
	ErrExpired   = errors.New("ticket expired")
)

const (
	version    = 1
	payloadLen = 1 + 8 + 8 + 8 // version, account id, expiry, nonce
	macLen     = 16
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
	Expires   time.Time
}

// Issue returns a token (the part after "t=") for the account, valid for Lifetime.
// Tokens use only [A-Za-z0-9._-].
func (s *Signer) Issue(accountID uint64) string {
	return s.issue(accountID, s.now().Add(Lifetime))
}

// IssueAt returns a token expiring at the given time (tests, short-lived uses).
func (s *Signer) IssueAt(accountID uint64, expires time.Time) string {
	return s.issue(accountID, expires)
}

func (s *Signer) issue(accountID uint64, expires time.Time) string {
	var p [payloadLen]byte
	p[0] = version
	binary.BigEndian.PutUint64(p[1:9], accountID)
	binary.BigEndian.PutUint64(p[9:17], uint64(expires.Unix()))
	rand.Read(p[17:25])
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
	if err1 != nil || err2 != nil || len(p) != payloadLen || len(mac) != macLen || p[0] != version {
		return Ticket{}, ErrMalformed
	}
	if !hmac.Equal(mac, s.mac(p)) {
		return Ticket{}, ErrForged
	}
	t := Ticket{
		AccountID: binary.BigEndian.Uint64(p[1:9]),
		Expires:   time.Unix(int64(binary.BigEndian.Uint64(p[9:17])), 0),
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
