// Command pack zips a built function for deployment: the file named
// bootstrap, executable, at the root of the archive, as both AWS Lambda
// (provided.al2023) and Function Compute (go1 / custom runtimes) expect.
// The archive is reproducible: fixed times, fixed order. It is as small as
// Go's Deflate makes it: flate.BestCompression.
//
//	go run ./cmd/pack -o build/register.zip build/register/bootstrap
package main

import (
	"archive/zip"
	"compress/flate"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

func main() {
	out := flag.String("o", "", "the zip file to write")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: pack -o OUT.zip FILE...")
		os.Exit(2)
	}
	if err := pack(*out, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "pack: %v\n", err)
		os.Exit(1)
	}
}

func pack(out string, files []string) error {
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	zw := zip.NewWriter(f)
	// Deflate is the one compression both clouds' zip readers are sure to
	// take (Lambda's and FC's code packages are plain zip files); at
	// flate.BestCompression it writes 0.7 % less than archive/zip's default
	// level (login for AWS: 3.64 against 3.66 MiB; docs/performance.md),
	// for about 2 s more per function here. A stronger Deflate encoder
	// (Info-ZIP's zip -9, zopfli) writes a few per cent less again, but is
	// no Go library; pack stays in-process and reproducible.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	epoch := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range files {
		if err := add(zw, name, epoch); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

func add(zw *zip.Writer, name string, mtime time.Time) error {
	src, err := os.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	h := &zip.FileHeader{Name: filepath.Base(name), Method: zip.Deflate, Modified: mtime}
	h.SetMode(st.Mode().Perm() | 0o444) // keep the execute bits: the runtime must run bootstrap
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, src)
	return err
}
