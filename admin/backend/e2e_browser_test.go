package backend_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"msnserver/admin/internal/browsertest"
)

// tab is one headless Chromium tab on the admin console.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newTab(t *testing.T, base string) *tab {
	return &tab{t: t, ctx: browsertest.NewTab(t), base: base}
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

// submit clicks the button css selects and waits for the page that follows.
func (b *tab) submit(css string) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
		b.t.Fatalf("click %s: %v", css, err)
	}
}

func (b *tab) fill(css, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(css), value))
}

func (b *tab) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// expect checks that the element css selects says every one of want.
func (b *tab) expect(css string, want ...string) {
	b.t.Helper()
	got := b.text(css)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Fatalf("%s on %s says %q, want %q", css, b.path(), got, w)
		}
	}
}

func (b *tab) path() string { return browsertest.Path(b.t, b.ctx) }

func (b *tab) at(path string) {
	b.t.Helper()
	if got := b.path(); got != path {
		b.t.Fatalf("at %s, want %s", got, path)
	}
}

// shot saves the page as a screenshot when MSN_SCREENSHOTS=1.
func (b *tab) shot(name string) {
	browsertest.Shot(b.t, b.ctx, filepath.Join("..", "testdata", "screenshots"), name)
}
