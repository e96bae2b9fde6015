//go:build windows

package listen

// descriptorLimit: Windows has no per-process descriptor limit like
// RLIMIT_NOFILE (sockets are handles, bounded only by memory), so the
// configured caps stand.
func descriptorLimit() (int, bool) { return 0, false }
