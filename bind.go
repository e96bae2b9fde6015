package main

import (
	"errors"
	"fmt"
	"net"
)

// errPrivilege marks a bind refused because the user may not use the port
// (below 1024 without root or CAP_NET_BIND_SERVICE).
var errPrivilege = errors.New("permission denied")

// fallback records a default web port that could not be bound and the
// address served instead.
type fallback struct {
	what, wanted, got string
	flagName, envName string
}

// notice is the one loud explanation of a fallback, with the fix.
func (f fallback) notice() string {
	return fmt.Sprintf("%s: no privilege to listen on %s, so they listen on %s instead. "+
		"Messenger clients only use ports 80 and 443 and cannot sign in until this is fixed: %s, "+
		"or give -%s (%s) explicitly", f.what, f.wanted, f.got, privilegeFix, f.flagName, f.envName)
}

// listenOrFallback binds addr as listen does. When addr is the built-in
// default (explicit is false) and the bind is refused for lack of privilege,
// an ordinary user's first run, it binds fallbackAddr instead and says so in
// the returned fallback. An explicit address never falls back.
func listenOrFallback(what, addr, fallbackAddr string, explicit bool, flagName, envName string) (net.Listener, *fallback, error) {
	ln, err := listen(what, addr, flagName, envName)
	if err == nil || explicit || !errors.Is(err, errPrivilege) {
		return ln, nil, err
	}
	ln, err2 := listen(what, fallbackAddr, flagName, envName)
	if err2 != nil {
		return nil, nil, fmt.Errorf("%w; the fallback failed too: %w", err, err2)
	}
	got := fallbackAddr
	if _, port, _ := net.SplitHostPort(got); port == "0" {
		got = ln.Addr().String()
	}
	return ln, &fallback{what: what, wanted: addr, got: got, flagName: flagName, envName: envName}, nil
}
