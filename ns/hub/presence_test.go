package hub

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"msnserver/store"
)

// stall blocks a recorder's Send of the first line containing match until
// release is closed; stalled is closed once the sender is blocked there.
type stall struct {
	match            string
	stalled, release chan struct{}
	once             sync.Once
}

func stallOn(r *recorder, match string) *stall {
	st := &stall{match: match, stalled: make(chan struct{}), release: make(chan struct{})}
	r.stall = st
	return st
}

// overtake runs f while a fan-out of u is stalled in a watcher's Send. When
// the stalled fan-out does not hold u's lock, f runs to its end now, ahead of
// the stalled delivery; when it does, f runs in a goroutine that waits for
// it. The returned function waits for f.
func overtake(u *Session, f func()) (wait func()) {
	if u.mu.TryLock() {
		u.mu.Unlock()
		f()
		return func() {}
	}
	done := make(chan struct{})
	go func() { f(); close(done) }()
	return func() { <-done }
}

// view replays the presence lines a watcher received: email → status, or
// no entry when the contact was last reported offline.
func view(r *recorder) map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := map[string]string{}
	for _, l := range r.all {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[0] == "NLN":
			v[f[2]] = f[1]
		case len(f) >= 4 && f[0] == "ILN":
			v[f[3]] = f[2]
		case len(f) >= 2 && f[0] == "FLN":
			delete(v, f[1])
		}
	}
	return v
}

// watching logs alice and bob in with alice on bob's forward list, both
// online, bob seeing alice as NLN.
func watching(t *testing.T) (h *Hub, alice, bob *Session, br *recorder) {
	h, st := setup(t)
	alice, _ = login(t, h, st, "alice@hotmail.com")
	bob, br = login(t, h, st, "bob@hotmail.com")
	bob.AddForward("1", []ForwardEntry{{"alice@hotmail.com", 1}})
	bob.SetStatus("2", "NLN", "0", "")
	alice.SetStatus("3", "NLN", "0", "")
	if v := view(br); v["alice@hotmail.com"] != "NLN" {
		t.Fatalf("bob's view before the race: %v", v)
	}
	return h, alice, bob, br
}

// A status change whose delivery to bob stalls must not land after alice's
// logout: bob would keep her online (FLN, then NLN BSY).
func TestPresenceLogoutDoesNotOvertakeStatus(t *testing.T) {
	h, alice, _, br := watching(t)
	st := stallOn(br, "NLN BSY alice@hotmail.com")
	changed := make(chan struct{})
	go func() { alice.SetStatus("4", "BSY", "0", ""); close(changed) }()
	<-st.stalled
	wait := overtake(alice, func() { h.Logout(alice) })
	close(st.release)
	<-changed
	wait()
	if v := view(br); v["alice@hotmail.com"] != "" {
		t.Fatalf("bob still sees alice as %q after she left; lines %q", v["alice@hotmail.com"], br.all)
	}
}

// A block that lands while an older status change is on its way to bob must
// win: bob ends seeing alice offline.
func TestPresenceBlockDoesNotLeak(t *testing.T) {
	_, alice, _, br := watching(t)
	st := stallOn(br, "NLN BSY alice@hotmail.com")
	changed := make(chan struct{})
	go func() { alice.SetStatus("4", "BSY", "0", ""); close(changed) }()
	<-st.stalled
	wait := overtake(alice, func() {
		alice.SetLists(&store.Lists{BLP: "AL", Block: map[string]int{"bob@hotmail.com": 1}})
	})
	close(st.release)
	<-changed
	wait()
	if v := view(br); v["alice@hotmail.com"] != "" {
		t.Fatalf("blocked bob still sees alice as %q; lines %q", v["alice@hotmail.com"], br.all)
	}
}

// The ILN bob gets when adding alice must not land after her FLN.
func TestPresenceInitialDoesNotOvertakeLogout(t *testing.T) {
	h, st := setup(t)
	alice, _ := login(t, h, st, "alice@hotmail.com")
	bob, br := login(t, h, st, "bob@hotmail.com")
	bob.SetStatus("1", "NLN", "0", "")
	alice.SetStatus("2", "AWY", "0", "")
	stl := stallOn(br, "ILN 3 AWY alice@hotmail.com")
	added := make(chan struct{})
	go func() { bob.AddForward("3", []ForwardEntry{{"alice@hotmail.com", 1}}); close(added) }()
	<-stl.stalled
	wait := overtake(alice, func() { h.Logout(alice) })
	close(stl.release)
	<-added
	wait()
	if v := view(br); v["alice@hotmail.com"] != "" {
		t.Fatalf("bob still sees alice as %q after she left; lines %q", v["alice@hotmail.com"], br.all)
	}
}

// A session kicked between ADL's commit and AddForward must not enter the
// watcher index: nothing would ever take it out again.
func TestKickedSessionLeavesNoWatcher(t *testing.T) {
	h, st := setup(t)
	alice, _ := login(t, h, st, "alice@hotmail.com")
	bob, _ := login(t, h, st, "bob@hotmail.com")
	bob.SetStatus("1", "NLN", "0", "")
	alice.SetStatus("2", "NLN", "0", "")
	bob.AddForward("3", []ForwardEntry{{"alice@hotmail.com", 1}})
	bob.Kick("OTH")
	bob.AddForward("4", []ForwardEntry{{"carol@hotmail.com", 1}})
	bob.RemoveForward([]string{"alice@hotmail.com"})
	h.mu.RLock()
	defer h.mu.RUnlock()
	for email, ws := range h.watchers {
		if slices.Contains(ws, bob) {
			t.Errorf("kicked bob still watches %s", email)
		}
	}
}

// Two privacy reloads racing each other: the later call's read stays in force
// even when the earlier one is applied last.
func TestPrivacyReloadsApplyInOrder(t *testing.T) {
	_, alice, _, br := watching(t)
	older := alice.reloadGen.Add(1)
	newer := alice.reloadGen.Add(1)
	alice.applyLists(&store.Lists{BLP: "AL", Block: map[string]int{"bob@hotmail.com": 1}}, newer)
	alice.applyLists(&store.Lists{BLP: "AL"}, older)
	if !alice.Blocks("bob@hotmail.com") {
		t.Fatal("the older reload replaced the newer lists")
	}
	if v := view(br); v["alice@hotmail.com"] != "" {
		t.Fatalf("bob sees alice as %q", v["alice@hotmail.com"])
	}
}

// Many goroutines change status, names, lists and log in and out at once;
// afterwards every online watcher's replayed view matches each contact's
// final state. Run with -race.
func TestPresenceStress(t *testing.T) {
	const users, rounds = 6, 300
	h, st := setup(t)
	emails := make([]string, users)
	for i := range emails {
		emails[i] = fmt.Sprintf("u%d@hotmail.com", i)
		if _, err := st.CreateAccount(store.NewAccount{Email: emails[i], Password: "pw", Name: fmt.Sprintf("u%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex // guards recs
	recs := map[*Session]*recorder{}
	signIn := func(i int) {
		s, r := login(t, h, st, emails[i])
		mu.Lock()
		recs[s] = r
		mu.Unlock()
		var fl []ForwardEntry
		for j, e := range emails {
			if j != i {
				fl = append(fl, ForwardEntry{e, 1})
			}
		}
		s.AddForward("1", fl)
		s.SetStatus("2", "NLN", "0", "")
	}
	for i := range emails {
		signIn(i)
	}
	statuses := []string{"NLN", "BSY", "AWY", "HDN", "IDL"}
	var wg sync.WaitGroup
	for i := range emails {
		// The user's own connection: status, name, log out and back in.
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for n := 0; n < rounds; n++ {
				s := h.Lookup(emails[i])
				switch k := rng.IntN(10); {
				case k < 6:
					s.SetStatus("9", statuses[rng.IntN(len(statuses))], "0", "")
				case k < 8:
					s.SetName(fmt.Sprintf("u%d-%d", i, n))
				default:
					h.Logout(s)
					signIn(i)
				}
			}
		}()
		// Address-book edits from SOAP: privacy lists change under it.
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			for n := 0; n < rounds; n++ {
				l := &store.Lists{BLP: "AL", Block: map[string]int{}}
				for j, e := range emails {
					if j != i && rng.IntN(3) == 0 {
						l.Block[e] = 1
					}
				}
				if s := h.Lookup(emails[i]); s != nil {
					s.SetLists(l)
				}
			}
		}()
	}
	wg.Wait()

	online := h.Online()
	if len(online) != users {
		t.Fatalf("%d users online, want %d", len(online), users)
	}
	for _, w := range online {
		got := view(recs[w])
		for _, u := range online {
			if u == w {
				continue
			}
			want := ""
			if u.Visible() && !u.Blocks(w.Email) {
				want = u.Status()
			}
			if got[u.Email] != want {
				t.Errorf("%s sees %s as %q, want %q", w.Email, u.Email, got[u.Email], want)
			}
		}
	}
}
