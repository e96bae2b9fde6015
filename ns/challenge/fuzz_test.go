package challenge

import (
	"regexp"
	"testing"
)

var lowerHex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// FuzzResponse checks that any input, including non-ASCII and empty strings,
// yields 32 lower-case hex characters, that the two padding conventions only
// differ in the edge case, and that Verify accepts what Response produces.
func FuzzResponse(f *testing.F) {
	f.Add("15570131571988941333", wlm80ID, wlm80Key)
	f.Add("1850937852", wlm80ID, wlm80Key)
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, chl, pid, key string) {
		got := Response(chl, pid, key)
		if !lowerHex32.MatchString(got) {
			t.Fatalf("Response(%q, %q, %q) = %q, not 32 lower-case hex", chl, pid, key, got)
		}
		if got != Response(chl, pid, key) {
			t.Fatalf("Response is not deterministic")
		}
		edge := (len(chl)+len(pid))%8 == 0
		if !edge && got != response(chl, pid, key, false) {
			t.Fatalf("padding conventions differ outside the edge case")
		}
		if known, ok := ProductKey(pid); ok && known == key {
			if !Verify(chl, pid, got) || !Verify(chl, pid, response(chl, pid, key, false)) {
				t.Fatalf("Verify rejects the answer to %q", chl)
			}
		}
	})
}
