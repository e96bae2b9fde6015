package form

import (
	"strings"
	"testing"
)

func fields(m map[string]string) Getter { return func(k string) string { return m[k] } }

func TestAccount(t *testing.T) {
	f := NewAccount(fields(map[string]string{"email": "  Zoe@Example.COM ", "name": " Zoe ", "password": " pw ", "network": "32"}))
	if f.Email != "zoe@example.com" || f.Name != "Zoe" || f.Password != " pw " || f.Network != 32 {
		t.Fatalf("%+v", f)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	for email, want := range map[string]string{
		"":                       "Enter an e-mail",
		"zoe":                    "needs one @",
		"@example.com":           "needs one @",
		"zoe@":                   "needs one @",
		"a@b@example.com":        "needs one @",
		"zoe smith@example.com":  "spaces",
		"zoe<x>@example.com":     "spaces or characters",
		"zoe@localhost":          "needs a dot",
		"zoe@example.":           "needs a dot",
		"zoe@example..com":       "needs a dot",
		strings.Repeat("a", 130): "too long",
	} {
		f := Account{Email: email, Password: "pw", Network: 1}
		if err := f.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("email %q: %v, want %q", email, err, want)
		}
	}
	for _, n := range []int{0, 2, 33, -1} {
		if err := (Account{Email: "a@b.c", Password: "pw", Network: n}).Validate(); err == nil {
			t.Errorf("network %d accepted", n)
		}
	}
	if err := (Account{Email: "a@b.c", Password: "pw", Network: 1, Name: "bad\x07name"}).Validate(); err == nil {
		t.Error("control character in name accepted")
	}
}

func TestLoginSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"":                     "/",
		"/accounts?q=x":        "/accounts?q=x",
		"/accounts/a@b.c":      "/accounts/a@b.c",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"evil":                 "/",
		"/login":               "/",
		"/logout":              "/",
		"/x\r\nSet-Cookie: a":  "/",
	} {
		if got := (Login{Next: next}).SafeNext(); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestBroadcast(t *testing.T) {
	b, err := NewBroadcast(fields(map[string]string{"kind": "shutdown", "minutes": " 10 "})).Validate()
	if err != nil || b.Kind != "shutdown" || b.Minutes != 10 || b.Text != "" {
		t.Fatalf("%+v %v", b, err)
	}
	b, err = NewBroadcast(fields(map[string]string{"kind": "text", "text": " Hello ", "minutes": "3"})).Validate()
	if err != nil || b.Kind != "text" || b.Text != "Hello" || b.Minutes != 0 {
		t.Fatalf("%+v %v", b, err)
	}
	for _, f := range []Broadcast{
		{Kind: "shutdown", Minutes: "-1"},
		{Kind: "shutdown", Minutes: "1441"},
		{Kind: "shutdown", Minutes: "1.5"},
		{Kind: "text", Text: ""},
		{Kind: "text", Text: "a\nb"},
		{Kind: "text", Text: strings.Repeat("ü", 401)},
		{Kind: "alert"},
	} {
		if _, err := f.Validate(); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

func TestPasswords(t *testing.T) {
	if err := (Password{Password: "x", Confirm: "x"}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Password{Password: strings.Repeat("x", 73), Confirm: strings.Repeat("x", 73)}).Validate(); err == nil {
		t.Fatal("73-byte password accepted")
	}
	if err := (AdminPassword{Current: "c", Password: "1234567", Confirm: "1234567"}).Validate(); err == nil {
		t.Fatal("7-character admin password accepted")
	}
	if err := (AdminPassword{Current: "c", Password: "12345678", Confirm: "12345678"}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSearch(t *testing.T) {
	s := NewSearch(fields(map[string]string{"q": " " + strings.Repeat("é", 200) + " ", "page": "x"}))
	if len([]rune(s.Query)) != maxQuery || s.Page != 1 {
		t.Fatalf("%d runes, page %d", len([]rune(s.Query)), s.Page)
	}
	if s := NewSearch(fields(map[string]string{"page": "7"})); s.Page != 7 {
		t.Fatal(s.Page)
	}
}
