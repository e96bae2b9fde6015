package sb

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// TestState sends every verb in every state it is not allowed in: 200 with
// its TrID, then a close (switchboard.md §3: only USR or ANS may open a
// connection); a member's removal is announced as BYE handle 1.
func TestState(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")

	for _, line := range []string{"CAL 1 bob@hotmail.com", "MSG 1 A 2\r\nhi", "ZZZ 1 x", "PNG 1", "XFR 1 SB"} {
		c := e.dial("new")
		c.Sendf("%s", line)
		c.Expect("200 1")
		c.ExpectClosed()
	}
	for _, line := range []string{"USR 5 alice@hotmail.com x", "ANS 5 alice@hotmail.com x 1", "ZZZ 5 x", "VER 5 MSNP14"} {
		sbs := e.chat(alice, bob)
		sbs[0].Sendf("%s", line)
		sbs[0].Expect("200 5")
		sbs[0].ExpectClosed()
		sbs[1].Expect("BYE alice@hotmail.com 1")
	}
	// OUT before authenticating just closes.
	c := e.dial("out")
	c.Send("OUT")
	c.ExpectClosed()
}

// TestGarbage: binary junk, an HTTP request, a TLS hello and an over-long
// line get at most one error, then a close; the switchboard goes on serving.
func TestGarbage(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	sbs := e.chat(alice, bob)
	for _, junk := range []string{
		"\x00\xff\xfe garbage\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03\r\n",
		"USR 1 " + strings.Repeat("A", 1<<20) + "\r\n",
		"usr 1 a b\r\n",
		"USR  1 a b\r\n",
	} {
		c := e.dial("junk")
		c.Conn.Write([]byte(junk))
		c.ExpectClosed("200", "200 1")
	}
	m := []byte(typing)
	sbs[0].msg("U", m)
	sbs[1].ExpectCmd("MSG alice@hotmail.com Alice 90", string(m))
}

// The debug log shows every command line, but never a USR or ANS cookie.
func TestDebugLogHidesCookies(t *testing.T) {
	var buf lockedBuffer
	e := newEnvLog(t, Options{}, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	alice := e.login("alice@hotmail.com", "Alice")
	bob := e.login("bob@hotmail.com", "Bob")
	cookie := e.hub.IssueCookie(alice.email, "")
	c := e.dial("alice")
	c.Sendf("USR 1 %s %s", alice.email, cookie)
	c.ExpectPrefix("USR 1 OK alice@hotmail.com ")
	c.Sendf("CAL 2 %s", bob.email)
	c.ExpectPrefix("CAL 2 RINGING ")
	_, sid, bobCookie := bob.rng(t)
	d := e.dial("bob")
	d.Sendf("ANS 1 %s %s %s", bob.email, bobCookie, sid)
	d.ExpectPrefix("IRO 1 1 1 alice@hotmail.com ")
	d.Expect("ANS 1 OK")
	log := buf.String()
	for _, secret := range []string{cookie, bobCookie} {
		if strings.Contains(log, secret) {
			t.Fatalf("cookie %s in the debug log:\n%s", secret, log)
		}
	}
	for _, want := range []string{"USR 1 alice@hotmail.com [cookie hidden]", "ANS 1 bob@hotmail.com [cookie hidden] " + sid, "CAL 2 bob@hotmail.com"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q:\n%s", want, log)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
