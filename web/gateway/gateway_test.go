package gateway

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer accepts gateway sessions from l and runs fn on each.
func fakeServer(t *testing.T, l net.Listener, fn func(net.Conn)) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); fn(c) }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// echo answers every line with "ECHO line".
func echo(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.TrimSpace(line) == "BYE" {
			c.Write([]byte("BYE\r\n"))
			return
		}
		c.Write([]byte("ECHO " + line))
	}
}

func startGateway(t *testing.T, opts Options) (*Gateway, *httptest.Server) {
	t.Helper()
	g := New(nil, opts)
	srv := httptest.NewServer(g)
	t.Cleanup(func() { srv.Close(); g.Close() })
	return g, srv
}

type answer struct {
	status int
	header http.Header
	body   string
	sid    string
	gwIP   string
	closed bool
}

func post(t *testing.T, srv *httptest.Server, query, body string) answer {
	t.Helper()
	resp, err := http.Post(srv.URL+Path+"?"+query, ContentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(data)}
	a.sid, a.gwIP, a.closed = ParseHeader(resp.Header.Get("X-MSN-Messenger"))
	return a
}

func TestOpenSendPollClose(t *testing.T) {
	g, srv := startGateway(t, Options{PollsPerSecond: 1000})
	fakeServer(t, g.NSListener(), echo)

	a := post(t, srv, "Action=open&Server=NS&IP=messenger.hotmail.com", "VER 1 MSNP14 MSNP13 CVR0\r\n")
	if a.status != 200 || a.body != "ECHO VER 1 MSNP14 MSNP13 CVR0\r\n" {
		t.Fatalf("open: %d %q", a.status, a.body)
	}
	if a.header.Get("Content-Type") != ContentType || a.sid == "" || a.closed {
		t.Fatalf("open headers: %v", a.header)
	}
	if want := strings.TrimPrefix(srv.URL, "http://"); a.gwIP != want {
		t.Fatalf("GW-IP %q, want %q", a.gwIP, want)
	}
	if got := a.header.Get("X-MSN-Messenger"); got != "SessionID="+a.sid+"; GW-IP="+a.gwIP {
		t.Fatalf("X-MSN-Messenger: %q", got)
	}
	// Two commands in one body, answered in one response; the parameter
	// order does not matter.
	b := post(t, srv, "SessionID="+a.sid, "A 2\r\nB 3\r\n")
	if b.status != 200 || b.sid != a.sid {
		t.Fatalf("send: %d %v", b.status, b.header)
	}
	got := b.body
	for !strings.Contains(got, "ECHO B 3\r\n") {
		p := post(t, srv, "SessionID="+a.sid+"&Action=poll", "")
		if p.status != 200 {
			t.Fatalf("poll: %d %q", p.status, p.body)
		}
		got += p.body
	}
	if got != "ECHO A 2\r\nECHO B 3\r\n" {
		t.Fatalf("send: %q", got)
	}
	// An empty poll is an empty 200.
	if p := post(t, srv, "Action=poll&SessionID="+a.sid, ""); p.status != 200 || p.body != "" || p.closed {
		t.Fatalf("empty poll: %d %q %v", p.status, p.body, p.closed)
	}
	// The server ends the session: its last words come with Session=close,
	// and the ID is gone afterwards.
	got = ""
	last := post(t, srv, "SessionID="+a.sid, "BYE\r\n")
	got += last.body
	for !last.closed {
		last = post(t, srv, "Action=poll&SessionID="+a.sid, "")
		got += last.body
	}
	if got != "BYE\r\n" || last.status != 200 {
		t.Fatalf("close: %d %q", last.status, got)
	}
	if !strings.HasSuffix(last.header.Get("X-MSN-Messenger"), "; Session=close") {
		t.Fatalf("close header: %q", last.header.Get("X-MSN-Messenger"))
	}
	gone := post(t, srv, "Action=poll&SessionID="+a.sid, "")
	if gone.status != 400 || !strings.Contains(gone.body, "unknown or expired SessionID") || !gone.closed {
		t.Fatalf("after close: %d %q", gone.status, gone.body)
	}
	if n := g.Sessions(); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
}

func TestBadRequests(t *testing.T) {
	g, srv := startGateway(t, Options{MaxBody: 1024})
	fakeServer(t, g.NSListener(), echo)
	for _, c := range []struct{ query, want string }{
		{"", "SessionID missing"},
		{"Action=open", "Server must be NS or SB"},
		{"Action=open&Server=XX", "Server must be NS or SB"},
		{"Action=dance&SessionID=1", "unknown Action"},
		{"Action=poll", "SessionID missing"},
		{"SessionID=a%20b", "malformed SessionID"},
		{"SessionID=%zz", "malformed query string"},
		{"SessionID=" + strings.Repeat("a", 65), "malformed SessionID"},
		{"Action=open&Server=NS&IP=a%00b", "malformed IP"},
		{"SessionID=954547325.13160", "unknown or expired SessionID"},
		{"Action=poll&SessionID=0123456789abcdef0123456789abcdef", "unknown or expired SessionID"},
	} {
		a := post(t, srv, c.query, "")
		if a.status != 400 || !strings.Contains(a.body, c.want) {
			t.Errorf("%q: %d %q, want 400 %q", c.query, a.status, a.body, c.want)
		}
	}
	// Oversized body: 413, and no session is opened.
	if a := post(t, srv, "Action=open&Server=NS&IP=x", strings.Repeat("x", 1025)); a.status != 413 {
		t.Errorf("oversized: %d %q", a.status, a.body)
	}
	if n := g.Sessions(); n != 0 {
		t.Errorf("%d sessions after refusals", n)
	}
	// Other methods.
	resp, err := http.Get(srv.URL + Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST, OPTIONS" {
		t.Errorf("GET: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+Path, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Allow") != "POST, OPTIONS" {
		t.Errorf("OPTIONS: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestLimits(t *testing.T) {
	g, srv := startGateway(t, Options{MaxSessionsPerIP: 2, LimitLoopback: true, PollsPerSecond: 1})
	fakeServer(t, g.NSListener(), echo)
	a := post(t, srv, "Action=open&Server=NS&IP=x", "")
	b := post(t, srv, "Action=open&Server=NS&IP=x", "")
	if a.status != 200 || b.status != 200 || a.sid == b.sid {
		t.Fatalf("open: %d %d", a.status, b.status)
	}
	if c := post(t, srv, "Action=open&Server=NS&IP=x", ""); c.status != 503 || !strings.Contains(c.body, "from this address") {
		t.Fatalf("third session: %d %q", c.status, c.body)
	}
	// Polls: a burst of two, then 429 until the bucket refills.
	for i := range 2 {
		if p := post(t, srv, "Action=poll&SessionID="+a.sid, ""); p.status != 200 {
			t.Fatalf("poll %d: %d", i, p.status)
		}
	}
	p := post(t, srv, "Action=poll&SessionID="+a.sid, "")
	if p.status != 429 || p.header.Get("Retry-After") != "1" {
		t.Fatalf("fast poll: %d %q", p.status, p.body)
	}
	// Commands are not polls: they still go through.
	if s := post(t, srv, "SessionID="+a.sid, "X 1\r\n"); s.status != 200 {
		t.Fatalf("send after 429: %d", s.status)
	}

	g2, srv2 := startGateway(t, Options{MaxSessions: 1})
	fakeServer(t, g2.NSListener(), echo)
	post(t, srv2, "Action=open&Server=NS&IP=x", "")
	if c := post(t, srv2, "Action=open&Server=SB&IP=x", ""); c.status != 503 || !strings.Contains(c.body, "too many gateway sessions") {
		t.Fatalf("over the total: %d %q", c.status, c.body)
	}
}

// A second request on a session while one is running gets 400; the first
// still gets its answer.
func TestConcurrentRequestsOnOneSession(t *testing.T) {
	g, srv := startGateway(t, Options{PollsPerSecond: 1000})
	got, release := make(chan string), make(chan struct{})
	fakeServer(t, g.NSListener(), func(c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "SLOW") {
				got <- line
				<-release // the command runs long; the request waits for it
			}
			c.Write([]byte("OK " + line))
		}
	})
	a := post(t, srv, "Action=open&Server=NS&IP=x", "")
	first := make(chan answer)
	go func() { first <- post(t, srv, "SessionID="+a.sid, "SLOW 1\r\n") }()
	<-got
	if b := post(t, srv, "Action=poll&SessionID="+a.sid, ""); b.status != 400 || !strings.Contains(b.body, "in progress") {
		t.Fatalf("concurrent poll: %d %q", b.status, b.body)
	}
	if b := post(t, srv, "SessionID="+a.sid, "X 2\r\n"); b.status != 400 {
		t.Fatalf("concurrent send: %d %q", b.status, b.body)
	}
	close(release)
	if f := <-first; f.status != 200 || f.body != "OK SLOW 1\r\n" {
		t.Fatalf("first: %d %q", f.status, f.body)
	}
}

// A session without requests ends after the idle timeout: the server reads
// EOF as from a dropped connection, and the ID is unknown afterwards.
func TestIdleSessionEnds(t *testing.T) {
	g, srv := startGateway(t, Options{IdleTimeout: 50 * time.Millisecond})
	ended := make(chan error, 1)
	fakeServer(t, g.NSListener(), func(c net.Conn) {
		_, err := io.ReadAll(c)
		ended <- err
		c.Close()
	})
	a := post(t, srv, "Action=open&Server=NS&IP=x", "")
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("server read: %v, want EOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the idle session did not end")
	}
	if b := post(t, srv, "Action=poll&SessionID="+a.sid, ""); b.status != 400 {
		t.Fatalf("after expiry: %d %q", b.status, b.body)
	}
	if g.Expired.Load() != 1 || g.Sessions() != 0 {
		t.Fatalf("expired %d, sessions %d", g.Expired.Load(), g.Sessions())
	}
}

// A poller that stops polling blocks the server's writer once OutBuffer
// bytes wait, until the write deadline: the server's own slow-reader rule
// then applies as for TCP.
func TestSlowPollerBlocksWriterUntilDeadline(t *testing.T) {
	p := newPipeConn(&net.TCPAddr{}, 16, true)
	if n, err := p.Write([]byte("0123456789")); n != 10 || err != nil {
		t.Fatal(n, err)
	}
	p.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	n, err := p.Write([]byte("abcdefghij"))
	if n != 6 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write into a full buffer: %d %v", n, err)
	}
	// A poll drains it and the writer goes on.
	out, closed := p.take()
	if string(out) != "0123456789abcdef" || closed {
		t.Fatalf("take: %q %v", out, closed)
	}
	p.SetWriteDeadline(time.Time{})
	done := make(chan struct{})
	go func() {
		p.Write(make([]byte, 40)) // more than the buffer: needs two polls
		close(done)
	}()
	total := 0
	for total < 40 {
		b, _ := p.take()
		total += len(b)
		if len(b) == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	<-done
	// Read deadlines time out like a socket's; polls extend an NS one.
	p.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := p.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v", err)
	}
	p.SetReadDeadline(time.Now().Add(time.Hour))
	p.end()
	if _, err := p.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after end: %v", err)
	}
	if _, err := p.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("write after end: %v", err)
	}
}

// The client side over the real handler: Write opens, Read polls, the
// conn follows GW-IP and ends with EOF after Session=close.
func TestClientConn(t *testing.T) {
	g, srv := startGateway(t, Options{PollsPerSecond: 1000})
	fakeServer(t, g.SBListener(), echo)
	c, err := Dial(srv.URL, "SB", "127.0.0.1:1864", ClientOptions{PollEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	c.Write([]byte("USR 1 a@b c\r\n"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r.ReadString('\n'); line != "ECHO USR 1 a@b c\r\n" || err != nil {
		t.Fatalf("read: %q %v", line, err)
	}
	c.Write([]byte("BYE\r\n"))
	if rest, err := io.ReadAll(r); string(rest) != "BYE\r\n" || err != nil {
		t.Fatalf("rest: %q %v", rest, err)
	}
	if c.SessionID() == "" || c.Requests() < 2 {
		t.Fatalf("session %q, %d requests", c.SessionID(), c.Requests())
	}
	if _, err := Dial(srv.URL, "XX", "", ClientOptions{}); err == nil {
		t.Fatal("Dial accepted server XX")
	}
}
