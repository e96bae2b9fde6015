//go:build unix

package listen

import (
	"net"
	"syscall"
)

// canWait reports whether waitReadable can wait on nc without reading.
func canWait(nc net.Conn) bool {
	_, ok := nc.(syscall.Conn)
	return ok
}

// waitReadable returns once nc has data or an end to report (EOF, an
// error, its close, its read deadline), consuming nothing. It keeps its
// frames few: a parked connection's whole stack is this wait.
func waitReadable(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN
	})
}
