package wire

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// The reader gives the same lines and payloads however the bytes arrive:
// one at a time, split across its buffer, or in one read.
func TestReaderAnySplit(t *testing.T) {
	var in bytes.Buffer
	var want []string
	for i := range 300 {
		line := "MSG " + strings.Repeat("x", i%70) + " 5"
		in.WriteString(line + "\r\n" + "hello")
		want = append(want, line)
	}
	in.WriteString(strings.Repeat("L", 3000) + "\r\n") // longer than the buffer
	for name, src := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(in.Bytes()) },
		"byte":     func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in.Bytes())) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(in.Bytes())) },
		"data+err": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(in.Bytes())) },
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReaderSize(src(), 64)
			for i, w := range want {
				got, err := r.ReadLine()
				if err != nil || string(got) != w {
					t.Fatalf("line %d = %q, %v; want %q", i, got, err, w)
				}
				p, err := r.ReadPayload(5)
				if err != nil || string(p) != "hello" {
					t.Fatalf("payload %d = %q, %v", i, p, err)
				}
			}
			if got, err := r.ReadLine(); err != nil || len(got) != 3000 {
				t.Fatalf("long line: %d bytes, %v", len(got), err)
			}
			if _, err := r.ReadLine(); err != io.EOF {
				t.Fatalf("at the end: %v, want EOF", err)
			}
			if r.BytesRead() != int64(in.Len()) {
				t.Fatalf("BytesRead %d, want %d", r.BytesRead(), in.Len())
			}
		})
	}
}

func TestReaderPayloadCutShort(t *testing.T) {
	r := NewReader(strings.NewReader("MSG 1 U 10\r\nabc"))
	if _, err := r.ReadLine(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadPayload(10); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v, want ErrUnexpectedEOF", err)
	}
}

func TestReaderLineTooLongWithoutNewline(t *testing.T) {
	r := NewReader(strings.NewReader(strings.Repeat("a", MaxLine+10)))
	if _, err := r.ReadLine(); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("err %v, want ErrLineTooLong", err)
	}
}

// On a socket the reader holds no buffer while it waits, reads what
// arrives after the wait, and still honours the read deadline.
func TestReaderIdleSocket(t *testing.T) {
	if !idleWaitSupported {
		t.Skip("no idle waits on this platform")
	}
	a, b := tcpPair(t)
	r := NewReader(a)
	if r.raw == nil {
		t.Fatal("a TCP connection gave no raw socket")
	}
	got := make(chan string, 1)
	go func() {
		line, err := r.ReadLine()
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- string(line)
	}()
	time.Sleep(20 * time.Millisecond) // let it wait; the outcome does not depend on it
	b.Write([]byte("PNG\r\n"))
	if l := <-got; l != "PNG" {
		t.Fatalf("read %q", l)
	}
	if r.Buffered() != 0 {
		t.Fatalf("%d bytes left buffered", r.Buffered())
	}

	a.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := r.ReadLine(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err %v, want a deadline error", err)
	}
	if r.buf != nil {
		t.Fatal("the reader kept its buffer through an idle wait")
	}
	a.SetReadDeadline(time.Time{})
	b.Write([]byte("OUT\r\n"))
	if l, err := r.ReadLine(); err != nil || string(l) != "OUT" {
		t.Fatalf("after the deadline: %q, %v", l, err)
	}
	b.Close()
	if _, err := r.ReadLine(); err != io.EOF {
		t.Fatalf("after close: %v, want EOF", err)
	}
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-accepted
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func BenchmarkReaderSocket(b *testing.B) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, _ := ln.Accept()
		msg := []byte("MSG 1 U 5\r\nhello")
		chunk := bytes.Repeat(msg, 64)
		for sent := 0; sent < b.N; sent += 64 {
			c.Write(chunk)
		}
		c.Close()
	}()
	c, _ := net.Dial("tcp", ln.Addr().String())
	defer c.Close()
	r := NewReaderSize(c, 8192)
	var payload []byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := r.ReadLine(); err != nil {
			b.Fatal(err)
		}
		var err error
		if payload, err = r.ReadPayloadInto(payload, 5); err != nil {
			b.Fatal(err)
		}
	}
}
