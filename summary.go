package main

import (
	"fmt"
	"io"
	"net"
	"strings"
)

// startupSummary is the short block printed once the server is up: what a
// person setting it up needs, without reading the log lines above it.
type startupSummary struct {
	public        string   // the address clients' hosts files point at
	admin         net.Addr // the console's listener
	adminTLS      bool     // the console speaks HTTPS
	adminPassword string   // only on the first start
	notices       []string
}

// consoleURL is the console's address as a browser on another PC types it.
func (s startupSummary) consoleURL() string {
	scheme := "http://"
	if s.adminTLS {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(s.admin.String())
	if err != nil {
		return scheme + s.admin.String() + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = s.public
	}
	return scheme + net.JoinHostPort(host, port) + "/"
}

func (s startupSummary) write(w io.Writer) {
	var b strings.Builder
	b.WriteString("\n==== msnserver is running ====\n")
	fmt.Fprintf(&b, "  Clients: point the Messenger host names at %s (hosts file; see the console's Client setup)\n", s.public)
	fmt.Fprintf(&b, "  Console: %s\n", s.consoleURL())
	if s.adminPassword != "" {
		fmt.Fprintf(&b, "  Console sign-in (first start, shown once): user admin, password %s\n", s.adminPassword)
	}
	for _, n := range s.notices {
		fmt.Fprintf(&b, "  WARNING: %s\n", n)
	}
	b.WriteString("==============================\n\n")
	io.WriteString(w, b.String())
}
