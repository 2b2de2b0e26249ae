package main

import (
	"io"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	o, err := parse([]string{"-window", "5s", "-interval", "1s", "-max-5xx-rate", "0.05"}, io.Discard)
	if err != nil || o.source != "local" || o.window != 5*time.Second || o.thresholds.Max5xxRate != 0.05 || o.thresholds.MinRequests != 50 {
		t.Errorf("parse = %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"-source", "k8s"}, {"-source", "fc"}, {"-window", "0s"}, {"extra"}} {
		if _, err := parse(bad, io.Discard); err == nil {
			t.Errorf("parse(%v) succeeds", bad)
		}
	}
}
