package ticket

import (
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func newSigner(t *testing.T) *Signer {
	s, err := New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIssueCheck(t *testing.T) {
	s := newSigner(t)
	tok := s.Issue(42)
	if !regexp.MustCompile(`^[A-Za-z0-9._-]{20,}$`).MatchString(tok) {
		t.Fatalf("token %q has characters a command line or XML cannot carry", tok)
	}
	for _, form := range []string{tok, Compact(tok), "t=" + tok + "&amp;p="} {
		got, err := s.Check(form)
		if err != nil || got.AccountID != 42 {
			t.Fatalf("Check(%q) = %+v, %v", form, got, err)
		}
	}
	if s.Issue(42) == tok {
		t.Fatal("two tickets for one account are identical")
	}
}

func TestForgedAndExpired(t *testing.T) {
	s := newSigner(t)
	other, _ := New([]byte("another secret of thirty-two byt"))
	if _, err := s.Check(other.Issue(42)); !errors.Is(err, ErrForged) {
		t.Fatalf("ticket of another key: %v", err)
	}
	tok := []byte(s.Issue(42))
	tok[3] ^= 1
	if _, err := s.Check(string(tok)); err == nil {
		t.Fatal("tampered ticket accepted")
	}
	old := s.issue(42, time.Now().Add(-time.Second))
	if _, err := s.Check(old); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired ticket: %v", err)
	}
	for _, bad := range []string{"", "t=&p=", "abc", "a.b", "t=x.y&p="} {
		if _, err := s.Check(bad); err == nil {
			t.Fatalf("Check(%q) accepted", bad)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "ticket.key")
	a, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateKey(path)
	if err != nil || string(a) != string(b) {
		t.Fatalf("key not reused: %v", err)
	}
}

func FuzzCheck(f *testing.F) {
	s, _ := New([]byte("0123456789abcdef0123456789abcdef"))
	f.Add(s.Issue(1))
	f.Add("t=abc&p=")
	f.Fuzz(func(t *testing.T, tok string) {
		s.Check(tok)
	})
}

func BenchmarkCheck(b *testing.B) {
	s, _ := New([]byte("0123456789abcdef0123456789abcdef"))
	tok := Compact(s.Issue(7))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := s.Check(tok); err != nil {
			b.Fatal(err)
		}
	}
}
