package challenge

import (
	"crypto/subtle"
	"strings"
)

// productKeys maps the public product ID a client sends in QRY to the private
// key it hashes with (ns-login §11.2).
var productKeys = map[string]string{
	"PROD01065C%ZFN6F": "O4BG@C7BWLYQX?5G", // WLM 8.0 (MSNP13/14)
	"PROD0112J1LW7%NB": "RH96F{PHI8PPX_TJ", // listed for MSNP13–14, probably a later 8.x
	"PROD0119GSJUC$18": "ILTXC!4IXB5FB*PX", // WLM 8.5 (MSNP15+); harmless to accept
}

// ProductKey returns the key for a known product ID.
func ProductKey(productID string) (key string, ok bool) {
	key, ok = productKeys[productID]
	return key, ok
}

// Verify reports whether answer is the correct QRY payload for challenge from
// a client with productID. An unknown product ID never verifies. Hex case is
// ignored, and for the padding edge case (len(challenge+productID) a multiple
// of 8) an answer computed with either convention is accepted.
func Verify(challenge, productID, answer string) bool {
	key, ok := productKeys[productID]
	if !ok || len(answer) != 32 {
		return false
	}
	answer = strings.ToLower(answer)
	if equal(answer, response(challenge, productID, key, true)) {
		return true
	}
	if (len(challenge)+len(productID))%8 != 0 {
		return false
	}
	return equal(answer, response(challenge, productID, key, false))
}

// equal compares in constant time, so timing tells nothing about the answer.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
