package storage

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"msnserver/store"
)

// pictureTypes are the stored picture formats, by their sniffed type.
var pictureTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/bmp": true}

func sha1B64(b []byte) string {
	h := sha1.Sum(b)
	return base64.StdEncoding.EncodeToString(h[:])
}

// picture decodes a document's UserTileStatic stream (or its only stream)
// and checks it is an image within the size limit. The type served later is
// the sniffed one, not the client's claim.
func picture(d *documentIn) (mime string, data []byte, err error) {
	var st *streamIn
	for i := range d.Streams {
		if st == nil || strings.EqualFold(d.Streams[i].Type, "UserTileStatic") {
			st = &d.Streams[i]
		}
	}
	if st == nil {
		return "", nil, errBadRequest(errors.New("document without a stream"))
	}
	raw := strings.Join(strings.Fields(st.Data), "")
	if base64.StdEncoding.DecodedLen(len(raw)) > store.MaxDocumentSize+3 {
		return "", nil, &Fault{Code: "QuotaExceeded", Message: "The document is too large", Err: fmt.Errorf("%d base64 characters", len(raw))}
	}
	data, err = base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", nil, errBadRequest(fmt.Errorf("stream data: %w", err))
	}
	if len(data) > store.MaxDocumentSize {
		return "", nil, &Fault{Code: "QuotaExceeded", Message: "The document is too large", Err: fmt.Errorf("%d bytes", len(data))}
	}
	mime = http.DetectContentType(data)
	if !pictureTypes[mime] {
		return "", nil, errBadRequest(fmt.Errorf("stream of type %q (claimed %q)", mime, st.Mime))
	}
	return mime, data, nil
}

// findDocuments lists the pictures in the caller's /UserTiles folder.
func (s *Service) findDocuments(c *call) (any, error) {
	var req findDocumentsReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if !req.Handle.isTileFolder(c.acct) && !req.Handle.isProfile(c.acct) {
		return nil, errNoItem(nil)
	}
	docs, err := s.store.Documents(c.acct.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	resp := &findDocumentsResp{XMLNS: NS}
	for _, d := range docs {
		resp.Docs = append(resp.Docs, documentOut{XSIType: "Photo", ResourceID: docResID(c.acct, d.ID), Name: d.Name, DateModified: stamp(d.Modified)})
	}
	return resp, nil
}

// createDocument stores a new picture under the caller's /UserTiles folder
// (Messenger then links it with CreateRelationships).
func (s *Service) createDocument(c *call) (any, error) {
	var req createDocumentReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if !req.Parent.isTileFolder(c.acct) && !req.Parent.isProfile(c.acct) {
		return nil, errNoItem(errors.New("parent is not the caller's"))
	}
	mime, data, err := picture(&req.Document)
	if err != nil {
		return nil, err
	}
	d, err := s.store.CreateDocument(c.acct.ID, limitName(req.Document.Name), mime, data)
	if err != nil {
		return nil, storeErr(err)
	}
	return &createDocumentResp{XMLNS: NS, Result: docResID(c.acct, d.ID)}, nil
}

// updateDocument replaces a stored picture's data.
func (s *Service) updateDocument(c *call) (any, error) {
	var req updateDocumentReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	id, err := parseDocID(c.acct, req.Document.ResourceID)
	if err != nil {
		return nil, err
	}
	mime, data, err := picture(&req.Document)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.UpdateDocument(c.acct.ID, id, limitName(req.Document.Name), mime, data); err != nil {
		return nil, storeErr(err)
	}
	return emptyResponse("UpdateDocument"), nil
}

// deleteDocuments removes pictures (unlinking the profile photo if needed).
func (s *Service) deleteDocuments(c *call) (any, error) {
	var req deleteDocumentsReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	for _, h := range req.Handles {
		id, err := parseDocID(c.acct, h.ResourceID)
		if err != nil {
			return nil, err
		}
		if err := s.store.DeleteDocument(c.acct.ID, id); err != nil {
			return nil, storeErr(err)
		}
	}
	return emptyResponse("DeleteDocuments"), nil
}

// createRelationships links a picture to the expression profile as its
// ProfilePhoto. Other relationships Messenger creates (a picture in the
// /UserTiles folder, which CreateDocument already did) need no state.
func (s *Service) createRelationships(c *call) (any, error) {
	var req createRelationshipsReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if len(req.Relationships) == 0 || len(req.Relationships) > 16 {
		return nil, errBadRequest(fmt.Errorf("%d relationships", len(req.Relationships)))
	}
	for _, r := range req.Relationships {
		src, err := parseResID(c.acct, r.SourceID)
		if err != nil {
			return nil, err
		}
		doc, err := parseDocID(c.acct, r.TargetID)
		if err != nil {
			return nil, err
		}
		if src != resExpression && src != resProfile {
			continue
		}
		_, err = s.store.UpdateRoamingProfile(c.acct.ID, func(p *store.RoamingProfile) error {
			p.Photo = doc
			return nil
		})
		if err != nil {
			return nil, storeErr(err)
		}
	}
	return emptyResponse("CreateRelationships"), nil
}

// deleteRelationships unlinks pictures from the expression profile, or
// (source: the /UserTiles folder) removes them altogether.
func (s *Service) deleteRelationships(c *call) (any, error) {
	var req deleteRelationshipsReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	folder := req.Source.isTileFolder(c.acct)
	if !folder && !req.Source.isProfile(c.acct) {
		return nil, errNoItem(errors.New("source is not the caller's"))
	}
	for _, t := range req.Targets {
		id, err := parseDocID(c.acct, t.ResourceID)
		if err != nil {
			return nil, err
		}
		if _, err := s.store.Document(c.acct.ID, id); err != nil {
			return nil, storeErr(err)
		}
		if folder {
			err = s.store.DeleteDocument(c.acct.ID, id)
		} else {
			_, err = s.store.UpdateRoamingProfile(c.acct.ID, func(p *store.RoamingProfile) error {
				if p.Photo == id {
					p.Photo = 0
				}
				return nil
			})
		}
		if err != nil {
			return nil, storeErr(err)
		}
	}
	return emptyResponse("DeleteRelationships"), nil
}

func limitName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 256 {
		s = s[:256]
	}
	return s
}
