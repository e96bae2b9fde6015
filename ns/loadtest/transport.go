package loadtest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"msnserver/web/gateway"
)

// Transports a client may use.
const (
	TransportTCP     = "tcp"     // NS and SB over TCP, as Messenger normally connects
	TransportGateway = "gateway" // both through the HTTP gateway, polling like Messenger behind a web-only firewall
)

// newGatewayHTTP is the HTTP client the gateway transport shares: one kept-
// alive connection per polling client, as each client has one request at a
// time per session.
func newGatewayHTTP(cfg *Config) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        4*cfg.Clients + 16,
		MaxIdleConnsPerHost: 4*cfg.Clients + 16,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: cfg.Timeout,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: cfg.Insecure}, //nolint:gosec // the operator asked for it (self-signed server)
	}
	return &http.Client{Transport: tr, Timeout: cfg.Timeout}
}

// dial connects to server ("NS" or "SB") at addr over the configured
// transport; through the gateway, addr is the IP parameter of the open.
func (r *runner) dial(ctx context.Context, server, addr string) (net.Conn, error) {
	if r.cfg.Transport != TransportGateway {
		d := net.Dialer{Timeout: r.cfg.Timeout}
		return d.DialContext(ctx, "tcp", addr)
	}
	return gateway.Dial(r.cfg.GatewayURL, server, addr, gateway.ClientOptions{HTTPClient: r.gwHTTP, PollEvery: r.cfg.PollEvery})
}
