//go:build !no_lambda && !no_dynamodb

package platform

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/todofn/todofn/internal/lambdaurltest"
)

func urlEvent(method, rawPath, rawQuery string, mod func(*events.LambdaFunctionURLRequest)) events.LambdaFunctionURLRequest {
	ev := events.LambdaFunctionURLRequest{
		Version:        "2.0",
		RawPath:        rawPath,
		RawQueryString: rawQuery,
		Headers:        map[string]string{"host": "abc.lambda-url.eu-west-1.on.aws", "accept": "text/html,application/json"},
		RequestContext: events.LambdaFunctionURLRequestContext{
			RequestID:  "event-request-id",
			DomainName: "abc.lambda-url.eu-west-1.on.aws",
			HTTP:       events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: rawPath, SourceIP: "203.0.113.7"},
		},
	}
	if mod != nil {
		mod(&ev)
	}
	return ev
}

func invokeURL(t *testing.T, ctx context.Context, h http.Handler, payload []byte) events.LambdaFunctionURLResponse {
	t.Helper()
	out, err := ServeFunctionURL(ctx, h, payload)
	if err != nil {
		t.Fatalf("ServeFunctionURL: %v", err)
	}
	var resp events.LambdaFunctionURLResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("decode response %s: %v", out, err)
	}
	return resp
}

func TestFunctionURLRequest(t *testing.T) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "aws-req-1"})
	tests := []struct {
		name string
		ctx  context.Context
		ev   events.LambdaFunctionURLRequest
		want seen
	}{
		{
			name: "get with query, cookies and multi-valued header",
			ctx:  ctx,
			ev: urlEvent("GET", "/todos/a%2Fb", "limit=10&tag=x&tag=y", func(ev *events.LambdaFunctionURLRequest) {
				ev.Cookies = []string{"s=1", "t=2"}
			}),
			want: seen{Method: "GET", Path: "/todos/a/b", RawPath: "/todos/a%2Fb", Query: "limit=10&tag=x&tag=y",
				Host: "abc.lambda-url.eu-west-1.on.aws", RemoteAddr: "203.0.113.7:0", Cookie: "s=1; t=2",
				Accept: "text/html,application/json", RequestID: "aws-req-1", RequestURI: "/todos/a%2Fb?limit=10&tag=x&tag=y"},
		},
		{
			name: "post with base64 body, request id from the event",
			ctx:  context.Background(),
			ev: urlEvent("POST", "/todos", "", func(ev *events.LambdaFunctionURLRequest) {
				ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(`{"title":"milk"}`)), true
				delete(ev.Headers, "host")
			}),
			want: seen{Method: "POST", Path: "/todos", RawPath: "/todos", Host: "abc.lambda-url.eu-west-1.on.aws",
				RemoteAddr: "203.0.113.7:0", Accept: "text/html,application/json", Body: `{"title":"milk"}`,
				ContentLength: 16, RequestID: "event-request-id", RequestURI: "/todos"},
		},
		{
			name: "plain text body, empty path",
			ctx:  ctx,
			ev: urlEvent("PUT", "", "", func(ev *events.LambdaFunctionURLRequest) {
				ev.Body = "héllo"
				ev.Headers = nil
				ev.RequestContext.HTTP.SourceIP = ""
			}),
			want: seen{Method: "PUT", Path: "/", RawPath: "/", Host: "abc.lambda-url.eu-west-1.on.aws",
				Body: "héllo", ContentLength: 6, RequestID: "aws-req-1", RequestURI: "/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invokeURL(t, tt.ctx, echoHandler(), mustJSON(t, tt.ev))
			if resp.StatusCode != http.StatusCreated || resp.IsBase64Encoded {
				t.Fatalf("status %d base64 %v, want 201 text; body %s", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
			}
			if got := decodeSeen(t, []byte(resp.Body)); got != tt.want {
				t.Errorf("handler saw\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestFunctionURLResponse(t *testing.T) {
	tests := []struct {
		name        string
		h           http.Handler
		status      int
		contentType string
		body        []byte
		base64      bool
		cookies     []string
		vary        string
	}{
		{name: "json with cookies and multi-valued header", h: echoHandler(), status: 201,
			contentType: "application/json", cookies: []string{"a=1", "b=2"}, vary: "Origin, Accept"},
		{name: "binary body", h: writeHandler(200, "image/png", binaryBody()), status: 200,
			contentType: "image/png", body: binaryBody(), base64: true},
		{name: "text that is not UTF-8", h: writeHandler(200, "text/plain", []byte{0xff, 0xfe, 'a'}), status: 200,
			contentType: "text/plain", body: []byte{0xff, 0xfe, 'a'}, base64: true},
		{name: "UTF-8 with a binary type", h: writeHandler(200, "application/octet-stream", []byte("abc")), status: 200,
			contentType: "application/octet-stream", body: []byte("abc"), base64: true},
		{name: "sniffed type", h: writeHandler(200, "", []byte("<html></html>")), status: 200,
			contentType: "text/html; charset=utf-8", body: []byte("<html></html>")},
		{name: "empty body", h: writeHandler(204, "", nil), status: 204},
		{name: "no WriteHeader", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), status: 200},
		{name: "problem json is text", h: writeHandler(422, "application/problem+json", []byte(`{"a":1}`)), status: 422,
			contentType: "application/problem+json", body: []byte(`{"a":1}`)},
	}
	ev := mustJSON(t, urlEvent("GET", "/x", "", nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invokeURL(t, context.Background(), tt.h, ev)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Headers["Content-Type"]; got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if resp.IsBase64Encoded != tt.base64 {
				t.Errorf("isBase64Encoded = %v, want %v", resp.IsBase64Encoded, tt.base64)
			}
			body := []byte(resp.Body)
			if resp.IsBase64Encoded {
				var err error
				if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			if tt.body != nil && !bytes.Equal(body, tt.body) {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if tt.body == nil && tt.cookies == nil && len(body) != 0 {
				t.Errorf("body = %q, want empty", body)
			}
			if strings.Join(resp.Cookies, "|") != strings.Join(tt.cookies, "|") {
				t.Errorf("cookies = %q, want %q", resp.Cookies, tt.cookies)
			}
			if _, ok := resp.Headers["Set-Cookie"]; ok {
				t.Error("Set-Cookie left in headers")
			}
			if resp.Headers["Vary"] != tt.vary {
				t.Errorf("Vary = %q, want %q", resp.Headers["Vary"], tt.vary)
			}
		})
	}
}

func TestFunctionURLMalformed(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
	}{
		{"not json", []byte("nope")},
		{"json array", []byte("[1,2]")},
		{"missing method", mustJSON(t, urlEvent("", "/x", "", nil))},
		{"method with a space", mustJSON(t, urlEvent("GET X", "/x", "", nil))},
		{"bad base64", mustJSON(t, urlEvent("POST", "/x", "", func(ev *events.LambdaFunctionURLRequest) {
			ev.Body, ev.IsBase64Encoded = "!!!not base64", true
		}))},
		{"relative path", mustJSON(t, urlEvent("GET", "x/y", "", nil))},
		{"bad escape in path", mustJSON(t, urlEvent("GET", "/a%zz", "", nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invokeURL(t, context.Background(), mustNotCall(t), tt.payload)
			if resp.Headers["Content-Type"] != "application/json" || resp.IsBase64Encoded {
				t.Errorf("headers %v base64 %v, want JSON text", resp.Headers, resp.IsBase64Encoded)
			}
			checkInvalid(t, resp.StatusCode, []byte(resp.Body))
		})
	}
}

// TestLambdaURLRoundTrip checks package lambdaurl against the SDK's event
// types: an HTTP request becomes an event, the event a response event, and
// that an HTTP response again.
func TestLambdaURLRoundTrip(t *testing.T) {
	r := httptest.NewRequest("POST", "http://fn.example/todos/a%20b?x=1&x=2", bytes.NewReader([]byte("hi")))
	r.Header.Add("Accept", "text/html")
	r.Header.Add("Accept", "application/json")
	r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
	r.AddCookie(&http.Cookie{Name: "t", Value: "2"})
	ev, err := lambdaurltest.FunctionURLEvent(r, "rid-1")
	if err != nil {
		t.Fatal(err)
	}
	out, err := ServeFunctionURL(context.Background(), echoHandler(), ev)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := lambdaurltest.WriteFunctionURLResponse(out, w); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusCreated {
		t.Fatalf("status = %d", w.Code)
	}
	if got := w.Result().Cookies(); len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Errorf("cookies = %v", got)
	}
	want := seen{Method: "POST", Path: "/todos/a b", RawPath: "/todos/a%20b", Query: "x=1&x=2", Host: "fn.example",
		RemoteAddr: "192.0.2.1:0", Cookie: "s=1; t=2", Accept: "text/html,application/json", Body: "hi",
		ContentLength: 2, RequestID: "rid-1", RequestURI: "/todos/a%20b?x=1&x=2"}
	if got := decodeSeen(t, w.Body.Bytes()); got != want {
		t.Errorf("handler saw\n %+v\nwant\n %+v", got, want)
	}
}

func TestLambdaEvents(t *testing.T) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "aws-req-2"})
	var gotID string
	h := lambdaEvents{h: EventHandlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		gotID = todoRequestID(ctx)
		return append([]byte("got:"), p...), nil
	})}
	out, err := h.Invoke(ctx, []byte{0, 1, 2})
	if err != nil || !bytes.Equal(out, []byte{'g', 'o', 't', ':', 0, 1, 2}) {
		t.Errorf("Invoke = %q, %v", out, err)
	}
	if gotID != "aws-req-2" {
		t.Errorf("request id = %q", gotID)
	}
}
