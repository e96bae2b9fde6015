package hosts

import (
	"os"
	"strings"
	"testing"
)

// The README shows the hosts-file block for an example server; it must be
// exactly what HostsFile makes, so the documentation cannot drift from the
// certificate and the setup page.
func TestREADMEHostsBlock(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := "```\n" + HostsFile("192.168.1.10") + "```\n"
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md lacks the hosts block; put this in it:\n%s", want)
	}
}

func TestTLSNamesCoverEveryHTTPSHost(t *testing.T) {
	names := map[string]bool{}
	for _, n := range TLSNames() {
		names[n] = true
	}
	seen := map[string]bool{}
	for _, n := range Messenger {
		if seen[n.Host] {
			t.Errorf("%s listed twice", n.Host)
		}
		seen[n.Host] = true
		if n.HTTPS && !names[n.Host] {
			t.Errorf("%s is reached over HTTPS but not named", n.Host)
		}
	}
}
