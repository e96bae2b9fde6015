package store

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Roaming profiles (MSNP15 storage service): the display name, personal
// message and display picture a user keeps "in the cloud", so that another
// PC finds them at sign-in. Added by schema 3.
//
//	roaming          account id → RoamingProfile (JSON)
//	documents        account id | document id → Document (JSON, data included)
//	index.docurl     URL key → account id | document id
var (
	bucketRoaming   = []byte("roaming")
	bucketDocuments = []byte("documents")
	bucketDocURL    = []byte("index.docurl")
)

// Limits of the storage service.
const (
	// MaxDocumentSize bounds one stored picture (a 96×96 user tile is a few KB).
	MaxDocumentSize = 128 * 1024
	// MaxDocuments is how many documents an account keeps; creating one more
	// drops the oldest that is not the profile's photo.
	MaxDocuments = 4
	// MaxRoamingText bounds the display name and personal message (bytes).
	MaxRoamingText = 1024
)

// RoamingProfile is an account's expression profile.
type RoamingProfile struct {
	Created                bool      `json:"created,omitempty"` // CreateProfile ran (or a field was set)
	DisplayName            string    `json:"name,omitempty"`
	DisplayNameModified    time.Time `json:"nameModified,omitzero"`
	PersonalStatus         string    `json:"psm,omitempty"`
	PersonalStatusModified time.Time `json:"psmModified,omitzero"`
	Photo                  uint64    `json:"photo,omitempty"` // document id linked as ProfilePhoto; 0 none
	Modified               time.Time `json:"modified,omitzero"`
	Version                int       `json:"version"`
}

// Document is a stored file (a display picture).
type Document struct {
	ID       uint64    `json:"id"`
	Owner    uint64    `json:"owner"`
	Name     string    `json:"name,omitempty"`
	Mime     string    `json:"mime"`
	Data     []byte    `json:"data"`
	URLKey   string    `json:"urlKey"` // unguessable part of the public picture URL
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
	Version  int       `json:"version"`
}

func docKey(owner, id uint64) []byte {
	return append(u64key(owner), u64key(id)...)
}

// RoamingProfile returns the account's profile; a profile never written is
// the zero value (not an error).
func (s *Store) RoamingProfile(accountID uint64) (*RoamingProfile, error) {
	p := &RoamingProfile{}
	err := s.read(func(tx *bolt.Tx) error {
		err := getJSON(tx.Bucket(bucketRoaming), u64key(accountID), p)
		if err == ErrNotFound {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read roaming profile: %w", err)
	}
	return p, nil
}

// UpdateRoamingProfile changes the account's profile in one transaction
// (creating it); fn may check p.Photo against the account's documents.
func (s *Store) UpdateRoamingProfile(accountID uint64, fn func(p *RoamingProfile) error) (*RoamingProfile, error) {
	p := &RoamingProfile{}
	err := s.write(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAccounts).Get(u64key(accountID)) == nil {
			return ErrNotFound
		}
		b := tx.Bucket(bucketRoaming)
		if err := getJSON(b, u64key(accountID), p); err != nil && err != ErrNotFound {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if len(p.DisplayName) > MaxRoamingText || len(p.PersonalStatus) > MaxRoamingText {
			return fmt.Errorf("roaming text over %d bytes: %w", MaxRoamingText, ErrInvalid)
		}
		if p.Photo != 0 && tx.Bucket(bucketDocuments).Get(docKey(accountID, p.Photo)) == nil {
			return fmt.Errorf("photo document %d: %w", p.Photo, ErrNotFound)
		}
		p.Created = true
		p.Version++
		p.Modified = s.now().UTC()
		return putJSON(b, u64key(accountID), p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CreateDocument stores a new document for owner and returns it with its ID
// and URL key. Past MaxDocuments the oldest unlinked document is dropped.
func (s *Store) CreateDocument(owner uint64, name, mime string, data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("document of %d bytes (limit %d): %w", len(data), MaxDocumentSize, ErrLimitReached)
	}
	var key [16]byte
	rand.Read(key[:])
	now := s.now().UTC()
	d := &Document{Owner: owner, Name: name, Mime: mime, Data: data, URLKey: hex.EncodeToString(key[:]), Created: now, Modified: now, Version: 1}
	err := s.write(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAccounts).Get(u64key(owner)) == nil {
			return ErrNotFound
		}
		b := tx.Bucket(bucketDocuments)
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		d.ID = id
		docs, err := documents(tx, owner)
		if err != nil {
			return err
		}
		if len(docs) >= MaxDocuments {
			var prof RoamingProfile
			if err := getJSON(tx.Bucket(bucketRoaming), u64key(owner), &prof); err != nil && err != ErrNotFound {
				return err
			}
			for _, old := range docs { // oldest first
				if len(docs) < MaxDocuments {
					break
				}
				if old.ID == prof.Photo {
					continue
				}
				if err := deleteDocument(tx, old); err != nil {
					return err
				}
				docs = docs[1:]
			}
		}
		if err := tx.Bucket(bucketDocURL).Put([]byte(d.URLKey), docKey(owner, id)); err != nil {
			return err
		}
		return putJSON(b, docKey(owner, id), d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// UpdateDocument replaces a document's name, type and data.
func (s *Store) UpdateDocument(owner, id uint64, name, mime string, data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("document of %d bytes (limit %d): %w", len(data), MaxDocumentSize, ErrLimitReached)
	}
	d := &Document{}
	err := s.write(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocuments)
		if err := getJSON(b, docKey(owner, id), d); err != nil {
			return err
		}
		if name != "" {
			d.Name = name
		}
		d.Mime, d.Data = mime, data
		d.Modified = s.now().UTC()
		d.Version++
		return putJSON(b, docKey(owner, id), d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Document returns one of owner's documents.
func (s *Store) Document(owner, id uint64) (*Document, error) {
	d := &Document{}
	if err := s.read(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketDocuments), docKey(owner, id), d) }); err != nil {
		return nil, err
	}
	return d, nil
}

// DocumentByURLKey finds a document by the key in its public URL.
func (s *Store) DocumentByURLKey(key string) (*Document, error) {
	d := &Document{}
	err := s.read(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketDocURL).Get([]byte(key))
		if k == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketDocuments), k, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Documents lists owner's documents, oldest first.
func (s *Store) Documents(owner uint64) ([]*Document, error) {
	var out []*Document
	err := s.read(func(tx *bolt.Tx) error {
		var err error
		out, err = documents(tx, owner)
		return err
	})
	return out, err
}

// DeleteDocument removes one of owner's documents, unlinking it from the
// profile if it was the photo.
func (s *Store) DeleteDocument(owner, id uint64) error {
	return s.write(func(tx *bolt.Tx) error {
		d := &Document{}
		if err := getJSON(tx.Bucket(bucketDocuments), docKey(owner, id), d); err != nil {
			return err
		}
		rb := tx.Bucket(bucketRoaming)
		var prof RoamingProfile
		if err := getJSON(rb, u64key(owner), &prof); err == nil && prof.Photo == id {
			prof.Photo = 0
			prof.Version++
			prof.Modified = s.now().UTC()
			if err := putJSON(rb, u64key(owner), &prof); err != nil {
				return err
			}
		}
		return deleteDocument(tx, d)
	})
}

func documents(tx *bolt.Tx, owner uint64) ([]*Document, error) {
	var out []*Document
	prefix := u64key(owner)
	c := tx.Bucket(bucketDocuments).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		d := &Document{}
		if err := jsonUnmarshal(v, d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func deleteDocument(tx *bolt.Tx, d *Document) error {
	if err := tx.Bucket(bucketDocURL).Delete([]byte(d.URLKey)); err != nil {
		return err
	}
	return tx.Bucket(bucketDocuments).Delete(docKey(d.Owner, d.ID))
}

// deleteRoamingFor removes an account's profile and documents (account deletion).
func deleteRoamingFor(tx *bolt.Tx, accountID uint64) error {
	docs, err := documents(tx, accountID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if err := deleteDocument(tx, d); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketRoaming).Delete(u64key(accountID))
}
