package backend_test

import (
	"path/filepath"
	"testing"

	"msnserver/admin/internal/browsertest"
)

// tab is one headless Chromium tab on the admin console.
type tab = browsertest.Tab

func newTab(t *testing.T, base string) *tab {
	return browsertest.NewTabAt(t, base, filepath.Join("..", "testdata", "screenshots"))
}
