package ab

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"msnserver/ns/ticket"
	"msnserver/store"
)

var testKey = bytes.Repeat([]byte("k"), 32)

// recorder is a fake Notifier that writes down every call.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

func (r *recorder) ReverseAdded(owner, adder string, network int, adderName string) {
	r.add("ReverseAdded %s %s %d %s", owner, adder, network, adderName)
}

func (r *recorder) ReverseRemoved(owner, remover string, network int) {
	r.add("ReverseRemoved %s %s %d", owner, remover, network)
}

func (r *recorder) PrivacyChanged(email string) { r.add("PrivacyChanged %s", email) }

// take returns and clears what was recorded.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// env is a running pair of services over real HTTP with a real store.
type env struct {
	t      *testing.T
	dir    string
	st     *store.Store
	signer *ticket.Signer
	rec    *recorder
	srv    *httptest.Server

	// clock is the store's: tests move it on instead of sleeping.
	clockMu sync.Mutex
	clock   time.Time
}

func (e *env) now() time.Time {
	e.clockMu.Lock()
	defer e.clockMu.Unlock()
	return e.clock
}

// advance moves the store's clock on by d.
func (e *env) advance(d time.Duration) {
	e.clockMu.Lock()
	e.clock = e.clock.Add(d)
	e.clockMu.Unlock()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	signer, err := ticket.New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: t.TempDir(), signer: signer, rec: &recorder{}, clock: time.Now().UTC().Truncate(time.Second)}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *env) start() {
	st, err := store.Open(e.dir, store.Options{PasswordCost: 4, Now: e.now})
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.Handle("/abservice/abservice.asmx", NewAddressBook(st, e.signer, e.rec, log))
	mux.Handle("/abservice/SharingService.asmx", NewSharing(st, e.signer, e.rec, log))
	e.srv = httptest.NewServer(mux)
}

func (e *env) stop() {
	if e.srv != nil {
		e.srv.Close()
		e.srv = nil
	}
	if e.st != nil {
		e.st.Close()
		e.st = nil
	}
}

// restart closes and reopens the store and the server.
func (e *env) restart() {
	e.stop()
	e.start()
}

// user creates an account and returns it with a contacts ticket.
type user struct {
	*store.Account
	ticket string
}

func (e *env) user(email, name string, network int) *user {
	e.t.Helper()
	a, err := e.st.CreateAccount(store.NewAccount{Email: email, Password: "pw", Name: name, Network: network})
	if err != nil {
		e.t.Fatal(err)
	}
	return &user{Account: a, ticket: ticket.Compact(e.signer.Issue(a.ID))}
}

// expiredTicket builds a correctly signed ticket that expired a minute ago,
// in the format ns/ticket issues.
func expiredTicket(accountID uint64) string {
	var p [25]byte
	p[0] = 1
	binary.BigEndian.PutUint64(p[1:9], accountID)
	binary.BigEndian.PutUint64(p[9:17], uint64(time.Now().Add(-time.Minute).Unix()))
	m := hmac.New(sha256.New, testKey)
	m.Write(p[:])
	b64 := base64.RawURLEncoding
	return ticket.Compact(b64.EncodeToString(p[:]) + "." + b64.EncodeToString(m.Sum(nil)[:16]))
}

// result is a parsed HTTP answer.
type result struct {
	status int
	header http.Header
	body   string
	root   *node
}

// node is a generic XML element for assertions by local name.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []*node    `xml:",any"`
}

func (n *node) find(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			return k
		}
		if f := k.find(name); f != nil {
			return f
		}
	}
	return nil
}

func (n *node) findAll(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			out = append(out, k)
		}
		out = append(out, k.findAll(name)...)
	}
	return out
}

func (n *node) text(name string) string {
	if f := n.find(name); f != nil {
		return strings.TrimSpace(f.Text)
	}
	return ""
}

func (n *node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// childNames lists the element names directly under n, in order.
func (n *node) childNames() []string {
	var out []string
	for _, k := range n.Kids {
		out = append(out, k.XMLName.Local)
	}
	return out
}

// errorcode is the fault's detail/errorcode ("" for a success).
func (r *result) errorcode() string { return r.root.text("errorcode") }

const envelopeStart = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">`

// envelope builds a request as WLM/papyon do.
func envelope(ticketToken, action, body string) string {
	hdr := `<ABApplicationHeader xmlns="` + NS + `"><ApplicationId>CFE80F9D-180F-4399-82AB-413F33A1FA11</ApplicationId><IsMigration>false</IsMigration><PartnerScenario>Initial</PartnerScenario></ABApplicationHeader>`
	if ticketToken != "-" {
		hdr += `<ABAuthHeader xmlns="` + NS + `"><ManagedGroupRequest>false</ManagedGroupRequest><TicketToken>` + html.EscapeString(ticketToken) + `</TicketToken></ABAuthHeader>`
	}
	return envelopeStart + `<soap:Header>` + hdr + `</soap:Header><soap:Body><` + action + ` xmlns="` + NS + `">` + body + `</` + action + `></soap:Body></soap:Envelope>`
}

// post sends a raw body.
func (e *env) post(path, soapAction, body string, hdr map[string]string) *result {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+NS+"/"+soapAction+`"`)
	req.Host = "contacts.msn.com"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &result{status: resp.StatusCode, header: resp.Header, body: string(data)}
	var root node
	if xml.Unmarshal(data, &root) == nil {
		r.root = &root
	}
	return r
}

const (
	abPath      = "/abservice/abservice.asmx"
	sharingPath = "/abservice/SharingService.asmx"
)

// ab calls an address-book action with u's ticket.
func (e *env) ab(u *user, action, body string) *result {
	e.t.Helper()
	return e.post(abPath, action, envelope(u.ticket, action, body), nil)
}

// sharing calls a sharing action with u's ticket.
func (e *env) sharing(u *user, action, body string) *result {
	e.t.Helper()
	return e.post(sharingPath, action, envelope(u.ticket, action, body), nil)
}

// ok fails unless r is a 200 answer with the named response element.
func (r *result) ok(t *testing.T, response string) *node {
	t.Helper()
	if r.status != 200 || r.root == nil || r.root.find("Fault") != nil {
		t.Fatalf("want 200 %s, got %d %s", response, r.status, r.body)
	}
	n := r.root.find(response)
	if n == nil {
		t.Fatalf("no %s in %s", response, r.body)
	}
	if r.root.find("ServiceHeader") == nil {
		t.Fatalf("no ServiceHeader in %s", r.body)
	}
	return n
}

// fault fails unless r is an HTTP 500 soap:Fault with errorcode code.
func (r *result) fault(t *testing.T, code string) *node {
	t.Helper()
	if r.status != 500 || r.root == nil || r.root.find("Fault") == nil {
		t.Fatalf("want 500 fault %s, got %d %s", code, r.status, r.body)
	}
	if got := r.errorcode(); got != code {
		t.Fatalf("errorcode %q, want %q in %s", got, code, r.body)
	}
	return r.root.find("Fault")
}

const abIDXML = `<abId>00000000-0000-0000-0000-000000000000</abId>`

func findAllBody(deltas bool, last string) string {
	return abIDXML + fmt.Sprintf(`<abView>Full</abView><deltasOnly>%t</deltasOnly><lastChange>%s</lastChange>`, deltas, last)
}

// findAll runs a full ABFindAll and returns its result element.
func (e *env) findAll(u *user) *node {
	e.t.Helper()
	return e.ab(u, "ABFindAll", findAllBody(false, "0001-01-01T00:00:00.0000000-08:00")).ok(e.t, "ABFindAllResult")
}

// contacts maps the non-Me contacts of an ABFindAll result by address.
func contacts(res *node) map[string]*node {
	out := map[string]*node{}
	for _, c := range res.findAll("Contact") {
		info := c.find("contactInfo")
		if info == nil || info.text("contactType") == "Me" {
			continue
		}
		addr := info.text("passportName")
		if addr == "" {
			addr = info.text("email")
		}
		out[strings.ToLower(addr)] = c
	}
	return out
}

func passportContact(email string) string {
	return `<contactInfo><contactType>LivePending</contactType><passportName>` + email + `</passportName><isMessengerUser>true</isMessengerUser><MessengerMemberInfo><DisplayName>Me</DisplayName></MessengerMemberInfo></contactInfo>`
}

func yahooContact(email string) string {
	return `<contactInfo><emails><ContactEmail><contactEmailType>Messenger2</contactEmailType><email>` + email + `</email><isMessengerEnabled>true</isMessengerEnabled><Capability>32</Capability><propertiesChanged>Email IsMessengerEnabled Capability</propertiesChanged></ContactEmail></emails></contactInfo>`
}

// addContact runs ABContactAdd and returns the new contact's GUID.
func (e *env) addContact(u *user, contactInfo string, allow bool) string {
	e.t.Helper()
	body := abIDXML + `<contacts><Contact>` + contactInfo + `</Contact></contacts><options><EnableAllowListManagement>` +
		fmt.Sprint(allow) + `</EnableAllowListManagement></options>`
	return e.ab(u, "ABContactAdd", body).ok(e.t, "ABContactAddResponse").text("guid")
}

func memberXML(email string, network int) string {
	if network == 32 {
		return `<Member xsi:type="EmailMember" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Type>Email</Type><State>Accepted</State><Email>` + email + `</Email><Annotations><Annotation><Name>MSN.IM.BuddyType</Name><Value>32:</Value></Annotation></Annotations></Member>`
	}
	return `<Member xsi:type="PassportMember" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Type>Passport</Type><State>Accepted</State><PassportName>` + email + `</PassportName></Member>`
}

func membershipBody(role, members string) string {
	return `<serviceHandle><Id>0</Id><Type>Messenger</Type><ForeignId></ForeignId></serviceHandle><memberships><Membership><MemberRole>` +
		role + `</MemberRole><Members>` + members + `</Members></Membership></memberships>`
}

func findMembershipBody(deltas bool, last string) string {
	return `<serviceFilter><Types><ServiceType>Messenger</ServiceType><ServiceType>Invitation</ServiceType><ServiceType>SocialNetwork</ServiceType><ServiceType>Space</ServiceType><ServiceType>Profile</ServiceType></Types></serviceFilter>` +
		fmt.Sprintf(`<View>Full</View><deltasOnly>%t</deltasOnly><lastChange>%s</lastChange>`, deltas, last)
}

// members maps role → addresses of a FindMembership result.
func members(res *node) map[string][]string {
	out := map[string][]string{}
	for _, m := range res.findAll("Membership") {
		role := m.text("MemberRole")
		out[role] = out[role] // present even when empty
		for _, mem := range m.findAll("Member") {
			addr := mem.text("PassportName")
			if addr == "" {
				addr = mem.text("Email")
			}
			out[role] = append(out[role], addr)
		}
	}
	return out
}

// findMembership runs a full FindMembership and returns the result element.
func (e *env) findMembership(u *user) *node {
	e.t.Helper()
	return e.sharing(u, "FindMembership", findMembershipBody(false, "0001-01-01T00:00:00.0000000-08:00")).ok(e.t, "FindMembershipResult")
}

func wantEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notifications:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
