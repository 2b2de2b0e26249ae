package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestPack: the archive holds the file alone, named bootstrap, executable,
// with its bytes; packing twice writes the same archive; and it is no
// larger than archive/zip's default Deflate level writes.
func TestPack(t *testing.T) {
	self, err := os.ReadFile(os.Args[0]) // a Go binary, like a function
	if err != nil {
		t.Fatal(err)
	}
	self = self[:min(len(self), 1<<20)]
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	for _, out := range []string{a, b} {
		if err := pack(out, []string{bin}); err != nil {
			t.Fatal(err)
		}
	}
	za, _ := os.ReadFile(a)
	zb, _ := os.ReadFile(b)
	if !bytes.Equal(za, zb) {
		t.Error("packing twice wrote two different archives")
	}
	zr, err := zip.NewReader(bytes.NewReader(za), int64(len(za)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm()&0o111 != 0o111 {
		t.Fatalf("archive: %+v", zr.File)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, self) {
		t.Errorf("bootstrap's bytes differ (%v)", err)
	}

	var def bytes.Buffer
	zw := zip.NewWriter(&def)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zr.File[0].Modified})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(self)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if len(za) > def.Len() {
		t.Errorf("pack wrote %d bytes, archive/zip's default level %d", len(za), def.Len())
	}
	t.Logf("pack %d bytes, default level %d (%.2f %%)", len(za), def.Len(), 100*float64(len(za))/float64(def.Len()))
}
