package arm

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// armError is the body every ARM error carries: {"error":{"code","message"}}.
type armError struct {
	Error armErrorDetail `json:"error"`
}

type armErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with an ARM error body. The code is also sent as
// x-ms-error-code, which azcore reads before the body.
func writeError(w http.ResponseWriter, status int, code, format string, args ...any) {
	body, _ := json.Marshal(armError{Error: armErrorDetail{Code: code, Message: fmt.Sprintf(format, args...)}})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("x-ms-error-code", code)
	w.WriteHeader(status)
	w.Write(body)
}

// Error is an ARM error answer: a status and the body's code and message.
// Rules return it to refuse a write.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}
