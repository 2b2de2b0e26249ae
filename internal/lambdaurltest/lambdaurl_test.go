package lambdaurltest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewEvent(t *testing.T) {
	now := time.UnixMilli(1707098457876)
	tests := []struct {
		name  string
		req   func() *http.Request
		check func(t *testing.T, ev *Request)
	}{
		{
			name: "headers, cookies and query",
			req: func() *http.Request {
				r := httptest.NewRequest("GET", "https://abc.lambda-url.eu-west-1.on.aws/todos/a%2Fb?tag=x&tag=y", nil)
				r.Header.Add("Accept", "text/html")
				r.Header.Add("Accept", "application/json")
				r.Header.Add("Cookie", "s=1; t=2")
				r.Header.Add("Cookie", "u=3")
				return r
			},
			check: func(t *testing.T, ev *Request) {
				if ev.Version != "2.0" || ev.RawPath != "/todos/a%2Fb" || ev.RawQueryString != "tag=x&tag=y" {
					t.Errorf("version/path/query = %q %q %q", ev.Version, ev.RawPath, ev.RawQueryString)
				}
				if ev.Headers["accept"] != "text/html,application/json" || ev.Headers["host"] != "abc.lambda-url.eu-west-1.on.aws" {
					t.Errorf("headers = %v", ev.Headers)
				}
				if _, ok := ev.Headers["cookie"]; ok || strings.Join(ev.Cookies, "|") != "s=1|t=2|u=3" {
					t.Errorf("cookies = %q, headers %v", ev.Cookies, ev.Headers)
				}
				if ev.QueryParameters["tag"] != "x,y" {
					t.Errorf("query map = %v", ev.QueryParameters)
				}
				c := ev.RequestContext
				if c.DomainPrefix != "abc" || c.HTTP.Method != "GET" || c.HTTP.Path != "/todos/a/b" || c.RequestID != "rid" ||
					c.TimeEpoch != 1707098457876 || c.HTTP.SourceIP != "192.0.2.1" {
					t.Errorf("requestContext = %+v", c)
				}
			},
		},
		{
			name: "binary body",
			req:  func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader("\xff\x00")) },
			check: func(t *testing.T, ev *Request) {
				if ev.Body != "/wA=" || !ev.IsBase64Encoded {
					t.Errorf("body = %q %v", ev.Body, ev.IsBase64Encoded)
				}
			},
		},
		{
			name: "text body",
			req:  func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader(`{"a":"é"}`)) },
			check: func(t *testing.T, ev *Request) {
				if ev.Body != `{"a":"é"}` || ev.IsBase64Encoded {
					t.Errorf("body = %q %v", ev.Body, ev.IsBase64Encoded)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := NewEvent(tt.req(), "rid", now)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ev)
		})
	}
}

func TestFunctionURLEventJSON(t *testing.T) {
	b, err := FunctionURLEvent(httptest.NewRequest("DELETE", "/todos/1", nil), "rid")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	rc, _ := m["requestContext"].(map[string]any)
	if _, ok := rc["timeEpoch"].(float64); !ok || m["rawPath"] != "/todos/1" {
		t.Errorf("event = %s", b)
	}
}

func TestWriteFunctionURLResponse(t *testing.T) {
	tests := []struct {
		name        string
		result      string
		wantErr     bool
		wantStatus  int
		wantBody    string
		wantCookies []string
	}{
		{name: "text with cookies", result: `{"statusCode":201,"headers":{"content-type":"application/json"},"body":"{}","cookies":["a=1","b=2; Path=/"]}`,
			wantStatus: 201, wantBody: "{}", wantCookies: []string{"a=1", "b=2; Path=/"}},
		{name: "base64", result: `{"statusCode":200,"isBase64Encoded":true,"body":"/wA="}`, wantStatus: 200, wantBody: "\xff\x00"},
		{name: "no status", result: `{"body":"x"}`, wantStatus: 200, wantBody: "x"},
		{name: "not json", result: `nope`, wantErr: true},
		{name: "bad base64", result: `{"isBase64Encoded":true,"body":"%"}`, wantErr: true},
		{name: "bad status", result: `{"statusCode":1000}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			err := WriteFunctionURLResponse([]byte(tt.result), w)
			if tt.wantErr {
				if err == nil || !strings.HasPrefix(err.Error(), "lambdaurl: ") {
					t.Fatalf("err = %v, want a lambdaurl error", err)
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
			if got := w.Header().Values("Set-Cookie"); strings.Join(got, "|") != strings.Join(tt.wantCookies, "|") {
				t.Errorf("Set-Cookie = %q, want %q", got, tt.wantCookies)
			}
		})
	}
}
