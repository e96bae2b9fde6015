package ab

import (
	"errors"
	"fmt"
	"net/http"

	"msnserver/web/soap"
)

// Fault is an address-book/sharing fault: HTTP 500 with a soap:Fault whose
// detail/errorcode clients branch on (soap-services.md §7).
type Fault struct {
	Code     string // detail/errorcode, e.g. ContactAlreadyExists
	Message  string // faultstring and errorstring
	Conflict string // additionalDetails/conflictObjectId, for the duplicate cases
	Server   bool   // soap:Server instead of soap:Client
	Err      error  // underlying cause, for the log only
}

func (f *Fault) Error() string {
	if f.Err != nil {
		return fmt.Sprintf("%s: %s: %v", f.Code, f.Message, f.Err)
	}
	return f.Code + ": " + f.Message
}

func (f *Fault) Unwrap() error { return f.Err }

// machineName is what detail/machineName reports.
const machineName = "MSNSERVER"

type faultDetail struct {
	ErrorCode   string             `xml:"http://www.msn.com/webservices/AddressBook errorcode"`
	ErrorString string             `xml:"http://www.msn.com/webservices/AddressBook errorstring"`
	MachineName string             `xml:"http://www.msn.com/webservices/AddressBook machineName"`
	Additional  *additionalDetails `xml:"additionalDetails,omitempty"`
}

type additionalDetails struct {
	ConflictObjectID string `xml:"conflictObjectId"`
}

// writeFault sends err as a SOAP fault for action (empty when unknown).
func writeFault(w http.ResponseWriter, action string, err error) {
	var f *Fault
	if !errors.As(err, &f) {
		f = &Fault{Code: "InternalError", Message: "Internal error", Server: true, Err: err}
	}
	code := "soap:Client"
	if f.Server {
		code = "soap:Server"
	}
	d := &faultDetail{ErrorCode: f.Code, ErrorString: f.Message, MachineName: machineName}
	if f.Conflict != "" {
		d.Additional = &additionalDetails{ConflictObjectID: f.Conflict}
	}
	sf := soap.Fault{Code: code, String: f.Message, Detail: d}
	if action != "" {
		sf.Actor = NS + "/" + action
	}
	soap.WriteFault(w, sf)
}

// Constructors for the faults the actions raise.

func errMalformed(err error) *Fault {
	return &Fault{Code: "BadArgument", Message: "The request is not a valid SOAP envelope", Err: err}
}

func errBadRequest(format string, args ...any) *Fault {
	return &Fault{Code: "BadArgument", Message: fmt.Sprintf(format, args...)}
}

func errBadTicket(err error) *Fault {
	return &Fault{Code: "BadContextToken", Message: "Invalid or expired ticket", Err: err}
}

func errContactExists(id string) *Fault {
	return &Fault{Code: "ContactAlreadyExists", Message: "Contact Already Exists", Conflict: id}
}

func errContactMissing(id string) *Fault {
	return &Fault{Code: "ContactDoesNotExist", Message: "Contact Does Not Exist", Err: fmt.Errorf("contact %q", id)}
}

func errInvalidPassport(email string) *Fault {
	return &Fault{Code: "InvalidPassportUser", Message: "The Passport user specified is invalid", Err: fmt.Errorf("address %q", email)}
}

func errGroupExists(id string) *Fault {
	return &Fault{Code: "GroupAlreadyExists", Message: "Group Already Exists", Conflict: id}
}

func errGroupMissing(id string) *Fault {
	return &Fault{Code: "GroupDoesNotExist", Message: "Group Does Not Exist", Err: fmt.Errorf("group %q", id)}
}

func errMemberMissing(who string) *Fault {
	return &Fault{Code: "MemberDoesNotExist", Message: "Member Does Not Exist", Err: fmt.Errorf("member %q", who)}
}
