package admin

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"msnserver/admin/form"
	"msnserver/admin/views"
)

const accountsPerPage = 50

// handleAccountsList shows one page of accounts, optionally filtered.
func (s *Server) handleAccountsList(c *fiber.Ctx) error {
	q := form.NewSearch(queryGetter(c))
	offset := (q.Page - 1) * accountsPerPage
	accts, total, err := s.b.ListAccounts(c.UserContext(), q.Query, offset, accountsPerPage)
	if err != nil {
		return fmt.Errorf("listing accounts: %w", err)
	}
	pages := max(1, (total+accountsPerPage-1)/accountsPerPage)
	if q.Page > pages {
		return c.Redirect(views.AccountsPageURL(q.Query, pages), fiber.StatusSeeOther)
	}
	d := views.AccountsData{
		Query:    q.Query,
		Accounts: accts,
		Total:    total,
		Page:     q.Page,
		Pages:    pages,
		From:     offset + 1,
		To:       offset + len(accts),
	}
	return s.render(c, fiber.StatusOK, views.Accounts(s.page(c, "Accounts", "accounts"), d))
}
