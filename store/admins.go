package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

var bucketAdmins = []byte("admins")

type adminRecord struct {
	Name    string    `json:"name"`
	Hash    []byte    `json:"hash"`
	Changed time.Time `json:"changed"`
}

// SetAdminPassword creates or updates an admin console login.
func (s *Store) SetAdminPassword(name, password string) error {
	if name == "" {
		return fmt.Errorf("empty admin name: %w", ErrInvalid)
	}
	hash, err := HashPassword(password, s.cost)
	if err != nil {
		return err
	}
	return s.write(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketAdmins), []byte(name), adminRecord{Name: name, Hash: hash, Changed: s.now().UTC()})
	})
}

// CheckAdminPassword verifies an admin login; an unknown name costs one bcrypt too.
func (s *Store) CheckAdminPassword(name, password string) (bool, error) {
	var rec adminRecord
	err := s.read(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketAdmins), []byte(name), &rec) })
	if err != nil {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		if err == ErrNotFound {
			return false, nil
		}
		return false, err
	}
	ok := bcrypt.CompareHashAndPassword(rec.Hash, []byte(password)) == nil
	return ok, nil
}

// AdminCount returns the number of admin logins.
func (s *Store) AdminCount() (int, error) {
	n := 0
	err := s.read(func(tx *bolt.Tx) error { n = tx.Bucket(bucketAdmins).Stats().KeyN; return nil })
	return n, err
}
