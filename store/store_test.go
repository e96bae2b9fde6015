package store

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestAccounts(t *testing.T) {
	s, dir := openTest(t)
	a, err := s.CreateAccount(NewAccount{Email: " Alice@Hotmail.COM ", Password: "pw", Name: "Alice"})
	if err != nil || a.Email != "alice@hotmail.com" || a.Network != NetworkMSN || a.PUID>>32 == 0 || a.CID <= 0 {
		t.Fatalf("CreateAccount = %+v, %v", a, err)
	}
	if _, err := s.CreateAccount(NewAccount{Email: "alice@hotmail.com", Password: "x"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	for _, bad := range []string{"", "alice", "alice@", "@hotmail.com", "a b@c.com", "a@b", "a@b.", "<a@b.com>"} {
		if _, err := s.CreateAccount(NewAccount{Email: bad, Password: "x"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("email %q: %v", bad, err)
		}
	}
	if _, err := s.CreateAccount(NewAccount{Email: "y@yahoo.com", Password: "x", Network: 7}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("network 7: %v", err)
	}
	got, err := s.AccountByEmail("ALICE@hotmail.com")
	if err != nil || !CheckPassword(got, "pw") || CheckPassword(got, "PW") || CheckPassword(nil, "pw") {
		t.Fatalf("lookup/password: %+v %v", got, err)
	}
	if err := s.SetPassword("alice@hotmail.com", "new"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, _ = s2.AccountByEmail("alice@hotmail.com")
	if !CheckPassword(got, "new") || got.PUID != a.PUID {
		t.Fatal("password or PUID not kept across reopen")
	}
	list, total, _ := s2.ListAccounts(AccountQuery{Contains: "ALI", Limit: 10})
	if total != 1 || len(list) != 1 {
		t.Fatalf("list: %d %v", total, list)
	}
}

func TestListOperations(t *testing.T) {
	s, _ := openTest(t)
	alice, _ := s.CreateAccount(NewAccount{Email: "alice@hotmail.com", Password: "pw"})
	s.CreateAccount(NewAccount{Email: "bob@hotmail.com", Password: "pw"})
	err := s.UpdateBooks(func(b *Books) error {
		_, ch, err := b.AddForward(alice, "bob@hotmail.com", 1, "")
		if err != nil || ch.ReverseAdded == nil || ch.ReverseAdded.Email != "bob@hotmail.com" {
			t.Fatalf("AddForward: %+v %v", ch, err)
		}
		_, ch, _ = b.AddForward(alice, "bob@hotmail.com", 1, "")
		if ch.Changed || ch.ReverseAdded != nil {
			t.Fatalf("second AddForward changed something: %+v", ch)
		}
		if _, _, err := b.AddForward(alice, "bob@hotmail.com", 32, ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("wrong network: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, bl, _ := s.Lists("bob@hotmail.com")
	if bl.Bits("alice@hotmail.com") != ListReverse|ListPending {
		t.Fatalf("bob's lists: %+v", bl)
	}
	s.UpdateBooks(func(b *Books) error {
		bob, _ := b.Account("bob@hotmail.com")
		_, err := b.SetMembership(bob, "alice@hotmail.com", 1, ListAllow, true)
		return err
	})
	_, bl, _ = s.Lists("bob@hotmail.com")
	if bl.Bits("alice@hotmail.com") != ListReverse|ListAllow || bl.Blocks("alice@hotmail.com") {
		t.Fatalf("after accepting: %+v", bl)
	}
	s.UpdateBooks(func(b *Books) error {
		_, err := b.RemoveForward(alice, "bob@hotmail.com", true)
		return err
	})
	_, bl, _ = s.Lists("bob@hotmail.com")
	_, al, _ := s.Lists("alice@hotmail.com")
	if bl.Bits("alice@hotmail.com") != ListAllow || len(al.Forward) != 0 {
		t.Fatalf("after removal: bob %+v alice %+v", bl, al)
	}
	if err := s.DeleteAccount("bob@hotmail.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountByEmail("bob@hotmail.com"); !errors.Is(err, ErrNotFound) {
		t.Fatal("deleted account still there")
	}
}

// TestMigrateFromSchema1 opens a frozen store written at schema 1 (DO NOT
// EDIT testdata/schema1.db) and checks it is upgraded with its data intact.
func TestMigrateFromSchema1(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/schema1.db")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, FileName), data, 0o600)
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AccountByEmail("old@hotmail.com")
	if err != nil || a.Name != "Old Timer" {
		t.Fatalf("account from schema 1: %+v %v", a, err)
	}
	if n, err := s.AdminCount(); err != nil || n != 0 {
		t.Fatalf("schema 2 buckets: %d %v", n, err)
	}
	var v uint32
	s.read(func(tx *bolt.Tx) error { v = binary.BigEndian.Uint32(tx.Bucket(bucketMeta).Get(keySchema)); return nil })
	if int(v) != SchemaVersion {
		t.Fatalf("schema after migration: %d", v)
	}
}

// TestWriteSchema1Fixture regenerates testdata/schema1.db; it only runs when
// asked to (MSN_WRITE_FIXTURE=1), since the fixture must stay frozen.
func TestWriteSchema1Fixture(t *testing.T) {
	if os.Getenv("MSN_WRITE_FIXTURE") == "" {
		t.Skip("set MSN_WRITE_FIXTURE=1 to regenerate the frozen fixture")
	}
	saved := migrations
	migrations = migrations[:1]
	SchemaVersion = 1
	defer func() { migrations = saved; SchemaVersion = len(saved) }()
	dir := t.TempDir()
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.write(func(tx *bolt.Tx) error {
		return insertAccount(tx, &Account{Email: "old@hotmail.com", Name: "Old Timer", Network: 1, Hash: []byte("x"), PUID: 1<<32 | 2, CID: 3, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	})
	s.Close()
	data, _ := os.ReadFile(filepath.Join(dir, FileName))
	os.MkdirAll("testdata", 0o755)
	os.WriteFile("testdata/schema1.db", data, 0o644)
}

func TestTooNewAndLocked(t *testing.T) {
	s, dir := openTest(t)
	if _, err := Open(dir, Options{LockTimeout: 100 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	s.write(func(tx *bolt.Tx) error {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(SchemaVersion+1))
		return tx.Bucket(bucketMeta).Put(keySchema, b[:])
	})
	s.Close()
	if _, err := Open(dir, Options{PasswordCost: 4}); !errors.Is(err, ErrTooNew) {
		t.Fatalf("newer schema: %v", err)
	}
}

// mountTmpfs mounts a small tmpfs (root only; skipped elsewhere).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestFullDisk fills a tiny file system: writes fail with a clear error,
// nothing acknowledged is lost and the store stays consistent.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, "160k")
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Skipf("store does not fit: %v", err)
	}
	var created []string
	var failure error
	for i := 0; i < 5000; i++ {
		email := "user" + strings.Repeat("x", 60) + string(rune('a'+i%26)) + itoa(i) + "@hotmail.com"
		if _, err := s.CreateAccount(NewAccount{Email: email, Password: "pw", Name: strings.Repeat("n", 300)}); err != nil {
			failure = err
			break
		}
		created = append(created, email)
	}
	if failure == nil || !strings.Contains(failure.Error(), "no space left") {
		t.Fatalf("expected a no-space error, got %v after %d accounts", failure, len(created))
	}
	s.Close()
	exec.Command("mount", "-o", "remount,size=4m", dir).Run()
	s, err = Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatalf("reopen after full disk: %v", err)
	}
	defer s.Close()
	for _, e := range created {
		if _, err := s.AccountByEmail(e); err != nil {
			t.Fatalf("acknowledged account %s lost: %v", e, err)
		}
	}
	if err := s.read(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Fatalf("store inconsistent: %v", err)
	}
}

// TestReadOnlyFolder: a store on a read-only file system is refused with an
// error that says so, and the file is untouched.
func TestReadOnlyFolder(t *testing.T) {
	dir := mountTmpfs(t, "1m")
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.CreateAccount(NewAccount{Email: "a@b.com", Password: "pw"})
	s.Close()
	before, _ := os.ReadFile(filepath.Join(dir, FileName))
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v %s", err, out)
	}
	_, err = Open(dir, Options{PasswordCost: 4})
	if err == nil || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("open on a read-only folder: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileName))
	if string(before) != string(after) {
		t.Fatal("store file changed")
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		if i /= 10; i == 0 {
			return string(b[n:])
		}
	}
}

// TestMigrateFromSchema2 opens a frozen store written at schema 2 (DO NOT
// EDIT testdata/schema2.db), before roaming profiles, and checks schema 3
// adds them: the old account gets an empty profile it can write, with a
// picture.
func TestMigrateFromSchema2(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/schema2.db")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, FileName), data, 0o600)
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AccountByEmail("old@hotmail.com")
	if err != nil || a.Name != "Old Timer" || a.PSM != "before roaming" {
		t.Fatalf("account from schema 2: %+v %v", a, err)
	}
	if n, err := s.AdminCount(); err != nil || n != 1 {
		t.Fatalf("admins from schema 2: %d %v", n, err)
	}
	p, err := s.RoamingProfile(a.ID)
	if err != nil || p.Created || p.Photo != 0 {
		t.Fatalf("profile after migration: %+v %v", p, err)
	}
	doc, err := s.CreateDocument(a.ID, "tile", "image/png", []byte("\x89PNG"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateRoamingProfile(a.ID, func(p *RoamingProfile) error { p.Photo = doc.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	var v uint32
	s.read(func(tx *bolt.Tx) error { v = binary.BigEndian.Uint32(tx.Bucket(bucketMeta).Get(keySchema)); return nil })
	if int(v) != SchemaVersion {
		t.Fatalf("schema after migration: %d", v)
	}
	// The store as it was is kept beside it.
	if schema, err := CheckBackup(filepath.Join(dir, FileName+".schema2.bak")); err != nil || schema != 2 {
		t.Fatalf("backup before the upgrade: schema %d, %v", schema, err)
	}
}

// TestWriteSchema2Fixture regenerates testdata/schema2.db (MSN_WRITE_FIXTURE=2).
func TestWriteSchema2Fixture(t *testing.T) {
	if os.Getenv("MSN_WRITE_FIXTURE") != "2" {
		t.Skip("set MSN_WRITE_FIXTURE=2 to regenerate the frozen fixture")
	}
	saved := migrations
	migrations = migrations[:2]
	SchemaVersion = 2
	defer func() { migrations = saved; SchemaVersion = len(saved) }()
	dir := t.TempDir()
	s, err := Open(dir, Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.write(func(tx *bolt.Tx) error {
		return insertAccount(tx, &Account{Email: "old@hotmail.com", Name: "Old Timer", Network: 1, Hash: []byte("x"), PUID: 1<<32 | 2, CID: 3, PSM: "before roaming", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	})
	if err := s.SetAdminPassword("admin", "pw"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, _ := os.ReadFile(filepath.Join(dir, FileName))
	os.WriteFile("testdata/schema2.db", data, 0o644)
}

func TestYahooIDs(t *testing.T) {
	for in, want := range map[string]string{"Carol": "carol@yahoo.com", " carol@yahoo.com": "carol@yahoo.com", "bob@example.org": "bob@example.org"} {
		if got := YahooAccount(in); got != want {
			t.Errorf("YahooAccount(%q) = %q", in, got)
		}
	}
	if YahooID("carol@yahoo.com") != "carol" || YahooID("bob@example.org") != "bob@example.org" {
		t.Error("YahooID")
	}
}
