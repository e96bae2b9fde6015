//go:build windows

package main

import (
	"net"
	"os"
	"testing"
)

func TestBindErrorsWindows(t *testing.T) {
	denied := &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", wsaEACCES)}
	if !isPermissionDenied(denied) || isAddrInUse(denied) {
		t.Fatal("WSAEACCES is not classified as a privilege problem")
	}
	// Windows lets a second socket share a port only with SO_REUSEADDR,
	// which Go does not set for listeners: this is WSAEADDRINUSE.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, err = net.Listen("tcp", taken.Addr().String())
	if err == nil || !isAddrInUse(err) || isPermissionDenied(err) {
		t.Fatalf("a taken port gave %v", err)
	}
}
