package challenge

import "crypto/rand"

// challengeLen is the length of the challenges the historic server issued.
// With 16-character product IDs, 20+16 = 36 is not a multiple of 8, so the
// padding conventions agree (ns-login §11.3 step 3).
const challengeLen = 20

// NewChallenge returns 20 random decimal digits for CHL. The first digit is
// never 0, so a client that reads it as a number gets all 20 digits back.
func NewChallenge() string {
	var out [challengeLen]byte
	var buf [32]byte
	n := 0
	for n < len(out) {
		// crypto/rand.Read never fails since Go 1.24.
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			// 250 is the largest multiple of 10 below 256: rejecting the
			// rest keeps every digit uniform.
			if b >= 250 || (n == 0 && b%10 == 0) {
				continue
			}
			out[n] = '0' + b%10
			n++
			if n == len(out) {
				break
			}
		}
	}
	return string(out[:])
}
