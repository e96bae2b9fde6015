package hub

import (
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"msnserver/store"
)

type recorder struct {
	mu     sync.Mutex
	lines  []string
	all    []string // every line ever sent, for view
	closed bool

	// stall, when set, blocks the first Send containing stall.match.
	stall *stall
}

func (r *recorder) Send(b []byte) bool {
	if st := r.stall; st != nil && strings.Contains(string(b), st.match) {
		st.once.Do(func() {
			close(st.stalled)
			<-st.release
		})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	ls := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	r.lines = append(r.lines, ls...)
	r.all = append(r.all, ls...)
	return true
}

func (r *recorder) CloseAfter(b []byte) {
	r.Send(b)
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}

func setup(t *testing.T) (*Hub, *store.Store) {
	st, err := store.Open(t.TempDir(), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, e := range []string{"alice@hotmail.com", "bob@hotmail.com"} {
		st.CreateAccount(store.NewAccount{Email: e, Password: "pw", Name: strings.Split(e, "@")[0]})
	}
	return New(st, slog.New(slog.NewTextHandler(io.Discard, nil))), st
}

func login(t *testing.T, h *Hub, st *store.Store, email string) (*Session, *recorder) {
	a, l, err := st.Lists(email)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	s := h.NewSession(a, l, r, "127.0.0.1:1", "MSNMSGR 8.0")
	h.Login(s)
	return s, r
}

func TestVisibilityRules(t *testing.T) {
	h, st := setup(t)
	a, ar := login(t, h, st, "alice@hotmail.com")
	b, br := login(t, h, st, "bob@hotmail.com")
	b.AddForward("1", []ForwardEntry{{"alice@hotmail.com", 1}})
	b.SetStatus("2", "NLN", "0", "")
	a.SetStatus("3", "AWY", "0", "")
	if got := br.take(); len(got) != 3 || got[0] != "NLN AWY alice@hotmail.com 1 alice 0 0" || got[1] != "UBX alice@hotmail.com 1 53" {
		t.Fatalf("bob: %q", got)
	}
	if got := ar.take(); len(got) != 0 {
		t.Fatalf("alice should see nothing (bob is not on her FL): %q", got)
	}
	// BLP BL without bob on AL hides alice.
	a.SetLists(&store.Lists{BLP: "BL", Allow: map[string]int{}, Block: map[string]int{}})
	if got := br.take(); len(got) != 1 || got[0] != "FLN alice@hotmail.com 1 0" {
		t.Fatalf("after BLP BL: %q", got)
	}
	a.SetStatus("4", "BSY", "0", "")
	if got := br.take(); len(got) != 0 {
		t.Fatalf("hidden user's status leaked: %q", got)
	}
	if b.Reachable("x") != true || a.Reachable("bob@hotmail.com") {
		t.Fatal("Reachable ignores privacy")
	}
	h.Logout(b)
	if h.Lookup("bob@hotmail.com") != nil || h.Count() != 1 {
		t.Fatal("logout left bob online")
	}
}

func TestDoubleLoginKicks(t *testing.T) {
	h, st := setup(t)
	first, fr := login(t, h, st, "alice@hotmail.com")
	kicked := 0
	h.OnKick(func(s *Session) {
		if s == first {
			kicked++
		}
	})
	second, _ := login(t, h, st, "alice@hotmail.com")
	if got := fr.take(); len(got) != 1 || got[0] != "OUT OTH" || kicked != 1 || first.KickReason() != "OTH" {
		t.Fatalf("first session: %q kicked=%d", got, kicked)
	}
	if h.Lookup("alice@hotmail.com") != second {
		t.Fatal("second session not registered")
	}
	h.Logout(first) // a late logout of the old session must not remove the new one
	if h.Lookup("alice@hotmail.com") != second {
		t.Fatal("old session's logout removed the new one")
	}
}

func TestCookies(t *testing.T) {
	h, st := setup(t)
	c := h.IssueCookie("Alice@hotmail.com", "")
	if _, ok := h.RedeemCookie(c, "bob@hotmail.com"); ok {
		t.Fatal("cookie accepted for another user")
	}
	c = h.IssueCookie("alice@hotmail.com", "42")
	if ck, ok := h.RedeemCookie(c, "ALICE@hotmail.com"); !ok || ck.SessionID != "42" {
		t.Fatal("cookie refused")
	}
	if _, ok := h.RedeemCookie(c, "alice@hotmail.com"); ok {
		t.Fatal("cookie used twice")
	}
	h.SetSwitchboardAddr("192.0.2.10:1864")
	if err := h.Ring("bob@hotmail.com", "7", "alice@hotmail.com", "Alice"); err != ErrOffline {
		t.Fatalf("ring offline: %v", err)
	}
	b, br := login(t, h, st, "bob@hotmail.com")
	if err := h.Ring("bob@hotmail.com", "7", "alice@hotmail.com", "Alice A"); err != ErrOffline {
		t.Fatalf("ring before bob's first CHG: %v", err)
	}
	b.SetStatus("1", "NLN", "0", "")
	if err := h.Ring("bob@hotmail.com", "7", "alice@hotmail.com", "Alice A"); err != nil {
		t.Fatal(err)
	}
	got := br.take()
	if len(got) != 1 || !strings.HasPrefix(got[0], "RNG 7 192.0.2.10:1864 CKI ") || !strings.HasSuffix(got[0], " alice@hotmail.com Alice%20A U messenger.hotmail.com 1") {
		t.Fatalf("RNG: %q", got)
	}
}

func BenchmarkIssueCookie(b *testing.B) {
	h := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := 0; i < b.N; i++ {
		h.IssueCookie("alice@hotmail.com", "")
	}
}

// An admin disable that commits after the ticket check but before Login
// finds no session to kick; Login must notice and kick it itself.
func TestLoginAfterDisableKicks(t *testing.T) {
	h, st := setup(t)
	a, l, err := st.Lists("alice@hotmail.com")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	s := h.NewSession(a, l, r, "127.0.0.1:1", "MSNMSGR 8.0") // the ticket checked out
	// The admin disables alice and looks for a session to kick: none yet.
	if _, err := st.UpdateAccount("alice@hotmail.com", func(a *store.Account) error { a.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if h.Lookup("alice@hotmail.com") != nil {
		t.Fatal("online before Login")
	}
	h.Login(s)
	if got := r.take(); len(got) != 1 || got[0] != "OUT OTH" {
		t.Fatalf("disabled alice got %q, want OUT OTH", got)
	}
	if h.Lookup("alice@hotmail.com") != nil {
		t.Fatal("disabled alice stayed online")
	}
}
