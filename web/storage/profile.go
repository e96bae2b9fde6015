package storage

import (
	"html"
	"strings"
	"time"

	"msnserver/store"
)

// getProfile answers GetProfile for the caller's own profile (MyProfile by
// alias, or its resource ID). Fields never set in the store fall back to
// what the account already has (its friendly name, its last UUX PSM), so a
// first MSNP15 sign-in shows what MSNP14 sessions left behind.
func (s *Service) getProfile(c *call) (any, error) {
	var req getProfileReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if !req.Handle.isProfile(c.acct) {
		return nil, errNoItem(nil)
	}
	p, err := s.store.RoamingProfile(c.acct.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	return &getProfileResp{XMLNS: NS, Result: s.profileResult(c, p)}, nil
}

func (s *Service) profileResult(c *call, p *store.RoamingProfile) profileResult {
	a := c.acct
	name, psm := p.DisplayName, p.PersonalStatus
	if p.DisplayNameModified.IsZero() {
		name = a.Name
	}
	if p.PersonalStatusModified.IsZero() {
		psm = html.UnescapeString(a.PSM)
	}
	modified := p.Modified
	if modified.IsZero() {
		modified = a.Created
	}
	ep := expressionProfile{
		ResourceID: resID(a, resExpression), DateModified: stamp(modified), Version: p.Version,
		PersonalStatus: psm, PersonalStatusLastModified: stamp(p.PersonalStatusModified),
		DisplayName: name, DisplayNameLastModified: stamp(p.DisplayNameModified),
	}
	if p.Photo != 0 {
		if d, err := s.store.Document(a.ID, p.Photo); err == nil {
			ph := c.photo(d)
			ep.Photo = &ph
			ep.StaticUserTilePublicURL = ph.Streams[0].PreAuthURL
		} else {
			s.log.Warn("profile photo missing", "account", a.Email, "doc", p.Photo, "err", err)
		}
	}
	return profileResult{ResourceID: resID(a, resProfile), DateModified: stamp(modified), Expression: ep}
}

// photo describes a stored picture with the URL it is served from.
func (c *call) photo(d *store.Document) photo {
	url := c.base + TilePath + "?key=" + d.URLKey
	return photo{
		ItemType: "Photo", ResourceID: docResID(c.acct, d.ID), DateModified: stamp(d.Modified), Name: d.Name,
		Streams: []docStream{{
			XSIType: "PhotoStream", DocumentStreamName: "UserTileStatic", MimeType: d.Mime, DataSize: len(d.Data),
			PreAuthURL: url, PreAuthURLPartner: url, DocumentStreamType: "UserTileStatic", WriteMode: "Overwrite",
			StreamVersion: d.Version, SHA1Hash: sha1B64(d.Data), StreamDataStatus: "None", StreamStatus: "None",
			ExpirationDateTime: "0001-01-01T00:00:00",
		}},
	}
}

// createProfile marks the profile created (it always exists; a second call
// is harmless) and returns its resource ID.
func (s *Service) createProfile(c *call) (any, error) {
	var req createProfileReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	_, err := s.store.UpdateRoamingProfile(c.acct.ID, func(p *store.RoamingProfile) error {
		if e := req.Profile.Expression; e != nil {
			applyExpression(p, e)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &createProfileResp{XMLNS: NS, Result: resID(c.acct, resProfile)}, nil
}

// updateProfile sets the display name and personal message that the
// request carries; an element left out keeps its value.
func (s *Service) updateProfile(c *call) (any, error) {
	var req updateProfileReq
	if err := c.req.DecodeBody(&req); err != nil {
		return nil, errMalformed(err)
	}
	if id := req.Profile.ResourceID; id != "" {
		if n, err := parseResID(c.acct, id); err != nil || (n != resProfile && n != resExpression) {
			return nil, errNoItem(nil)
		}
	}
	_, err := s.store.UpdateRoamingProfile(c.acct.ID, func(p *store.RoamingProfile) error {
		if e := req.Profile.Expression; e != nil {
			applyExpression(p, e)
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return emptyResponse("UpdateProfile"), nil
}

func applyExpression(p *store.RoamingProfile, e *expressionIn) {
	now := time.Now().UTC()
	if e.DisplayName != nil {
		p.DisplayName = strings.TrimSpace(*e.DisplayName)
		p.DisplayNameModified = now
	}
	if e.PersonalStatus != nil {
		p.PersonalStatus = *e.PersonalStatus
		p.PersonalStatusModified = now
	}
}
