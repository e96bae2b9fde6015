// Package msnptest is the MSNP client the tests talk to the servers with:
// lines and payloads over any net.Conn, exact expectations, a PNG/QNG
// barrier and a check that the server closed the connection.
//
// Every read waits at most ReadWait. The wait only bounds a failure (a
// line that never comes); no assertion depends on how fast the server is.
package msnptest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ReadWait bounds a wait for a line the test expects: it only ends early on
// a failure, so it is long enough for a busy machine.
const ReadWait = 30 * time.Second

// PayloadVerbs are the server commands (NS and switchboard) whose last
// argument, when it is a number, is the length of a payload that follows
// the line.
var PayloadVerbs = map[string]bool{
	"GCF": true, "MSG": true, "UBX": true, "NOT": true, "ADL": true,
	"RML": true, "UBM": true, "UBN": true, "IPG": true, "FQY": true,
}

// Client is one MSNP connection under test. Its methods fail the test on
// an error or an unexpected line.
type Client struct {
	T    testing.TB
	Conn net.Conn
	// Name labels the client in failure messages.
	Name string
	r    *bufio.Reader
}

// New wraps nc; the connection is closed when the test ends.
func New(t testing.TB, nc net.Conn, name string) *Client {
	t.Cleanup(func() { nc.Close() })
	return &Client{T: t, Conn: nc, Name: name, r: bufio.NewReader(nc)}
}

// Dial connects to addr over TCP.
func Dial(t testing.TB, addr, name string) *Client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return New(t, nc, name)
}

// Write sends b as it is.
func (c *Client) Write(b []byte) {
	c.T.Helper()
	if _, err := c.Conn.Write(b); err != nil {
		c.T.Fatalf("%s: send %q: %v", c.Name, b, err)
	}
}

// Send writes one line; CRLF is added.
func (c *Client) Send(line string) {
	c.T.Helper()
	c.Write([]byte(line + "\r\n"))
}

// Sendf formats a line and sends it.
func (c *Client) Sendf(format string, args ...any) {
	c.T.Helper()
	c.Send(fmt.Sprintf(format, args...))
}

// SendPayload sends "line len" and the payload.
func (c *Client) SendPayload(line, payload string) {
	c.T.Helper()
	c.Write([]byte(line + " " + strconv.Itoa(len(payload)) + "\r\n" + payload))
}

// next reads one line without its CRLF and, for a payload verb, its
// payload; payload is "" for other lines.
func (c *Client) next() (line, payload string, err error) {
	c.Conn.SetReadDeadline(time.Now().Add(ReadWait))
	line, err = c.r.ReadString('\n')
	if err != nil {
		return line, "", err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return line, "", fmt.Errorf("line without CRLF: %q", line)
	}
	line = strings.TrimSuffix(line, "\r\n")
	f := strings.Fields(line)
	if len(f) < 2 || !PayloadVerbs[f[0]] {
		return line, "", nil
	}
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		return line, "", nil // a reply such as "ADL 6 OK"
	}
	if n < 0 {
		return line, "", fmt.Errorf("bad payload length in %q", line)
	}
	p, err := c.readN(n)
	return line, p, err
}

func (c *Client) readN(n int) (string, error) {
	buf := make([]byte, n)
	c.Conn.SetReadDeadline(time.Now().Add(ReadWait))
	_, err := io.ReadFull(c.r, buf)
	return string(buf), err
}

// Next is Read returning its error instead of failing the test, for a test
// that expects the read to fail (a close, a timeout).
func (c *Client) Next() (line, payload string, err error) { return c.next() }

// ReadLine returns the next line without its CRLF, reading no payload.
func (c *Client) ReadLine() string {
	c.T.Helper()
	c.Conn.SetReadDeadline(time.Now().Add(ReadWait))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.T.Fatalf("%s: read: %v (partial %q)", c.Name, err, line)
	}
	if !strings.HasSuffix(line, "\r\n") {
		c.T.Fatalf("%s: line without CRLF: %q", c.Name, line)
	}
	return strings.TrimSuffix(line, "\r\n")
}

// ReadPayload reads exactly n bytes.
func (c *Client) ReadPayload(n int) string {
	c.T.Helper()
	p, err := c.readN(n)
	if err != nil {
		c.T.Fatalf("%s: read payload: %v", c.Name, err)
	}
	return p
}

// Read returns the next line and, for a payload verb (PayloadVerbs), its
// payload by the length field.
func (c *Client) Read() (line, payload string) {
	c.T.Helper()
	line, payload, err := c.next()
	if err != nil {
		c.T.Fatalf("%s: read: %v (line %q)", c.Name, err, line)
	}
	return line, payload
}

// ReadPayloadCmd reads a line whose last field is a payload length, and
// the payload, whatever the verb.
func (c *Client) ReadPayloadCmd() (string, string) {
	c.T.Helper()
	line := c.ReadLine()
	f := strings.Fields(line)
	n := -1
	if len(f) > 0 {
		n, _ = strconv.Atoi(f[len(f)-1])
	}
	if n < 0 {
		c.T.Fatalf("%s: not a payload command: %q", c.Name, line)
	}
	return line, c.ReadPayload(n)
}

// Expect reads the next line (and any payload) and compares the line exactly.
func (c *Client) Expect(want string) {
	c.T.Helper()
	if got, _ := c.Read(); got != want {
		c.T.Fatalf("%s:\n got %q\nwant %q", c.Name, got, want)
	}
}

// ExpectRe reads the next line and matches it whole against pattern; it
// returns the submatches.
func (c *Client) ExpectRe(pattern string) []string {
	c.T.Helper()
	got, _ := c.Read()
	m := regexp.MustCompile("^" + pattern + "$").FindStringSubmatch(got)
	if m == nil {
		c.T.Fatalf("%s:\n got %q\nwant /%s/", c.Name, got, pattern)
	}
	return m
}

// ExpectPrefix reads the next line, which must start with prefix, and
// returns it.
func (c *Client) ExpectPrefix(prefix string) string {
	c.T.Helper()
	got, _ := c.Read()
	if !strings.HasPrefix(got, prefix) {
		c.T.Fatalf("%s:\n got %q\nwant %q…", c.Name, got, prefix)
	}
	return got
}

// ExpectPayload reads "line len" and the payload, comparing both exactly.
func (c *Client) ExpectPayload(line, payload string) {
	c.T.Helper()
	c.ExpectCmd(line+" "+strconv.Itoa(len(payload)), payload)
}

// ExpectCmd reads a whole line (its length field included) and its
// payload, comparing both exactly.
func (c *Client) ExpectCmd(line, payload string) {
	c.T.Helper()
	gotLine, gotPayload := c.Read()
	if gotLine != line {
		c.T.Fatalf("%s:\n got %q\nwant %q", c.Name, gotLine, line)
	}
	if gotPayload != payload {
		c.T.Fatalf("%s: payload of %s\n got %q\nwant %q", c.Name, line, gotPayload, payload)
	}
}

// Until skips lines (and their payloads) up to one starting with prefix,
// and returns it.
func (c *Client) Until(prefix string) string {
	c.T.Helper()
	for {
		if got, _ := c.Read(); strings.HasPrefix(got, prefix) {
			return got
		}
	}
}

// UntilCmd is Until returning the payload of the line found too.
func (c *Client) UntilCmd(prefix string) (line, payload string) {
	c.T.Helper()
	for {
		if line, payload = c.Read(); strings.HasPrefix(line, prefix) {
			return line, payload
		}
	}
}

// Barrier sends PNG and returns what arrived before the QNG: each line,
// followed by its payload for a payload verb.
func (c *Client) Barrier() []string {
	c.T.Helper()
	c.Send("PNG")
	var got []string
	for {
		line, payload := c.Read()
		if strings.HasPrefix(line, "QNG ") {
			return got
		}
		got = append(got, line)
		if f := strings.Fields(line); len(f) > 1 && PayloadVerbs[f[0]] {
			got = append(got, payload)
		}
	}
}

// Sync is a Barrier before which nothing may arrive.
func (c *Client) Sync() {
	c.T.Helper()
	if got := c.Barrier(); len(got) > 0 {
		c.T.Fatalf("%s: unexpected %q before QNG", c.Name, got)
	}
}

// ExpectClosed waits for the server to close the connection. Each line
// that comes first must be one of allowed (none by default).
func (c *Client) ExpectClosed(allowed ...string) {
	c.T.Helper()
	for {
		line, _, err := c.next()
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				c.T.Fatalf("%s: connection still open", c.Name)
			case errors.Is(err, io.EOF) && line == "", errors.Is(err, syscall.ECONNRESET):
				return
			default:
				c.T.Fatalf("%s: not closed cleanly: %v (read %q)", c.Name, err, line)
			}
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == line
		}
		if !ok {
			c.T.Fatalf("%s: unexpected %q before the close", c.Name, line)
		}
	}
}

// ExpectEnd waits for the server to close the connection, whatever it
// sent before.
func (c *Client) ExpectEnd() {
	c.T.Helper()
	c.Conn.SetReadDeadline(time.Now().Add(ReadWait))
	if _, err := io.ReadAll(c.r); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		c.T.Fatalf("%s: connection not closed: %v", c.Name, err)
	}
}
