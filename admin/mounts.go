package admin

import (
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// mounts are outside handlers served ahead of the session checks.
type mounts struct {
	mu sync.RWMutex // tier 1 (leaf; lock order in ns/hub)
	m  map[string]fiber.Handler
}

func (m *mounts) add(path string, h fiber.Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[string]fiber.Handler)
	}
	m.m[path] = h
}

func (m *mounts) find(path string) fiber.Handler {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if h, ok := m.m[path]; ok {
		return h
	}
	for p, h := range m.m {
		if strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return h
		}
	}
	return nil
}

// serveMounted runs a mounted handler for its path, or passes the request on.
func (s *Server) serveMounted(c *fiber.Ctx) error {
	if h := s.mounts.find(c.Path()); h != nil {
		return h(c)
	}
	return c.Next()
}
