package fcruntimetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewHTTPEvent(t *testing.T) {
	now := time.UnixMilli(1707098457876)
	tests := []struct {
		name  string
		req   func() *http.Request
		check func(t *testing.T, ev *HTTPTriggerEvent)
	}{
		{
			name: "headers, cookies and query",
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "http://fn.example/todos/a%2Fb?tag=x&tag=y&n=1", nil)
				r.Header.Add("Accept", "text/html")
				r.Header.Add("Accept", "application/json")
				r.Header.Add("Cookie", "s=1")
				r.Header.Add("Cookie", "t=2")
				return r
			},
			check: func(t *testing.T, ev *HTTPTriggerEvent) {
				if ev.RawPath != "/todos/a%2Fb" || ev.RequestContext.HTTP.Path != "/todos/a/b" || ev.RequestContext.HTTP.Method != "GET" {
					t.Errorf("path/method = %q %q %q", ev.RawPath, ev.RequestContext.HTTP.Path, ev.RequestContext.HTTP.Method)
				}
				if ev.Headers["Accept"] != "text/html, application/json" || ev.Headers["Cookie"] != "s=1; t=2" || ev.Headers["Host"] != "fn.example" {
					t.Errorf("headers = %v", ev.Headers)
				}
				// A repeated parameter arrives comma-joined, as in FC's
				// own example ("parameter2": "value1,value2").
				if ev.QueryParameters["tag"] != "x,y" || ev.QueryParameters["n"] != "1" {
					t.Errorf("query = %v, want tag x,y and n 1", ev.QueryParameters)
				}
				if ev.Body != "" || ev.IsBase64Encoded {
					t.Errorf("body = %q %v", ev.Body, ev.IsBase64Encoded)
				}
			},
		},
		{
			name: "binary body",
			req:  func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader("\xff\x00")) },
			check: func(t *testing.T, ev *HTTPTriggerEvent) {
				if ev.Body != "/wA=" || !ev.IsBase64Encoded {
					t.Errorf("body = %q %v", ev.Body, ev.IsBase64Encoded)
				}
			},
		},
		{
			name: "text body and context",
			req:  func() *http.Request { return httptest.NewRequest("PUT", "/x", strings.NewReader("héllo")) },
			check: func(t *testing.T, ev *HTTPTriggerEvent) {
				if ev.Body != "héllo" || ev.IsBase64Encoded {
					t.Errorf("body = %q %v", ev.Body, ev.IsBase64Encoded)
				}
				c := ev.RequestContext
				if c.RequestID != "rid" || c.TimeEpoch != "1707098457876" || c.HTTP.SourceIP != "192.0.2.1" || c.DomainName != "example.com" {
					t.Errorf("requestContext = %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := NewHTTPEvent(tt.req(), "rid", now)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ev)
		})
	}
}

func TestHTTPEventTimeEpochIsAString(t *testing.T) {
	b, err := HTTPEvent(httptest.NewRequest("GET", "/", nil), "rid")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		RequestContext struct {
			TimeEpoch json.RawMessage `json:"timeEpoch"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if s := string(raw.RequestContext.TimeEpoch); len(s) < 3 || s[0] != '"' {
		t.Errorf("timeEpoch = %s, want a JSON string", s)
	}
}

func TestHTTPResponse(t *testing.T) {
	tests := []struct {
		name       string
		result     string
		wantErr    bool
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{name: "text", result: `{"statusCode":201,"headers":{"Content-Type":"application/json","Vary":"Origin, Accept"},"body":"{}"}`,
			wantStatus: 201, wantBody: "{}", wantHeader: map[string]string{"Content-Type": "application/json", "Vary": "Origin, Accept"}},
		{name: "base64", result: `{"statusCode":200,"isBase64Encoded":true,"body":"/wA="}`, wantStatus: 200, wantBody: "\xff\x00"},
		{name: "no status", result: `{"body":"x"}`, wantStatus: 200, wantBody: "x"},
		{name: "not json", result: `nope`, wantErr: true},
		{name: "bad base64", result: `{"isBase64Encoded":true,"body":"%"}`, wantErr: true},
		{name: "bad status", result: `{"statusCode":42}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			err := HTTPResponse([]byte(tt.result), w)
			if tt.wantErr {
				if err == nil || !strings.HasPrefix(err.Error(), "fcruntime: ") {
					t.Fatalf("err = %v, want an fcruntime error", err)
				}
				if w.Body.Len() != 0 || len(w.Header()) != 0 {
					t.Error("wrote a response for an invalid result")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %q", w.Code, w.Body.String())
			}
			for k, v := range tt.wantHeader {
				if w.Header().Get(k) != v {
					t.Errorf("%s = %q, want %q", k, w.Header().Get(k), v)
				}
			}
		})
	}
}
