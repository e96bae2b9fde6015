package tlscert

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"msnserver/web/hosts"
)

// mustLoad calls LoadOrCreate and fails the test on error.
func mustLoad(t *testing.T, dir string, hosts ...string) *Bundle {
	t.Helper()
	b, err := LoadOrCreate(dir, hosts)
	if err != nil {
		t.Fatalf("LoadOrCreate(%v): %v", hosts, err)
	}
	return b
}

// verifyFor checks that the leaf chains to the bundle's CA for host.
func verifyFor(t *testing.T, b *Bundle, host string) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b.CACertPEM()) {
		t.Fatalf("CACertPEM holds no certificate")
	}
	_, err := b.leaf.Leaf.Verify(x509.VerifyOptions{
		DNSName:   host,
		Roots:     pool,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		t.Errorf("leaf does not verify for %q: %v", host, err)
	}
}

func fileFingerprint(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM", path)
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:])
}

func TestGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	b := mustLoad(t, dir, "msn.example.org", "192.0.2.7:443", "", "0.0.0.0", "[2001:db8::1]")

	if !b.CreatedCA() || !b.IssuedLeaf() {
		t.Errorf("first call: CreatedCA %v, IssuedLeaf %v; want both", b.CreatedCA(), b.IssuedLeaf())
	}
	for name, perm := range map[string]os.FileMode{
		"ca.crt": 0o644, "ca.key": 0o600, "server.crt": 0o644, "server.key": 0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("%s mode %v, want %v", name, fi.Mode().Perm(), perm)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	ca := b.ca
	if !ca.IsCA || !strings.HasPrefix(ca.Subject.CommonName, "msnserver local CA") {
		t.Errorf("CA: IsCA %v, name %q", ca.IsCA, ca.Subject.CommonName)
	}
	if err := ca.CheckSignatureFrom(ca); err != nil {
		t.Errorf("CA is not self-signed: %v", err)
	}
	if life := ca.NotAfter.Sub(ca.NotBefore); life < 10*365*24*time.Hour {
		t.Errorf("CA lives %v, want 10 years", life)
	}
	leaf := b.leaf.Leaf
	for what, pub := range map[string]any{"CA": ca.PublicKey, "leaf": leaf.PublicKey} {
		rk, ok := pub.(*rsa.PublicKey)
		if !ok || rk.N.BitLen() != 2048 {
			t.Errorf("%s key is %T, want RSA 2048", what, pub)
		}
	}
	if leaf.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
		t.Errorf("leaf lacks KeyEncipherment, which RSA key exchange needs")
	}

	wantNames := append(slices.Clone(defaultDNSNames), "msn.example.org")
	for _, n := range wantNames {
		if !slices.Contains(leaf.DNSNames, n) {
			t.Errorf("leaf DNS names %v lack %q", leaf.DNSNames, n)
		}
	}
	wantIPs := []string{"127.0.0.1", "::1", "192.0.2.7", "2001:db8::1"}
	var gotIPs []string
	for _, ip := range leaf.IPAddresses {
		gotIPs = append(gotIPs, ip.String())
	}
	if !slices.Equal(gotIPs, wantIPs) {
		t.Errorf("leaf IPs %v, want %v", gotIPs, wantIPs)
	}
	for _, host := range []string{"login.live.com", "messenger.hotmail.com", "contacts.msn.com",
		"login.passport.net", "localhost", "msn.example.org", "127.0.0.1", "192.0.2.7"} {
		verifyFor(t, b, host)
	}

	if got, want := b.CAFingerprint(), fileFingerprint(t, filepath.Join(dir, "ca.crt")); got != want {
		t.Errorf("CAFingerprint %s, file has %s", got, want)
	}
	if got, want := b.LeafFingerprint(), fileFingerprint(t, filepath.Join(dir, "server.crt")); got != want {
		t.Errorf("LeafFingerprint %s, file has %s", got, want)
	}
	caFile, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if !bytes.Equal(b.CACertPEM(), caFile) {
		t.Errorf("CACertPEM differs from ca.crt")
	}
	if b.CACertPath() != filepath.Join(dir, "ca.crt") {
		t.Errorf("CACertPath = %s", b.CACertPath())
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	first := mustLoad(t, dir, "msn.example.org", "192.0.2.7")
	caBefore, _ := os.ReadFile(filepath.Join(dir, "ca.key"))

	// Same hosts in another order, a port, a trailing dot, upper case, and
	// names the leaf already covers by wildcard or default.
	again := mustLoad(t, dir, "192.0.2.7:80", "MSN.example.org.", "contacts.msn.com", "login.live.com", "127.0.0.1")
	if again.CreatedCA() || again.IssuedLeaf() {
		t.Errorf("reload: CreatedCA %v, IssuedLeaf %v; want neither", again.CreatedCA(), again.IssuedLeaf())
	}
	if again.CAFingerprint() != first.CAFingerprint() || again.LeafFingerprint() != first.LeafFingerprint() {
		t.Errorf("reload changed fingerprints")
	}
	caAfter, _ := os.ReadFile(filepath.Join(dir, "ca.key"))
	if !bytes.Equal(caBefore, caAfter) {
		t.Errorf("reload rewrote ca.key")
	}
	// Fewer hosts than before never shrinks the leaf.
	if fewer := mustLoad(t, dir); fewer.IssuedLeaf() || fewer.LeafFingerprint() != first.LeafFingerprint() {
		t.Errorf("loading with no hosts issued a new leaf")
	}
}

func TestNewHostNewLeafSameCA(t *testing.T) {
	dir := t.TempDir()
	first := mustLoad(t, dir, "msn.example.org")

	// A new LAN address: private ranges are within the CA's constraints.
	second := mustLoad(t, dir, "msn.example.org", "192.168.77.20")
	if second.CreatedCA() || !second.IssuedLeaf() {
		t.Fatalf("new host: CreatedCA %v, IssuedLeaf %v; want a new leaf only", second.CreatedCA(), second.IssuedLeaf())
	}
	if second.CAFingerprint() != first.CAFingerprint() {
		t.Errorf("new host replaced the CA")
	}
	if second.LeafFingerprint() == first.LeafFingerprint() {
		t.Errorf("new host kept the old leaf")
	}
	if !strings.Contains(second.why, "192.168.77.20") {
		t.Errorf("reason %q does not name the new host", second.why)
	}
	// The new leaf chains to the CA the clients already trust, and keeps the old names.
	for _, host := range []string{"192.168.77.20", "msn.example.org", "login.live.com"} {
		verifyFor(t, second, host)
	}

	// A name outside the CA's constraints is left out of the leaf (one such
	// name would make clients refuse the whole certificate) and reported.
	third := mustLoad(t, dir, "msn.example.org", "chat.example.net", "198.51.100.20")
	if third.IssuedLeaf() || third.CAFingerprint() != first.CAFingerprint() {
		t.Fatalf("name outside the constraints: IssuedLeaf %v, same CA %v", third.IssuedLeaf(), third.CAFingerprint() == first.CAFingerprint())
	}
	if got := third.Refused(); !slices.Equal(got, []string{"chat.example.net", "198.51.100.20"}) {
		t.Errorf("Refused() = %v", got)
	}
	for _, host := range []string{"192.168.77.20", "msn.example.org", "ows.messenger.msn.com"} {
		verifyFor(t, third, host)
	}

	// And the stored result is what a restart sees.
	if again := mustLoad(t, dir, "msn.example.org"); again.IssuedLeaf() || again.LeafFingerprint() != second.LeafFingerprint() {
		t.Errorf("restart issued yet another leaf")
	}
}

// The CA a user installs can vouch only for the names this server answers
// for: a certificate it signed for any other site fails verification. The
// constraints are not critical, so Windows XP still accepts the root (the
// XP-style handshake in TestHandshake runs against such a CA).
func TestCANameConstraints(t *testing.T) {
	dir := t.TempDir()
	b := mustLoad(t, dir, "msn.example.org", "203.0.113.9")
	ca := b.ca
	if ca.PermittedDNSDomainsCritical {
		t.Errorf("name constraints marked critical: XP's CryptoAPI would refuse the root")
	}
	for _, d := range []string{"msn.com", "live.com", "hotmail.com", "passport.net", "passport.com", "localhost", "msn.example.org"} {
		if !slices.Contains(ca.PermittedDNSDomains, d) {
			t.Errorf("permitted domains %v lack %s", ca.PermittedDNSDomains, d)
		}
	}
	for _, host := range []string{"ows.messenger.msn.com", "byrdr.omega.contacts.msn.com", "msn.example.org", "203.0.113.9", "127.0.0.1"} {
		verifyFor(t, b, host)
	}

	caKey, err := readKey(filepath.Join(dir, caKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, rogue := range []struct {
		name string
		ip   net.IP
	}{{"www.example.com", nil}, {"bank.example", nil}, {"", net.ParseIP("198.51.100.1")}} {
		var names []string
		var ips []net.IP
		host := rogue.name
		if rogue.ip != nil {
			ips, host = []net.IP{rogue.ip}, rogue.ip.String()
		} else {
			names = []string{rogue.name}
		}
		leaf, _, err := newLeaf(time.Now(), ca, caKey, names, ips)
		if err != nil {
			t.Fatal(err)
		}
		_, err = leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		var ce x509.CertificateInvalidError
		if !errors.As(err, &ce) || ce.Reason != x509.CANotAuthorizedForThisName {
			t.Errorf("a certificate for %s signed by the CA: err %v, want CANotAuthorizedForThisName", host, err)
		}
	}
}

func TestRenewBeforeExpiry(t *testing.T) {
	dir := t.TempDir()
	first := mustLoad(t, dir)
	later := first.leaf.Leaf.NotAfter.Add(-renewBefore / 2)
	b, err := loadOrCreate(dir, nil, later)
	if err != nil {
		t.Fatal(err)
	}
	if !b.IssuedLeaf() || b.CAFingerprint() != first.CAFingerprint() {
		t.Errorf("near expiry: IssuedLeaf %v, same CA %v", b.IssuedLeaf(), b.CAFingerprint() == first.CAFingerprint())
	}
	if !b.leaf.Leaf.NotAfter.After(later.Add(renewBefore)) {
		t.Errorf("renewed leaf expires %v, too soon", b.leaf.Leaf.NotAfter)
	}
}

func TestDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	first := mustLoad(t, dir)
	path := func(name string) string { return filepath.Join(dir, name) }

	// A lost or foreign leaf key is repaired with the same CA.
	if err := os.Remove(path("server.key")); err != nil {
		t.Fatal(err)
	}
	b := mustLoad(t, dir)
	if !b.IssuedLeaf() || b.CreatedCA() || b.CAFingerprint() != first.CAFingerprint() {
		t.Errorf("missing server.key: IssuedLeaf %v CreatedCA %v", b.IssuedLeaf(), b.CreatedCA())
	}
	caKey, _ := os.ReadFile(path("ca.key"))
	if err := os.WriteFile(path("server.key"), caKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if b := mustLoad(t, dir); !b.IssuedLeaf() || b.why != "key does not match" {
		t.Errorf("mismatched server.key: IssuedLeaf %v, reason %q", b.IssuedLeaf(), b.why)
	}
	if err := os.WriteFile(path("server.crt"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b := mustLoad(t, dir); !b.IssuedLeaf() {
		t.Errorf("garbage server.crt was not replaced")
	}

	// A CA whose key is gone is an error, never a silent new CA.
	if err := os.Remove(path("ca.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, nil); err == nil || !strings.Contains(err.Error(), "ca.crt") {
		t.Errorf("missing ca.key: err = %v, want an error that says what to do", err)
	}
	if err := os.WriteFile(path("ca.key"), caKey, 0o600); err != nil {
		t.Fatal(err)
	}
	leafKey, _ := os.ReadFile(path("server.key"))
	if err := os.WriteFile(path("ca.key"), leafKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, nil); err == nil {
		t.Errorf("ca.key of another certificate was accepted")
	}

	// Removing ca.crt is the documented way to start over.
	if err := os.Remove(path("ca.crt")); err != nil {
		t.Fatal(err)
	}
	fresh := mustLoad(t, dir)
	if !fresh.CreatedCA() || !fresh.IssuedLeaf() || fresh.CAFingerprint() == first.CAFingerprint() {
		t.Errorf("after removing ca.crt: CreatedCA %v IssuedLeaf %v", fresh.CreatedCA(), fresh.IssuedLeaf())
	}
	if fresh.why != "not issued by the CA" {
		t.Errorf("reason %q, want the old leaf rejected as foreign", fresh.why)
	}
}

func TestInvalidHost(t *testing.T) {
	for _, h := range []string{"bad host", "exa mple.org", "a..b", "*.", "ünicode.example", strings.Repeat("a", 64) + ".org"} {
		if _, err := LoadOrCreate(t.TempDir(), []string{h}); err == nil {
			t.Errorf("host %q accepted", h)
		}
	}
}

func TestWanted(t *testing.T) {
	names, ips, err := wanted([]string{" Example.ORG ", "[fe80::1%eth0]:443", "::ffff:192.0.2.1", "::", "example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names[len(names)-1]; got != "example.org" || len(names) != len(defaultDNSNames)+1 {
		t.Errorf("names %v", names)
	}
	want := []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback, net.ParseIP("fe80::1"), net.ParseIP("192.0.2.1")}
	if !slices.EqualFunc(ips, want, net.IP.Equal) {
		t.Errorf("ips %v, want %v", ips, want)
	}
}

func TestLogValue(t *testing.T) {
	b := mustLoad(t, t.TempDir(), "192.0.2.9")
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("certificate", "tls", b)
	out := buf.String()
	for _, want := range []string{
		"tls.ca_sha256=" + b.CAFingerprint(),
		"tls.leaf_sha256=" + b.LeafFingerprint(),
		"tls.new_ca=true", "tls.leaf_reason=\"none yet\"", "192.0.2.9", "login.live.com",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log line %q lacks %q", out, want)
		}
	}
	if len(b.CAFingerprint()) != 64 || len(b.LeafFingerprint()) != 64 {
		t.Errorf("fingerprints are not SHA-256 hex")
	}
}

// A data folder from before the host list grew (a leaf naming only the old
// wildcards) gets a new leaf for the full list at the next start, signed by
// the CA users already installed.
func TestOldLeafUpgradedToHostList(t *testing.T) {
	dir := t.TempDir()
	first := mustLoad(t, dir)
	caKey, err := readKey(filepath.Join(dir, caKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	oldNames := []string{"login.live.com", "*.live.com", "*.msn.com", "*.hotmail.com", "*.passport.net", "localhost"}
	leaf, key, err := newLeaf(time.Now(), first.ca, caKey, oldNames, defaultIPs)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeKeyAndCert(dir, serverKeyFile, serverCertFile, key, leaf); err != nil {
		t.Fatal(err)
	}
	b := mustLoad(t, dir)
	if b.CreatedCA() || !b.IssuedLeaf() || b.CAFingerprint() != first.CAFingerprint() {
		t.Fatalf("CreatedCA %v IssuedLeaf %v same CA %v; want a new leaf from the same CA",
			b.CreatedCA(), b.IssuedLeaf(), b.CAFingerprint() == first.CAFingerprint())
	}
	if !strings.Contains(b.why, "ows.messenger.msn.com") {
		t.Errorf("reason %q does not name a missing host", b.why)
	}
	for _, h := range hosts.TLSNames() {
		if !strings.HasPrefix(h, "*") {
			verifyFor(t, b, h)
		}
	}
}
