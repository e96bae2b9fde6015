package ns

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"msnserver/ns/msnptest"
	"msnserver/ns/ticket"
)

// FuzzSession feeds arbitrary bytes to a notification-server connection in
// each state: before VER, after VER, and logged in. The server must neither
// panic (panicHook turns a recovered panic into a failure) nor hang: after
// the input it answers PNG, closes, or (when the input left a payload
// unfinished, which then swallows the PNG) still serves a fresh connection.
func FuzzSession(f *testing.F) {
	seeds := []string{
		"CHG 5 NLN 1611513916 0\r\n",
		"ADL 5 15\r\n<ml l=\"1\"></ml>",
		"ADL 5 59\r\n<ml><d n=\"hotmail.com\"><c n=\"bob\" l=\"3\" t=\"1\" /></d></ml>",
		"RML 5 58\r\n<ml><d n=\"hotmail.com\"><c n=\"bob\" l=\"4\" t=\"1\" /></d></ml>",
		"FQY 5 45\r\n<ml><d n=\"yahoo.com\"><c n=\"yuki\" /></d></ml>",
		"UUX 5 53\r\n<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>",
		"UUM 5 yuki@yahoo.com 32 1 4\r\nhi!!",
		"PRP 5 MFN %E2%9C%93\r\nBLP 6 BL\r\nXFR 7 SB\r\n",
		"QRY 5 PROD01065C%ZFN6F 32\r\n00000000000000000000000000000000",
		"UUX 5 4294967295\r\n", "\x16\x03\x01\x00", "GET / HTTP/1.1\r\n\r\n", "OUT\r\n",
	}
	for _, s := range seeds {
		for state := uint8(0); state < 3; state++ {
			f.Add(state, []byte(s))
		}
	}
	ts := startServer(f, Options{Challenge: true})
	ts.addUser("alice@hotmail.com", "pw", "Alice", 1)
	ts.addUser("bob@hotmail.com", "pw", "Bob", 1)
	ts.addUser("yuki@yahoo.com", "pw", "Yuki", 32)
	alice, _ := ts.store.AccountByEmail("alice@hotmail.com")
	tk := ticket.Compact(ts.tickets.Issue(alice.ID))

	f.Fuzz(func(t *testing.T, state uint8, input []byte) {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		r := bufio.NewReader(nc)
		nc.SetDeadline(time.Now().Add(time.Second))
		var prefix string
		switch state % 3 {
		case 1:
			prefix = "VER 1 MSNP14\r\n"
		case 2:
			prefix = "VER 1 MSNP14\r\nUSR 2 TWN I alice@hotmail.com\r\nUSR 3 TWN S " + tk + "\r\n"
		}
		io.WriteString(nc, prefix)
		nc.Write(input)
		io.WriteString(nc, "\r\nPNG\r\n")
		// Read until QNG or the close; a hang fails through the deadline.
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					checkAlive(t, ts.addr)
				}
				return
			}
			if strings.HasPrefix(line, "QNG ") {
				return
			}
		}
	})
}

// checkAlive fails unless a fresh connection gets VER and QNG answered.
func checkAlive(t *testing.T, addr string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("server no longer accepts: %v", err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(msnptest.ReadWait))
	io.WriteString(nc, "VER 1 MSNP14\r\nPNG\r\n")
	r := bufio.NewReader(nc)
	for _, want := range []string{"VER 1 MSNP14\r\n", "QNG 50\r\n"} {
		if got, err := r.ReadString('\n'); got != want {
			t.Fatalf("server stopped serving others: got %q, %v", got, err)
		}
	}
}
