package ab

import (
	"bytes"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"msnserver/ns/ticket"
	"msnserver/store"
)

// FuzzEnvelope feeds request bodies to both services: whatever arrives, the
// answer is a 200 response with a ServiceHeader or a 500 fault with an
// errorcode, never a panic. "TICKET" in a body is replaced by a valid
// ticket so the fuzzer reaches the actions. Seeds: testdata/fuzz/FuzzEnvelope.
func FuzzEnvelope(f *testing.F) {
	st, err := store.Open(f.TempDir(), store.Options{NoSync: true, PasswordCost: 4}) // a write per input: no fsync
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	signer, err := ticket.New(testKey)
	if err != nil {
		f.Fatal(err)
	}
	var tok string
	for _, u := range []struct {
		email   string
		network int
	}{{"alice@hotmail.com", 1}, {"bob@hotmail.com", 1}, {"yuki@yahoo.com", 32}} {
		a, err := st.CreateAccount(store.NewAccount{Email: u.email, Password: "pw", Network: u.network})
		if err != nil {
			f.Fatal(err)
		}
		if tok == "" {
			tok = ticket.Compact(signer.Issue(a.ID))
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	handlers := map[bool]http.Handler{
		false: NewAddressBook(st, signer, &recorder{}, log),
		true:  NewSharing(st, signer, &recorder{}, log),
	}
	f.Add(false, envelope("TICKET", "ABFindAll", findAllBody(false, "")))
	f.Add(true, envelope("TICKET", "FindMembership", findMembershipBody(false, "")))
	f.Fuzz(func(t *testing.T, sharing bool, body string) {
		body = strings.ReplaceAll(body, "TICKET", xmlEscape(tok))
		req := httptest.NewRequest(http.MethodPost, "/abservice/x.asmx", strings.NewReader(body))
		req.Header.Set("Cookie", "MSPAuth="+ticket.Token(tok))
		w := httptest.NewRecorder()
		handlers[sharing].ServeHTTP(w, req)
		var root node
		if err := xml.Unmarshal(w.Body.Bytes(), &root); err != nil {
			t.Fatalf("%d answer is not XML: %v\n%s", w.Code, err, w.Body.String())
		}
		switch w.Code {
		case 200:
			if root.find("ServiceHeader") == nil || root.find("Fault") != nil {
				t.Fatalf("200 without ServiceHeader: %s", w.Body.String())
			}
		case 500:
			if root.find("Fault") == nil || root.text("errorcode") == "" {
				t.Fatalf("500 without a fault errorcode: %s", w.Body.String())
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
	})
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
