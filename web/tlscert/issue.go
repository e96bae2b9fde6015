package tlscert

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

const (
	keyBits      = 2048 // RSA: Windows XP has no ECDSA
	caLifetime   = 10 * 365 * 24 * time.Hour
	leafLifetime = 5 * 365 * 24 * time.Hour
	// backdate covers clients whose clock runs behind (old VMs often do).
	backdate = 24 * time.Hour
)

// newCA creates a self-signed CA. A random suffix in its name keeps two
// installations apart in a Windows certificate store, which picks issuers by
// name. Name constraints limit it to names and addresses (see constraints)
// so that the root users install cannot vouch for any other site.
func newCA(now time.Time, names []string, ips []net.IP) (*x509.Certificate, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   fmt.Sprintf("msnserver local CA %x", serial.Bytes()[:3]),
			Organization: []string{"msnserver"},
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	// Not critical: Windows XP's CryptoAPI does not understand the extension
	// and would refuse a root that marks it critical; every client that
	// understands it enforces it either way.
	tmpl.PermittedDNSDomainsCritical = false
	tmpl.PermittedDNSDomains, tmpl.PermittedIPRanges = constraints(names, ips)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse new CA certificate: %w", err)
	}
	return cert, key, nil
}

// newLeaf issues a server certificate for names and ips, signed by the CA.
func newLeaf(now time.Time, ca *x509.Certificate, caKey *rsa.PrivateKey, names []string, ips []net.IP) (*x509.Certificate, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, nil, fmt.Errorf("generate server key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	notAfter := now.Add(leafLifetime)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		// Some old clients still read the common name, so it is the host
		// Messenger reaches over HTTPS first.
		Subject: pkix.Name{
			CommonName:   "login.live.com",
			Organization: []string{"msnserver"},
		},
		NotBefore: now.Add(-backdate),
		NotAfter:  notAfter,
		// KeyEncipherment is what RSA key exchange (TLS 1.0 on XP) uses.
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create server certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse new server certificate: %w", err)
	}
	return cert, key, nil
}

// randomSerial returns a positive 128-bit serial number.
func randomSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	// A leading zero byte would shorten the CA name suffix; it is harmless
	// otherwise, so just force the top bits on.
	return n.SetBit(n, 127, 1), nil
}
