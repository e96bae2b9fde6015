//go:build !windows

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// unprivileged runs the binary as nobody when the tests run as root; an
// ordinary user runs it as themselves. It skips where low ports need no
// privilege (a container with ip_unprivileged_port_start=0).
func unprivileged(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"); err == nil && strings.TrimSpace(string(b)) != "1024" {
		t.Skipf("low ports need no privilege here (ip_unprivileged_port_start=%s)", strings.TrimSpace(string(b)))
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		os.Chmod(filepath.Dir(binary), 0o755)
	}
	return cmd
}

// dataDir is a data folder that nobody may create things in.
func dataDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "msnserver-fallback")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "data")
}

// TestFirstRunUnprivileged: an ordinary user's first run with the default
// web ports serves on the fallbacks and says so in the log, the start-up
// summary and the console; an explicit low port still stops the server.
func TestFirstRunUnprivileged(t *testing.T) {
	httpFB, httpsFB, adminAddr := freePort(t), freePort(t), freePort(t)
	var log lockedBuffer
	cmd := unprivileged(t, []string{"MSN_HTTP_FALLBACK=" + httpFB, "MSN_HTTPS_FALLBACK=" + httpsFB},
		"-data", dataDir(t), "-ns", freePort(t), "-sb", freePort(t), "-ymsg", freePort(t), "-admin", adminAddr, "-public-host", "127.0.0.1")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	deadline := time.After(patience)
	for !strings.Contains(log.String(), "==== msnserver is running") {
		select {
		case <-deadline:
			t.Fatalf("no start-up summary:\n%s", log.String())
		case <-exited:
			t.Fatalf("the server exited:\n%s", log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if resp, err := http.Get("http://" + httpFB + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("fallback HTTP port: %v %v", resp, err)
	}
	out := log.String()
	for _, want := range []string{
		"level=WARN msg=\"HTTP services: no privilege to listen on :80, so they listen on " + httpFB,
		"level=WARN msg=\"HTTPS services: no privilege to listen on :443, so they listen on " + httpsFB,
		"setcap cap_net_bind_service=+ep",
		"  Clients: point the Messenger host names at 127.0.0.1",
		"  Console: http://" + adminAddr + "/",
		"  WARNING: HTTP services: no privilege",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("log lacks %q:\n%s", want, out)
		}
	}
	pw := regexp.MustCompile(`first start, shown once\): user admin, password (\S+)`).FindStringSubmatch(out)
	if pw == nil {
		t.Fatalf("no admin password in the summary:\n%s", out)
	}
	for _, page := range []string{"/", "/setup"} {
		if body := adminPage(t, adminAddr, pw[1], page); !strings.Contains(body, "no privilege to listen on :80") {
			t.Fatalf("%s does not warn:\n%s", page, body)
		}
	}

	// Explicit addresses never fall back: a flag, then a variable.
	for _, tc := range []struct {
		env  []string
		args []string
		fix  string
	}{
		{nil, []string{"-http", "127.0.0.1:80"}, "-http or MSN_HTTP"},
		{[]string{"MSN_HTTPS=127.0.0.1:443"}, []string{"-http", freePort(t)}, "-https or MSN_HTTPS"},
	} {
		args := append([]string{"serve", "-data", dataDir(t), "-ns", freePort(t), "-sb", freePort(t), "-ymsg", freePort(t), "-admin", freePort(t)}, tc.args...)
		out, err := unprivileged(t, tc.env, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "permission denied") || !strings.Contains(string(out), tc.fix) ||
			!strings.Contains(string(out), "setcap") || strings.Contains(string(out), "goroutine") {
			t.Fatalf("explicit %v %v: %v\n%s", tc.env, tc.args, err, out)
		}
	}
}

// adminPage signs in to the console and returns a page's HTML.
func adminPage(t *testing.T, addr, password, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	base := "http://" + addr
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(base + "/login")
	var token string
	for _, ck := range jar.Cookies(u) {
		token = ck.Value
	}
	resp, err = c.PostForm(base+"/login", url.Values{"user": {"admin"}, "password": {password}, "csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
