//go:build windows

package main

import (
	"errors"
	"syscall"
)

// Winsock's codes; syscall.EACCES and syscall.EADDRINUSE are Go's own
// numbers on Windows and never match what bind returns.
const (
	wsaEACCES     = syscall.Errno(10013)
	wsaEADDRINUSE = syscall.Errno(10048)
)

// privilegeFix: Windows needs no privilege for low ports; WSAEACCES means
// another program holds the port exclusively or Windows reserves it.
const privilegeFix = "another program (IIS, the HTTP service, Skype) holds the port exclusively or Windows reserves it " +
	"(`netsh interface ipv4 show excludedportrange protocol=tcp`); stop that program"

// isPermissionDenied reports a bind refused with WSAEACCES.
func isPermissionDenied(err error) bool {
	return errors.Is(err, wsaEACCES) || errors.Is(err, syscall.ERROR_ACCESS_DENIED)
}

// isAddrInUse reports a bind refused because another socket holds the port.
func isAddrInUse(err error) bool { return errors.Is(err, wsaEADDRINUSE) }
