// Package challenge implements the MSNP11+ CHL/QRY client challenge: the
// notification server sends a random decimal string, and the client proves it
// knows its product key by answering with a keyed hash of it (ns-login §11).
// The same function produces the OIM lock key from a LockKeyChallenge.
package challenge

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
)

// magic and modulus are the constants of the MSNP11 hash (ns-login §11.3).
const (
	magic   = 0x0E79A9C1
	modulus = 0x7FFFFFFF
)

// Response returns the 32 lower-case hex characters a client sends in QRY for
// challenge, given its product ID and product key.
//
// When len(challenge+productID) is a multiple of 8 the historic
// implementations disagree on the padding; Response appends a full block of
// eight '0' characters there (msnp-sharp, Escargot). Verify accepts either.
func Response(challenge, productID, productKey string) string {
	return response(challenge, productID, productKey, true)
}

// response computes the answer; fullBlock selects whether an input whose
// length is already a multiple of 8 still gets eight '0' characters of padding.
func response(chl, pid, key string, fullBlock bool) string {
	sum := md5.Sum([]byte(chl + key))
	var h, k [4]uint64
	for i := range h {
		h[i] = uint64(binary.LittleEndian.Uint32(sum[i*4:]))
		k[i] = h[i] & modulus
	}

	s := []byte(chl + pid)
	if pad := 8 - len(s)%8; pad != 8 || fullBlock {
		for range pad {
			s = append(s, '0')
		}
	}

	// Every product stays below 2^63 (see §11.3), so uint64 never overflows
	// within a round; low only overflows after ~2^32 rounds, far beyond any
	// input a client can send.
	var high, low uint64
	for i := 0; i+8 <= len(s); i += 8 {
		c0 := uint64(binary.LittleEndian.Uint32(s[i:]))
		c1 := uint64(binary.LittleEndian.Uint32(s[i+4:]))
		t := c0 * magic % modulus
		t += high
		t = (k[0]*t + k[1]) % modulus
		high = (c1 + t) % modulus
		high = (k[2]*high + k[3]) % modulus
		low += high + t
	}
	high = (high + k[1]) % modulus
	low = (low + k[3]) % modulus

	var out [16]byte
	binary.LittleEndian.PutUint32(out[0:], uint32(h[0]^high))
	binary.LittleEndian.PutUint32(out[4:], uint32(h[1]^low))
	binary.LittleEndian.PutUint32(out[8:], uint32(h[2]^high))
	binary.LittleEndian.PutUint32(out[12:], uint32(h[3]^low))
	return hex.EncodeToString(out[:])
}
