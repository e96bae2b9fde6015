// Package store keeps msnserver's durable state in one bbolt file: accounts,
// address books (contacts and groups), memberships, policies and offline
// messages. No bbolt type leaks out of the package; callers speak the domain.
//
// Layout: one bucket per entity keyed by a stable ID, with index buckets beside
// it ("index.email" maps a lower-case e-mail to an account ID). Address
// books are flat too: top-level "book.*" buckets keyed by the owner's account
// ID and then the record (books.go). Bucket names and persisted enum values
// are never renamed or reordered.
package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// FileName is the store's file inside the data folder.
const FileName = "msn.db"

// Errors callers branch on.
var (
	ErrNotFound     = errors.New("not found")
	ErrExists       = errors.New("already exists")
	ErrInvalid      = errors.New("invalid")
	ErrLocked       = errors.New("store is in use by another process (is the server running?)")
	ErrTooNew       = errors.New("store was written by a newer msnserver")
	ErrLimitReached = errors.New("limit reached")
)

var (
	bucketMeta       = []byte("meta")
	bucketAccounts   = []byte("accounts")
	bucketEmailIndex = []byte("index.email")
	bucketBooks      = []byte("books") // schema 1–3 nested books; removed by migration 4
	keySchema        = []byte("schema")
)

// Store is the open database.
type Store struct {
	db   *bolt.DB
	path string

	cost int              // bcrypt cost of new passwords
	now  func() time.Time // Options.Now

	writes     atomic.Int64 // writes committed (grouped ones count each)
	writeNanos atomic.Int64 // their total time, from call to durable
}

// WriteStats reports how many writes were committed and their total time
// from call to durable (for /metrics).
func (s *Store) WriteStats() (count int64, total time.Duration) {
	return s.writes.Load(), time.Duration(s.writeNanos.Load())
}

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for another process's file lock.
	LockTimeout time.Duration
	// ReadOnly opens without taking the write lock exclusively.
	ReadOnly bool
	// NoSync skips fsync after each write transaction: for fuzz targets and
	// scratch stores only, since a crash then loses acknowledged writes.
	NoSync bool
	// PasswordCost is the bcrypt cost of passwords set through this store;
	// 0 means bcrypt.DefaultCost. Tests use bcrypt.MinCost.
	PasswordCost int
	// Now is the clock of the times the store records (contact changes,
	// offline messages, profiles); nil means time.Now. Tests move it on
	// instead of sleeping.
	Now func() time.Time
}

// Open opens (creating if needed) the store in dir and runs pending migrations.
func Open(dir string, opt Options) (*Store, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = 2 * time.Second
	}
	if !opt.ReadOnly { // a reader needs nothing created (the folder may be read-only)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder %s: %w", dir, err)
		}
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, ReadOnly: opt.ReadOnly})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", path, withoutPath(err))
	}
	db.NoSync = opt.NoSync
	s := &Store{db: db, path: path, cost: opt.PasswordCost, now: opt.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cost == 0 {
		s.cost = bcrypt.DefaultCost
	}
	if !opt.ReadOnly {
		if err := s.migrate(); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// withoutPath drops the file name an os error repeats, for messages that
// name the file already.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// Path is the store file's path.
func (s *Store) Path() string { return s.path }

// Close closes the store; pending writes are already durable.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) read(fn func(tx *bolt.Tx) error) error { return s.db.View(fn) }
func (s *Store) write(fn func(tx *bolt.Tx) error) error {
	start := time.Now()
	return s.count(s.db.Update(fn), start)
}

// writeGrouped runs fn in a write transaction that concurrent callers share
// (bbolt's Batch): many small changes, such as personal messages and names of
// users online at once, cost one fsync instead of one each. Each caller still
// returns only once its change is on disk. fn may run more than once, so it
// must only act through tx.
func (s *Store) writeGrouped(fn func(tx *bolt.Tx) error) error {
	start := time.Now()
	return s.count(s.db.Batch(fn), start)
}

// count adds a committed write that began at start to WriteStats.
func (s *Store) count(err error, start time.Time) error {
	if err == nil {
		s.writes.Add(1)
		s.writeNanos.Add(int64(time.Since(start)))
	}
	return err
}

// migrations are applied in order, each in its own update transaction. The
// schema version is the number applied. Never reorder or remove an entry.
var migrations = []func(tx *bolt.Tx) error{
	// 1: base buckets.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketAccounts, bucketEmailIndex, bucketBooks} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 2: admin accounts, settings, offline messages.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketAdmins, bucketSettings, bucketOIM, bucketOIMIndex} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 3: MSNP15 roaming profiles and their documents (display pictures).
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRoaming, bucketDocuments, bucketDocURL} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 4: flat address books keyed by owner (books.go), moved from the
	// nested books/<owner> buckets.
	migrateFlatBooks,
}

// SchemaVersion is the version this binary writes.
var SchemaVersion = len(migrations)

func (s *Store) migrate() error {
	var have int
	err := s.write(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := m.Get(keySchema); v != nil {
			have = int(binary.BigEndian.Uint32(v))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > SchemaVersion {
		return fmt.Errorf("schema %d > %d: %w", have, SchemaVersion, ErrTooNew)
	}
	if have > 0 && have < SchemaVersion {
		// An automatic upgrade keeps the old store beside the new one.
		bak := fmt.Sprintf("%s.schema%d.bak", s.path, have)
		if _, err := s.BackupToFile(bak); err != nil {
			return fmt.Errorf("back up before migrating from schema %d: %w", have, err)
		}
	}
	for v := have; v < SchemaVersion; v++ {
		step := migrations[v]
		err := s.write(func(tx *bolt.Tx) error {
			if err := step(tx); err != nil {
				return err
			}
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], uint32(v+1))
			return tx.Bucket(bucketMeta).Put(keySchema, b[:])
		})
		if err != nil {
			return fmt.Errorf("migrate store to schema %d: %w", v+1, err)
		}
	}
	return nil
}

func u64key(id uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	return b[:]
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
