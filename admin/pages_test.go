package admin_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestDashboard(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	r := c.get("/")
	expect(t, r, http.StatusOK, "Dashboard", ">3<", "accounts", ">2<", "online now", "conversations in progress",
		`<svg class="chart"`, "<rect class=\"bar\"", "messages this minute", "None sent since the server started.")
	if n := strings.Count(r.body, `<rect class="bar"`); n != 60 {
		t.Fatalf("%d bars, want 60", n)
	}
	// After a broadcast it is listed.
	expectRedirect(t, c.post("/broadcasts", url.Values{"kind": {"shutdown"}, "minutes": {"10"}}), "/broadcasts")
	expect(t, c.get("/"), http.StatusOK, "Server going down in 10 minutes", "reached 2 clients")
}

// The style sheet must match the hash the Content-Security-Policy allows,
// or browsers show the pages unstyled.
func TestStyleMatchesCSP(t *testing.T) {
	ts := start(t)
	r := ts.client(t).get("/login")
	_, after, _ := strings.Cut(r.body, "<style>")
	css, _, ok := strings.Cut(after, "</style>")
	if !ok {
		t.Fatal("no style element")
	}
	sum := sha256.Sum256([]byte(css))
	want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(r.header.Get("Content-Security-Policy"), want) {
		t.Fatalf("CSP %q does not allow the style sheet (%s)", r.header.Get("Content-Security-Policy"), want)
	}
	if strings.Contains(r.body, " style=") {
		t.Fatal("inline style attributes are blocked by the CSP")
	}
}

func TestPolicy(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	expect(t, c.get("/policy"), http.StatusOK, "Shields policy", "&lt;Policies&gt;&lt;Policy type=&#34;SHIELDS&#34;&gt;")

	doc := "<Policies>\r\n  <Policy type=\"SHIELDS\"><config><shield><cli maj=\"8\" min=\"0\" minbld=\"0\" maxbld=\"9999\" deny=\" \"/></shield><block></block></config></Policy>\r\n</Policies>"
	r := c.post("/policy", url.Values{"xml": {doc}})
	expectRedirect(t, r, "/policy")
	expect(t, c.get("/policy"), http.StatusOK, "Policy saved.", "maj=&#34;8&#34;")
	if _, _, _, got := ts.be.recorded(); got != strings.ReplaceAll(doc, "\r\n", "\n") {
		t.Fatalf("saved %q", got)
	}

	bad := []struct{ doc, msg string }{
		{"<Policies><Policy type=\"SHIELDS\"></Polcy></Policies>", "not well-formed XML: line 1"},
		{"<Policies><Policy type=\"SHIELDS\">", "not well-formed XML"},
		{"<Shields><Policy type=\"SHIELDS\"/></Shields>", "the root element must be &lt;Policies&gt;, not &lt;Shields&gt;"},
		{"<Policies/>", "needs at least one"},
		{"<Policies><Policy/></Policies>", "no type attribute"},
		{"<Policies><Policy type=\"A\"/></Policies><Policies/>", "more than one root element"},
		{"<Policies><Policy type=\"A\"/></Policies> trailing", "text after the &lt;/Policies&gt; end tag"},
		{"<!DOCTYPE x [<!ENTITY a \"b\">]><Policies><Policy type=\"A\"/></Policies>", "DOCTYPE"},
		{"   ", "The policy is empty."},
		{"plain text", "must start with &lt;Policies&gt;"},
		{"<Policies><Policy type=\"backend-refuses\"/></Policies>", "The policy names an unknown type."},
	}
	for _, b := range bad {
		r := c.post("/policy", url.Values{"xml": {b.doc}})
		expect(t, r, http.StatusUnprocessableEntity, "The policy was not saved.", b.msg)
		if strings.TrimSpace(b.doc) != "" && !strings.Contains(r.body, strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(b.doc, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")[:10]) {
			t.Errorf("the editor lost the admin's text for %q", b.doc)
		}
	}
	if _, _, _, got := ts.be.recorded(); got != strings.ReplaceAll(doc, "\r\n", "\n") {
		t.Fatalf("a refused policy was saved: %q", got)
	}
}

func TestBroadcasts(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	expect(t, c.get("/broadcasts"), http.StatusOK, "2 clients", "Nothing sent since the server started.")

	expectRedirect(t, c.post("/broadcasts", url.Values{"kind": {"shutdown"}, "minutes": {"5"}}), "/broadcasts")
	expectRedirect(t, c.post("/broadcasts", url.Values{"kind": {"text"}, "text": {"Pizza is here <3"}}), "/broadcasts")
	r := c.get("/broadcasts")
	expect(t, r, http.StatusOK, "Broadcast sent to 2 online clients.", "Server going down in 5 minutes", "Pizza is here &lt;3", ">admin<")
	if strings.Index(r.body, "Pizza") > strings.Index(r.body, "going down in 5") {
		t.Fatal("history is not newest first")
	}
	_, _, sent, _ := ts.be.recorded()
	if len(sent) != 2 || sent[0].Kind != "shutdown" || sent[0].Minutes != 5 || sent[1].Kind != "text" || sent[1].Text != "Pizza is here <3" {
		t.Fatalf("backend got %+v", sent)
	}

	for _, bad := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"kind": {"shutdown"}, "minutes": {"soon"}}, "whole number from 0 to 1440"},
		{url.Values{"kind": {"shutdown"}, "minutes": {"2000"}}, "whole number"},
		{url.Values{"kind": {"text"}, "text": {"  "}}, "The message is empty."},
		{url.Values{"kind": {"text"}, "text": {strings.Repeat("x", 401)}}, "too long"},
		{url.Values{"kind": {"bogus"}}, "Choose a shutdown notice or a text message."},
	} {
		expect(t, c.post("/broadcasts", bad.form), http.StatusUnprocessableEntity, bad.msg)
	}
	if _, _, sent, _ := ts.be.recorded(); len(sent) != 2 {
		t.Fatal("a refused broadcast was sent")
	}
}

func TestConnections(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	r := c.get("/connections")
	expect(t, r, http.StatusOK, "Signed in (2)", "alice@hotmail.com", "Away", "8.1.0178", "192.0.2.22:50777",
		"Conversations (1)", "1849502", "alice@hotmail.com, bob@hotmail.com", ">17<",
		`action="/connections/bob@hotmail.com/kick"`, `action="/connections/alice@hotmail.com/message"`)
	if strings.Index(r.body, "192.0.2.21") > strings.Index(r.body, "192.0.2.22") {
		t.Fatal("sessions are not sorted")
	}

	expectRedirect(t, c.post("/connections/alice@hotmail.com/message", url.Values{"text": {"Hello from the admin"}}), "/connections")
	expect(t, c.get("/connections"), http.StatusOK, "Message sent to alice@hotmail.com.")
	expect(t, c.post("/connections/alice@hotmail.com/message", url.Values{"text": {""}}), http.StatusUnprocessableEntity, "Message to alice@hotmail.com: The message is empty.")

	expectRedirect(t, c.post("/connections/bob@hotmail.com/kick", nil), "/connections")
	r = c.get("/connections")
	expect(t, r, http.StatusOK, "bob@hotmail.com was signed out.", "Signed in (1)")
	// Kicking or messaging someone offline says so.
	expectRedirect(t, c.post("/connections/bob@hotmail.com/kick", nil), "/connections")
	expect(t, c.get("/connections"), http.StatusOK, "bob@hotmail.com is not signed in.", `class="flash error"`)
	expectRedirect(t, c.post("/connections/bob@hotmail.com/message", url.Values{"text": {"hi"}}), "/connections")
	expect(t, c.get("/connections"), http.StatusOK, "the message was not sent")

	kicked, messages, _, _ := ts.be.recorded()
	if len(kicked) != 1 || kicked[0] != "bob@hotmail.com" || len(messages) != 1 || messages[0] != "alice@hotmail.com: Hello from the admin" {
		t.Fatalf("kicked %v, messages %v", kicked, messages)
	}
}

func TestSetupAndCACert(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	r := c.get("/setup")
	for _, host := range []string{"messenger.hotmail.com", "login.live.com", "contacts.msn.com", "rsi.hotmail.com", "ows.messenger.msn.com", "config.messenger.msn.com"} {
		if !strings.Contains(r.body, "192.0.2.10      "+host+"\n") {
			t.Errorf("hosts snippet lacks %s:\n%s", host, r.body)
		}
	}
	expect(t, r, http.StatusOK, `href="/ca.crt"`, "Trusted Root Certification Authorities", "drivers\\etc\\hosts")
	expect(t, r, http.StatusOK, `href="/msnserver-setup.cmd"`, "/msnserver-setup.cmd</a>", "Run as administrator")

	// So is the setup script: this server's address, CR LF lines.
	script := ts.client(t).get("/msnserver-setup.cmd")
	expect(t, script, http.StatusOK, "set \"ADDR=192.0.2.10\"\r\n", ">>\"%TMPHOSTS%\" echo %ADDR% login.live.com # msnserver\r\n", "certutil -f -addstore Root")
	if cd := script.header.Get("Content-Disposition"); cd != `attachment; filename="msnserver-setup.cmd"` {
		t.Errorf("script Content-Disposition %q", cd)
	}

	// The certificate is for client PCs: no admin session needed.
	anon := ts.client(t)
	cert := anon.get("/ca.crt")
	expect(t, cert, http.StatusOK, "BEGIN CERTIFICATE")
	if ct := cert.header.Get("Content-Type"); ct != "application/x-x509-ca-cert" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := cert.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
}

func TestAdminPassword(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	other := ts.client(t).login()
	expect(t, c.get("/password"), http.StatusOK, "Change your password")

	expect(t, c.post("/password", url.Values{"current": {"wrong"}, "password": {"new password 1"}, "confirm": {"new password 1"}}), http.StatusUnprocessableEntity, "Your current password is wrong.")
	expect(t, c.post("/password", url.Values{"current": {testPassword}, "password": {"short"}, "confirm": {"short"}}), http.StatusUnprocessableEntity, "too short")
	expect(t, c.post("/password", url.Values{"current": {testPassword}, "password": {"new password 1"}, "confirm": {"new password 2"}}), http.StatusUnprocessableEntity, "differ")
	if ts.be.changed() != 0 {
		t.Fatal("refused changes reached the backend")
	}

	expectRedirect(t, c.post("/password", url.Values{"current": {testPassword}, "password": {"new password 1"}, "confirm": {"new password 1"}}), "/")
	expect(t, c.get("/"), http.StatusOK, "Your password is changed")
	// The other session is signed out; this one stays.
	expectRedirect(t, other.get("/"), "/login?next=%2F")
	fresh := ts.client(t)
	expect(t, fresh.tryLogin(testAdmin, testPassword), http.StatusUnauthorized)
	expectRedirect(t, fresh.tryLogin(testAdmin, "new password 1"), "/")
	if strings.Contains(ts.logs.String(), "new password 1") {
		t.Fatal("the password reached the log")
	}
}

func TestNotFoundPage(t *testing.T) {
	ts := start(t)
	expectRedirect(t, ts.client(t).get("/nowhere"), "/login?next=%2Fnowhere")
	c := ts.client(t).login()
	expect(t, c.get("/nowhere"), http.StatusNotFound, "There is no page at this address.", "Sign out")
}

func TestMount(t *testing.T) {
	ts := start(t)
	ts.srv.Mount("/metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("msn_online 2\n"))
	}))
	ts.srv.Mount("/debug/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("debug " + r.URL.Path))
	}))
	c := ts.client(t)
	expect(t, c.get("/metrics"), http.StatusOK, "msn_online 2")
	expect(t, c.get("/debug/x"), http.StatusOK, "debug /debug/x")
	expectRedirect(t, c.get("/metricsx"), "/login?next=%2Fmetricsx")
}

func TestHandler(t *testing.T) {
	ts := start(t)
	rec := httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Sign in") {
		t.Fatalf("Handler: %d %s", rec.Code, rec.Body.String())
	}
}
