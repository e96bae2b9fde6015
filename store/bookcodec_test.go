package store

import (
	"reflect"
	"testing"
	"time"
)

func TestBookCodecRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	id := NewGUID()
	g, ok := parseGUID(id)
	if !ok || formatGUID(g[:]) != id {
		t.Fatalf("GUID %s: %x %v", id, g, ok)
	}
	if _, ok := parseGUID("C1"); ok {
		t.Fatal("C1 parsed as a GUID")
	}
	for _, c := range []*Contact{
		{ID: id},
		{ID: id, Email: "a@b.c", Network: NetworkYahoo, Nickname: "Ä ö", IsMessengerUser: true, Groups: []string{"g1", "g2"},
			Annotations: map[string]string{"x": "", "AB.NickName": "n"}, Created: t0, Changed: t0.Add(time.Second), Deleted: true},
		{ID: id, Email: "a@b.c", Created: t0, Changed: t0},
	} {
		got, err := decodeContact(g[:], encodeContact(c))
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("contact round trip:\n got %+v %v\nwant %+v", got, err, c)
		}
	}
	a := &address{contact: g[:], roles: []*Member{
		{Role: ListAllow, Email: "a@b.c", Network: 1, Created: t0, Changed: t0, MemberID: 1<<31 - 1},
		{Role: ListBlock, Email: "a@b.c", Network: 32, DisplayName: "A", Created: t0, Changed: t0.Add(time.Hour), Deleted: true},
	}}
	got, err := decodeAddress("a@b.c", encodeAddress(a))
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("address round trip:\n got %+v %v\nwant %+v", got, err, a)
	}
	m := bookMeta{contacts: 1000, lastChange: t0}
	if got, err := decodeBookMeta(encodeBookMeta(m)); err != nil || got != m {
		t.Errorf("meta round trip: %+v %v", got, err)
	}
	if got, err := decodeBookMeta(encodeBookMeta(bookMeta{})); err != nil || !got.lastChange.IsZero() {
		t.Errorf("zero meta: %+v %v", got, err)
	}
}

// FuzzBookRecords feeds arbitrary bytes to the record decoders: a corrupt
// record is an error, never a panic, and what decodes re-encodes to a
// record that decodes the same.
func FuzzBookRecords(f *testing.F) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)
	g, _ := parseGUID(NewGUID())
	f.Add(encodeContact(&Contact{Email: "a@b.c", Groups: []string{"g"}, Annotations: map[string]string{"k": "v"}, Created: t0, Changed: t0.Add(1)}))
	f.Add(encodeAddress(&address{contact: g[:], roles: []*Member{{Role: ListAllow, Network: 1, Created: t0, Changed: t0, MemberID: 7}}}))
	f.Add(encodeBookMeta(bookMeta{contacts: 3, lastChange: t0}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := decodeContact(g[:], data); err == nil {
			again, err := decodeContact(g[:], encodeContact(c))
			if err != nil || !reflect.DeepEqual(again, c) {
				t.Fatalf("contact %+v re-decodes as %+v %v", c, again, err)
			}
		}
		if a, err := decodeAddress("a@b.c", data); err == nil {
			again, err := decodeAddress("a@b.c", encodeAddress(a))
			if err != nil || !reflect.DeepEqual(again, a) {
				t.Fatalf("address %+v re-decodes as %+v %v", a, again, err)
			}
		}
		decodeBookMeta(data)
	})
}
