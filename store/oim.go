package store

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketOIM      = []byte("oim")       // id → OIM
	bucketOIMIndex = []byte("index.oim") // recipient 0x00 id → sender e-mail
)

// Default OIM limits and expiry (docs/offline-messages.md); the OIM service
// passes its configured OIMPolicy instead.
var (
	MaxOIMsPerRecipient = 100
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

// ErrSenderQuota is returned when one sender already has the most messages
// waiting for a recipient that OIMPolicy.MaxPerSender allows.
var ErrSenderQuota = errors.New("sender quota reached")

// OIMPolicy bounds one recipient's mailbox. Zero fields take the package
// defaults (MaxOIMsPerRecipient, OIMExpiry; no per-sender limit).
type OIMPolicy struct {
	MaxPerRecipient int           // messages waiting per recipient
	MaxPerSender    int           // messages from one sender waiting per recipient
	Expiry          time.Duration // age after which a message is dropped
}

func (p OIMPolicy) withDefaults() OIMPolicy {
	if p.MaxPerRecipient <= 0 {
		p.MaxPerRecipient = MaxOIMsPerRecipient
	}
	if p.Expiry <= 0 {
		p.Expiry = OIMExpiry
	}
	return p
}

// AddOIM stores an offline message for o.To under the default policy.
func (s *Store) AddOIM(o *OIM) error { return s.PutOIM(o, OIMPolicy{}) }

// PutOIM stores an offline message for o.To, giving it an ID and a receive
// time when unset. In the same write transaction it drops the recipient's
// expired messages and enforces the policy: ErrLimitReached when the mailbox
// is full, ErrSenderQuota when o.From has too many messages waiting there.
func (s *Store) PutOIM(o *OIM, p OIMPolicy) error {
	p = p.withDefaults()
	o.To = strings.ToLower(o.To)
	o.From = strings.ToLower(o.From)
	if o.ID == "" {
		o.ID = strings.ToUpper(NewGUID())
	}
	if o.Received.IsZero() {
		o.Received = s.now().UTC()
	}
	cutoff := s.now().Add(-p.Expiry)
	return s.write(func(tx *bolt.Tx) error {
		idx, msgs := tx.Bucket(bucketOIMIndex), tx.Bucket(bucketOIM)
		prefix := []byte(o.To + "\x00")
		var stale [][]byte
		total, fromSender := 0, 0
		c := idx.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var m OIM
			if err := getJSON(msgs, k[len(prefix):], &m); err != nil {
				stale = append(stale, append([]byte(nil), k...)) // dangling index entry
				continue
			}
			if m.Received.Before(cutoff) {
				stale = append(stale, append([]byte(nil), k...))
				continue
			}
			total++
			if m.From == o.From || string(v) == o.From {
				fromSender++
			}
		}
		for _, k := range stale {
			if err := msgs.Delete(k[len(prefix):]); err != nil {
				return err
			}
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
		if total >= p.MaxPerRecipient {
			return fmt.Errorf("mailbox of %s: %w", o.To, ErrLimitReached)
		}
		if p.MaxPerSender > 0 && fromSender >= p.MaxPerSender {
			return fmt.Errorf("messages from %s to %s: %w", o.From, o.To, ErrSenderQuota)
		}
		if msgs.Get([]byte(o.ID)) != nil {
			return fmt.Errorf("message %s: %w", o.ID, ErrExists)
		}
		if err := putJSON(msgs, []byte(o.ID), o); err != nil {
			return err
		}
		return idx.Put(oimIndexKey(o.To, o.ID), []byte(o.From))
	})
}

// OIMs lists the messages waiting for to under the default expiry, oldest first.
func (s *Store) OIMs(to string) ([]*OIM, error) { return s.PendingOIMs(to, OIMExpiry) }

// PendingOIMs lists the messages waiting for to that are younger than
// expiry, oldest first.
func (s *Store) PendingOIMs(to string, expiry time.Duration) ([]*OIM, error) {
	to = strings.ToLower(to)
	var out []*OIM
	cutoff := s.now().Add(-expiry)
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
func (s *Store) PurgeExpiredOIMs() (int, error) { return s.PurgeOIMsOlderThan(OIMExpiry) }

// PurgeOIMsOlderThan deletes messages older than maxAge and returns how many.
func (s *Store) PurgeOIMsOlderThan(maxAge time.Duration) (int, error) {
	cutoff := s.now().Add(-maxAge)
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
