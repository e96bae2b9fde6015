//go:build !windows

package main

import (
	"net"
	"os"
	"syscall"
	"testing"
)

func TestBindErrorsUnix(t *testing.T) {
	denied := &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EACCES)}
	if !isPermissionDenied(denied) || isAddrInUse(denied) {
		t.Fatal("EACCES is not classified as a privilege problem")
	}
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
