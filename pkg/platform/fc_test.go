//go:build !no_fc && !lambda.norpc

package platform

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/todofn/todofn/internal/fcruntimetest"
)

func ptr[T any](v T) *T { return &v }

func triggerEvent(method, rawPath string, mod func(*events.HTTPTriggerEvent)) events.HTTPTriggerEvent {
	ev := events.HTTPTriggerEvent{
		Version: ptr("v1"),
		RawPath: ptr(rawPath),
		Headers: &map[string]string{"Host": "fn.cn-hangzhou.fcapp.run", "Accept": "text/html, application/json"},
	}
	ev.TriggerContext.RequestId = ptr("event-request-id")
	ev.TriggerContext.DomainName = ptr("fn.cn-hangzhou.fcapp.run")
	ev.TriggerContext.TimeEpoch = ptr("1707098457876")
	ev.TriggerContext.Http.Method = ptr(method)
	ev.TriggerContext.Http.SourceIp = ptr("198.51.100.4")
	if mod != nil {
		mod(&ev)
	}
	return ev
}

func invokeTrigger(t *testing.T, ctx context.Context, h http.Handler, payload []byte) events.HTTPTriggerResponse {
	t.Helper()
	out, err := ServeHTTPTrigger(ctx, h, payload)
	if err != nil {
		t.Fatalf("ServeHTTPTrigger: %v", err)
	}
	var resp events.HTTPTriggerResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("decode response %s: %v", out, err)
	}
	return resp
}

func TestHTTPTriggerRequest(t *testing.T) {
	ctx := fccontext.NewContext(context.Background(), &fccontext.FcContext{RequestID: "fc-req-1"})
	tests := []struct {
		name string
		ctx  context.Context
		ev   events.HTTPTriggerEvent
		want seen
	}{
		{
			name: "get with query map and cookie",
			ctx:  ctx,
			ev: triggerEvent("GET", "/todos/a%2Fb", func(ev *events.HTTPTriggerEvent) {
				ev.QueryParameters = &map[string]string{"tag": "x y", "limit": "10"}
				(*ev.Headers)["Cookie"] = "s=1; t=2"
			}),
			want: seen{Method: "GET", Path: "/todos/a/b", RawPath: "/todos/a%2Fb", Query: "limit=10&tag=x+y",
				Host: "fn.cn-hangzhou.fcapp.run", RemoteAddr: "198.51.100.4:0", Cookie: "s=1; t=2",
				Accept: "text/html, application/json", RequestID: "fc-req-1", RequestURI: "/todos/a%2Fb?limit=10&tag=x+y"},
		},
		{
			name: "post with base64 body, request id from the event",
			ctx:  context.Background(),
			ev: triggerEvent("POST", "/todos", func(ev *events.HTTPTriggerEvent) {
				ev.Body, ev.IsBase64Encoded = ptr(base64.StdEncoding.EncodeToString([]byte("abc"))), ptr(true)
			}),
			want: seen{Method: "POST", Path: "/todos", RawPath: "/todos", Host: "fn.cn-hangzhou.fcapp.run",
				RemoteAddr: "198.51.100.4:0", Accept: "text/html, application/json", Body: "abc", ContentLength: 3,
				RequestID: "event-request-id", RequestURI: "/todos"},
		},
		{
			name: "no rawPath, no headers",
			ctx:  ctx,
			ev: triggerEvent("DELETE", "", func(ev *events.HTTPTriggerEvent) {
				ev.RawPath = nil
				ev.TriggerContext.Http.Path = ptr("/todos/1")
				ev.Headers = nil
				ev.Body = ptr("plain")
			}),
			want: seen{Method: "DELETE", Path: "/todos/1", RawPath: "/todos/1", Host: "fn.cn-hangzhou.fcapp.run",
				RemoteAddr: "198.51.100.4:0", Body: "plain", ContentLength: 5, RequestID: "fc-req-1", RequestURI: "/todos/1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invokeTrigger(t, tt.ctx, echoHandler(), mustJSON(t, tt.ev))
			if resp.StatusCode != http.StatusCreated || resp.IsBase64Encoded {
				t.Fatalf("status %d base64 %v; body %s", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
			}
			if got := decodeSeen(t, []byte(resp.Body)); got != tt.want {
				t.Errorf("handler saw\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestHTTPTriggerResponse(t *testing.T) {
	tests := []struct {
		name        string
		h           http.Handler
		status      int
		contentType string
		body        []byte
		base64      bool
		setCookie   string
	}{
		{name: "json, two cookies joined", h: echoHandler(), status: 201, contentType: "application/json", setCookie: "a=1, b=2"},
		{name: "binary body", h: writeHandler(200, "image/png", binaryBody()), status: 200, contentType: "image/png",
			body: binaryBody(), base64: true},
		{name: "invalid UTF-8 text", h: writeHandler(200, "text/plain", []byte{0xc3}), status: 200, contentType: "text/plain",
			body: []byte{0xc3}, base64: true},
		{name: "empty body", h: writeHandler(204, "", nil), status: 204, body: []byte{}},
	}
	ev := mustJSON(t, triggerEvent("GET", "/", nil))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invokeTrigger(t, context.Background(), tt.h, ev)
			if resp.StatusCode != tt.status || resp.IsBase64Encoded != tt.base64 {
				t.Errorf("status %d base64 %v, want %d %v", resp.StatusCode, resp.IsBase64Encoded, tt.status, tt.base64)
			}
			if resp.Headers["Content-Type"] != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", resp.Headers["Content-Type"], tt.contentType)
			}
			if resp.Headers["Set-Cookie"] != tt.setCookie {
				t.Errorf("Set-Cookie = %q, want %q", resp.Headers["Set-Cookie"], tt.setCookie)
			}
			if tt.body != nil {
				body := []byte(resp.Body)
				if tt.base64 {
					body, _ = base64.StdEncoding.DecodeString(resp.Body)
				}
				if !bytes.Equal(body, tt.body) {
					t.Errorf("body = %q, want %q", body, tt.body)
				}
			}
		})
	}
}

func TestHTTPTriggerMalformed(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
	}{
		{"not json", []byte("{")},
		{"timeEpoch as a number", []byte(`{"rawPath":"/","requestContext":{"timeEpoch":1707098457876,"http":{"method":"GET"}}}`)},
		{"missing method", mustJSON(t, triggerEvent("", "/", func(ev *events.HTTPTriggerEvent) { ev.TriggerContext.Http.Method = nil }))},
		{"bad base64", mustJSON(t, triggerEvent("POST", "/", func(ev *events.HTTPTriggerEvent) {
			ev.Body, ev.IsBase64Encoded = ptr("%%%"), ptr(true)
		}))},
		{"relative path", mustJSON(t, triggerEvent("GET", "todos", nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invokeTrigger(t, context.Background(), mustNotCall(t), tt.payload)
			checkInvalid(t, resp.StatusCode, []byte(resp.Body))
		})
	}
}

// TestFCRuntimeEventCompat checks that fcruntime's events decode with the
// SDK's types (timeEpoch is a string) and its responses encode back.
func TestFCRuntimeEventCompat(t *testing.T) {
	r := httptest.NewRequest("PATCH", "http://fn.example/todos/1?x=1", bytes.NewReader(binaryBody()))
	r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
	r.AddCookie(&http.Cookie{Name: "t", Value: "2"})
	ev, err := fcruntimetest.HTTPEvent(r, "rid-7")
	if err != nil {
		t.Fatal(err)
	}
	var sdk events.HTTPTriggerEvent
	if err := json.Unmarshal(ev, &sdk); err != nil {
		t.Fatalf("SDK cannot decode fcruntime's event: %v\n%s", err, ev)
	}
	out, err := ServeHTTPTrigger(context.Background(), echoHandler(), ev)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := fcruntimetest.HTTPResponse(out, w); err != nil {
		t.Fatal(err)
	}
	got := decodeSeen(t, w.Body.Bytes())
	want := seen{Method: "PATCH", Path: "/todos/1", RawPath: "/todos/1", Query: "x=1", Host: "fn.example",
		RemoteAddr: "192.0.2.1:0", Cookie: "s=1; t=2", Body: bodyString(binaryBody()), ContentLength: 256,
		RequestID: "rid-7", RequestURI: "/todos/1?x=1"}
	if w.Code != http.StatusCreated || got != want {
		t.Errorf("status %d, handler saw\n %+v\nwant\n %+v", w.Code, got, want)
	}
}

// fcDocEvent is the request struct of FC's "Use an HTTP trigger to invoke
// a function" (https://www.alibabacloud.com/help/en/functioncompute/fc/http-trigger-invoking-function),
// as printed there but for the masked account id and source IP, which are
// given digits here.
const fcDocEvent = `{
    "version": "v1",
    "rawPath": "/example",
    "body": "Hello FC!",
    "isBase64Encoded": false,
    "headers": {
        "header1": "value1",
        "header2": "value1,value2"
    },
    "queryParameters": {
        "parameter1": "value1",
        "parameter2": "value1,value2"
    },
    "requestContext": {
        "accountId": "123456789012",
        "domainName": "<http-trigger-id>.<region-id>.fcapp.run",
        "domainPrefix": "<http-trigger-id>",
        "http": {
            "method": "GET",
            "path": "/example",
            "protocol": "HTTP/1.1",
            "sourceIp": "11.11.11.11",
            "userAgent": "PostmanRuntime/7.32.3"
        },
        "requestId": "1-64f6cd87-0123456789abcdef01234567",
        "time": "2023-09-05T06:41:11Z",
        "timeEpoch": "1693896071895"
    }
}`

// FC's own example event: the comma-joined parameter2 (two values of a
// repeated parameter) reaches the handler as one value, unsplit, and so
// does the comma-joined header.
func TestHTTPTriggerDocumentedEvent(t *testing.T) {
	var got *http.Request
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r })
	resp := invokeTrigger(t, context.Background(), h, []byte(fcDocEvent))
	if resp.StatusCode != 200 || got == nil {
		t.Fatalf("status %d, handler called: %v", resp.StatusCode, got != nil)
	}
	q := got.URL.Query()
	if len(q["parameter2"]) != 1 || q.Get("parameter2") != "value1,value2" || q.Get("parameter1") != "value1" {
		t.Errorf("query %v, want parameter2 as the one value \"value1,value2\"", q)
	}
	if got.Header.Get("Header2") != "value1,value2" || got.Method != "GET" || got.URL.Path != "/example" ||
		got.RemoteAddr != "11.11.11.11:0" || wireID(got) != "1-64f6cd87-0123456789abcdef01234567" {
		t.Errorf("request %s %s from %s, header2 %q, id %q", got.Method, got.URL, got.RemoteAddr, got.Header.Get("Header2"), wireID(got))
	}
}

func wireID(r *http.Request) string { return todoRequestID(r.Context()) }
