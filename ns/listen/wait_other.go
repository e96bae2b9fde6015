//go:build !unix

package listen

import "net"

// canWait is false where a socket cannot be waited on without a read: the
// connection keeps its goroutine.
func canWait(net.Conn) bool { return false }

func waitReadable(net.Conn) {}
