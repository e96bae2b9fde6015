//go:build !windows

package listen

import (
	"math"
	"syscall"
)

// descriptorLimit is the process's soft limit on open descriptors, which
// every connection uses one of.
func descriptorLimit() (int, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	if rl.Cur > math.MaxInt32 {
		return math.MaxInt32, true
	}
	return int(rl.Cur), true
}
