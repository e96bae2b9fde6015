// Package hosts is the one list of Microsoft (and Yahoo!) host names that
// Messenger and Yahoo! Messenger clients reach and that this server answers for. The TLS certificate's
// names, the README's hosts-file lines and the admin console's setup page
// all come from it, so they cannot drift apart.
package hosts

import (
	"fmt"
	"strings"
)

// Name is one host a client looks up.
type Name struct {
	Host string
	Use  string // what the client asks that host for, for people
	// HTTPS is set when some client build reaches the host over TLS, so the
	// certificate must name it (a wildcard covers one label only).
	HTTPS bool
}

// Messenger lists every host Windows Live Messenger 8.0–8.5 and the open
// MSNP13–15 clients reach, in the order a setup page shows them
// (protocol/soap-services.md §1, ns-login.md §1).
var Messenger = []Name{
	{Host: "messenger.hotmail.com", Use: "notification server (MSNP, port 1863)"},
	{Host: "gateway.messenger.hotmail.com", Use: "HTTP gateway for clients behind a web-only firewall"},
	{Host: "login.live.com", Use: "Passport sign-in tokens (HTTPS /RST.srf)", HTTPS: true},
	{Host: "login.passport.net", Use: "Passport sign-in tokens, older builds", HTTPS: true},
	{Host: "loginnet.passport.com", Use: "Passport sign-in tokens, older builds", HTTPS: true},
	{Host: "login.passport.com", Use: "Passport sign-in, web links", HTTPS: true},
	{Host: "nexus.passport.com", Use: "Passport server lookup, older builds", HTTPS: true},
	{Host: "msnia.login.live.com", Use: "Passport sign-in tokens, Messenger 8.5", HTTPS: true},
	{Host: "contacts.msn.com", Use: "address book and sharing services", HTTPS: true},
	{Host: "omega.contacts.msn.com", Use: "address book (alias)", HTTPS: true},
	{Host: "byrdr.omega.contacts.msn.com", Use: "address book (alias)", HTTPS: true},
	{Host: "rsi.hotmail.com", Use: "offline messages: reading", HTTPS: true},
	{Host: "ows.messenger.msn.com", Use: "offline messages: sending", HTTPS: true},
	{Host: "config.messenger.msn.com", Use: "client configuration", HTTPS: true},
	{Host: "storage.msn.com", Use: "roaming profile (name, message, picture)", HTTPS: true},
	{Host: "tkrdr.storage.msn.com", Use: "roaming profile (alias)", HTTPS: true},
	// Yahoo! Messenger 9 and libpurple's Yahoo plugin (protocol/ymsg.md §16).
	{Host: "login.yahoo.com", Use: "Yahoo! sign-in tokens (HTTPS /config/pwtoken_get)", HTTPS: true},
	{Host: "vcs1.msg.yahoo.com", Use: "Yahoo! pager lookup (HTTP /capacity)"},
	{Host: "vcs2.msg.yahoo.com", Use: "Yahoo! pager lookup (HTTP /capacity)"},
	{Host: "scsa.msg.yahoo.com", Use: "Yahoo! pager (YMSG, port 5050)"},
	{Host: "scs.msg.yahoo.com", Use: "Yahoo! pager (YMSG, port 5050)"},
	{Host: "scsb.msg.yahoo.com", Use: "Yahoo! pager (YMSG, port 5050)"},
	{Host: "scsc.msg.yahoo.com", Use: "Yahoo! pager (YMSG, port 5050)"},
	{Host: "cs.yahoo.com", Use: "Yahoo! pager (YMSG, port 5050)"},
	{Host: "address.yahoo.com", Use: "Yahoo! address book (optional)"},
	{Host: "insider.msg.yahoo.com", Use: "Yahoo! client content (optional)"},
}

// Wildcards cover the single-label hosts of these domains that no list can
// foresee (web links, later builds). They never replace an explicit name:
// *.msn.com does not match ows.messenger.msn.com.
var Wildcards = []string{"*.live.com", "*.msn.com", "*.hotmail.com", "*.passport.net", "*.passport.com", "*.yahoo.com"}

// TLSNames are the DNS names the certificate must carry: every HTTPS host,
// then the wildcards.
func TLSNames() []string {
	var out []string
	for _, n := range Messenger {
		if n.HTTPS {
			out = append(out, n.Host)
		}
	}
	return append(out, Wildcards...)
}

// All are the host names a hosts file maps to this server.
func All() []string {
	out := make([]string, len(Messenger))
	for i, n := range Messenger {
		out[i] = n.Host
	}
	return out
}

// HostsFile is the block to append to a client's hosts file for a server at
// addr: one name a line, which every Windows version parses.
func HostsFile(addr string) string {
	var b strings.Builder
	for _, n := range Messenger {
		fmt.Fprintf(&b, "%-15s %s\n", addr, n.Host)
	}
	return b.String()
}
