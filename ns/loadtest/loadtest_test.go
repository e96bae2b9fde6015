package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"msnserver/ns"
	"msnserver/store"
)

func TestNeighbours(t *testing.T) {
	for _, tc := range []struct {
		n, count, k int
		want        []int
	}{
		{0, 10, 2, []int{1, 9}},
		{5, 10, 4, []int{6, 4, 7, 3}},
		{0, 10, 3, []int{1, 9, 2, 8}},
		{1, 3, 4, []int{0, 2}},
		{0, 1, 4, nil},
		{0, 10, 0, nil},
	} {
		got := Neighbours(tc.n, tc.count, tc.k)
		if len(got) != len(tc.want) {
			t.Errorf("Neighbours(%d, %d, %d) = %v, want %v", tc.n, tc.count, tc.k, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("Neighbours(%d, %d, %d) = %v, want %v", tc.n, tc.count, tc.k, got, tc.want)
				break
			}
		}
	}
}

// TestSeed checks the lists Seed leaves: FL, AL and RL both ways, no PL.
func TestSeed(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := Seed(st, SeedConfig{Count: 50, Prefix: "u", Domain: "example.com", Password: "pw", Contacts: 4, Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accounts != 50 || res.Contacts != 200 {
		t.Fatalf("result %+v", res)
	}
	a, l, err := st.Lists("u0@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !store.CheckPassword(a, "pw") {
		t.Error("shared password does not check")
	}
	for _, c := range []string{"u1@example.com", "u49@example.com", "u2@example.com", "u48@example.com"} {
		if bits := l.Bits(c); bits != store.ListForward|store.ListAllow|store.ListReverse {
			t.Errorf("u0's lists for %s: bits %d, want FL|AL|RL", c, bits)
		}
	}
	if len(l.Forward) != 4 || len(l.Pending) != 0 {
		t.Errorf("u0: %d forward, %d pending", len(l.Forward), len(l.Pending))
	}
	if _, l, _ := st.Lists("u25@example.com"); len(l.Forward) != 4 || l.Bits("u23@example.com") != store.ListForward|store.ListAllow|store.ListReverse {
		t.Errorf("u25: lists %+v", l)
	}
	if _, err := Seed(st, SeedConfig{Count: 5, Prefix: "u", Domain: "example.com", Password: "pw"}); err == nil {
		t.Error("seeding existing accounts again succeeded")
	}
}

// runScenario runs one scenario for about two seconds against the whole
// server in this process and fails on any error the tool counted.
func runScenario(t *testing.T, cfg Config) Report {
	t.Helper()
	var out bytes.Buffer
	rep, err := Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ErrorCount != 0 {
		t.Errorf("%d errors:\n%s", rep.ErrorCount, out.String())
	}
	if testing.Verbose() {
		t.Log(out.String())
	}
	return rep
}

func TestLoginScenario(t *testing.T) {
	ts := startServer(t, ns.Options{Challenge: true}, seeded(t, 20, 4))
	cfg := ts.config(10, ScenarioLogin)
	cfg.Contacts, cfg.Accounts = 4, 20
	cfg.Ramp, cfg.Duration = 200*time.Millisecond, 2*time.Second
	rep := runScenario(t, cfg)
	if rep.Logins < 20 || rep.Login.Count == 0 || rep.RST.Count == 0 {
		t.Errorf("logins %d, login samples %d, RST samples %d", rep.Logins, rep.Login.Count, rep.RST.Count)
	}
}

// TestLoginScenarioSSO: the same logins in MSNP15, through USR SSO and the
// RPS proof.
func TestLoginScenarioSSO(t *testing.T) {
	ts := startServer(t, ns.Options{Challenge: true}, seeded(t, 20, 4))
	cfg := ts.config(10, ScenarioLogin)
	cfg.Contacts, cfg.Accounts = 4, 20
	cfg.Dialect = 15
	cfg.Ramp, cfg.Duration = 200*time.Millisecond, 2*time.Second
	rep := runScenario(t, cfg)
	if rep.Logins < 20 || rep.Login.Count == 0 || rep.RST.Count == 0 {
		t.Errorf("logins %d, login samples %d, RST samples %d", rep.Logins, rep.Login.Count, rep.RST.Count)
	}
}

func TestPresenceScenario(t *testing.T) {
	ts := startServer(t, ns.Options{Challenge: true}, seeded(t, 30, 6))
	cfg := ts.config(30, ScenarioPresence)
	cfg.Contacts = 6
	cfg.Ramp, cfg.Duration = 300*time.Millisecond, 2*time.Second
	cfg.ChangeInterval, cfg.PSMEvery = 200*time.Millisecond, 3
	rep := runScenario(t, cfg)
	if rep.Presence.Count == 0 || rep.PSM.Count == 0 {
		t.Errorf("presence samples %d, PSM samples %d", rep.Presence.Count, rep.PSM.Count)
	}
	if rep.PeakOnline != 30 {
		t.Errorf("peak online %d, want 30", rep.PeakOnline)
	}
}

func TestChatScenario(t *testing.T) {
	ts := startServer(t, ns.Options{Challenge: true}, seeded(t, 10, 2))
	cfg := ts.config(10, ScenarioChat)
	cfg.Contacts = 2
	cfg.Ramp, cfg.Duration = 200*time.Millisecond, 2*time.Second
	cfg.Window, cfg.SessionMessages = 4, 300
	rep := runScenario(t, cfg)
	if rep.Messages == 0 || rep.Message.Count == 0 || rep.Sessions < 5 {
		t.Errorf("messages %d, samples %d, sessions %d", rep.Messages, rep.Message.Count, rep.Sessions)
	}
}

// The gateway transport: the same chat, every NS and SB session polling
// through the HTTP gateway.
func TestChatScenarioThroughTheGateway(t *testing.T) {
	ts := startServer(t, ns.Options{Challenge: true}, seeded(t, 6, 2))
	cfg := ts.config(6, ScenarioChat)
	cfg.Contacts = 2
	cfg.Transport, cfg.PollEvery = TransportGateway, 10*time.Millisecond
	cfg.Ramp, cfg.Duration = 200*time.Millisecond, 2*time.Second
	cfg.Window, cfg.SessionMessages = 2, 20
	rep := runScenario(t, cfg)
	if rep.Logins < 6 || rep.Messages == 0 || rep.Sessions < 2 {
		t.Errorf("logins %d, messages %d, sessions %d", rep.Logins, rep.Messages, rep.Sessions)
	}
}

func TestMixedScenario(t *testing.T) {
	ts := startServer(t, ns.Options{Challenge: true}, seeded(t, 40, 4))
	cfg := ts.config(40, ScenarioMixed)
	cfg.Contacts = 4
	cfg.Ramp, cfg.Duration = 400*time.Millisecond, 2*time.Second
	cfg.ChangeInterval, cfg.MessageInterval, cfg.SessionMessages = 300*time.Millisecond, 50*time.Millisecond, 10
	rep := runScenario(t, cfg)
	if rep.Messages == 0 || rep.Presence.Count == 0 || rep.Logins <= 36 {
		t.Errorf("messages %d, presence samples %d, logins %d", rep.Messages, rep.Presence.Count, rep.Logins)
	}
}

// TestWrongPassword checks that refused logins are counted by kind.
func TestWrongPassword(t *testing.T) {
	ts := startServer(t, ns.Options{}, seeded(t, 2, 0))
	cfg := ts.config(1, ScenarioLogin)
	cfg.Password = "wrong"
	cfg.Duration = 300 * time.Millisecond
	var out bytes.Buffer
	rep, err := Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors["RST refused"] == 0 || rep.Logins != 0 {
		t.Errorf("errors %v, logins %d", rep.Errors, rep.Logins)
	}
	if !strings.Contains(out.String(), "RST refused") {
		t.Errorf("table without the error kind:\n%s", out.String())
	}
}

// TestPushTiming feeds notification lines to a client and checks which are
// timed: NLN carrying a change sequence and a UBX on its own, but not the
// UBX that comes with a presence line (a stored PSM at login).
func TestPushTiming(t *testing.T) {
	cfg := Config{NSAddr: "x:1", HTTPURL: "http://x", Prefix: "lt", Domain: "example.com", Password: "pw", Clients: 2}
	if err := cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	r := newRunner(&cfg)
	watcher, owner := r.clients[0], r.clients[1]
	c := newPconn(nil, "NS", time.Second)
	now := time.Now()
	owner.note(&owner.chg, 7, now)
	owner.note(&owner.psm, 8, now)
	psm := []byte("<Data><PSM>lt 8</PSM><CurrentMedia></CurrentMedia></Data>")
	push := func(line string, payload []byte) { watcher.nsPush(c, strings.Fields(line), payload) }

	push("NLN BSY lt1@example.com 1 lt1%40example.com 1610612743 0", nil)   // caps = capsBase + 7
	push("UBX lt1@example.com 1 58", psm)                                   // with the NLN: not timed
	push("ILN 9 NLN lt1@example.com 1 lt1%40example.com 1610612736 0", nil) // seq 0: not timed
	push("UBX lt1@example.com 1 58", psm)                                   // with the ILN: not timed
	if got := r.m.presence.Count(); got != 1 {
		t.Errorf("timed NLN: %d, want 1", got)
	}
	if got := r.m.psm.Count(); got != 0 {
		t.Errorf("timed UBX after presence lines: %d, want 0", got)
	}
	push("UBX lt1@example.com 1 58", psm) // a UUX fan-out
	push("UBX lt9@example.com 1 58", psm) // not one of ours
	if got := r.m.psm.Count(); got != 1 {
		t.Errorf("timed UBX: %d, want 1", got)
	}
	if r.m.errN.Load() != 0 {
		t.Errorf("errors: %v", r.m.errs)
	}
}
