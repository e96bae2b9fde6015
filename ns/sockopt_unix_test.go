//go:build !windows

package ns

import "syscall"

// setRcvBuf sets a socket's receive buffer (the descriptor is an int here).
func setRcvBuf(fd uintptr, n int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
