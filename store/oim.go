package store

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketOIM      = []byte("oim")       // id → OIM
	bucketOIMIndex = []byte("index.oim") // recipient 0x00 id → nil
)

// OIM limits and expiry; documented in the README.
var (
	MaxOIMsPerRecipient = 200
	OIMExpiry           = 30 * 24 * time.Hour
)

// OIM is one stored offline message.
type OIM struct {
	ID       string    `json:"id"` // GUID, the rsi message id
	To       string    `json:"to"`
	From     string    `json:"from"`
	FromName string    `json:"fromName"`
	Received time.Time `json:"received"`
	Seq      int       `json:"seq"`
	RunID    string    `json:"runId,omitempty"`
	Body     []byte    `json:"body"` // the MIME message as the rsi service returns it
	Read     bool      `json:"read,omitempty"`
}

func oimIndexKey(to, id string) []byte { return []byte(to + "\x00" + id) }

// AddOIM stores an offline message for o.To, giving it an ID and a receive
// time. ErrLimitReached when the recipient's mailbox is full.
func (s *Store) AddOIM(o *OIM) error {
	o.To = strings.ToLower(o.To)
	o.From = strings.ToLower(o.From)
	if o.ID == "" {
		o.ID = strings.ToUpper(NewGUID())
	}
	if o.Received.IsZero() {
		o.Received = time.Now().UTC()
	}
	return s.write(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketOIMIndex)
		n := 0
		prefix := []byte(o.To + "\x00")
		c := idx.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		if n >= MaxOIMsPerRecipient {
			return fmt.Errorf("mailbox of %s: %w", o.To, ErrLimitReached)
		}
		if err := putJSON(tx.Bucket(bucketOIM), []byte(o.ID), o); err != nil {
			return err
		}
		return idx.Put(oimIndexKey(o.To, o.ID), nil)
	})
}

// OIMs lists the unexpired messages waiting for to, oldest first.
func (s *Store) OIMs(to string) ([]*OIM, error) {
	to = strings.ToLower(to)
	var out []*OIM
	cutoff := time.Now().Add(-OIMExpiry)
	err := s.read(func(tx *bolt.Tx) error {
		prefix := []byte(to + "\x00")
		c := tx.Bucket(bucketOIMIndex).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			var o OIM
			if err := getJSON(tx.Bucket(bucketOIM), k[len(prefix):], &o); err != nil {
				continue
			}
			if o.Received.Before(cutoff) {
				continue
			}
			out = append(out, &o)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Received.Before(out[j].Received) })
	return out, err
}

// OIM returns one message addressed to `to`; ErrNotFound for anyone else's.
func (s *Store) OIM(to, id string) (*OIM, error) {
	var o OIM
	err := s.read(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketOIM), []byte(strings.ToUpper(id)), &o) })
	if err != nil || o.To != strings.ToLower(to) {
		return nil, fmt.Errorf("message %s: %w", id, ErrNotFound)
	}
	return &o, nil
}

// MarkOIMRead flags a message as read.
func (s *Store) MarkOIMRead(to, id string) error {
	return s.write(func(tx *bolt.Tx) error {
		var o OIM
		b := tx.Bucket(bucketOIM)
		if err := getJSON(b, []byte(strings.ToUpper(id)), &o); err != nil || o.To != strings.ToLower(to) {
			return fmt.Errorf("message %s: %w", id, ErrNotFound)
		}
		o.Read = true
		return putJSON(b, []byte(o.ID), &o)
	})
}

// DeleteOIMs deletes the given messages of `to`; it returns how many existed.
func (s *Store) DeleteOIMs(to string, ids []string) (int, error) {
	to = strings.ToLower(to)
	n := 0
	err := s.write(func(tx *bolt.Tx) error {
		n = 0
		for _, id := range ids {
			var o OIM
			key := []byte(strings.ToUpper(id))
			if getJSON(tx.Bucket(bucketOIM), key, &o) != nil || o.To != to {
				continue
			}
			if err := tx.Bucket(bucketOIM).Delete(key); err != nil {
				return err
			}
			if err := tx.Bucket(bucketOIMIndex).Delete(oimIndexKey(to, o.ID)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// PurgeExpiredOIMs deletes messages older than OIMExpiry and returns how many.
func (s *Store) PurgeExpiredOIMs() (int, error) {
	cutoff := time.Now().Add(-OIMExpiry)
	n := 0
	err := s.write(func(tx *bolt.Tx) error {
		var stale [][2]string
		err := tx.Bucket(bucketOIM).ForEach(func(k, v []byte) error {
			var o OIM
			if getJSON(tx.Bucket(bucketOIM), k, &o) == nil && o.Received.Before(cutoff) {
				stale = append(stale, [2]string{o.To, o.ID})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, s := range stale {
			if err := tx.Bucket(bucketOIM).Delete([]byte(s[1])); err != nil {
				return err
			}
			if err := tx.Bucket(bucketOIMIndex).Delete(oimIndexKey(s[0], s[1])); err != nil {
				return err
			}
		}
		n = len(stale)
		return nil
	})
	return n, err
}

func deleteOIMsFor(tx *bolt.Tx, to string) error {
	prefix := []byte(to + "\x00")
	var keys [][]byte
	c := tx.Bucket(bucketOIMIndex).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := tx.Bucket(bucketOIM).Delete(k[len(prefix):]); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOIMIndex).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Backup writes a consistent copy of the whole store to w.
func (s *Store) Backup(w interface{ Write([]byte) (int, error) }) (int64, error) {
	var n int64
	err := s.read(func(tx *bolt.Tx) (err error) {
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
