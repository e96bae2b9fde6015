//go:build !windows

package listen

import (
	"syscall"
	"testing"
)

func TestDescriptorLimit(t *testing.T) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skip(err)
	}
	n, ok := descriptorLimit()
	if !ok || n <= 0 || (rl.Cur < 1<<31 && uint64(n) != rl.Cur) {
		t.Fatalf("descriptorLimit() = %d, %v; rlimit %d", n, ok, rl.Cur)
	}
	// A pool never plans more connections than descriptors.
	if p := NewPool(Limits{MaxConns: n + 1000}, nil); p.MaxConns()+DefaultReserve > n && p.MaxConns() != 16 {
		t.Fatalf("MaxConns %d with %d descriptors", p.MaxConns(), n)
	}
}
