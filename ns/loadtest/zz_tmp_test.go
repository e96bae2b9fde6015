package loadtest

import (
	"os"
	"strconv"
	"testing"

	"msnserver/store"
)

func TestTmpSeedTime(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SEED_N"))
	k, _ := strconv.Atoi(os.Getenv("SEED_K"))
	if n == 0 {
		t.Skip()
	}
	dir := os.Getenv("SEED_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := Seed(st, SeedConfig{Count: n, Prefix: "u", Domain: "example.com", Password: "pw", Contacts: k, Progress: os.Stderr, Batch: 5000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
}
