package views

import (
	"fmt"
	"strings"

	"msnserver/web/hosts"
)

// HostsSnippet is the block to append to a Windows hosts file.
func HostsSnippet(d SetupData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# msnserver (%s): Windows Live Messenger 8 and Yahoo! Messenger 9\n", d.Host)
	b.WriteString(hosts.HostsFile(d.Address))
	return b.String()
}
