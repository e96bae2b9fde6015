package views

import (
	"fmt"
	"strings"
)

// HostsSnippet is the block to append to a Windows hosts file.
func HostsSnippet(d SetupData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# msnserver (%s): Windows Live Messenger 8\n", d.Host)
	for _, h := range d.Hosts {
		fmt.Fprintf(&b, "%-15s %s\n", d.Address, h.Name)
	}
	return b.String()
}
