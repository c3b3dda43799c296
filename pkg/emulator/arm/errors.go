package emulator

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
