package loadtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"msnserver/ns/challenge"
	"msnserver/ns/sso"
	"msnserver/ns/wire"
)

// WLM 8.0's challenge product id and key (ns-login.md §11.2).
const (
	productID  = "PROD01065C%ZFN6F"
	productKey = "O4BG@C7BWLYQX?5G"
)

// capsBase is the capability word of an 8.0 client (version nibble 6); the
// low 20 bits carry the sequence number of a timed status change.
const (
	capsBase = 0x60000000
	seqMask  = 1<<20 - 1
)

var statuses = []string{"BSY", "AWY", "BRB", "PHN", "LUN", "IDL", "NLN"}

// kindError is a failure outside a protocol exchange (connect, token).
type kindError struct {
	kind string
	err  error
}

func (e *kindError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// client is one simulated user, account n.
type client struct {
	r     *runner
	n     int
	email string

	onlineOnce sync.Once
	online     chan struct{} // closed at the first successful login

	rings chan []string // RNG lines from the NS reader

	tmu sync.Mutex // tier 1 (leaf; lock order in ns/hub): guards the timing rings and seq
	seq uint32
	chg [64]stamp // status changes by seq
	psm [64]stamp // personal-message changes by seq
	ym  [64]stamp // Yahoo messages to the WLM partner by seq
}

type stamp struct {
	seq uint32
	at  int64 // unix nanoseconds
}

func newClient(r *runner, n int) *client {
	return &client{r: r, n: n, email: r.cfg.Email(n), online: make(chan struct{}), rings: make(chan []string, 8)}
}

// note records when change seq was sent.
func (cl *client) note(ring *[64]stamp, seq uint32, at time.Time) {
	cl.tmu.Lock()
	ring[seq%64] = stamp{seq: seq, at: at.UnixNano()}
	cl.tmu.Unlock()
}

func (cl *client) sentAt(ring *[64]stamp, seq uint32) (int64, bool) {
	cl.tmu.Lock()
	s := ring[seq%64]
	cl.tmu.Unlock()
	return s.at, s.seq == seq && s.at != 0
}

func (cl *client) nextSeq() uint32 {
	cl.tmu.Lock()
	defer cl.tmu.Unlock()
	cl.seq = cl.seq%seqMask + 1
	return cl.seq
}

// initialML is the l="1" ADL announcing the contact list as FL+AL.
func (cl *client) initialML() []byte {
	cfg := cl.r.cfg
	var b strings.Builder
	b.WriteString(`<ml l="1">`)
	contacts := Neighbours(cl.n, cfg.Accounts, cfg.Contacts)
	if len(contacts) > 0 {
		fmt.Fprintf(&b, `<d n="%s">`, strings.ToLower(cfg.Domain))
		for _, m := range contacts {
			fmt.Fprintf(&b, `<c n="%s%d" l="3" t="1" />`, strings.ToLower(cfg.Prefix), m)
		}
		b.WriteString(`</d>`)
	}
	b.WriteString(`</ml>`)
	return []byte(b.String())
}

var nsPayloadVerbs = map[string]bool{"MSG": true, "NOT": true, "GCF": true, "UBX": true, "UBM": true, "UBN": true, "ADL": true, "RML": true, "FQY": true, "IPG": true, "UUX": true}
var nsKeep = map[string]bool{"UBX": true, "UBM": true}

// dialNS connects and starts the reader.
func (cl *client) dialNS(ctx context.Context, addr string) (*pconn, error) {
	nc, err := cl.r.dial(ctx, "NS", addr)
	if err != nil {
		return nil, &kindError{"NS connect", err}
	}
	c := newPconn(nc, "NS", cl.r.cfg.Timeout)
	c.payloadVerbs, c.keep = nsPayloadVerbs, nsKeep
	c.push = func(f []string, payload []byte) { cl.nsPush(c, f, payload) }
	go c.readLoop()
	return c, nil
}

// dialects are the sign-in variants: what VER offers and expects, the
// client version CVR names and the USR security package.
var dialects = map[int]struct{ ver, name, client, pkg string }{
	14: {"MSNP14 MSNP13 CVR0", "MSNP14", "8.0.0787", "TWN"},
	15: {"MSNP15 MSNP14 MSNP13 CVR0", "MSNP15", "8.5.1288.816", "SSO"},
}

// login runs WLM 8's sequence (ns-login.md §9) and returns the connection.
func (cl *client) login(ctx context.Context) (*pconn, error) {
	cfg, m := cl.r.cfg, cl.r.m
	start := time.Now()
	addr := cfg.NSAddr
	var c *pconn
	var policy, nonce string
	for hop := 0; ; hop++ {
		var err error
		if c, err = cl.dialNS(ctx, addr); err != nil {
			return nil, err
		}
		d := dialects[cfg.Dialect]
		rep, err := c.call(ctx, "VER", d.ver, nil)
		if err == nil && (len(rep.f) < 3 || rep.f[2] != d.name) {
			err = &kindError{"NS VER refused", fmt.Errorf("%q", strings.Join(rep.f, " "))}
		}
		if err == nil {
			_, err = c.call(ctx, "CVR", "0x0409 winnt 5.1 i386 MSNMSGR "+d.client+" msmsgs "+cl.email, nil)
		}
		if err == nil {
			rep, err = c.call(ctx, "USR", d.pkg+" I "+cl.email, nil, "USR", "XFR")
		}
		if err != nil {
			c.close(false)
			return nil, err
		}
		if rep.f[0] == "XFR" && len(rep.f) >= 4 && hop < 2 {
			// Dispatch: start again at the notification server named.
			c.close(false)
			addr = rep.f[3]
			continue
		}
		if len(rep.f) < 5 || rep.f[2] != d.pkg || rep.f[3] != "S" || (d.pkg == "SSO" && len(rep.f) < 6) {
			c.close(false)
			return nil, &kindError{"NS USR I odd reply", fmt.Errorf("%q", strings.Join(rep.f, " "))}
		}
		policy = rep.f[4]
		if d.pkg == "SSO" {
			nonce = rep.f[5]
		}
		break
	}
	fail := func(err error) (*pconn, error) {
		c.close(false)
		return nil, err
	}
	t0 := time.Now()
	var tk, proof string
	var err error
	if nonce != "" {
		var secret []byte
		if tk, secret, err = cl.r.tokens.ticketSSO(ctx, cl.email, cfg.Password, policy); err == nil {
			proof = " " + sso.Proof(secret, nonce)
		}
	} else {
		tk, err = cl.r.tokens.ticket(ctx, cl.email, cfg.Password, policy)
	}
	if err != nil {
		if errors.Is(err, errAuth) {
			return fail(err)
		}
		return fail(&kindError{"RST", err})
	}
	m.rst.Record(time.Since(t0))
	steps := []struct {
		verb, args string
		payload    []byte
	}{
		{"USR", dialects[cfg.Dialect].pkg + " S " + tk + proof, nil},
		{"BLP", "AL", nil},
		{"ADL", "", cl.initialML()},
		{"PRP", "MFN " + wire.EncodeName(cl.email), nil},
		{"CHG", "NLN " + strconv.Itoa(capsBase) + " 0", nil},
		{"UUX", "", []byte("<Data><PSM></PSM><CurrentMedia></CurrentMedia><MachineGuid>{F26D1F07-95E2-403C-BC18-D4BFED493428}</MachineGuid></Data>")},
	}
	for _, s := range steps {
		if _, err := c.call(ctx, s.verb, s.args, s.payload); err != nil {
			return fail(err)
		}
	}
	m.login.Record(time.Since(start))
	m.logins.Add(1)
	m.lastLogin.Store(time.Now().UnixNano())
	m.goOnline()
	cl.onlineOnce.Do(func() { close(cl.online) })
	return c, nil
}

// logout says OUT and waits for the server to close.
func (cl *client) logout(c *pconn) {
	c.close(true)
	cl.r.m.online.Add(-1)
}

// nsPush handles unsolicited notification-server lines.
func (cl *client) nsPush(c *pconn, f []string, payload []byte) {
	r := cl.r
	last := c.presenceOf
	c.presenceOf = ""
	switch f[0] {
	case "NLN": // NLN status email network name caps [msnobj]
		if len(f) >= 6 {
			r.sawStatus(f[2], f[5])
			c.presenceOf = f[2]
		}
	case "ILN": // ILN trid status email network name caps [msnobj]
		if len(f) >= 4 {
			c.presenceOf = f[3]
		}
	case "UBX": // UBX email network len
		// A UBX right after the same user's NLN or ILN carries the stored
		// personal message with the presence (a login, a new watcher), not
		// a fresh UUX: not timed.
		if len(f) >= 2 && f[1] != last {
			r.sawPSM(f[1], payload)
		}
	case "CHL": // CHL 0 challenge
		if len(f) >= 3 {
			resp := challenge.Response(f[2], productID, productKey)
			go func() {
				if _, err := c.call(context.Background(), "QRY", productID, []byte(resp)); err != nil && !r.ending(c) {
					r.m.fail("NS QRY "+errKind(err), err)
				}
			}()
		}
	case "UBM": // UBM email network type len: a Yahoo user's timed message
		if len(f) >= 2 {
			r.sawYahooMessage(f[1], payload)
		}
	case "RNG":
		select {
		case cl.rings <- f:
		default:
			r.m.fail("NS RNG dropped", errors.New("too many rings waiting"))
		}
	case "OUT":
		if !r.ending(c) {
			reason := ""
			if len(f) > 1 {
				reason = f[1]
			}
			r.m.fail("NS OUT "+reason, fmt.Errorf("%s got %q", cl.email, strings.Join(f, " ")))
		}
	default:
		if isErrorCode(f[0]) && !r.ending(c) {
			r.m.fail("NS late error "+f[0], fmt.Errorf("%s got %q", cl.email, strings.Join(f, " ")))
		}
		// FLN, MSG, NOT, GCF, SBS, ADL 0, RML 0, QNG, UBM, UBN: nothing to check.
	}
}

// changeStatus sends a timed CHG.
func (cl *client) changeStatus(ctx context.Context, c *pconn) error {
	seq := cl.nextSeq()
	status := statuses[int(seq)%len(statuses)]
	cl.note(&cl.chg, seq, time.Now())
	cl.r.m.changes.Add(1)
	_, err := c.call(ctx, "CHG", status+" "+strconv.Itoa(capsBase+int(seq))+" 0", nil)
	return err
}

// changePSM sends a timed UUX.
func (cl *client) changePSM(ctx context.Context, c *pconn) error {
	seq := cl.nextSeq()
	doc := "<Data><PSM>lt " + strconv.Itoa(int(seq)) + "</PSM><CurrentMedia></CurrentMedia><MachineGuid>{F26D1F07-95E2-403C-BC18-D4BFED493428}</MachineGuid></Data>"
	cl.note(&cl.psm, seq, time.Now())
	cl.r.m.changes.Add(1)
	_, err := c.call(ctx, "UUX", "", []byte(doc))
	return err
}

// ping sends PNG (answered by QNG without a TrID).
func (cl *client) ping(c *pconn) error {
	return c.write([]byte("PNG\r\n"))
}
