package admin_test

import (
	"net/http"
	"strings"
	"testing"
)

// The backup download names the admin in its audit line, and a HEAD does not
// copy the store.
func TestBackupAuditAndHead(t *testing.T) {
	ts := start(t)
	c := ts.client(t).login()
	req, _ := http.NewRequest(http.MethodHead, ts.url+"/backup", nil)
	r := c.do(req)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("HEAD /backup: %d %v", r.status, r.header)
	}
	ts.be.mu.Lock()
	n := ts.be.backups
	ts.be.mu.Unlock()
	if n != 0 {
		t.Fatalf("HEAD /backup built %d backups", n)
	}
	r = c.get("/backup")
	if r.status != http.StatusOK || r.body != "a consistent copy of the store" {
		t.Fatalf("GET /backup: %d %q", r.status, r.body)
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, "admin: backup downloaded") || !strings.Contains(logs, "admin="+testAdmin) || strings.Contains(logs, "admin=<nil>") {
		t.Fatalf("audit line does not name the admin:\n%s", logs)
	}
}
