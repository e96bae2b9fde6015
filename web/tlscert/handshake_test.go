package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"msnserver/web/hosts"
)

// serveEcho runs a TLS echo server on 127.0.0.1:0 with cfg.
func serveEcho(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				_, _ = io.Copy(c, c)
			})
		}
	})
	return ln.Addr().String()
}

// roundTrip handshakes with cfg, checks the echo and that the verified chain
// ends at ca, and returns the connection state.
func roundTrip(t *testing.T, addr string, cfg *tls.Config, ca *x509.Certificate) tls.ConnectionState {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("PNG\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "PNG\r\n" {
		t.Fatalf("echo: %q, %v", buf, err)
	}
	st := c.ConnectionState()
	if len(st.VerifiedChains) == 0 {
		t.Fatalf("no verified chain")
	}
	if chain := st.VerifiedChains[0]; !chain[len(chain)-1].Equal(ca) {
		t.Errorf("chain does not end at the bundle's CA")
	}
	return st
}

// xpClient offers what Windows XP's schannel does: TLS 1.0 and 3DES with RSA
// key exchange.
func xpClient(roots *x509.CertPool) *tls.Config {
	return &tls.Config{
		RootCAs:      roots,
		ServerName:   "login.live.com",
		MinVersion:   tls.VersionTLS10,
		MaxVersion:   tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
	}
}

func TestHandshake(t *testing.T) {
	// Prove that no GODEBUG is needed: the settings that would restore RSA
	// key exchange, 3DES and server-side TLS 1.0 are forced off.
	t.Setenv("GODEBUG", "tlsrsakex=0,tls3des=0,tls10server=0")

	b := mustLoad(t, t.TempDir())
	addr := serveEcho(t, b.TLSConfig())
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.CACertPEM())

	tests := []struct {
		name       string
		serverName string
		version    uint16
		suite      uint16 // 0: TLS 1.3, not configurable
	}{
		{"xp tls1.0 3des", "login.live.com", tls.VersionTLS10, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
		{"tls1.0 rsa aes128", "messenger.hotmail.com", tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"tls1.2 rsa aes256", "contacts.msn.com", tls.VersionTLS12, tls.TLS_RSA_WITH_AES_256_CBC_SHA},
		{"tls1.2 ecdhe gcm", "login.passport.net", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"tls1.3 by address", "", tls.VersionTLS13, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &tls.Config{
				RootCAs:    roots,
				ServerName: tt.serverName,
				MinVersion: tt.version,
				MaxVersion: tt.version,
			}
			if tt.suite != 0 {
				cfg.CipherSuites = []uint16{tt.suite}
			}
			st := roundTrip(t, addr, cfg, b.ca)
			if st.Version != tt.version {
				t.Errorf("version %s, want %s", tls.VersionName(st.Version), tls.VersionName(tt.version))
			}
			if tt.suite != 0 && st.CipherSuite != tt.suite {
				t.Errorf("suite %s, want %s", tls.CipherSuiteName(st.CipherSuite), tls.CipherSuiteName(tt.suite))
			}
		})
	}

	// The control: Go's defaults refuse the XP client, so the test above
	// really ran with the old suites disabled by default.
	plain := serveEcho(t, &tls.Config{Certificates: b.TLSConfig().Certificates})
	if c, err := tls.Dial("tcp", plain, xpClient(roots)); err == nil {
		c.Close()
		t.Errorf("a default server config accepted TLS 1.0 with 3DES despite the GODEBUG above")
	}

	// A client that trusts some other root must refuse the server.
	other := mustLoad(t, t.TempDir())
	otherRoots := x509.NewCertPool()
	otherRoots.AppendCertsFromPEM(other.CACertPEM())
	_, err := tls.Dial("tcp", addr, xpClient(otherRoots))
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("foreign root: err = %v, want an unknown authority error", err)
	}
}

// Every host a Messenger build reaches over HTTPS verifies against the
// generated CA with its own name: a client that checks host names (libpurple,
// WinHTTP) never asks the user to accept the certificate.
func TestHandshakeEveryMessengerHost(t *testing.T) {
	b := mustLoad(t, t.TempDir())
	addr := serveEcho(t, b.TLSConfig())
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.CACertPEM())
	for _, n := range hosts.Messenger {
		if !n.HTTPS {
			continue
		}
		t.Run(n.Host, func(t *testing.T) {
			cfg := xpClient(roots)
			cfg.ServerName = n.Host
			roundTrip(t, addr, cfg, b.ca)
		})
	}
	// The names that once failed because a wildcard covers one label only.
	for _, h := range []string{"ows.messenger.msn.com", "omega.contacts.msn.com", "byrdr.omega.contacts.msn.com",
		"config.messenger.msn.com", "tkrdr.storage.msn.com", "loginnet.passport.com"} {
		if err := b.leaf.Leaf.VerifyHostname(h); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
}
