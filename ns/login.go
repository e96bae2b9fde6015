package ns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"msnserver/ns/listen"
	"msnserver/ns/ticket"
	"msnserver/ns/wire"
	"msnserver/store"
)

// handleVER picks the highest dialect the client offers, up to the
// configured ceiling (Options.MaxMSNP): MSNP15 (USR SSO), MSNP14 or MSNP13.
// A list with none of them gets "VER trid 0" and a close (ns-login.md §2).
func (c *conn) handleVER(cmd *wire.Command) error {
	best := 0
	for _, d := range cmd.Args {
		n, ok := dialectNumber(d)
		if ok && n <= c.srv.opts.MaxMSNP && n > best {
			best = n
		}
	}
	if best == 0 {
		c.out.CloseAfter(wire.Line("VER", cmd.TrID, "0"))
		return nil
	}
	chosen := "MSNP" + strconv.Itoa(best)
	c.dialect = chosen
	c.state = stateVersioned
	c.sendLine("VER", cmd.TrID, chosen)
	return nil
}

// dialectNumber maps the dialects this server speaks to their number.
func dialectNumber(d string) (int, bool) {
	switch d {
	case "MSNP13":
		return 13, true
	case "MSNP14":
		return 14, true
	case "MSNP15":
		return 15, true
	}
	return 0, false
}

// handleCVR echoes the client's own version as recommended and minimum, so
// WLM never offers an update (ns-login.md §3).
func (c *conn) handleCVR(cmd *wire.Command) error {
	if len(cmd.Args) < 8 {
		return wire.Err(wire.ErrBadCVR, "CVR needs 8 arguments")
	}
	ver := cmd.Args[5]
	c.client = cmd.Args[4] + " " + ver
	c.sendLine("CVR", cmd.TrID, ver, ver, ver,
		"http://"+c.srv.publicHost()+"/download", "http://"+c.srv.publicHost()+"/")
	return nil
}

func (s *Server) publicHost() string {
	host, _, err := net.SplitHostPort(s.hub.SwitchboardAddr())
	if err != nil || host == "" {
		return "localhost"
	}
	return host
}

// handleUSR runs the login: Tweener ("TWN I handle" gets the policy
// parameters and the GCF policy; "TWN S ticket" logs in) up to MSNP14, and
// SSO in MSNP15 ("SSO I handle" gets the policy and a nonce; "SSO S ticket
// proof" logs in, see usr_sso.go). A package the dialect does not use closes
// the connection, as an unknown one always did.
func (c *conn) handleUSR(cmd *wire.Command) error {
	pkg := "TWN"
	if c.dialect == "MSNP15" {
		pkg = "SSO"
	}
	if len(cmd.Args) < 3 || cmd.Args[0] != pkg {
		return fmt.Errorf("security package %q in %s: %w", strings.Join(cmd.Args, " "), c.dialect, wire.ErrClose)
	}
	switch cmd.Args[1] {
	case "I":
		if pkg == "SSO" {
			return c.usrSSOInitial(cmd)
		}
		return c.usrInitial(cmd)
	case "S":
		if c.state != stateAuthPending {
			return wire.Fatal(wire.ErrAuthFailed, "USR "+pkg+" S before USR "+pkg+" I")
		}
		if pkg == "SSO" {
			return c.usrSSOProof(cmd)
		}
		return c.usrTicket(cmd)
	}
	return wire.Fatal(wire.ErrAuthFailed, "bad USR stage")
}

func (c *conn) usrInitial(cmd *wire.Command) error {
	handle, err := store.NormalizeEmail(cmd.Args[2])
	if err != nil {
		return wire.Fatal(wire.ErrAuthFailed, "bad handle")
	}
	c.handle = handle
	c.state = stateAuthPending
	policy := []byte(c.srv.opts.Policy())
	out := wire.Line("USR", cmd.TrID, "TWN", "S", policyParameters(time.Now()))
	out = wire.AppendPayload(out, policy, "GCF", "0")
	c.send(out)
	return nil
}

// policyParameters is the historic Passport parameter set; libpurple's
// MSNP14 code refuses to log in unless all of its keys are present.
func policyParameters(now time.Time) string {
	var rn [8]byte
	rand.Read(rn[:])
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range rn {
		rn[i] = letters[int(rn[i])%len(letters)]
	}
	var tpf [16]byte
	rand.Read(tpf[:])
	return "ct=" + strconv.FormatInt(now.Unix(), 10) +
		",rver=5.5.4177.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507,ru=http://messenger.msn.com,tw=0,kpp=1,kv=4,ver=2.1.6000.1" +
		",rn=" + string(rn[:]) + ",tpf=" + hex.EncodeToString(tpf[:])
}

func (c *conn) usrTicket(cmd *wire.Command) error {
	compact := cmd.Args[2]
	acct, err := c.checkTicket(compact)
	if err != nil {
		return err
	}
	return c.loggedIn(cmd, acct, compact)
}

// checkTicket checks a login ticket and that it belongs to the handle given
// in USR I; a refusal counts against the address's failed-login budget.
func (c *conn) checkTicket(compact string) (*store.Account, error) {
	if !c.srv.failedLogins.Allow(c.ip) {
		c.log.Warn("login refused: too many failed logins from this address")
		return nil, wire.Fatal(wire.ErrAuthFailed, "rate limited")
	}
	acct, err := c.srv.tickets.Account(c.srv.store, compact)
	if err == nil && acct.Email != c.handle {
		err = fmt.Errorf("ticket of another account: %w", ticket.ErrForged)
	}
	if ticket.Refused(err) {
		c.srv.failedLogins.Fail(c.ip)
		c.log.Info("login refused", "handle", c.handle, "why", err)
		return nil, wire.Fatal(wire.ErrAuthFailed, "ticket refused")
	}
	if err != nil {
		return nil, err
	}
	return acct, nil
}

// loggedIn completes a login: the session joins the hub and the client gets
// USR OK, SBS and the profile message (the same in every dialect).
func (c *conn) loggedIn(cmd *wire.Command, acct *store.Account, compact string) error {
	_, lists, err := c.srv.store.Lists(acct.Email)
	if err != nil {
		return err
	}
	c.acct = acct
	c.loginAt = time.Now()
	c.state = stateLoggedIn
	listen.Authenticated(c.nc) // no longer shed to make room for strangers
	c.log = c.log.With("account", acct.Email)
	c.sess = c.srv.hub.NewSession(acct, lists, c.out, c.nc.RemoteAddr().String(), c.client)
	c.sess.MSNP13 = c.dialect == "MSNP13"
	c.sess.Dialect = c.dialect
	c.sess.DirectConnect = directConnect(c.nc)
	if acct.PSM != "" {
		c.sess.SetPersonal(newPersonal(acct.PSM).document())
	}

	out := wire.Line("USR", cmd.TrID, "OK", acct.Email, "1", "0")
	out = wire.AppendLine(out, "SBS", "0", "null")
	out = wire.AppendPayload(out, c.profile(acct, ticketToken(compact)), "MSG", "Hotmail", "Hotmail")
	c.send(out)
	c.srv.hub.Login(c.sess)
	c.log.Info("logged in", "client", c.client, "dialect", c.dialect)
	return nil
}

func ticketToken(compact string) string {
	compact = strings.TrimPrefix(compact, "t=")
	if i := strings.IndexByte(compact, '&'); i >= 0 {
		compact = compact[:i]
	}
	return compact
}

// profile builds the text/x-msmsgsprofile message (ns-login.md §7.2), headers
// in the seed's order, ending with the blank line.
func (c *conn) profile(a *store.Account, mspauth string) []byte {
	ip, port := "0.0.0.0", 0
	if ta, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
		if v4 := ta.IP.To4(); v4 != nil {
			ip = v4.String()
		} else {
			ip = ta.IP.String()
		}
		port = ta.Port
	}
	swapped := (port&0xff)<<8 | port>>8
	headers := [][2]string{
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/x-msmsgsprofile; charset=UTF-8"},
		{"LoginTime", strconv.FormatInt(c.loginAt.Unix(), 10)},
		{"EmailEnabled", "0"},
		{"MemberIdHigh", strconv.FormatUint(a.PUID>>32, 10)},
		{"MemberIdLow", strconv.FormatUint(a.PUID&0xffffffff, 10)},
		{"lang_preference", "1033"},
		{"PreferredEmail", a.Email},
		{"country", "US"},
		{"PostalCode", ""},
		{"Gender", ""},
		{"Kid", "0"},
		{"Age", ""},
		{"BDayPre", ""},
		{"Birthday", ""},
		{"Wallet", ""},
		{"Flags", "1027"},
		{"sid", "507"},
		{"kv", "11"},
		{"MSPAuth", mspauth},
		{"ClientIP", ip},
		{"ClientPort", strconv.Itoa(swapped)},
		{"ABCHMigrated", "1"},
	}
	b := make([]byte, 0, 512)
	for _, h := range headers {
		b = append(b, h[0]...)
		b = append(b, ": "...)
		b = append(b, h[1]...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// handleGCF answers the old client-initiated "GCF trid Shields.xml" with the
// SHIELDS <config> document.
func (c *conn) handleGCF(cmd *wire.Command) error {
	if len(cmd.Args) != 1 {
		return wire.Err(wire.ErrSyntax, "GCF needs a file name")
	}
	doc := shieldsConfig(c.srv.opts.Policy())
	c.send(wire.Payload([]byte(doc), "GCF", cmd.TrID, cmd.Args[0]))
	return nil
}

// shieldsConfig extracts the <config> of the SHIELDS policy.
func shieldsConfig(policy string) string {
	i := strings.Index(policy, "<config>")
	j := strings.LastIndex(policy, "</config>")
	if i < 0 || j < i {
		return "<config><shield></shield><block></block></config>"
	}
	return policy[i : j+len("</config>")]
}

// handlePNG answers QNG with the next ping interval in seconds.
func (c *conn) handlePNG(cmd *wire.Command) error {
	c.sendLine("QNG", "50")
	return nil
}

// handleOUT ends the session without a reply.
func (c *conn) handleOUT(cmd *wire.Command) error {
	return fmt.Errorf("client signed out: %w", wire.ErrClose)
}

// handleURL answers web-link requests (Hotmail inbox etc.); this server has
// no mail, so any well-formed answer keeps the client content.
func (c *conn) handleURL(cmd *wire.Command) error {
	if len(cmd.Args) < 1 {
		return wire.Err(wire.ErrSyntax, "URL needs a service")
	}
	c.sendLine("URL", cmd.TrID, "/cgi-bin/HoTMaiL", "http://"+c.srv.publicHost()+"/", "2")
	return nil
}
