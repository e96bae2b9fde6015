package backend_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"msnserver/admin"
	"msnserver/admin/backend"
	"msnserver/ns"
	"msnserver/ns/hub"
	"msnserver/store"
)

// TestAccountRoaming: the account detail carries the roamed personal
// message, name and picture, and Picture serves the stored bytes.
func TestAccountRoaming(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "data"), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := st.CreateAccount(store.NewAccount{Email: "alice@hotmail.com", Password: "pw", Name: "Alice", Network: 1})
	if err != nil {
		t.Fatal(err)
	}
	be := backend.New(st, hub.New(st, nil), nil, nil, "127.0.0.1", ns.DefaultPolicy)
	ctx := context.Background()
	if _, _, err := be.Picture(ctx, a.Email); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("picture before any: %v", err)
	}
	png := []byte("\x89PNG\r\n\x1a\n0000")
	doc, err := st.CreateDocument(a.ID, "tile", "image/png", png)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateRoamingProfile(a.ID, func(p *store.RoamingProfile) error {
		p.PersonalStatus, p.PersonalStatusModified = "roamed psm", doc.Created
		p.Photo = doc.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	d, err := be.Account(ctx, a.Email)
	if err != nil {
		t.Fatal(err)
	}
	if d.PersonalMessage != "roamed psm" || d.RoamedName != "" || d.Picture == nil || d.Picture.Mime != "image/png" || d.Picture.Size != len(png) {
		t.Fatalf("detail %+v %+v", d, d.Picture)
	}
	mime, data, err := be.Picture(ctx, a.Email)
	if err != nil || mime != "image/png" || string(data) != string(png) {
		t.Fatalf("picture %q %q %v", mime, data, err)
	}
}
