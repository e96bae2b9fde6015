package storage

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"msnserver/store"
)

// Fixed resource numbers of an account's items.
const (
	resProfile    = 101
	resExpression = 118
	resDocBase    = 1000
)

// cidHex is the CID as resource IDs carry it.
func cidHex(a *store.Account) string { return fmt.Sprintf("%016X", uint64(a.CID)) }

func resID(a *store.Account, n uint64) string { return cidHex(a) + "!" + strconv.FormatUint(n, 10) }

func docResID(a *store.Account, id uint64) string { return resID(a, resDocBase+id) }

// parseResID reads "CIDHEX!n" and checks the CID is the caller's.
func parseResID(a *store.Account, id string) (uint64, error) {
	cid, n, ok := strings.Cut(strings.TrimSpace(id), "!")
	if !ok || !strings.EqualFold(cid, cidHex(a)) {
		return 0, errNoItem(fmt.Errorf("resource %q is not the caller's", id))
	}
	v, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return 0, errNoItem(fmt.Errorf("resource %q", id))
	}
	return v, nil
}

// parseDocID reads a document's resource ID.
func parseDocID(a *store.Account, id string) (uint64, error) {
	n, err := parseResID(a, id)
	if err != nil {
		return 0, err
	}
	if n <= resDocBase {
		return 0, errNoItem(fmt.Errorf("resource %q is not a document", id))
	}
	return n - resDocBase, nil
}

// handle names an item by resource ID or by alias and relationship
// (Alias/Name = the CID, NameSpace MyCidStuff; RelationshipName MyProfile
// or /UserTiles).
type handle struct {
	ResourceID string `xml:"ResourceID"`
	Alias      struct {
		Name      string `xml:"Name"`
		NameSpace string `xml:"NameSpace"`
	} `xml:"Alias"`
	RelationshipName string `xml:"RelationshipName"`
}

// ownAlias reports whether the handle's alias is the caller's CID (decimal, as
// Messenger writes it, or hex).
func (h *handle) ownAlias(a *store.Account) bool {
	n := strings.TrimSpace(h.Alias.Name)
	return n != "" && (n == strconv.FormatInt(a.CID, 10) || n == strconv.FormatUint(uint64(a.CID), 10) || strings.EqualFold(n, cidHex(a)))
}

// isProfile reports whether h names the caller's profile or expression profile.
func (h *handle) isProfile(a *store.Account) bool {
	if h.ResourceID != "" {
		n, err := parseResID(a, h.ResourceID)
		return err == nil && (n == resProfile || n == resExpression)
	}
	return h.ownAlias(a) && (h.RelationshipName == "" || strings.EqualFold(h.RelationshipName, "MyProfile"))
}

// isTileFolder reports whether h names the caller's /UserTiles folder.
func (h *handle) isTileFolder(a *store.Account) bool {
	return h.ResourceID == "" && h.ownAlias(a) && strings.EqualFold(h.RelationshipName, "/UserTiles")
}

// Requests.

type getProfileReq struct {
	Handle handle `xml:"profileHandle"`
}

type createProfileReq struct {
	Profile struct {
		Expression *expressionIn `xml:"ExpressionProfile"`
	} `xml:"profile"`
}

type updateProfileReq struct {
	Profile struct {
		ResourceID string        `xml:"ResourceID"`
		Expression *expressionIn `xml:"ExpressionProfile"`
	} `xml:"profile"`
}

type expressionIn struct {
	DisplayName    *string `xml:"DisplayName"`
	PersonalStatus *string `xml:"PersonalStatus"`
}

type findDocumentsReq struct {
	Handle handle `xml:"objectHandle"`
}

type documentIn struct {
	ResourceID string     `xml:"ResourceID"`
	Name       string     `xml:"Name"`
	Streams    []streamIn `xml:"DocumentStreams>DocumentStream"`
}

type streamIn struct {
	Type string `xml:"DocumentStreamType"`
	Mime string `xml:"MimeType"`
	Data string `xml:"Data"`
}

type createDocumentReq struct {
	Parent       handle     `xml:"parentHandle"`
	Document     documentIn `xml:"document"`
	Relationship string     `xml:"relationshipName"`
}

type updateDocumentReq struct {
	Document documentIn `xml:"document"`
}

type deleteDocumentsReq struct {
	Handles []handle `xml:"documentHandles>DocumentHandle"`
}

type relationshipIn struct {
	SourceID         string `xml:"SourceID"`
	SourceType       string `xml:"SourceType"`
	TargetID         string `xml:"TargetID"`
	TargetType       string `xml:"TargetType"`
	RelationshipName string `xml:"RelationshipName"`
}

type createRelationshipsReq struct {
	Relationships []relationshipIn `xml:"relationships>Relationship"`
}

type deleteRelationshipsReq struct {
	Source  handle   `xml:"sourceHandle"`
	Targets []handle `xml:"targetHandles>ObjectHandle"`
}

// Responses.

type header struct {
	Affinity affinityHeader `xml:"AffinityCacheHeader"`
	User     userHeader     `xml:"StorageUserHeader"`
}

type affinityHeader struct {
	XMLNS    string `xml:"xmlns,attr"`
	CacheKey string `xml:"CacheKey"`
}

type userHeader struct {
	XMLNS         string `xml:"xmlns,attr"`
	Puid          int    `xml:"Puid"`
	Cid           int64  `xml:"Cid"`
	ApplicationID int    `xml:"ApplicationId"`
	DeviceID      int    `xml:"DeviceId"`
	IsAdmin       bool   `xml:"IsAdmin"`
	IsTestAccount bool   `xml:"IsTestAccount"`
	TicketToken   string `xml:"TicketToken"`
}

func newHeader(a *store.Account, tok string) *header {
	return &header{
		Affinity: affinityHeader{XMLNS: NS, CacheKey: "1p8C" + cidHex(a)},
		User:     userHeader{XMLNS: NS, Cid: a.CID, TicketToken: tok},
	}
}

type getProfileResp struct {
	XMLName xml.Name      `xml:"GetProfileResponse"`
	XMLNS   string        `xml:"xmlns,attr"`
	Result  profileResult `xml:"GetProfileResult"`
}

type profileResult struct {
	ResourceID   string            `xml:"ResourceID"`
	DateModified string            `xml:"DateModified"`
	Expression   expressionProfile `xml:"ExpressionProfile"`
}

type expressionProfile struct {
	ResourceID                 string `xml:"ResourceID"`
	DateModified               string `xml:"DateModified"`
	Version                    int    `xml:"Version"`
	Flags                      int    `xml:"Flags"`
	Photo                      *photo `xml:"Photo,omitempty"`
	PersonalStatus             string `xml:"PersonalStatus"`
	PersonalStatusLastModified string `xml:"PersonalStatusLastModified"`
	DisplayName                string `xml:"DisplayName"`
	DisplayNameLastModified    string `xml:"DisplayNameLastModified"`
	StaticUserTilePublicURL    string `xml:"StaticUserTilePublicURL"`
}

type photo struct {
	ItemType     string      `xml:"ItemType"`
	ResourceID   string      `xml:"ResourceID"`
	DateModified string      `xml:"DateModified"`
	Name         string      `xml:"Name"`
	Streams      []docStream `xml:"DocumentStreams>DocumentStream"`
}

type docStream struct {
	XSIType            string `xml:"xsi:type,attr"`
	DocumentStreamName string `xml:"DocumentStreamName"`
	MimeType           string `xml:"MimeType"`
	DataSize           int    `xml:"DataSize"`
	PreAuthURL         string `xml:"PreAuthURL"`
	PreAuthURLPartner  string `xml:"PreAuthURLPartner"`
	DocumentStreamType string `xml:"DocumentStreamType"`
	WriteMode          string `xml:"WriteMode"`
	StreamVersion      int    `xml:"StreamVersion"`
	SHA1Hash           string `xml:"SHA1Hash"`
	Genie              bool   `xml:"Genie"`
	StreamDataStatus   string `xml:"StreamDataStatus"`
	StreamStatus       string `xml:"StreamStatus"`
	IsAliasForDefault  bool   `xml:"IsAliasForDefault"`
	ExpirationDateTime string `xml:"ExpirationDateTime"`
}

type createProfileResp struct {
	XMLName xml.Name `xml:"CreateProfileResponse"`
	XMLNS   string   `xml:"xmlns,attr"`
	Result  string   `xml:"CreateProfileResult"`
}

type createDocumentResp struct {
	XMLName xml.Name `xml:"CreateDocumentResponse"`
	XMLNS   string   `xml:"xmlns,attr"`
	Result  string   `xml:"CreateDocumentResult"`
}

type findDocumentsResp struct {
	XMLName xml.Name      `xml:"FindDocumentsResponse"`
	XMLNS   string        `xml:"xmlns,attr"`
	Docs    []documentOut `xml:"FindDocumentsResult>Document"`
}

type documentOut struct {
	XSIType      string `xml:"xsi:type,attr"`
	ResourceID   string `xml:"ResourceID"`
	Name         string `xml:"Name"`
	DateModified string `xml:"DateModified"`
}

// empty is an action's empty response element (UpdateProfileResponse …).
type empty struct {
	XMLName xml.Name
	XMLNS   string `xml:"xmlns,attr"`
}

func emptyResponse(action string) *empty {
	return &empty{XMLName: xml.Name{Local: action + "Response"}, XMLNS: NS}
}
