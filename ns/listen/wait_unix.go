//go:build unix

package listen

import (
	"net"
	"syscall"
)

// CanWait reports whether Wait can wait on nc without reading from it.
func CanWait(nc net.Conn) bool {
	_, ok := nc.(syscall.Conn)
	return ok
}

// Wait returns once nc has data or an end to report (EOF, an error, its
// close), consuming nothing, or with os.ErrDeadlineExceeded (wrapped) at
// its read deadline. It keeps its frames few: a parked connection's whole
// stack is this wait.
func Wait(nc net.Conn) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN
	})
}
