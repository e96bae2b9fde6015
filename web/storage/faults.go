package storage

import (
	"errors"
	"fmt"
	"net/http"

	"msnserver/web/soap"
)

// Fault is a storage fault: HTTP 500 with a soap:Fault whose detail/errorcode
// names the condition (ItemDoesNotExist, which Messenger answers by creating
// the item; AuthenticationFailed; InvalidObjectData …).
type Fault struct {
	Code    string
	Message string
	Server  bool  // soap:Server instead of soap:Client
	Err     error // for the log only
}

func (f *Fault) Error() string {
	if f.Err != nil {
		return fmt.Sprintf("%s: %s: %v", f.Code, f.Message, f.Err)
	}
	return f.Code + ": " + f.Message
}

func (f *Fault) Unwrap() error { return f.Err }

type faultDetail struct {
	ErrorCode   string `xml:"http://www.msn.com/webservices/storage/w10 errorcode"`
	ErrorString string `xml:"http://www.msn.com/webservices/storage/w10 errorstring"`
	MachineName string `xml:"http://www.msn.com/webservices/storage/w10 machineName"`
}

func writeFault(w http.ResponseWriter, action string, err error) {
	var f *Fault
	if !errors.As(err, &f) {
		f = &Fault{Code: "InternalError", Message: "Internal error", Server: true, Err: err}
	}
	code := "soap:Client"
	if f.Server {
		code = "soap:Server"
	}
	sf := soap.Fault{Code: code, String: f.Message, Detail: &faultDetail{ErrorCode: f.Code, ErrorString: f.Message, MachineName: "MSNSERVER"}}
	if action != "" {
		sf.Actor = NS + "/" + action
	}
	soap.WriteFault(w, sf)
}

func errMalformed(err error) *Fault {
	return &Fault{Code: "InvalidObjectData", Message: "The request is not a valid SOAP envelope", Err: err}
}

func errBadRequest(err error) *Fault {
	return &Fault{Code: "InvalidObjectData", Message: "Invalid argument", Err: err}
}

func errBadTicket(err error) *Fault {
	return &Fault{Code: "AuthenticationFailed", Message: "Authentication failed", Err: err}
}

func errNoItem(err error) *Fault {
	return &Fault{Code: "ItemDoesNotExist", Message: "Item does not exist", Err: err}
}
