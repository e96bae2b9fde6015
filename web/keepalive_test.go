package web

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// startKeepAlive serves a tiny SOAP-like handler with NewHTTPServer.
// idle, when not nil, gets a value each time the server marks a connection
// idle (after the client already has its answer).
func startKeepAlive(t *testing.T, maxIdle int, readTimeout time.Duration, idle chan<- struct{}) (string, *http.Server) {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Write([]byte("<ok/>"))
	})
	srv := NewHTTPServer(h, nil, maxIdle, slog.New(slog.DiscardHandler))
	srv.ReadTimeout = readTimeout
	if idle != nil {
		track := srv.ConnState
		srv.ConnState = func(c net.Conn, st http.ConnState) {
			track(c, st)
			if st == http.StateIdle {
				idle <- struct{}{}
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), srv
}

// post writes one keep-alive request on c and reads its answer.
func post(c net.Conn, br *bufio.Reader) error {
	body := "<soap:Envelope/>"
	if _, err := io.WriteString(c, "POST /abservice/abservice.asmx HTTP/1.1\r\nHost: contacts.msn.com\r\n"+
		"Content-Type: text/xml\r\nContent-Length: 16\r\n\r\n"+body); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 || resp.Close {
		return errors.New("answer " + resp.Status + " or Connection: close")
	}
	return nil
}

// A client that reuses its connection after a pause far longer than the time
// allowed to read a request is still answered there (libpurple never notices
// an idle close and loses the request).
func TestKeepAliveOutlastsReadTimeout(t *testing.T) {
	const readTimeout = 100 * time.Millisecond
	addr, _ := startKeepAlive(t, 0, readTimeout, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	if err := post(c, br); err != nil {
		t.Fatalf("first request: %v", err)
	}
	time.Sleep(5 * readTimeout) // idle: the old server closed here
	if err := post(c, br); err != nil {
		t.Fatalf("request on the connection after an idle pause: %v", err)
	}
}

// Past the bound on idle connections the one idle longest is closed, the
// others stay usable.
func TestIdleConnectionsBounded(t *testing.T) {
	// The server marks a connection idle after the client has its answer:
	// wait for each mark, so the order of falling idle is the test's.
	idle := make(chan struct{}, 8)
	addr, _ := startKeepAlive(t, 2, ReadTimeout, idle)
	conns := make([]net.Conn, 3)
	readers := make([]*bufio.Reader, 3)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i], readers[i] = c, bufio.NewReader(c)
		if err := post(c, readers[i]); err != nil {
			t.Fatalf("conn %d: %v", i, err)
		}
		<-idle
	}
	// The oldest idle connection is closed by the server.
	conns[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := readers[0].ReadByte(); err != io.EOF {
		t.Fatalf("oldest idle connection: read err %v, want EOF", err)
	}
	for i := 1; i < 3; i++ {
		if err := post(conns[i], readers[i]); err != nil {
			t.Fatalf("conn %d after the bound: %v", i, err)
		}
	}
}
