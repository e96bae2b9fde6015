//go:build !unix

package listen

import "net"

// CanWait is false where a socket cannot be waited on without a read: the
// connection keeps its goroutine.
func CanWait(net.Conn) bool { return false }

// Wait returns at once where CanWait is false.
func Wait(net.Conn) error { return nil }
