package tlscert

import (
	"crypto/tls"
	"slices"
)

// cipherSuites are Go's secure defaults for TLS 1.0–1.2 followed by the RSA
// key-exchange suites Go 1.22+ leaves out: Windows XP's schannel (Messenger's
// RST call) offers nothing better than TLS_RSA_WITH_3DES_EDE_CBC_SHA, and
// Vista/7 without updates offer the RSA AES-CBC suites. crypto/tls applies its
// own preference order, so modern clients still get ECDHE with AEAD. TLS 1.3
// suites are not configurable and always on.
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,

	// For old Windows clients.
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
}

// TLSConfig returns a new server configuration presenting the leaf. It allows
// TLS 1.0 on purpose: Windows XP speaks nothing newer.
func (b *Bundle) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS10,
		MaxVersion:   tls.VersionTLS13,
		CipherSuites: slices.Clone(cipherSuites),
		Certificates: []tls.Certificate{b.leaf},
	}
}
