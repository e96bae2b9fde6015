package ticket

import (
	"encoding/base64"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
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

// respellings returns tok with the unused low 4 bits of each part's last
// character set otherwise: 15 spellings per part that a lenient decoder
// reads as the same bytes.
func respellings(tok string) []string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	dot := strings.IndexByte(tok, '.')
	var out []string
	for _, at := range []int{dot - 1, len(tok) - 1} {
		i := strings.IndexByte(alphabet, tok[at])
		for low := 1; low < 16; low++ {
			c := alphabet[i&^15|(i+low)&15]
			out = append(out, tok[:at]+string(c)+tok[at+1:])
		}
	}
	return out
}

// A ticket has one spelling: changing the padding bits of either part's
// last character, or slipping in a line break, makes it malformed.
func TestOneSpelling(t *testing.T) {
	s := newSigner(t)
	tok := s.Issue(42)
	others := append(respellings(tok), tok[:5]+"\r"+tok[5:], tok[:5]+"\n"+tok[5:]) // base64 skips CR, LF
	for _, other := range others {
		if _, err := s.Check(other); err == nil {
			t.Fatalf("%q verifies as well as %q", other, tok)
		}
	}
}

// FuzzCheck: a token that verifies (expired or not) is the canonical
// encoding of what it carries, so it re-encodes to the same string.
func FuzzCheck(f *testing.F) {
	s, _ := New([]byte("0123456789abcdef0123456789abcdef"))
	tok := s.Issue(1)
	f.Add(tok)
	f.Add(Compact(tok))
	f.Add(s.issue(2, time.Unix(1, 0)))
	for _, other := range respellings(tok)[10:20] {
		f.Add(other)
	}
	f.Add("t=abc&p=")
	f.Fuzz(func(t *testing.T, tok string) {
		_, err := s.Check(tok)
		if err != nil && !errors.Is(err, ErrExpired) {
			return
		}
		bare := Token(tok)
		dot := strings.IndexByte(bare, '.')
		p, err1 := base64.RawURLEncoding.DecodeString(bare[:dot])
		mac, err2 := base64.RawURLEncoding.DecodeString(bare[dot+1:])
		if err1 != nil || err2 != nil {
			t.Fatalf("%q verified but does not decode: %v %v", tok, err1, err2)
		}
		if again := b64.EncodeToString(p) + "." + b64.EncodeToString(mac); again != bare {
			t.Fatalf("%q verified but re-encodes as %q", bare, again)
		}
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
