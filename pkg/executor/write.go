package executor

import (
	"context"
	"net/http"
)

// SendOptions tune one Send.
type SendOptions struct {
	// NoWait returns as soon as the API has accepted a long-running
	// operation, with the URL to follow it, instead of polling it to the end.
	NoWait bool
	// Progress, when set, is told after every poll of a long-running
	// operation (for a progress line on stderr).
	Progress func(LROStatus)
}

// Outcome is the final answer to a Send.
type Outcome struct {
	// StatusCode is the HTTP status of the answer Body came from.
	StatusCode int
	// Body is the final response body: the resource or the action's result.
	// It may be empty (DELETE, 204, actions without a result).
	Body []byte
	// OperationURL is where the operation's status can be read, set when
	// NoWait was asked and the API accepted a long-running operation.
	OperationURL string
	// Polls counts the status reads made while waiting.
	Polls int
}

// Send performs one non-paged call (PUT, PATCH, DELETE, POST, or a GET),
// waits for its long-running operation unless opts.NoWait, and returns the
// final response body (may be empty). Retries follow retryableStatus: POST
// is never retried, PUT and DELETE only when the API asks with 429/503 and
// Retry-After. A long-running operation that ends Failed or Canceled is an
// *OperationError.
func (e *Executor) Send(ctx context.Context, call *Call, opts SendOptions) (*Outcome, error) {
	out, err := e.send(ctx, call, opts)
	return out, e.redactError(err)
}

func (e *Executor) send(ctx context.Context, call *Call, opts SendOptions) (*Outcome, error) {
	target, err := call.URL()
	if err != nil {
		return nil, err
	}
	method := call.Method.HTTPMethod
	payload, err := call.requestBody()
	if err != nil {
		return nil, err
	}
	body, resp, err := e.do(ctx, call, method, target, payload)
	if err != nil {
		return nil, err
	}
	op, err := call.startOperation(method, target, resp, body)
	if err != nil {
		return nil, err
	}
	if op == nil {
		return &Outcome{StatusCode: resp.StatusCode, Body: finalBody(method, body)}, nil
	}
	op.delay = e.pollDelayFor(resp.Header)
	if opts.NoWait {
		return &Outcome{StatusCode: resp.StatusCode, Body: body, OperationURL: op.statusURL}, nil
	}
	return e.wait(ctx, op, opts.Progress)
}

// finalBody drops what a DELETE answers: there is no resource left to show.
func finalBody(method string, body []byte) []byte {
	if method == http.MethodDelete {
		return nil
	}
	return body
}
