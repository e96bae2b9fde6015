package store

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/mail"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// Network ids (MSNP14 network ids; persisted).
const (
	NetworkMSN   = 1
	NetworkYahoo = 32
)

// Account is one Messenger user.
type Account struct {
	ID       uint64    `json:"id"`
	Email    string    `json:"email"` // lower case
	Hash     []byte    `json:"hash"`  // bcrypt
	Name     string    `json:"name"`  // friendly name, decoded UTF-8
	Network  int       `json:"network"`
	PUID     uint64    `json:"puid"` // Passport unique id: MemberIdHigh<<32 | MemberIdLow
	CID      int64     `json:"cid"`  // address-book contact id of the account itself
	Created  time.Time `json:"created"`
	Disabled bool      `json:"disabled,omitempty"`
	// TicketGen is carried in every ticket issued to the account; a password
	// change or a disable raises it, so every earlier ticket stops working.
	TicketGen uint32 `json:"ticket_gen,omitempty"`

	// Settings the client keeps on the server.
	BLP    string            `json:"blp,omitempty"` // "AL" or "BL"; empty means AL
	GTC    string            `json:"gtc,omitempty"` // MSN.IM.GTC annotation
	PSM    string            `json:"psm,omitempty"` // last UUX PSM (inner XML)
	Phones map[string]string `json:"phones,omitempty"`
	// Annotations on the "Me" contact (MSN.IM.*), as the client wrote them.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Privacy reports the BLP mode, defaulting to AL.
func (a *Account) Privacy() string {
	if a.BLP == "BL" {
		return "BL"
	}
	return "AL"
}

// NormalizeEmail lower-cases and validates an e-mail address.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	if len(e) > 129 || strings.ContainsAny(e, " \t\r\n<>\"(),;:\\[]") {
		return "", fmt.Errorf("%q is not a valid e-mail address: %w", email, ErrInvalid)
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e {
		return "", fmt.Errorf("%q is not a valid e-mail address: %w", email, ErrInvalid)
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || !strings.Contains(e[at+1:], ".") || strings.HasSuffix(e, ".") {
		return "", fmt.Errorf("%q is not a valid e-mail address: %w", email, ErrInvalid)
	}
	return e, nil
}

// HashPassword hashes a password with bcrypt at cost (the store's own
// passwords use Options.PasswordCost through their methods).
func HashPassword(password string, cost int) ([]byte, error) {
	if password == "" {
		return nil, fmt.Errorf("empty password: %w", ErrInvalid)
	}
	if len(password) > 72 {
		return nil, fmt.Errorf("password longer than 72 bytes: %w", ErrInvalid)
	}
	return bcrypt.GenerateFromPassword([]byte(password), cost)
}

// dummyHash is compared against when an account does not exist, so a failed
// login costs the same time either way.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such account"), bcrypt.DefaultCost)

// bcryptCompare is bcrypt's check, a variable so tests can count the runs.
var bcryptCompare = bcrypt.CompareHashAndPassword

// bcryptRuns counts password checks that ran bcrypt (see PasswordChecks).
var bcryptRuns atomic.Int64

// PasswordChecks is how many password checks have run bcrypt in this
// process: every wrong password and unknown account costs one, a remembered
// right password none (for /metrics, and for tests that must show an
// unknown account costs what a wrong password does without timing it).
func PasswordChecks() int64 { return bcryptRuns.Load() }

// CheckPassword compares in constant-ish time; a nil account still costs one
// bcrypt. A password verified lately for the account's current hash is
// accepted from memory (see verifyCache); a wrong one always costs a bcrypt.
func CheckPassword(a *Account, password string) bool {
	if a == nil || len(a.Hash) == 0 {
		bcryptRuns.Add(1)
		bcryptCompare(dummyHash, []byte(password))
		return false
	}
	if PasswordRemembered(a, password) {
		return true
	}
	bcryptRuns.Add(1)
	if bcryptCompare(a.Hash, []byte(password)) != nil {
		return false
	}
	verified.remember(a, password)
	return true
}

// PasswordRemembered reports, without a bcrypt run, whether password was
// verified lately for a's current hash and ticket generation. Only a right
// password can be remembered, so a caller may answer it before any limit on
// guessing: it gives a guesser nothing.
func PasswordRemembered(a *Account, password string) bool {
	return a != nil && len(a.Hash) > 0 && verified.hit(a, password)
}

// NewAccount describes an account to create.
type NewAccount struct {
	Email    string
	Password string
	Hash     []byte // used instead of Password when set (bulk seeding)
	Name     string
	Network  int
}

func randUint64() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return binary.BigEndian.Uint64(b[:])
}

func (s *Store) prepareAccount(n NewAccount) (*Account, error) {
	email, err := NormalizeEmail(n.Email)
	if err != nil {
		return nil, err
	}
	if n.Network == 0 {
		n.Network = NetworkMSN
	}
	if n.Network != NetworkMSN && n.Network != NetworkYahoo {
		return nil, fmt.Errorf("network %d (use 1 for MSN or 32 for Yahoo!): %w", n.Network, ErrInvalid)
	}
	hash := n.Hash
	if hash == nil {
		if hash, err = HashPassword(n.Password, s.cost); err != nil {
			return nil, err
		}
	}
	name := n.Name
	if name == "" {
		name = email
	}
	return &Account{
		Email:   email,
		Hash:    hash,
		Name:    name,
		Network: n.Network,
		// A PUID with a non-zero high half, as Passport's were.
		PUID:    (randUint64() & 0x00003FFF_FFFFFFFF) | 0x00000001_00000000,
		CID:     int64(randUint64() & 0x7FFFFFFF_FFFFFFFF),
		Created: s.now().UTC().Truncate(time.Second),
	}, nil
}

func insertAccount(tx *bolt.Tx, a *Account) error {
	idx := tx.Bucket(bucketEmailIndex)
	if idx.Get([]byte(a.Email)) != nil {
		return fmt.Errorf("account %s: %w", a.Email, ErrExists)
	}
	accts := tx.Bucket(bucketAccounts)
	id, err := accts.NextSequence()
	if err != nil {
		return err
	}
	a.ID = id
	if err := putJSON(accts, u64key(id), a); err != nil {
		return err
	}
	return idx.Put([]byte(a.Email), u64key(id))
}

// CreateAccount adds an account; ErrExists if the e-mail is taken.
func (s *Store) CreateAccount(n NewAccount) (*Account, error) {
	a, err := s.prepareAccount(n)
	if err != nil {
		return nil, err
	}
	if err := s.write(func(tx *bolt.Tx) error { return insertAccount(tx, a) }); err != nil {
		return nil, err
	}
	return a, nil
}

// CreateAccounts adds many accounts in one transaction, skipping none: any
// error aborts the whole batch.
func (s *Store) CreateAccounts(list []NewAccount) ([]*Account, error) {
	accts := make([]*Account, 0, len(list))
	for _, n := range list {
		a, err := s.prepareAccount(n)
		if err != nil {
			return nil, err
		}
		accts = append(accts, a)
	}
	err := s.write(func(tx *bolt.Tx) error {
		for _, a := range accts {
			if err := insertAccount(tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return accts, nil
}

func accountByEmail(tx *bolt.Tx, email string) (*Account, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	id := tx.Bucket(bucketEmailIndex).Get([]byte(e))
	if id == nil {
		return nil, fmt.Errorf("account %s: %w", e, ErrNotFound)
	}
	var a Account
	if err := getJSON(tx.Bucket(bucketAccounts), id, &a); err != nil {
		return nil, fmt.Errorf("account %s: %w", e, err)
	}
	return &a, nil
}

// AccountByEmail finds an account by e-mail, case-insensitively.
func (s *Store) AccountByEmail(email string) (*Account, error) {
	var a *Account
	err := s.read(func(tx *bolt.Tx) (err error) {
		a, err = accountByEmail(tx, email)
		return err
	})
	return a, err
}

// AccountByID finds an account by its ID.
func (s *Store) AccountByID(id uint64) (*Account, error) {
	var a Account
	err := s.read(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketAccounts), u64key(id), &a) })
	if err != nil {
		return nil, fmt.Errorf("account #%d: %w", id, err)
	}
	return &a, nil
}

// UpdateAccount loads the account, lets fn change it and saves it, in one
// transaction (shared with concurrent updates: see writeGrouped, fn may run
// more than once on a fresh copy). The e-mail and ID cannot change.
func (s *Store) UpdateAccount(email string, fn func(a *Account) error) (*Account, error) {
	var out *Account
	err := s.writeGrouped(func(tx *bolt.Tx) error {
		a, err := accountByEmail(tx, email)
		if err != nil {
			return err
		}
		id, mail := a.ID, a.Email
		if err := fn(a); err != nil {
			return err
		}
		a.ID, a.Email = id, mail
		out = a
		return putJSON(tx.Bucket(bucketAccounts), u64key(id), a)
	})
	return out, err
}

// SetPassword replaces an account's password and revokes its tickets
// (TicketGen). The caller ends the account's sessions when a server runs.
func (s *Store) SetPassword(email, password string) error {
	hash, err := HashPassword(password, s.cost)
	if err != nil {
		return err
	}
	a, err := s.UpdateAccount(email, func(a *Account) error { a.Hash = hash; a.TicketGen++; return nil })
	if err == nil {
		verified.forget(a.ID)
	}
	return err
}

// SetDisabled disables or enables an account. Disabling revokes its tickets
// (TicketGen), so enabling it again does not revive them.
func (s *Store) SetDisabled(email string, disabled bool) (*Account, error) {
	a, err := s.UpdateAccount(email, func(a *Account) error {
		if disabled && !a.Disabled {
			a.TicketGen++
		}
		a.Disabled = disabled
		return nil
	})
	if err == nil {
		verified.forget(a.ID)
	}
	return a, err
}

// DeleteAccount removes an account with its address book, memberships and
// offline messages, and takes it off the other accounts' lists.
func (s *Store) DeleteAccount(email string) error {
	return s.write(func(tx *bolt.Tx) error {
		a, err := accountByEmail(tx, email)
		if err != nil {
			return err
		}
		if err := removeFromOthersLists(tx, a, s.now()); err != nil {
			return err
		}
		if err := deleteBook(tx, a.ID); err != nil {
			return err
		}
		if err := deleteOIMsFor(tx, a.Email); err != nil {
			return err
		}
		if err := deleteRoamingFor(tx, a.ID); err != nil {
			return err
		}
		if err := tx.Bucket(bucketEmailIndex).Delete([]byte(a.Email)); err != nil {
			return err
		}
		return tx.Bucket(bucketAccounts).Delete(u64key(a.ID))
	})
}

// AccountQuery selects accounts for listing.
type AccountQuery struct {
	Contains string // substring of e-mail or name, case-insensitive
	Offset   int
	Limit    int
}

// ListAccounts returns accounts in e-mail order and the total that matched.
func (s *Store) ListAccounts(q AccountQuery) ([]*Account, int, error) {
	var out []*Account
	total := 0
	needle := strings.ToLower(q.Contains)
	err := s.read(func(tx *bolt.Tx) error {
		accts := tx.Bucket(bucketAccounts)
		return tx.Bucket(bucketEmailIndex).ForEach(func(k, id []byte) error {
			if needle != "" && !strings.Contains(string(k), needle) {
				var a Account
				if err := getJSON(accts, id, &a); err != nil {
					return err
				}
				if !strings.Contains(strings.ToLower(a.Name), needle) {
					return nil
				}
			}
			total++
			if total <= q.Offset || (q.Limit > 0 && len(out) >= q.Limit) {
				return nil
			}
			var a Account
			if err := getJSON(accts, id, &a); err != nil {
				return err
			}
			out = append(out, &a)
			return nil
		})
	})
	return out, total, err
}

// CountAccounts returns the number of accounts.
func (s *Store) CountAccounts() (int, error) {
	n := 0
	err := s.read(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketEmailIndex).Stats().KeyN
		return nil
	})
	return n, err
}

// YahooDomain is the mail domain whose network-32 accounts sign in to the
// Yahoo! pager with the bare Yahoo ID (carol ↔ carol@yahoo.com).
const YahooDomain = "yahoo.com"

// YahooAccount maps what a user typed as Yahoo ID to an account e-mail: the
// bare ID lives in YahooDomain, a full address is taken as is.
func YahooAccount(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if !strings.Contains(id, "@") {
		return id + "@" + YahooDomain
	}
	return id
}

// YahooID is how Yahoo users see an account: the bare ID in YahooDomain.
func YahooID(email string) string {
	if local, ok := strings.CutSuffix(email, "@"+YahooDomain); ok {
		return local
	}
	return email
}
