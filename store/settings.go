package store

import (
	bolt "go.etcd.io/bbolt"
)

var bucketSettings = []byte("settings")

// Setting names.
const (
	SettingPolicy = "gcf.policy" // the GCF shields policy XML sent at login
)

// Setting returns a stored setting and whether it was set.
func (s *Store) Setting(name string) (string, bool, error) {
	var v []byte
	err := s.read(func(tx *bolt.Tx) error {
		if got := tx.Bucket(bucketSettings).Get([]byte(name)); got != nil {
			v = append([]byte(nil), got...)
		}
		return nil
	})
	return string(v), v != nil, err
}

// SetSetting stores a setting; an empty value removes it.
func (s *Store) SetSetting(name, value string) error {
	return s.write(func(tx *bolt.Tx) error {
		if value == "" {
			return tx.Bucket(bucketSettings).Delete([]byte(name))
		}
		return tx.Bucket(bucketSettings).Put([]byte(name), []byte(value))
	})
}
