// Package sso implements the MSNP15 "RPS" proof of USR SSO: the server sends
// a nonce with the MBI_KEY_OLD policy, the client proves it holds the
// BinarySecret of its messengerclear.live.com token by returning a blob with
// an HMAC-SHA1 of the nonce and the nonce encrypted with 3DES-CBC, each under
// a key derived from the secret.
//
// Blob layout (little-endian uint32 header, then the three byte fields):
//
//	28 (header size), 1 (CBC), 0x6603 (CALG_3DES), 0x8004 (CALG_SHA1),
//	8 (IV length), 20 (hash length), cipher length;
//	IV [8] | HMAC-SHA1 [20] | cipher [len(nonce)+8]
package sso

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// Policy is the policy name sent with the nonce (and requested by the
// client for messengerclear.live.com).
const Policy = "MBI_KEY_OLD"

// Blob header constants.
const (
	headerSize = 28
	modeCBC    = 1
	calg3DES   = 0x6603
	calgSHA1   = 0x8004
	ivLen      = 8
	hashLen    = 20
)

// NonceLen is the nonce's length in characters: 48 random bytes in base64.
// Clients pad the nonce with eight 0x08 bytes before encrypting, which only
// makes a whole number of 3DES blocks when the length is a multiple of 8.
const NonceLen = 64

// Labels of the two derived keys.
const (
	labelHash    = "WS-SecureConversationSESSION KEY HASH"
	labelEncrypt = "WS-SecureConversationSESSION KEY ENCRYPTION"
)

// Errors from Verify; all mean "911 and close".
var (
	ErrMalformed = errors.New("sso: malformed proof blob")
	ErrHeader    = errors.New("sso: unexpected proof header")
	ErrProof     = errors.New("sso: proof does not match")
)

// NewNonce returns a fresh random nonce of NonceLen characters.
func NewNonce() string {
	var b [48]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// DeriveKey is the RPS key derivation: a 24-byte key from the secret and a
// label, built from four HMAC-SHA1 steps (hash2 and the first 4 bytes of hash4).
func DeriveKey(secret []byte, label string) []byte {
	mac := func(parts ...[]byte) []byte {
		m := hmac.New(sha1.New, secret)
		for _, p := range parts {
			m.Write(p)
		}
		return m.Sum(nil)
	}
	l := []byte(label)
	h1 := mac(l)
	h2 := mac(h1, l)
	h3 := mac(h1)
	h4 := mac(h3, l)
	return append(h2, h4[:4]...)
}

// expected computes the hash and cipher a client holding secret produces
// for nonce with the given IV.
func expected(secret []byte, nonce string, iv []byte) (hash, ct []byte) {
	m := hmac.New(sha1.New, DeriveKey(secret, labelHash))
	m.Write([]byte(nonce))
	hash = m.Sum(nil)
	block, err := des.NewTripleDESCipher(DeriveKey(secret, labelEncrypt))
	if err != nil {
		panic(err) // the derived key is always 24 bytes
	}
	pt := make([]byte, len(nonce)+8)
	copy(pt, nonce)
	for i := len(nonce); i < len(pt); i++ {
		pt[i] = 0x08
	}
	ct = make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
	return hash, ct
}

// Proof returns the base64 blob a client sends for nonce (used by the load
// tester and the tests; the server only verifies). nonce must be a multiple
// of 8 bytes long.
func Proof(secret []byte, nonce string) string {
	var iv [ivLen]byte
	rand.Read(iv[:])
	return ProofIV(secret, nonce, iv[:])
}

// ProofIV is Proof with a given IV.
func ProofIV(secret []byte, nonce string, iv []byte) string {
	hash, ct := expected(secret, nonce, iv)
	b := make([]byte, 0, headerSize+ivLen+hashLen+len(ct))
	for _, v := range []uint32{headerSize, modeCBC, calg3DES, calgSHA1, ivLen, hashLen, uint32(len(ct))} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	b = append(b, iv...)
	b = append(b, hash...)
	b = append(b, ct...)
	return base64.StdEncoding.EncodeToString(b)
}

// Verify checks a client's base64 blob against the nonce sent to it and the
// BinarySecret of its ticket. Comparisons run in constant time.
func Verify(secret []byte, nonce, blob string) error {
	if len(nonce)%8 != 0 || len(nonce) == 0 {
		return fmt.Errorf("nonce of %d bytes: %w", len(nonce), ErrMalformed)
	}
	if len(blob) > 512 {
		return fmt.Errorf("blob of %d characters: %w", len(blob), ErrMalformed)
	}
	raw, err := base64.StdEncoding.DecodeString(blob)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(raw) < headerSize {
		return fmt.Errorf("blob of %d bytes: %w", len(raw), ErrMalformed)
	}
	var h [7]uint32
	for i := range h {
		h[i] = binary.LittleEndian.Uint32(raw[4*i:])
	}
	ctLen := uint32(len(nonce) + 8)
	want := [7]uint32{headerSize, modeCBC, calg3DES, calgSHA1, ivLen, hashLen, ctLen}
	if h != want {
		return fmt.Errorf("header %v: %w", h, ErrHeader)
	}
	if len(raw) != headerSize+ivLen+hashLen+int(ctLen) {
		return fmt.Errorf("blob of %d bytes for a %d-byte cipher: %w", len(raw), ctLen, ErrMalformed)
	}
	body := raw[headerSize:]
	iv, hash, ct := body[:ivLen], body[ivLen:ivLen+hashLen], body[ivLen+hashLen:]
	wantHash, wantCT := expected(secret, nonce, iv)
	okHash := subtle.ConstantTimeCompare(hash, wantHash)
	okCT := subtle.ConstantTimeCompare(ct, wantCT)
	if okHash&okCT != 1 {
		return ErrProof
	}
	return nil
}
