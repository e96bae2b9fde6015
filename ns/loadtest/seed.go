package loadtest

import (
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/bcrypt"

	"msnserver/store"
)

// Neighbours returns the contacts of account n among count accounts: its
// ring neighbours n±1 … n±⌈k/2⌉ (mod count), so the relation is mutual and
// every account has the same number of contacts. k is rounded up to even;
// with count ≤ k every other account is a contact.
func Neighbours(n, count, k int) []int {
	if k <= 0 || count <= 1 || n < 0 || n >= count {
		return nil
	}
	half := (k + 1) / 2
	if 2*half >= count {
		out := make([]int, 0, count-1)
		for m := 0; m < count; m++ {
			if m != n {
				out = append(out, m)
			}
		}
		return out
	}
	out := make([]int, 0, 2*half)
	for d := 1; d <= half; d++ {
		out = append(out, (n+d)%count, (n-d+count)%count)
	}
	return out
}

// SeedConfig describes the accounts Seed creates.
type SeedConfig struct {
	Count    int // accounts Prefix0@Domain … Prefix<Count-1>@Domain
	Prefix   string
	Domain   string
	Password string // shared by every account
	Contacts int    // mutual contacts per account (ring neighbours; FL+AL both ways)
	Network  int    // network id of the accounts (0: MSN; 32: Yahoo! users)
	// Cost is the bcrypt cost of the shared password hash (0: bcrypt.DefaultCost).
	// The hash is computed once; a low cost makes each RST login cheaper too.
	Cost int
	// Batch is the number of accounts per transaction (default 2000).
	Batch int
	// Progress, when set, gets a line per batch.
	Progress io.Writer
}

// SeedResult tells what Seed did.
type SeedResult struct {
	Accounts int
	Contacts int // forward-list entries written (each link counts once per side)
	Took     time.Duration
}

// Seed creates cfg.Count accounts with cfg.Contacts mutual contacts each,
// in transactions of cfg.Batch accounts. The password is hashed once and the
// hash shared: 100,000 bcrypt runs would take the better part of an hour.
func Seed(st *store.Store, cfg SeedConfig) (SeedResult, error) {
	start := time.Now()
	var res SeedResult
	if cfg.Count <= 0 || cfg.Prefix == "" || cfg.Domain == "" || cfg.Password == "" {
		return res, errors.New("seed: count, prefix, domain and password are needed")
	}
	if cfg.Contacts < 0 || cfg.Contacts > store.MaxContacts {
		return res, fmt.Errorf("seed: %d contacts per account (at most %d)", cfg.Contacts, store.MaxContacts)
	}
	if cfg.Network == store.NetworkYahoo && cfg.Contacts > 0 {
		return res, errors.New("seed: Yahoo! accounts are seeded without contacts")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 2000
	}
	cost := cfg.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if len(cfg.Password) > 72 {
		return res, errors.New("seed: password longer than 72 bytes")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(cfg.Password), cost)
	if err != nil {
		return res, fmt.Errorf("seed: hash password: %w", err)
	}
	email := func(n int) string { return fmt.Sprintf("%s%d@%s", cfg.Prefix, n, cfg.Domain) }

	for lo := 0; lo < cfg.Count; lo += cfg.Batch {
		hi := min(lo+cfg.Batch, cfg.Count)
		list := make([]store.NewAccount, 0, hi-lo)
		for n := lo; n < hi; n++ {
			list = append(list, store.NewAccount{Email: email(n), Hash: hash, Network: cfg.Network})
		}
		if _, err := st.CreateAccounts(list); err != nil {
			return res, fmt.Errorf("seed: accounts %d-%d: %w", lo, hi-1, err)
		}
		res.Accounts += hi - lo
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "seed: %d accounts (%s)\n", res.Accounts, time.Since(start).Round(time.Millisecond))
		}
	}
	if cfg.Contacts == 0 {
		res.Took = time.Since(start)
		return res, nil
	}
	// Each book is complete on its own (the relation is mutual), so books are
	// written independently, a batch per transaction, nothing read back.
	for lo := 0; lo < cfg.Count; lo += cfg.Batch {
		hi := min(lo+cfg.Batch, cfg.Count)
		books := make([]store.SeedBook, 0, hi-lo)
		for n := lo; n < hi; n++ {
			nb := Neighbours(n, cfg.Count, cfg.Contacts)
			contacts := make([]string, len(nb))
			for i, m := range nb {
				contacts[i] = email(m)
			}
			books = append(books, store.SeedBook{Owner: email(n), Contacts: contacts})
			res.Contacts += len(contacts)
		}
		if err := st.SeedBooks(books); err != nil {
			return res, fmt.Errorf("seed: contacts of accounts %d-%d: %w", lo, hi-1, err)
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "seed: contacts of %d accounts (%s)\n", hi, time.Since(start).Round(time.Millisecond))
		}
	}
	res.Took = time.Since(start)
	return res, nil
}
