package oim

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"msnserver/ns/challenge"
	"msnserver/ns/ticket"
	"msnserver/store"
)

const (
	wlmProductID  = "PROD01065C%ZFN6F"
	wlmProductKey = "O4BG@C7BWLYQX?5G"
)

// recorder is a fake Notifier: users in online get the bytes queued.
type recorder struct {
	mu     sync.Mutex
	online map[string]bool
	sent   []sent
}

type sent struct {
	to string
	b  []byte
}

func (r *recorder) SendTo(email string, b []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.online[email] {
		return false
	}
	r.sent = append(r.sent, sent{email, append([]byte(nil), b...)})
	return true
}

func (r *recorder) setOnline(email string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.online[email] = on
}

func (r *recorder) take() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

// clock is a movable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a running OIM service over HTTP with a real store.
type env struct {
	t       *testing.T
	dir     string
	st      *store.Store
	tickets *ticket.Signer
	notify  *recorder
	clock   *clock
	opts    Options
	svc     *Service
	srv     *httptest.Server
	users   map[string]*user
}

// user is an account with its ticket and the lock key its client computed.
type user struct {
	acct    *store.Account
	ticket  string // t=…&p=
	lockkey string
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), notify: &recorder{online: map[string]bool{}}, clock: &clock{t: time.Now()}, opts: opts, users: map[string]*user{}}
	var err error
	if e.tickets, err = ticket.New(testKey); err != nil {
		t.Fatal(err)
	}
	e.open()
	for _, n := range []struct{ email, name string }{
		{"alice@hotmail.com", "Alice Ünïcode"},
		{"bob@hotmail.com", "Bob Smith"},
		{"carol@hotmail.com", "Carol"},
	} {
		a, err := e.st.CreateAccount(store.NewAccount{Email: n.email, Password: "secret-pw-1", Name: n.name, Network: 1})
		if err != nil {
			t.Fatal(err)
		}
		e.users[strings.Split(n.email, "@")[0]] = &user{acct: a, ticket: ticket.Compact(e.tickets.Issue(a.ID))}
	}
	t.Cleanup(e.close)
	return e
}

// open (re)opens the store and starts a fresh service and HTTP server.
func (e *env) open() {
	var err error
	if e.st, err = store.Open(e.dir, store.Options{PasswordCost: 4}); err != nil {
		e.t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e.svc = New(Deps{Store: e.st, Tickets: e.tickets, Notifier: e.notify, Log: log, Options: e.opts, Now: e.clock.now})
	mux := http.NewServeMux()
	mux.Handle(PathStore, e.svc.StoreHandler())
	mux.Handle(PathRSI, e.svc.RSIHandler())
	e.srv = httptest.NewServer(mux)
}

func (e *env) close() {
	if e.srv != nil {
		e.srv.Close()
		e.srv = nil
	}
	if e.st != nil {
		e.st.Close()
		e.st = nil
	}
}

// restart closes the store and the server and opens both again: only what
// the store persisted survives.
func (e *env) restart() {
	e.close()
	e.open()
	for _, u := range e.users {
		u.lockkey = ""
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// reply is an HTTP answer.
type reply struct {
	status int
	body   []byte
}

func (r reply) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.body) }

// text returns the text of the first element named local (any namespace).
func (r reply) text(local string) (string, bool) { return elementText(r.body, local) }

func (r reply) faultCode() string {
	c, _ := r.text("faultcode")
	return c
}

func elementText(doc []byte, local string) (string, bool) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", false
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == local {
			var s string
			if err := d.DecodeElement(&s, &se); err != nil {
				return "", false
			}
			return s, true
		}
	}
}

func (e *env) post(path, action, doc string) reply {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(doc))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+action+`"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusInternalServerError {
		if ct := resp.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
			e.t.Fatalf("Content-Type %q", ct)
		}
	}
	return reply{resp.StatusCode, body}
}

// oimMsg is one Store request as a client builds it; zero fields take the
// usual values.
type oimMsg struct {
	from, to      string // account keys or full addresses
	text          string
	seq           int
	ticket        string
	appid         string
	lockkey       string
	content       string // replaces the MIME block
	messageNumber string // replaces the Sequence MessageNumber
	messageType   string
	action        string
	lf            bool   // bare LF line ends and unwrapped base64 (libpurple 2.4)
	proxy         string // the From proxy attribute as sent (XML-escaped by the caller); "" is MSNMSGR
}

func (e *env) addr(key string) string {
	if u, ok := e.users[key]; ok {
		return u.acct.Email
	}
	return key
}

func mimeBlock(text string, seq int, lf bool) string {
	b64 := base64.StdEncoding.EncodeToString([]byte(text))
	nl := "\r\n"
	if lf {
		nl = "\n"
	} else {
		var lines []string
		for len(b64) > 76 {
			lines = append(lines, b64[:76])
			b64 = b64[76:]
		}
		b64 = strings.Join(append(lines, b64), "\r\n")
	}
	return strings.Join([]string{"MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
		"Content-Transfer-Encoding: base64", "X-OIM-Message-Type: OfflineMessage",
		"X-OIM-Run-Id: {3A1D4F2B-9C8E-4B7A-A6D5-0E1F2A3B4C5D}", fmt.Sprintf("X-OIM-Sequence-Num: %d", seq), "", b64}, nl)
}

func storeEnvelope(m oimMsg, from, to, friendly string) string {
	proxy := m.proxy
	if proxy == "" {
		proxy = "MSNMSGR"
	}
	ns := NSOIM
	if strings.Contains(m.action, "Store2") {
		ns = NSOIM2
	}
	return `<?xml version="1.0" encoding="utf-8"?>` +
		`<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soap:Header>` +
		`<From memberName="` + html.EscapeString(from) + `" friendlyName="` + friendly + `" xml:lang="en-US" proxy="` + proxy + `" xmlns="` + ns + `" msnpVer="MSNP14" buildVer="8.1.0178"/>` +
		`<To memberName="` + html.EscapeString(to) + `" xmlns="` + ns + `"/>` +
		`<Ticket passport="` + html.EscapeString(m.ticket) + `" appid="` + html.EscapeString(m.appid) + `" lockkey="` + html.EscapeString(m.lockkey) + `" xmlns="` + ns + `"/>` +
		`<Sequence xmlns="http://schemas.xmlsoap.org/ws/2003/03/rm"><Identifier xmlns="http://schemas.xmlsoap.org/ws/2002/07/utility">http://messenger.msn.com</Identifier>` +
		`<MessageNumber>` + m.messageNumber + `</MessageNumber></Sequence>` +
		`</soap:Header><soap:Body>` +
		`<MessageType xmlns="` + ns + `">` + m.messageType + `</MessageType>` +
		`<Content xmlns="` + ns + `">` + html.EscapeString(m.content) + `</Content>` +
		`</soap:Body></soap:Envelope>`
}

// store posts one Store attempt with exactly the lock key in m (or the
// user's remembered one).
func (e *env) store(m oimMsg) reply {
	e.t.Helper()
	if m.from == "" {
		m.from = "alice"
	}
	if m.to == "" {
		m.to = "bob"
	}
	if m.seq == 0 {
		m.seq = 1
	}
	if m.messageNumber == "" {
		m.messageNumber = fmt.Sprint(m.seq)
	}
	if m.messageType == "" {
		m.messageType = "text"
	}
	if m.appid == "" {
		m.appid = wlmProductID
	}
	if m.action == "" {
		m.action = NSOIM + "Store"
	}
	u := e.users[m.from]
	friendly := ""
	if u != nil {
		if m.ticket == "" {
			m.ticket = u.ticket
		}
		friendly = "=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte(u.acct.Name)) + "?="
	}
	if m.content == "" {
		m.content = mimeBlock(m.text, m.seq, m.lf)
	}
	return e.post(PathStore, m.action, storeEnvelope(m, e.addr(m.from), e.addr(m.to), friendly))
}

// send stores with the lock-key handshake a client performs: on a fault
// with a LockKeyChallenge it computes the answer and repeats the Store.
func (e *env) send(m oimMsg) reply {
	e.t.Helper()
	u := e.users[m.from]
	if m.from == "" {
		u = e.users["alice"]
	}
	for range 3 {
		if m.lockkey == "" && u != nil {
			m.lockkey = u.lockkey
		}
		r := e.store(m)
		chl, ok := r.text("LockKeyChallenge")
		if r.status == http.StatusOK || !ok {
			return r
		}
		m.lockkey = challenge.Response(chl, wlmProductID, wlmProductKey)
		if u != nil {
			u.lockkey = m.lockkey
		}
	}
	e.t.Fatal("lock-key handshake did not converge")
	return reply{}
}

// mustSend stores text from → to and fails the test unless it succeeds.
func (e *env) mustSend(from, to, text string) {
	e.t.Helper()
	if r := e.send(oimMsg{from: from, to: to, text: text}); r.status != http.StatusOK {
		e.t.Fatalf("Store %s → %s: %s", from, to, r)
	}
}

func (e *env) rsi(who, action, body string) reply {
	e.t.Helper()
	tk := ""
	if u := e.users[who]; u != nil {
		tk = u.ticket
	} else {
		tk = who
	}
	tPart, pPart, _ := strings.Cut(tk, "&")
	doc := `<?xml version="1.0" encoding="utf-8"?>` +
		`<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soap:Header><PassportCookie xmlns="` + NSRSI + `"><t>` + html.EscapeString(strings.TrimPrefix(tPart, "t=")) +
		`</t><p>` + html.EscapeString(strings.TrimPrefix(pPart, "p=")) + `</p></PassportCookie></soap:Header>` +
		`<soap:Body><` + action + ` xmlns="` + NSRSI + `">` + body + `</` + action + `></soap:Body></soap:Envelope>`
	return e.post(PathRSI, NSRSI+"/"+action, doc)
}

// metadata lists who's messages through GetMetadata.
func (e *env) metadata(who string) []mailDataM {
	e.t.Helper()
	r := e.rsi(who, "GetMetadata", "")
	if r.status != http.StatusOK {
		e.t.Fatalf("GetMetadata: %s", r)
	}
	var resp struct {
		MD mailDataDoc `xml:"Body>GetMetadataResponse>MD"`
	}
	if err := xml.Unmarshal(r.body, &resp); err != nil {
		e.t.Fatalf("GetMetadata answer: %v\n%s", err, r.body)
	}
	return resp.MD.Messages
}

func (e *env) getMessage(who, id string, markRead bool) reply {
	e.t.Helper()
	return e.rsi(who, "GetMessage", fmt.Sprintf("<messageId>%s</messageId><alsoMarkAsRead>%t</alsoMarkAsRead>", id, markRead))
}

func (e *env) deleteMessages(who string, ids ...string) reply {
	e.t.Helper()
	var b strings.Builder
	b.WriteString("<messageIds>")
	for _, id := range ids {
		b.WriteString("<messageId>" + id + "</messageId>")
	}
	b.WriteString("</messageIds>")
	return e.rsi(who, "DeleteMessages", b.String())
}

// mailDataOf parses a Mail-Data MSG: the command line, the MIME headers and
// the <MD> document (nil for too-large).
func mailDataOf(t *testing.T, msg []byte) (contentType string, md *mailDataDoc) {
	t.Helper()
	line, payload, ok := bytes.Cut(msg, []byte("\r\n"))
	if !ok || !bytes.HasPrefix(line, []byte("MSG Hotmail Hotmail ")) {
		t.Fatalf("not a MSG Hotmail Hotmail: %q", msg)
	}
	var n int
	if _, err := fmt.Sscanf(string(line), "MSG Hotmail Hotmail %d", &n); err != nil || n != len(payload) {
		t.Fatalf("length %d for %d payload bytes in %q", n, len(payload), msg)
	}
	for _, l := range strings.Split(string(payload), "\r\n") {
		if v, ok := strings.CutPrefix(l, "Content-Type: "); ok {
			contentType = v
		}
		if v, ok := strings.CutPrefix(l, "Mail-Data: "); ok && v != "too-large" {
			md = &mailDataDoc{}
			if err := xml.Unmarshal([]byte(v), md); err != nil {
				t.Fatalf("Mail-Data %q: %v", v, err)
			}
		}
	}
	return contentType, md
}

// decodeResult reads a GetMessage result the way libpurple does: after XML
// parsing (which turns the wire's CR LF into LF) it splits headers from the
// base64 body at the first "\n\n" and needs one to be there.
func decodeResult(t *testing.T, msg string) (headers map[string]string, text string) {
	t.Helper()
	if strings.Contains(msg, "\r") {
		t.Fatalf("a CR survived XML parsing (written as an entity?): %q", msg)
	}
	head, body, ok := strings.Cut(msg, "\n\n")
	if !ok {
		t.Fatalf("no empty line in %q", msg)
	}
	headers = map[string]string{}
	for _, l := range strings.Split(head, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(l, "\t") {
			headers[k] = v
		}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(body, "\n", ""))
	if err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return headers, string(raw)
}
