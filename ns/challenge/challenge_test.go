package challenge

import (
	"regexp"
	"testing"
)

const (
	wlm80ID  = "PROD01065C%ZFN6F"
	wlm80Key = "O4BG@C7BWLYQX?5G"
	wlm81ID  = "PROD0112J1LW7%NB"
	wlm81Key = "RH96F{PHI8PPX_TJ"
)

// TestResponseVectors uses every vector of ns-login §11.4.
func TestResponseVectors(t *testing.T) {
	tests := []struct {
		name, chl, pid, key, want string
	}{
		{"kopete 1", "15570131571988941333", wlm80ID, wlm80Key, "47d2b1e24f85947bdd29b3bfe29f027b"},
		{"kopete 2", "93662730714769834295", wlm80ID, wlm80Key, "1fd1345b59d9e2c1af131e00b51ddb96"},
		{"kopete 3", "13038318816579321232", wlm80ID, wlm80Key, "f52409e13833d91f66af73abfced22bf"},
		{"kopete 4", "23055170411503520698", wlm80ID, wlm80Key, "780ee59b51acfd094658a55181fed7ca"},
		{"msnp11", "13038318816579321232", "PROD0101{0RM?UBW", "CFHUR$52U_{VIX5T", "5f6ae998b8fa70c37b62980f71a0e736"},
		{"wlm 8.1 pair", "15570131571988941333", wlm81ID, wlm81Key, "1d5fd67d532cb419094072a2e4e6e645"},
		{"oim lock key", "1850937852", wlm80ID, wlm80Key, "e745d4e406790fb5c5ca70041fbe06df"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Response(tt.chl, tt.pid, tt.key); got != tt.want {
				t.Errorf("Response(%q, %q) = %s, want %s", tt.chl, tt.pid, got, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	const chl = "15570131571988941333"
	good := "47d2b1e24f85947bdd29b3bfe29f027b"
	tests := []struct {
		name, chl, pid, answer string
		want                   bool
	}{
		{"correct", chl, wlm80ID, good, true},
		{"upper-case hex", chl, wlm80ID, "47D2B1E24F85947BDD29B3BFE29F027B", true},
		{"second pair", chl, wlm81ID, "1d5fd67d532cb419094072a2e4e6e645", true},
		{"answer of the other pair", chl, wlm81ID, good, false},
		{"unknown product", chl, "PROD0101{0RM?UBW", "5f6ae998b8fa70c37b62980f71a0e736", false},
		{"wrong challenge", "93662730714769834295", wlm80ID, good, false},
		{"one digit off", chl, wlm80ID, good[:31] + "c", false},
		{"short", chl, wlm80ID, good[:30], false},
		{"long", chl, wlm80ID, good + "00", false},
		{"empty", chl, wlm80ID, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verify(tt.chl, tt.pid, tt.answer); got != tt.want {
				t.Errorf("Verify(%q, %q, %q) = %v, want %v", tt.chl, tt.pid, tt.answer, got, tt.want)
			}
		})
	}
}

// TestVerifyPaddingEdgeCase: a challenge whose length plus 16 is a multiple
// of 8 is answered differently by msnp-sharp and libpurple; both must pass.
func TestVerifyPaddingEdgeCase(t *testing.T) {
	const chl = "123456789012345678901234" // 24 + 16 = 40
	full := response(chl, wlm80ID, wlm80Key, true)
	none := response(chl, wlm80ID, wlm80Key, false)
	if full == none {
		t.Fatalf("both conventions give %s; the edge case is not exercised", full)
	}
	if Response(chl, wlm80ID, wlm80Key) != full {
		t.Errorf("Response does not use the full-block convention")
	}
	for _, answer := range []string{full, none} {
		if !Verify(chl, wlm80ID, answer) {
			t.Errorf("Verify rejected %s", answer)
		}
	}

	// Outside the edge case only the one true answer passes.
	const normal = "15570131571988941333"
	if Verify(normal, wlm80ID, response(normal+"0000", wlm80ID, wlm80Key, false)) {
		t.Errorf("Verify accepted a differently padded answer outside the edge case")
	}
}

func TestProductKey(t *testing.T) {
	for id, want := range map[string]string{
		wlm80ID:            wlm80Key,
		wlm81ID:            wlm81Key,
		"PROD0119GSJUC$18": "ILTXC!4IXB5FB*PX",
		"PROD0113H11T8$X_": "RG@XY*28Q5QHS%Q5",
		"PROD0114ES4Z%Q5W": "PK}_A_0N_K%O?A9S",
		"PROD0118R6%2WYOS": "YIXPX@5I2P0UT*LK",
	} {
		if !Known(id) {
			t.Errorf("Known(%q) = false", id)
		}
		if got, ok := ProductKey(id); !ok || got != want {
			t.Errorf("ProductKey(%q) = %q, %v; want %q", id, got, ok, want)
		}
	}
	if _, ok := ProductKey("PROD0000000000000"); ok || Known("PROD0000000000000") {
		t.Errorf("unknown product ID has a key")
	}
}

func TestNewChallenge(t *testing.T) {
	digits := regexp.MustCompile(`^[1-9][0-9]{19}$`)
	seen := make(map[string]bool)
	for range 1000 {
		c := NewChallenge()
		if !digits.MatchString(c) {
			t.Fatalf("NewChallenge() = %q, want 20 digits without a leading zero", c)
		}
		for id := range productKeys {
			if (len(c)+len(id))%8 == 0 {
				t.Fatalf("challenge %q with %q hits the padding edge case", c, id)
			}
		}
		if seen[c] {
			t.Fatalf("NewChallenge repeated %q", c)
		}
		seen[c] = true
		if !Verify(c, wlm80ID, Response(c, wlm80ID, wlm80Key)) {
			t.Fatalf("own answer to %q does not verify", c)
		}
	}
}

func BenchmarkResponse(b *testing.B) {
	const chl = "15570131571988941333"
	b.ReportAllocs()
	for b.Loop() {
		Response(chl, wlm80ID, wlm80Key)
	}
}

func BenchmarkVerify(b *testing.B) {
	const chl = "15570131571988941333"
	answer := Response(chl, wlm80ID, wlm80Key)
	b.ReportAllocs()
	for b.Loop() {
		Verify(chl, wlm80ID, answer)
	}
}

func BenchmarkNewChallenge(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewChallenge()
	}
}
