package challenge

import (
	"crypto/subtle"
	"strings"
)

// productKeys maps the public product ID a client sends in QRY to the private
// key it hashes with: every Messenger build that speaks MSNP11–15, and the
// 2009 one (ns-login §11.2). A build missing here is not the client's fault:
// callers accept an unknown product ID (see Known).
var productKeys = map[string]string{
	"PROD0090YUAUV{2B": "YMM8C_H7KCQ2S_KL", // MSN Messenger 7.5 (MSNP11/12)
	"PROD01065C%ZFN6F": "O4BG@C7BWLYQX?5G", // WLM 8.0.0787 (MSNP13/14)
	"PROD0112J1LW7%NB": "RH96F{PHI8PPX_TJ", // a later 8.x build (MSNP13/14)
	"PROD0113H11T8$X_": "RG@XY*28Q5QHS%Q5", // WLM 8.1.0168
	"PROD0114ES4Z%Q5W": "PK}_A_0N_K%O?A9S", // WLM 8.1.0178
	"PROD0118R6%2WYOS": "YIXPX@5I2P0UT*LK", // WLM 8.5.1235 (beta)
	"PROD0119GSJUC$18": "ILTXC!4IXB5FB*PX", // WLM 8.5.1288/1302
	"PROD0120PW!CCV9@": "C1BX{V4W}Q3*10SM", // WLM 2009 (14.0)
}

// Known reports whether productID's key is in the table, so an answer from
// it can be checked at all.
func Known(productID string) bool {
	_, ok := productKeys[productID]
	return ok
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
