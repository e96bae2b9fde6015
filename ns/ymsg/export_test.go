package ymsg

import "fmt"

func init() {
	panicHook = func(v any) { panic(fmt.Sprintf("recovered panic in a pager connection: %v", v)) }
}

// Parked is the number of pager connections parked now.
func (s *Server) Parked() int { return s.conns.Parked() }
