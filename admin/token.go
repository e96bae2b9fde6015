package admin

import (
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

const (
	sessionCookie = "msnadmin_session"
	tokenIssuer   = "msnserver-admin"
)

// signSession makes the cookie value for sess: an HS256 JWT whose ID is the
// server-side session id.
func (s *Server) signSession(sess session) (string, error) {
	claims := jwt.RegisteredClaims{
		Issuer:    tokenIssuer,
		Subject:   sess.user,
		ID:        sess.id,
		IssuedAt:  jwt.NewNumericDate(sess.created),
		ExpiresAt: jwt.NewNumericDate(sess.expires),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.Secret)
	if err != nil {
		return "", fmt.Errorf("signing session token: %w", err)
	}
	return tok, nil
}

var errNoSession = errors.New("no valid session")

// lookupSession checks the cookie value's signature, issuer and expiry, then
// that the session it names is still live and belongs to the same user.
func (s *Server) lookupSession(raw string) (session, error) {
	if raw == "" {
		return session{}, errNoSession
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims,
		func(*jwt.Token) (any, error) { return s.cfg.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return session{}, fmt.Errorf("%w: %w", errNoSession, err)
	}
	sess, ok := s.sessions.get(claims.ID, s.now())
	if !ok || sess.user != claims.Subject {
		return session{}, fmt.Errorf("%w: session ended", errNoSession)
	}
	return sess, nil
}
