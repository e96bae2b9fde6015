package storage

import (
	"net/http"
	"strconv"
	"strings"
)

// TileHandler serves stored pictures at TilePath+"?key=KEY", the
// PreAuthURL handed out by GetProfile (a query, since the web front routes
// whole paths). The key is random per document, so the URL is the
// capability, as Microsoft's pre-authenticated URLs were; the type is the
// sniffed image type and the size is bounded by what the store accepts.
func (s *Service) TileHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		key := r.URL.Query().Get("key")
		if len(key) != 32 || strings.Trim(key, "0123456789abcdef") != "" {
			http.NotFound(w, r)
			return
		}
		d, err := s.store.DocumentByURLKey(key)
		if err != nil || !pictureTypes[d.Mime] {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", d.Mime)
		h.Set("Content-Length", strconv.Itoa(len(d.Data)))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "private, max-age=3600")
		h.Set("ETag", `"`+strconv.Itoa(d.Version)+"-"+key[:8]+`"`)
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write(d.Data)
		}
	})
}
