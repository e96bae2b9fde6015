package admin_test

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"msnserver/admin"
)

// fakeBackend is an in-memory admin.Backend that records what the console asked of it.
type fakeBackend struct {
	mu         sync.Mutex
	admins     map[string]string
	accounts   map[string]*fakeAccount
	policy     string
	sessions   []admin.Session
	sbs        []admin.Switchboard
	kicked     []string
	messages   []string // "email: text"
	broadcasts []admin.Broadcast
	changes    int           // state-changing calls that succeeded
	checks     int           // admin passwords checked
	checkTime  time.Duration // how long a check takes (bcrypt's cost)
	backups    int           // Backup calls
	signup     fakeSignup
}

func (f *fakeBackend) Backup(w io.Writer) (int64, error) {
	f.mu.Lock()
	f.backups++
	f.mu.Unlock()
	n, err := io.WriteString(w, "a consistent copy of the store")
	return int64(n), err
}

type fakeAccount struct {
	admin.AccountDetail
	password    string
	pictureData []byte
}

const (
	testAdmin    = "admin"
	testPassword = "correct horse battery"
	testPolicy   = `<Policies><Policy type="SHIELDS"><config><shield><cli maj="7" min="0" minbld="0" maxbld="9999" deny=" " /></shield><block></block></config></Policy></Policies>`
	testCA       = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
)

// testPNG stands in for a roamed display picture.
var testPNG = []byte("\x89PNG\r\n\x1a\nfake")

func newFakeBackend() *fakeBackend {
	f := &fakeBackend{
		admins:   map[string]string{testAdmin: testPassword},
		accounts: map[string]*fakeAccount{},
		policy:   testPolicy,
	}
	created := time.Date(2024, 11, 29, 14, 0, 0, 0, time.UTC)
	f.accounts["alice@hotmail.com"] = &fakeAccount{password: "alicepw", AccountDetail: admin.AccountDetail{
		Account: admin.Account{Email: "alice@hotmail.com", Name: "Alice", Network: admin.NetworkMSN, Created: created},
		Contacts: []admin.Contact{
			{Email: "bob@hotmail.com", Name: "Bob Smith", Network: 1, Lists: "FL AL RL", Groups: []string{"Friends"}},
			{Email: "carol@yahoo.com", Name: "carol@yahoo.com", Network: 32, Lists: "FL AL", Groups: []string{"Work", "Friends"}},
		},
		Groups:          []string{"Friends", "Work"},
		PersonalMessage: "at the beach <3",
		RoamedName:      "Alice (roamed)",
		Picture:         &admin.Picture{Mime: "image/png", Size: len(testPNG), Modified: created},
	}, pictureData: testPNG}
	f.accounts["bob@hotmail.com"] = &fakeAccount{password: "bobpw", AccountDetail: admin.AccountDetail{
		Account: admin.Account{Email: "bob@hotmail.com", Name: "Bob Smith", Network: admin.NetworkMSN, Created: created},
	}}
	f.accounts["carol@yahoo.com"] = &fakeAccount{password: "carolpw", AccountDetail: admin.AccountDetail{
		Account: admin.Account{Email: "carol@yahoo.com", Name: "Carol", Network: admin.NetworkYahoo, Created: created},
	}}
	since := time.Now().Add(-42 * time.Minute)
	f.sessions = []admin.Session{
		{Email: "alice@hotmail.com", Name: "Alice", Status: "NLN", ClientVersion: "8.1.0178", Dialect: "MSNP15", RemoteAddr: "192.0.2.21:50123", Since: since, Switchboards: 1},
		{Email: "bob@hotmail.com", Name: "Bob Smith", Status: "AWY", ClientVersion: "8.1.0178", Dialect: "MSNP14", RemoteAddr: "192.0.2.22:50777", Since: since.Add(5 * time.Minute), Switchboards: 1},
	}
	f.sbs = []admin.Switchboard{{ID: "1849502", Members: []string{"alice@hotmail.com", "bob@hotmail.com"}, Since: since.Add(10 * time.Minute), Messages: 17}}
	return f
}

// addAccounts adds n numbered accounts, for paging.
func (f *fakeBackend) addAccounts(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range n {
		email := fmt.Sprintf("user%04d@example.com", i)
		f.accounts[email] = &fakeAccount{password: "pw", AccountDetail: admin.AccountDetail{
			Account: admin.Account{Email: email, Name: fmt.Sprintf("User %d", i), Network: 1, Created: time.Now()},
		}}
	}
}

func (f *fakeBackend) changed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changes
}

func (f *fakeBackend) online(email string) bool {
	for _, s := range f.sessions {
		if s.Email == email {
			return true
		}
	}
	return false
}

func (f *fakeBackend) dropSession(email string) bool {
	n := len(f.sessions)
	f.sessions = slices.DeleteFunc(f.sessions, func(s admin.Session) bool { return s.Email == email })
	return len(f.sessions) != n
}

func (f *fakeBackend) CheckAdminPassword(_ context.Context, user, password string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks++
	if f.checkTime > 0 {
		f.mu.Unlock()
		time.Sleep(f.checkTime) // concurrent checks overlap, as bcrypt's do
		f.mu.Lock()
	}
	want, ok := f.admins[user]
	return ok && subtle.ConstantTimeCompare([]byte(want), []byte(password)) == 1, nil
}

func (f *fakeBackend) SetAdminPassword(_ context.Context, user, password string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.admins[user] = password
	f.changes++
	return nil
}

func (f *fakeBackend) ListAccounts(_ context.Context, query string, offset, limit int) ([]admin.Account, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []admin.Account
	q := strings.ToLower(query)
	for _, a := range f.accounts {
		if strings.Contains(a.Email, q) || strings.Contains(strings.ToLower(a.Name), q) {
			acct := a.Account
			acct.Online = f.online(a.Email)
			all = append(all, acct)
		}
	}
	slices.SortFunc(all, func(a, b admin.Account) int { return strings.Compare(a.Email, b.Email) })
	total := len(all)
	if offset > total {
		offset = total
	}
	return all[offset:min(total, offset+limit)], total, nil
}

func (f *fakeBackend) Account(_ context.Context, email string) (admin.AccountDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[strings.ToLower(email)]
	if !ok {
		return admin.AccountDetail{}, fmt.Errorf("account %s: %w", email, admin.ErrNotFound)
	}
	d := a.AccountDetail
	d.Online = f.online(a.Email)
	return d, nil
}

func (f *fakeBackend) Picture(_ context.Context, email string) (string, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[strings.ToLower(email)]
	if !ok || a.Picture == nil {
		return "", nil, fmt.Errorf("picture of %s: %w", email, admin.ErrNotFound)
	}
	return a.Picture.Mime, a.pictureData, nil
}

func (f *fakeBackend) CreateAccount(_ context.Context, email, password, name string, network int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.accounts[email]; ok {
		return fmt.Errorf("account %s: %w", email, admin.ErrExists)
	}
	if strings.HasSuffix(email, ".invalid") {
		return fmt.Errorf("%q is not a valid e-mail address: %w", email, admin.ErrInvalid)
	}
	if name == "" {
		name = email
	}
	f.accounts[email] = &fakeAccount{password: password, AccountDetail: admin.AccountDetail{
		Account: admin.Account{Email: email, Name: name, Network: network, Created: time.Now()},
	}}
	f.changes++
	return nil
}

func (f *fakeBackend) withAccount(email string, fn func(a *fakeAccount)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[email]
	if !ok {
		return fmt.Errorf("account %s: %w", email, admin.ErrNotFound)
	}
	fn(a)
	f.changes++
	return nil
}

func (f *fakeBackend) RenameAccount(_ context.Context, email, name string) error {
	return f.withAccount(email, func(a *fakeAccount) { a.Name = name })
}

func (f *fakeBackend) SetPassword(_ context.Context, email, password string) error {
	return f.withAccount(email, func(a *fakeAccount) { a.password = password })
}

func (f *fakeBackend) SetDisabled(_ context.Context, email string, disabled bool) error {
	return f.withAccount(email, func(a *fakeAccount) {
		a.Disabled = disabled
		if disabled {
			f.dropSession(email)
		}
	})
}

func (f *fakeBackend) DeleteAccount(_ context.Context, email string) error {
	return f.withAccount(email, func(a *fakeAccount) {
		delete(f.accounts, email)
		f.dropSession(email)
	})
}

func (f *fakeBackend) Policy(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policy, nil
}

func (f *fakeBackend) SetPolicy(_ context.Context, xml string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.Contains(xml, "backend-refuses") {
		return fmt.Errorf("the policy names an unknown type: %w", admin.ErrInvalid)
	}
	f.policy = xml
	f.changes++
	return nil
}

func (f *fakeBackend) Sessions() []admin.Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sessions)
}

func (f *fakeBackend) Switchboards() []admin.Switchboard {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sbs)
}

func (f *fakeBackend) Kick(email string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.dropSession(email) {
		return false
	}
	f.kicked = append(f.kicked, email)
	f.changes++
	return true
}

func (f *fakeBackend) SendTo(email, text string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.online(email) {
		return false
	}
	f.messages = append(f.messages, email+": "+text)
	f.changes++
	return true
}

func (f *fakeBackend) Broadcast(b admin.Broadcast) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.broadcasts = append(f.broadcasts, b)
	f.changes++
	return len(f.sessions)
}

func (f *fakeBackend) Stats() admin.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	per := make([]int, 60)
	for i := range per {
		per[i] = (i * 7 % 23) + i/3
	}
	return admin.Stats{Accounts: len(f.accounts), Online: len(f.sessions), Switchboards: len(f.sbs), MessagesPerMinute: per}
}

func (f *fakeBackend) CACertPEM() []byte  { return []byte(testCA) }
func (f *fakeBackend) PublicHost() string { return "192.0.2.10" }

// account is a copy of one account, nil when there is none.
func (f *fakeBackend) account(email string) *fakeAccount {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[email]
	if !ok {
		return nil
	}
	cp := *a
	return &cp
}

func (f *fakeBackend) isOnline(email string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.online(email)
}

// recorded returns copies of what was sent.
func (f *fakeBackend) recorded() (kicked, messages []string, broadcasts []admin.Broadcast, policy string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.kicked), slices.Clone(f.messages), slices.Clone(f.broadcasts), f.policy
}
