package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"msnserver/ns/msnptest"
	"msnserver/store"
)

// A stranger holding more bare connections than the process has file
// descriptors (here 256) cannot stop the server: the NS still answers and
// signs users in, the HTTP services still serve, and the pressure is
// logged once. Before the shared accept loop, the NS treated EMFILE as fatal
// and serve ended every service.
func TestDescriptorExhaustion(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit not installed")
	}
	data := t.TempDir()
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "pw")
	s := newServer(t, data)
	s.wrap = []string{prlimit, "--nofile=256:256", "--"}
	s.start()

	var bare []net.Conn
	defer func() {
		for _, c := range bare {
			c.Close()
		}
	}()
	for i := 0; i < 400; i++ {
		c, err := net.Dial("tcp", s.sb)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		bare = append(bare, c)
	}
	// A connection on each of the other ports while the switchboard's are held.
	for i := 0; i < 3; i++ {
		nc, err := net.Dial("tcp", s.ns)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(nc, "VER 1 MSNP14 CVR0\r\n")
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		l, err := bufio.NewReader(nc).ReadString('\n')
		nc.Close()
		if l != "VER 1 MSNP14\r\n" {
			t.Fatalf("NS with the descriptors used up: %q, %v", l, err)
		}
	}
	nsLogin(t, s, "alice@hotmail.com", "pw").Conn.Close()
	if err := s.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("server exited: %v", err)
	}
	s.stop(syscall.SIGTERM)
	log := s.log.String()
	if strings.Contains(log, "service failed") {
		t.Fatalf("a service ended:\n%s", log)
	}
	if n := strings.Count(log, "connection pressure:"); n != 1 {
		t.Fatalf("pressure logged %d times, want once:\n%s", n, log)
	}
}

// rstTicket signs in at the token service and returns the messenger ticket.
func rstTicket(t *testing.T, s *server, email, password string) string {
	t.Helper()
	body := post(t, "http://"+s.http+"/RST.srf", rstBody(email, password))
	m := regexp.MustCompile(`Id="Compact1">t=([^&]+)&amp;p=<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("RST: %s", body)
	}
	return m[1]
}

// nsTicket presents a ticket at the NS and returns the USR answer.
func nsTicket(t *testing.T, s *server, email, tk string) string {
	t.Helper()
	c := msnptest.Dial(t, s.ns, email)
	defer c.Conn.Close()
	c.Write(fmt.Appendf(nil, "VER 1 MSNP14 CVR0\r\nCVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0787 msmsgs %s\r\nUSR 3 TWN I %s\r\n", email, email))
	c.Until("GCF ") // its payload is read with it
	c.Send("USR 4 TWN S t=" + tk + "&p=")
	return c.ReadLine()
}

// A password changed on the command line (server stopped) revokes the
// tickets issued before it; `secrets rotate` revokes every ticket.
func TestPasswdAndRotateRevokeTickets(t *testing.T) {
	data := t.TempDir()
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "old")
	s := startBinary(t, data)
	old := rstTicket(t, s, "alice@hotmail.com", "old")
	if got := nsTicket(t, s, "alice@hotmail.com", old); !strings.HasPrefix(got, "USR 4 OK ") {
		t.Fatalf("fresh ticket: %q", got)
	}
	out, err := run(t, "secrets", "rotate", "-data", data)
	if err == nil || !strings.Contains(out, "stop the server") {
		t.Fatalf("rotate while running: %v %s", err, out)
	}
	s.stop(syscall.SIGTERM)
	if out, err := run(t, "user", "passwd", "-data", data, "alice@hotmail.com", "new"); err != nil {
		t.Fatalf("passwd: %v %s", err, out)
	}
	s.start()
	if got := nsTicket(t, s, "alice@hotmail.com", old); got != "911 4" {
		t.Fatalf("ticket from before the password change: %q, want 911 4", got)
	}
	fresh := rstTicket(t, s, "alice@hotmail.com", "new")
	s.stop(syscall.SIGTERM)
	if out, err := run(t, "secrets", "rotate", "-data", data); err != nil {
		t.Fatalf("rotate: %v %s", err, out)
	}
	s.start()
	if got := nsTicket(t, s, "alice@hotmail.com", fresh); got != "911 4" {
		t.Fatalf("ticket from before the key rotation: %q, want 911 4", got)
	}
	if got := nsTicket(t, s, "alice@hotmail.com", rstTicket(t, s, "alice@hotmail.com", "new")); !strings.HasPrefix(got, "USR 4 OK ") {
		t.Fatalf("ticket after rotation: %q", got)
	}
}

// `msnserver backup` only reads: it works from a read-only data folder, and
// its errors name a path once.
func TestBackupFromReadOnlyFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	data := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", data).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", data).Run() })
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "pw")
	if out, err := exec.Command("mount", "-o", "remount,ro", data).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v %s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if out, err := run(t, "backup", "-data", data, backup); err != nil {
		t.Fatalf("backup of a read-only folder: %v %s", err, out)
	}
	if _, err := store.CheckBackup(backup); err != nil {
		t.Fatalf("the backup: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "missing", "b.db")
	out, err := run(t, "backup", "-data", data, bad)
	if err == nil || strings.Count(out, bad) > 1 || strings.Count(out, bad+".tmp") > 1 {
		t.Fatalf("backup into a missing folder: %v %q", err, out)
	}
}

func caPool(t *testing.T, data string) *x509.CertPool {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(data, "certs", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return pool
}

// -tls-legacy=false refuses the Windows XP handshake (TLS 1.0 with 3DES)
// and keeps TLS 1.2 and 1.3; the default still offers XP's.
func TestTLSLegacyOff(t *testing.T) {
	data := t.TempDir()
	run(t, "user", "add", "-data", data, "alice@hotmail.com", "pw")
	s := newServer(t, data)
	s.extra = []string{"-tls-legacy=false"}
	s.start()
	pool := caPool(t, data)
	xp := &tls.Config{RootCAs: pool, ServerName: "login.live.com", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}}
	if c, err := tls.Dial("tcp", s.https, xp); err == nil {
		c.Close()
		t.Fatal("the XP handshake succeeded with -tls-legacy=false")
	}
	rsa12 := &tls.Config{RootCAs: pool, ServerName: "login.live.com", MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}
	if c, err := tls.Dial("tcp", s.https, rsa12); err == nil {
		c.Close()
		t.Fatal("RSA key exchange offered with -tls-legacy=false")
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		c, err := tls.Dial("tcp", s.https, &tls.Config{RootCAs: pool, ServerName: "login.live.com", MinVersion: v, MaxVersion: v})
		if err != nil {
			t.Fatalf("TLS %x: %v", v, err)
		}
		c.Close()
	}
}

// -admin-tls serves the console over HTTPS with the generated certificate,
// and its cookies are Secure.
func TestAdminTLS(t *testing.T) {
	data := t.TempDir()
	s := newServer(t, data)
	s.extra = []string{"-admin-tls"}
	s.start()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t, data), ServerName: "127.0.0.1"}}}
	resp, err := hc.Get("https://" + s.admin + "/login")
	if err != nil {
		t.Fatalf("console over HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", resp.StatusCode)
	}
	cookies := resp.Cookies()
	if len(cookies) == 0 {
		t.Fatal("no sign-in cookie")
	}
	for _, c := range cookies {
		if !c.Secure {
			t.Fatalf("cookie %s is not Secure", c.Name)
		}
	}
	if resp, err := http.Get("http://" + s.admin + "/login"); err == nil && resp.StatusCode == http.StatusOK {
		resp.Body.Close()
		t.Fatal("the console still answers plain HTTP")
	}
}
