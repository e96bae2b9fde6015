package sb

import (
	"fmt"
	"testing"

	"msnserver/store"
)

// The CAL budget is the user's, not the connection's: a second switchboard
// connection of the same user does not get a fresh burst.
func TestCallRateIsPerUser(t *testing.T) {
	e := newEnv(t, Options{CallBurst: 4, CallInterval: 1 << 40})
	alice := e.login("alice@hotmail.com", "Alice")
	e.account("dave@hotmail.com", "Dave", store.NetworkMSN)
	first, second := e.open(alice), e.open(alice)
	for i := 0; i < 4; i++ {
		c := first
		if i%2 == 1 {
			c = second
		}
		tr := c.nextTrID()
		c.Sendf("CAL %d dave@hotmail.com", tr)
		c.Expect(fmt.Sprintf("217 %d", tr))
	}
	for _, c := range []*client{first, second, e.open(alice)} {
		tr := c.nextTrID()
		c.Sendf("CAL %d dave@hotmail.com", tr)
		c.Expect(fmt.Sprintf("713 %d", tr))
	}
}
