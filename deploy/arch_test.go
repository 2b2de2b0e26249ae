package deploy

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/todofn/todofn/pkg/route"
)

// TestPackagesRunOnTheirCloud builds one HTTP function of both flavours
// through the real make targets (`make package-aws package-fc ONLY=<fn>`,
// into a temporary BUILD_DIR) and reads the bootstrap inside each zip: AWS
// Lambda runs it on arm64 (template.yml: Architectures: [arm64]), Function
// Compute's Go and custom runtimes only on x86_64. Both must be 64-bit,
// static Linux executables.
func TestPackagesRunOnTheirCloud(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		missing(t, "make is not installed")
	}
	fn := route.HTTPFunctions()[0].Name
	dir := t.TempDir()
	run(t, nil, "make", "--no-print-directory", "package-aws", "package-fc", "ONLY="+fn, "BUILD_DIR="+dir)
	for _, tt := range []struct {
		cloud   string
		machine elf.Machine
	}{
		{"aws", elf.EM_AARCH64},
		{"fc", elf.EM_X86_64},
	} {
		t.Run(tt.cloud, func(t *testing.T) {
			zipPath := filepath.Join(dir, tt.cloud, fn+".zip")
			f := bootstrapOf(t, zipPath)
			defer f.Close()
			if f.Machine != tt.machine {
				t.Errorf("%s: bootstrap is for %v, want %v", zipPath, f.Machine, tt.machine)
			}
			if f.Class != elf.ELFCLASS64 || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX || f.Type != elf.ET_EXEC {
				t.Errorf("%s: bootstrap is %v %v %v, want a 64-bit Linux executable", zipPath, f.Class, f.OSABI, f.Type)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("%s: bootstrap has a %v segment: it is not static (CGO_ENABLED=0)", zipPath, p.Type)
				}
			}
			if s := f.Section(".symtab"); s != nil {
				t.Errorf("%s: bootstrap has a symbol table: it is not stripped (-ldflags -s)", zipPath)
			}
		})
	}
}

// bootstrapOf opens the one file of a function zip, which must be an
// executable named bootstrap, as an ELF file.
func bootstrapOf(t *testing.T, zipPath string) *elf.File {
	t.Helper()
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if len(z.File) != 1 || z.File[0].Name != "bootstrap" {
		var names []string
		for _, f := range z.File {
			names = append(names, f.Name)
		}
		t.Fatalf("%s holds %v, want just bootstrap", zipPath, names)
	}
	if m := z.File[0].Mode(); m&0o111 == 0 {
		t.Errorf("%s: bootstrap has mode %v, want it executable", zipPath, m)
	}
	r, err := z.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: bootstrap is not an ELF file: %v", zipPath, err)
	}
	return f
}
