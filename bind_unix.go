//go:build !windows

package main

import (
	"errors"
	"syscall"
)

// privilegeFix is how to allow a low port on this platform.
const privilegeFix = "ports below 1024 need root or `sudo setcap cap_net_bind_service=+ep ./msnserver` (on the built binary, not `go run`)"

// isPermissionDenied reports a bind refused for lack of privilege.
func isPermissionDenied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// isAddrInUse reports a bind refused because another socket holds the port.
func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
