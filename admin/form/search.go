package form

import (
	"strconv"
	"strings"
)

// Search is the accounts list's query string.
type Search struct {
	Query string
	Page  int // 1-based
}

// maxQuery bounds the search text (an e-mail is at most 129 characters).
const maxQuery = 129

// NewSearch reads the search parameters, repairing what it cannot use.
func NewSearch(get Getter) Search {
	q := strings.TrimSpace(get("q"))
	if r := []rune(q); len(r) > maxQuery {
		q = string(r[:maxQuery])
	}
	page, err := strconv.Atoi(get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return Search{Query: q, Page: page}
}
