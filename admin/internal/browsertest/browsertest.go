// Package browsertest starts headless Chromium for the admin console's
// browser tests, so every such test launches it the same way.
package browsertest

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns a Chromium binary, or skips the test when there is none,
// unless CI=true: in CI the browser tests must run.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary found, and CI=true requires the browser test")
	}
	t.Skip("no chromium binary found (apt-get install chromium)")
	return ""
}

// NewTab starts headless Chromium with the flags this closed network needs
// (no background networking, a fresh profile) and returns a tab's context,
// cancelled when the test ends.
func NewTab(t testing.TB) context.Context {
	t.Helper()
	bin := Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// Path is the tab's current path and query.
func Path(t testing.TB, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// Shot saves the page as dir/name.png when MSN_SCREENSHOTS=1.
func Shot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	if os.Getenv("MSN_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Tab is one headless Chromium tab on a site under test, with the steps the
// console's browser tests take; every step fails the test on an error.
type Tab struct {
	t     *testing.T
	ctx   context.Context
	base  string // URL the paths are relative to
	shots string // folder for Shot
}

// NewTabAt opens a tab for the site at base; Shot saves into shots.
func NewTabAt(t *testing.T, base, shots string) *Tab {
	return &Tab{t: t, ctx: NewTab(t), base: base, shots: shots}
}

// Do runs chromedp steps.
func (b *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// Open loads a page of the site.
func (b *Tab) Open(path string) {
	b.t.Helper()
	b.Do(chromedp.Navigate(b.base + path))
}

// Click clicks what css selects and waits for the page that follows.
func (b *Tab) Click(css string) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
		b.t.Fatalf("click %s: %v", css, err)
	}
}

// Fill sets the value of the field css selects.
func (b *Tab) Fill(css, value string) {
	b.t.Helper()
	b.Do(chromedp.SetValue(chromedp.CSS(css), value))
}

// Text is the text of the element css selects.
func (b *Tab) Text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Expect checks that the element css selects says every one of want.
func (b *Tab) Expect(css string, want ...string) {
	b.t.Helper()
	got := b.Text(css)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Fatalf("%s on %s says %q, want %q", css, b.Path(), got, w)
		}
	}
}

// Path is the current page's path and query.
func (b *Tab) Path() string { return Path(b.t, b.ctx) }

// At checks that the tab shows path.
func (b *Tab) At(path string) {
	b.t.Helper()
	if got := b.Path(); got != path {
		b.t.Fatalf("at %s, want %s", got, path)
	}
}

// Shot saves the page as a screenshot when MSN_SCREENSHOTS=1.
func (b *Tab) Shot(name string) { Shot(b.t, b.ctx, b.shots, name) }

// Context is the tab's chromedp context, for steps beyond these.
func (b *Tab) Context() context.Context { return b.ctx }
