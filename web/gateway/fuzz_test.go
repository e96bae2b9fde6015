package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseRequest: any query string parses or fails cleanly, and what
// parses is well-formed and survives re-encoding. Seeds: testdata/fuzz.
func FuzzParseRequest(f *testing.F) {
	for _, q := range []string{
		"Action=open&Server=NS&IP=messenger.hotmail.com",
		"Action=open&Server=SB&IP=207.46.108.13",
		"Action=poll&SessionID=954547325.32498",
		"SessionID=0123456789abcdef0123456789abcdef",
		"SessionID=1&Action=poll",
		"action=OPEN&server=sb&ip=127.0.0.1:1864",
		"Action=open&Server=NS&IP=a%00b",
		"SessionID=%zz",
		"",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r, err := parseRequest(q)
		if err != nil {
			if r != (request{}) {
				t.Fatalf("error %v with a result %+v", err, r)
			}
			return
		}
		v := url.Values{}
		switch r.action {
		case actionOpen:
			if r.server != "NS" && r.server != "SB" || len(r.ip) > maxIP || !printableASCII(r.ip) || r.sessionID != "" {
				t.Fatalf("bad open %+v", r)
			}
			v.Set("Action", "open")
			v.Set("Server", r.server)
			v.Set("IP", r.ip)
		case actionPoll, actionSend:
			if !validSessionID(r.sessionID) || r.server != "" || r.ip != "" {
				t.Fatalf("bad %s %+v", r.action, r)
			}
			if r.action == actionPoll {
				v.Set("Action", "poll")
			}
			v.Set("SessionID", r.sessionID)
		default:
			t.Fatalf("unknown action %q", r.action)
		}
		again, err := parseRequest(v.Encode())
		if err != nil || again != r {
			t.Fatalf("re-encoded %q: %+v %v, want %+v", v.Encode(), again, err, r)
		}
	})
}

// FuzzHandler: any query and body get an HTTP answer from the documented
// set, never a panic or a hang.
func FuzzHandler(f *testing.F) {
	f.Add("Action=open&Server=NS&IP=x", "VER 1 MSNP14 CVR0\r\n")
	f.Add("Action=poll&SessionID=1", "")
	f.Add("SessionID=1", "PNG\r\n")
	g := New(nil, Options{MaxBody: 4096, MaxSessions: 64, ReplyWait: 50e6, Linger: 1e6})
	defer g.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			c, err := g.NSListener().Accept()
			if err != nil {
				return
			}
			go echo(c)
		}
	}()
	go func() {
		for {
			c, err := g.SBListener().Accept()
			if err != nil {
				return
			}
			go echo(c)
		}
	}()
	f.Fuzz(func(t *testing.T, q, body string) {
		req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(body))
		req.URL.RawQuery = q // raw: NewRequest would refuse some of what a socket may carry
		w := httptest.NewRecorder()
		g.ServeHTTP(w, req)
		switch w.Code {
		case 200:
			if w.Header().Get("Content-Type") != ContentType {
				t.Fatalf("200 without the content type: %v", w.Header())
			}
			if sid, _, _ := ParseHeader(w.Header().Get("X-MSN-Messenger")); sid == "" {
				t.Fatalf("200 without a SessionID: %v", w.Header())
			}
		case 400, 413, 429, 503:
		default:
			t.Fatalf("status %d for %q", w.Code, q)
		}
	})
}
