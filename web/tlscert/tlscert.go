// Package tlscert keeps the certificate the HTTPS listener presents as
// login.live.com and the other Microsoft hosts: a local CA, created once in the
// data folder, and a leaf it signs. Users install ca.crt on their Windows
// machines; the CA is never replaced, so a new leaf (a new host name) needs no
// new trust.
//
// Both keys are RSA 2048: Windows XP's schannel cannot use ECDSA, and the
// signatures are SHA-256, which XP understands from Service Pack 3 on.
//
// No GODEBUG setting is needed for old clients in Go 1.26: tlsrsakex and
// tls3des only restore RSA key exchange and 3DES to the default cipher list,
// and tls10server only lowers the default minimum version. TLSConfig lists its
// cipher suites and MinVersion explicitly, which crypto/tls honours as they are.
// (tlssha1 concerns SHA-1 signatures in TLS 1.2 only, which XP never speaks.)
package tlscert

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
)

// File names inside the data folder.
const (
	caCertFile     = "ca.crt"
	caKeyFile      = "ca.key"
	serverCertFile = "server.crt"
	serverKeyFile  = "server.key"
)

// Bundle is the loaded CA and leaf. It does not change after LoadOrCreate.
type Bundle struct {
	dir     string
	ca      *x509.Certificate
	caPEM   []byte
	leaf    tls.Certificate
	newCA   bool
	newLeaf bool
	why     string   // why the leaf was issued, when newLeaf
	refused []string // wanted names the CA's constraints do not permit
}

// CACertPEM returns the CA certificate in PEM form, for a download page.
func (b *Bundle) CACertPEM() []byte { return slices.Clone(b.caPEM) }

// CACertPath is where the CA certificate lives, for telling the user.
func (b *Bundle) CACertPath() string { return filepath.Join(b.dir, caCertFile) }

// CAFingerprint is the SHA-256 of the CA certificate, in lower-case hex.
func (b *Bundle) CAFingerprint() string { return fingerprint(b.ca.Raw) }

// LeafFingerprint is the SHA-256 of the leaf certificate, in lower-case hex.
func (b *Bundle) LeafFingerprint() string { return fingerprint(b.leaf.Leaf.Raw) }

// CreatedCA reports whether this LoadOrCreate generated a new CA, which users
// must install before clients accept the server.
func (b *Bundle) CreatedCA() bool { return b.newCA }

// IssuedLeaf reports whether this LoadOrCreate issued a new leaf.
func (b *Bundle) IssuedLeaf() bool { return b.newLeaf }

// Refused lists the wanted names and addresses that the CA's name
// constraints do not permit, so the leaf leaves them out. A CA permits the
// names the server had when it was made; a later one needs a new CA.
func (b *Bundle) Refused() []string { return slices.Clone(b.refused) }

// DNSNames returns the host names the leaf is valid for.
func (b *Bundle) DNSNames() []string { return slices.Clone(b.leaf.Leaf.DNSNames) }

// IPAddresses returns the addresses the leaf is valid for.
func (b *Bundle) IPAddresses() []net.IP { return slices.Clone(b.leaf.Leaf.IPAddresses) }

// LogValue lets a Bundle be logged as one group: slog.Info("tls", "cert", b).
func (b *Bundle) LogValue() slog.Value {
	ips := make([]string, len(b.leaf.Leaf.IPAddresses))
	for i, ip := range b.leaf.Leaf.IPAddresses {
		ips[i] = ip.String()
	}
	attrs := []slog.Attr{
		slog.String("ca_file", b.CACertPath()),
		slog.String("ca_sha256", b.CAFingerprint()),
		slog.Bool("new_ca", b.newCA),
		slog.String("leaf_sha256", b.LeafFingerprint()),
		slog.Bool("new_leaf", b.newLeaf),
	}
	if b.newLeaf {
		attrs = append(attrs, slog.String("leaf_reason", b.why))
	}
	if len(b.refused) > 0 {
		attrs = append(attrs, slog.Any("not_permitted_by_ca", b.refused))
	}
	attrs = append(attrs,
		slog.Time("leaf_expires", b.leaf.Leaf.NotAfter),
		slog.Any("dns", b.leaf.Leaf.DNSNames),
		slog.Any("ip", ips),
	)
	return slog.GroupValue(attrs...)
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
