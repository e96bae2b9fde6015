package tlscert

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// renewBefore is how long before its expiry a leaf is replaced.
const renewBefore = 30 * 24 * time.Hour

// LoadOrCreate loads the CA and leaf from dir, creating what is missing.
//
// The first call generates ca.crt/ca.key and server.crt/server.key. Later
// calls reuse them, and issue a new leaf from the same CA when the leaf is
// missing, broken, close to expiry, or does not cover one of hosts (host
// names or IP addresses, a port is ignored). A new leaf keeps the names of the
// old one. The CA is never replaced: when ca.crt exists but ca.key does not
// match it, LoadOrCreate fails rather than break every client that trusts it.
func LoadOrCreate(dir string, hosts []string) (*Bundle, error) {
	return loadOrCreate(dir, hosts, time.Now())
}

func loadOrCreate(dir string, hosts []string, now time.Time) (*Bundle, error) {
	names, ips, err := wanted(hosts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("certificate folder: %w", err)
	}
	b := &Bundle{dir: dir}
	ca, caKey, err := b.loadOrCreateCA(now, names, ips)
	if err != nil {
		return nil, err
	}
	b.ca, b.caPEM = ca, certPEM(ca)
	names, ips, b.refused = allowedBy(ca, names, ips)

	leaf, leafKey, old, why := loadLeaf(dir, ca, names, ips, now)
	if why != "" {
		if old != nil {
			oldNames, oldIPs, _ := allowedBy(ca, old.DNSNames, old.IPAddresses)
			for _, n := range oldNames {
				names = addName(names, n)
			}
			for _, ip := range oldIPs {
				ips = addIP(ips, ip)
			}
		}
		leaf, leafKey, err = newLeaf(now, ca, caKey, names, ips)
		if err != nil {
			return nil, err
		}
		if err := writeKeyAndCert(dir, serverKeyFile, serverCertFile, leafKey, leaf); err != nil {
			return nil, err
		}
		b.newLeaf, b.why = true, why
	}
	b.leaf = tls.Certificate{
		Certificate: [][]byte{leaf.Raw},
		PrivateKey:  leafKey,
		Leaf:        leaf,
	}
	return b, nil
}

// loadOrCreateCA creates the CA only when ca.crt does not exist: a CA whose
// certificate was never written cannot have been trusted by anyone.
func (b *Bundle) loadOrCreateCA(now time.Time, names []string, ips []net.IP) (*x509.Certificate, *rsa.PrivateKey, error) {
	certPath := filepath.Join(b.dir, caCertFile)
	ca, _, err := readCert(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		ca, key, err := newCA(now, names, ips)
		if err != nil {
			return nil, nil, err
		}
		if err := writeKeyAndCert(b.dir, caKeyFile, caCertFile, key, ca); err != nil {
			return nil, nil, err
		}
		b.newCA = true
		return ca, key, nil
	}
	const fix = "restore it, or remove ca.crt to create a new CA that every client must trust again"
	if err != nil {
		return nil, nil, fmt.Errorf("load CA certificate (%s): %w", fix, err)
	}
	key, err := readKey(filepath.Join(b.dir, caKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("load CA key (%s): %w", fix, err)
	}
	if !ca.IsCA || !matches(ca, key) {
		return nil, nil, fmt.Errorf("%s is not a CA certificate for %s (%s)", certPath, caKeyFile, fix)
	}
	return ca, key, nil
}

// loadLeaf returns the stored leaf and key, or a reason to issue a new one.
// old is the stored leaf when it came from this CA, so its names carry over.
func loadLeaf(dir string, ca *x509.Certificate, names []string, ips []net.IP, now time.Time) (leaf *x509.Certificate, key *rsa.PrivateKey, old *x509.Certificate, why string) {
	leaf, _, err := readCert(filepath.Join(dir, serverCertFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, "none yet"
	}
	if err != nil {
		return nil, nil, nil, err.Error()
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		return nil, nil, nil, "not issued by the CA"
	}
	key, err = readKey(filepath.Join(dir, serverKeyFile))
	if err != nil {
		return nil, nil, leaf, err.Error()
	}
	if !matches(leaf, key) {
		return nil, nil, leaf, "key does not match"
	}
	if now.Add(renewBefore).After(leaf.NotAfter) {
		return nil, nil, leaf, "expires " + leaf.NotAfter.Format(time.DateOnly)
	}
	if m := missing(leaf, names, ips); len(m) > 0 {
		return nil, nil, leaf, "does not cover " + strings.Join(m, ", ")
	}
	return leaf, key, nil, ""
}

// matches reports whether key is the private half of cert's public key.
func matches(cert *x509.Certificate, key *rsa.PrivateKey) bool {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	return ok && pub.Equal(&key.PublicKey)
}
