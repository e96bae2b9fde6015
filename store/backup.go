package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BackupToFile writes a consistent copy of the store to path (0600),
// through a temporary file so a failure leaves no half-written backup.
func (s *Store) BackupToFile(path string) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create backup %s: %w", tmp, withoutPath(err))
	}
	n, err := s.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("write backup %s: %w", path, withoutPath(err))
	}
	return n, nil
}

// CheckBackup verifies that path is a store this binary can open: a bbolt
// file that passes its consistency check, with a schema no newer than ours.
func CheckBackup(path string) (schema int, err error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, fmt.Errorf("%s is not a msnserver store: %w", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if m == nil || m.Get(keySchema) == nil {
			return errors.New("it has no schema version")
		}
		schema = int(binary.BigEndian.Uint32(m.Get(keySchema)))
		for err := range tx.Check() {
			return fmt.Errorf("consistency check: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%s is not a usable msnserver store: %w", path, err)
	}
	if schema > SchemaVersion {
		return schema, fmt.Errorf("schema %d > %d: %w", schema, SchemaVersion, ErrTooNew)
	}
	return schema, nil
}

// Restore replaces the store in dir with the backup at path. The server must
// be stopped (ErrLocked otherwise). The current store is kept beside it as
// msn.db.before-restore-TIMESTAMP. Older schemas are migrated on next open.
func Restore(dir, path string) (saved string, err error) {
	if _, err := CheckBackup(path); err != nil {
		return "", err
	}
	// Take the lock to be sure no server is using the store.
	cur, err := Open(dir, Options{LockTimeout: 2 * time.Second})
	if err != nil {
		return "", err
	}
	target := cur.Path()
	in, err := os.Open(path)
	if err != nil {
		cur.Close()
		return "", err
	}
	defer in.Close()
	tmp := filepath.Join(dir, FileName+".restore.tmp")
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		cur.Close()
		return "", err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		cur.Close()
		return "", fmt.Errorf("copy backup: %w", err)
	}
	saved = target + ".before-restore-" + time.Now().UTC().Format("20060102-150405")
	if _, err := cur.BackupToFile(saved); err != nil {
		os.Remove(tmp)
		cur.Close()
		return "", err
	}
	cur.Close()
	if err := os.Rename(tmp, target); err != nil {
		return "", fmt.Errorf("replace store: %w", err)
	}
	return saved, nil
}
