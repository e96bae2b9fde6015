package sso

import (
	"encoding/base64"
	"errors"
	"testing"
)

// The vector was computed outside Go: the key derivation and HMAC with
// Python's hmac module, the 3DES-CBC with `openssl enc -des-ede3-cbc -nopad`.
const (
	vecNonce = "E4Fhehbe0q2Je+SUSp7IRnJV+rN4uME75ljIpUjIZ1Si+DgmrfuiIL+AFmkMA6Wv"
	vecBlob  = "HAAAAAEAAAADZgAABIAAAAgAAAAUAAAASAAAAAECAwQFBgcIY5Fmh+6KV/Ms+/xngjCqB6QrbN+kCb7lnn7krQrwLc9ZlGrddjH1WvNWJXi4Jf42BsXVDR1eTBg6E1Yy4/ZXxLTxvOoLIgvKR/LftPzcj64vm3fecTgbdqrEE3k="
)

func vecSecret() []byte {
	s := make([]byte, 24)
	for i := range s {
		s[i] = byte(i + 1)
	}
	return s
}

func TestVector(t *testing.T) {
	iv := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	if got := ProofIV(vecSecret(), vecNonce, iv); got != vecBlob {
		t.Fatalf("ProofIV\n got %s\nwant %s", got, vecBlob)
	}
	if err := Verify(vecSecret(), vecNonce, vecBlob); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	secret := vecSecret()
	nonce := NewNonce()
	if len(nonce) != NonceLen {
		t.Fatalf("nonce %q", nonce)
	}
	good := Proof(secret, nonce)
	if err := Verify(secret, nonce, good); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(good)
	mutate := func(f func(b []byte) []byte) string {
		b := append([]byte(nil), raw...)
		return base64.StdEncoding.EncodeToString(f(b))
	}
	wrong := append([]byte(nil), secret...)
	wrong[23] ^= 0x80
	cases := []struct {
		name string
		blob string
		want error
	}{
		{"wrong key", Proof(wrong, nonce), ErrProof},
		{"other nonce", Proof(secret, NewNonce()), ErrProof},
		{"hash flipped", mutate(func(b []byte) []byte { b[40] ^= 1; return b }), ErrProof},
		{"cipher flipped", mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrProof},
		{"truncated", mutate(func(b []byte) []byte { return b[:len(b)-1] }), ErrMalformed},
		{"header only", mutate(func(b []byte) []byte { return b[:28] }), ErrMalformed},
		{"short header", mutate(func(b []byte) []byte { return b[:20] }), ErrMalformed},
		{"header size", mutate(func(b []byte) []byte { b[0] = 24; return b }), ErrHeader},
		{"mode", mutate(func(b []byte) []byte { b[4] = 2; return b }), ErrHeader},
		{"cipher alg", mutate(func(b []byte) []byte { b[8] = 0x10; return b }), ErrHeader},
		{"hash alg", mutate(func(b []byte) []byte { b[12] = 0x0c; return b }), ErrHeader},
		{"cipher length", mutate(func(b []byte) []byte { b[24] = 80; return b }), ErrHeader},
		{"not base64", "***", ErrMalformed},
		{"empty", "", ErrMalformed},
	}
	for _, c := range cases {
		if err := Verify(secret, nonce, c.blob); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// FuzzVerify feeds arbitrary blobs: Verify must never panic and must only
// accept the one right answer.
func FuzzVerify(f *testing.F) {
	f.Add(vecBlob)
	f.Add(vecBlob[:40])
	f.Add("HAAAAAEAAAADZgAABIAAAAgAAAAUAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, blob string) {
		err := Verify(vecSecret(), vecNonce, blob)
		if err == nil && blob != vecBlob {
			// Another encoding of the same bytes would also be right.
			raw, _ := base64.StdEncoding.DecodeString(blob)
			want, _ := base64.StdEncoding.DecodeString(vecBlob)
			if string(raw) != string(want) {
				t.Fatalf("accepted %q", blob)
			}
		}
	})
}

// BenchmarkVerify is what SSO adds to a login on the server (the key
// derivation, one HMAC and one 72-byte 3DES encryption).
func BenchmarkVerify(b *testing.B) {
	secret := vecSecret()
	for b.Loop() {
		if err := Verify(secret, vecNonce, vecBlob); err != nil {
			b.Fatal(err)
		}
	}
}
