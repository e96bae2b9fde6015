package ticket

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"msnserver/store"
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
	old := s.issue(42, 0, time.Now().Add(-time.Second))
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
	f.Add(s.issue(2, 0, time.Unix(1, 0)))
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

type accounts map[uint64]*store.Account

func (a accounts) AccountByID(id uint64) (*store.Account, error) {
	if x, ok := a[id]; ok {
		return x, nil
	}
	return nil, store.ErrNotFound
}

// A ticket carries the account's generation; a later generation (password
// change, disable) revokes it, and a v1 ticket from before generations
// counts as generation 0.
func TestGeneration(t *testing.T) {
	s := newSigner(t)
	a := &store.Account{ID: 7, Email: "a@b.c", TicketGen: 3}
	all := accounts{7: a}
	tok := s.IssueFor(a)
	if got, err := s.Account(all, tok); err != nil || got != a {
		t.Fatalf("Account = %v, %v", got, err)
	}
	a.TicketGen++
	if _, err := s.Account(all, tok); !errors.Is(err, ErrRevoked) || !Refused(err) {
		t.Fatalf("after a password change: %v, want ErrRevoked", err)
	}
	a.Disabled = true
	if _, err := s.Account(all, s.IssueFor(a)); !errors.Is(err, ErrDisabled) {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := s.Account(all, s.Issue(8)); !errors.Is(err, store.ErrNotFound) || !Refused(err) {
		t.Fatalf("unknown account: %v", err)
	}
	// A version-1 ticket (issued by an older server).
	var p [payloadLen1]byte
	p[0] = version1
	binary.BigEndian.PutUint64(p[1:9], 9)
	binary.BigEndian.PutUint64(p[9:17], uint64(time.Now().Add(time.Hour).Unix()))
	v1 := b64.EncodeToString(p[:]) + "." + b64.EncodeToString(s.mac(p[:]))
	if tk, err := s.Check(v1); err != nil || tk.AccountID != 9 || tk.Gen != 0 {
		t.Fatalf("v1 ticket: %+v, %v", tk, err)
	}
}

func TestReplaceKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "ticket.key")
	old, _ := LoadOrCreateKey(path)
	if err := ReplaceKey(path); err != nil {
		t.Fatal(err)
	}
	now, err := LoadOrCreateKey(path)
	if err != nil || string(now) == string(old) {
		t.Fatalf("key not replaced: %v", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("left files behind: %v", entries)
	}
}
