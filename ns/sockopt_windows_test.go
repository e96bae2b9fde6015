//go:build windows

package ns

import "syscall"

// setRcvBuf sets a socket's receive buffer (the descriptor is a Handle here).
func setRcvBuf(fd uintptr, n int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
