package msnptest

import (
	"bufio"
	"net"
	"slices"
	"testing"
)

// script serves one connection: it writes pushes, answers the client's
// PNG with QNG after writing after, then closes.
func script(t *testing.T, pushes, after string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.Write([]byte(pushes))
		if line, err := bufio.NewReader(nc).ReadString('\n'); err != nil || line != "PNG\r\n" {
			return
		}
		nc.Write([]byte(after + "QNG 50\r\n"))
	}()
	return ln.Addr().String()
}

func TestBarrierReadsPayloadsAndClose(t *testing.T) {
	addr := script(t, "ADL 6 OK\r\nNOT 5\r\nhelloNLN NLN a@b.c 1 A 0 0\r\n", "UBX a@b.c 1 3\r\n<x>")
	c := Dial(t, addr, "test")
	c.Expect("ADL 6 OK") // a reply, not a payload length
	got := c.Barrier()
	want := []string{"NOT 5", "hello", "NLN NLN a@b.c 1 A 0 0", "UBX a@b.c 1 3", "<x>"}
	if !slices.Equal(got, want) {
		t.Fatalf("barrier: got %q, want %q", got, want)
	}
	c.ExpectClosed()
}

func TestExpectClosedAllows(t *testing.T) {
	addr := script(t, "", "")
	c := Dial(t, addr, "test")
	c.Send("PNG")
	c.ExpectClosed("QNG 50")
}
