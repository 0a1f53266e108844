package ontapsim

import (
	"fmt"
	"net/http"
)

// Error codes the simulator answers with. The first group comes from ONTAP's
// documentation and NetApp's clients (see doc.go); the codes marked "sim" were
// not found in a public source and are the simulator's own choice, kept
// distinct so a client can still tell the failures apart.
const (
	codeDuplicate         = "1"
	codeInvalidField      = "2"
	codeNotSupported      = "3"
	codeNotFound          = "4"
	codePermissionDenied  = "6"
	codeInUse             = "8"
	codeInvalidValue      = "262197"
	codeInvalidJSON       = "262199"
	codeUnexpectedArg     = "262179"
	codeFieldReadOnly     = "262196"
	codeFieldConflict     = "262186" // ONTAP's code; using it for size vs space.size is the sim's choice
	codeVolumeSVMMissing  = "2621707"
	codeNotAuthorized     = "6691623"
	codeVolumeDuplicate   = "917526"
	codeSnapPolicyMissing = "917551"
	codeJunctionInvalid   = "918252"
	codeVolumeBusy        = "524486"
	codeExportPolMissing  = "1703954"
	codeExportRuleExists  = "1704070"
	codeSnapPolicyExists  = "1638527"
	codeSnapCountExceeded = "1638451"
	codeSMDestInUse       = "6619637"
	codeSVMNameInUse      = "13434908"
	codeSMStateOnCreate   = "13303873"
	codeSMAlreadyInit     = "13303832"
	codeSMBadTransition   = "13303818"

	codeVolumeTooSmall   = "917534"   // sim
	codeVolumeMounted    = "917627"   // sim
	codeAggrNoSpace      = "917809"   // sim
	codeSMDestNotDP      = "13303821" // sim
	codeSMSourceInvalid  = "13303812" // sim
	codeSMNotPeered      = "13303819" // sim
	codeSMPolicyMissing  = "13303815" // sim
	codeInternal         = "65536"    // sim: injected 5xx
	codeSVMNotEmpty      = "13434916" // sim
	codeExportPolInUse   = "1703952"  // sim
	codeSnapPolicyInUse  = "1638453"  // sim
	codePeerMissing      = "26345574" // sim
	codeJobFailedDefault = 460770     // sim: injected job failure without a code
)

// apiError is ONTAP's error object.
type apiError struct {
	Status  int
	Code    string
	Message string
	Target  string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (code %s)", e.Message, e.Code) }

func (e *apiError) body() map[string]any {
	inner := map[string]any{"message": e.Message, "code": e.Code}
	if e.Target != "" {
		inner["target"] = e.Target
	}
	return map[string]any{"error": inner}
}

func newErr(status int, code, target, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Target: target, Message: fmt.Sprintf(format, args...)}
}

func errNotFound(target string) *apiError {
	return newErr(http.StatusNotFound, codeNotFound, target, "entry doesn't exist")
}

func errInvalidValue(field, value, rng string) *apiError {
	msg := fmt.Sprintf("The value %q is invalid for field %q", value, field)
	if rng != "" {
		msg += " (" + rng + ")"
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidValue, Target: field, Message: msg}
}

func errMissing(field string) *apiError {
	return newErr(http.StatusBadRequest, codeInvalidField, field, "Missing value for required field %q.", field)
}

// errUnexpected is ONTAP's answer to a body field it does not know: the
// message names the first part of the path it does not know, the target the
// whole path ({"message": "Unexpected argument \"ndmp\".", "code": "262179",
// "target": "ndmp.allowed"} from a cluster without ndmp).
func errUnexpected(field, unknown string) *apiError {
	return newErr(http.StatusBadRequest, codeUnexpectedArg, field, "Unexpected argument %q.", unknown)
}

// errReadOnly is ONTAP's answer to a field of the object that the operation
// cannot set: a read-only field, or one that only the other of POST and PATCH
// takes.
func errReadOnly(field string) *apiError {
	return newErr(http.StatusBadRequest, codeFieldReadOnly, field, "Field %q cannot be set in this operation.", field)
}
