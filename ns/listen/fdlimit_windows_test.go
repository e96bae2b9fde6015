//go:build windows

package listen

import "testing"

func TestDescriptorLimit(t *testing.T) {
	if _, ok := descriptorLimit(); ok {
		t.Fatal("Windows has no descriptor limit to read")
	}
	if p := NewPool(Limits{MaxConns: 50000}, nil); p.MaxConns() != 50000 {
		t.Fatalf("MaxConns %d, want the configured 50000", p.MaxConns())
	}
}
