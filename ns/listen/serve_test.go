package listen

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

// fakeServed panics while serving when told to, else reads until EOF.
type fakeServed struct {
	nc    net.Conn
	panic bool
}

func (f *fakeServed) Serve() {
	defer f.nc.Close()
	if f.panic {
		panic("bug in a connection")
	}
	io.Copy(io.Discard, f.nc)
}
func (f *fakeServed) Goodbye()         { f.nc.Close() }
func (f *fakeServed) Socket() net.Conn { return f.nc }

// A panic in one connection is recovered and reported, the connection is
// released, and the server keeps serving; Shutdown says goodbye to the rest.
func TestConnsRecoverPanicAndShutdown(t *testing.T) {
	first := true
	s := NewConns("test", Limits{MaxConns: 10, MaxPerIP: 10}, slog.New(slog.DiscardHandler),
		func(nc net.Conn, id uint64) *fakeServed {
			f := &fakeServed{nc: nc, panic: first}
			first = false
			return f
		})
	panics := make(chan any, 1)
	s.OnPanic = func(v any) { panics <- v }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()

	c1, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	select {
	case v := <-panics:
		if v != "bug in a connection" {
			t.Fatalf("OnPanic got %v", v)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the panic was not reported")
	}
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	for deadline := time.Now().Add(30 * time.Second); s.Len() != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections live, want the second one only", s.Len())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if s.Len() != 0 {
		t.Fatalf("%d connections after Shutdown", s.Len())
	}
}
