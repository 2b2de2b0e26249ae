package archtest

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docPath is the architecture page whose statements these tests check.
const docPath = "../../docs/architecture.md"

// section returns the text of docs/architecture.md from the heading title
// to the next "## " heading.
func section(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n## "+title+"\n")
	if i < 0 {
		t.Fatalf("%s has no section %q", docPath, title)
	}
	s = s[i+len("\n## "+title+"\n"):]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

var backticked = regexp.MustCompile("`([^`]*)`")

// row is a Markdown table row's backticked names, column by column.
type row [][]string

// tableRows returns the rows of the Markdown tables in text whose first
// cell names something in backticks (header and rule rows have none).
func tableRows(text string) []row {
	var rows []row
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		var r row
		for _, c := range cells {
			var names []string
			for _, m := range backticked.FindAllStringSubmatch(c, -1) {
				names = append(names, m[1])
			}
			r = append(r, names)
		}
		rows = append(rows, r)
	}
	return rows
}

// pkgName matches a module package's path as the page writes it.
var pkgName = regexp.MustCompile(`pkg/[a-z0-9]+(/[a-z0-9]+)*`)

// edges is the import graph of ./pkg/... and ./functions/... restricted to
// the module's own packages, under the union of every tag set; every
// functions/<name> is folded into "functions/*". It also returns every
// package under pkg/.
func edges(t *testing.T) (map[string]bool, map[string]bool) {
	t.Helper()
	arrows, pkgs := map[string]bool{}, map[string]bool{}
	for _, tags := range tagSets {
		for path, p := range list(t, tags, "./pkg/...", "./functions/...") {
			from, ok := local(path)
			if !ok {
				continue
			}
			switch {
			case under(from, "pkg"):
				pkgs[from] = true
			case under(from, "functions"):
				from = "functions/*"
			default:
				continue
			}
			for _, imp := range p.Imports {
				if to, ok := local(imp); ok {
					arrows[from+" → "+to] = true
				}
			}
		}
	}
	return arrows, pkgs
}

// TestImportPicture keeps "Packages and the direction of imports" true:
// its table lists exactly the module-internal imports go list finds (both
// ways), has a row for each package under pkg/, and every arrow points down
// the picture above it, which names each package once.
func TestImportPicture(t *testing.T) {
	text := section(t, "Packages and the direction of imports")
	arrows, pkgs := edges(t)

	// The table: every arrow it states exists, every import is stated.
	text, _, _ = strings.Cut(text, "**Each dependency has one owner.**")
	stated, rows := map[string]bool{}, map[string]bool{}
	for _, r := range tableRows(text) {
		if len(r) < 2 || len(r[0]) != 1 {
			t.Errorf("import table row %v: want one package, then its imports", r)
			continue
		}
		from := r[0][0]
		if rows[from] {
			t.Errorf("import table: %s has two rows", from)
		}
		rows[from] = true
		for _, to := range r[1] {
			stated[from+" → "+to] = true
		}
	}
	for _, a := range slices.Sorted(maps.Keys(stated)) {
		if !arrows[a] {
			t.Errorf("docs/architecture.md states %s, which no build imports", a)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(arrows)) {
		if !stated[a] {
			t.Errorf("docs/architecture.md's import table misses %s", a)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(pkgs)) {
		if !rows[p] {
			t.Errorf("docs/architecture.md's import table has no row for %s", p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(rows)) {
		if !pkgs[p] && p != "functions/*" {
			t.Errorf("docs/architecture.md's import table has a row for %s, which is no package", p)
		}
	}

	// The picture: each package on one line, every import pointing down.
	start := strings.Index(text, "```\n")
	end := strings.Index(text[start+4:], "```")
	if start < 0 || end < 0 {
		t.Fatal("docs/architecture.md: no picture in the imports section")
	}
	line := map[string]int{}
	for i, l := range strings.Split(text[start+4:start+4+end], "\n") {
		if strings.HasPrefix(l, "functions/") {
			line["functions/*"] = i
		}
		for _, p := range pkgName.FindAllString(l, -1) {
			if _, dup := line[p]; dup {
				t.Errorf("the picture names %s twice", p)
			}
			line[p] = i
		}
	}
	for _, p := range slices.Sorted(maps.Keys(pkgs)) {
		if _, ok := line[p]; !ok {
			t.Errorf("the picture does not show %s", p)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(arrows)) {
		from, to, _ := strings.Cut(a, " → ")
		if lf, lt := line[from], line[to]; lf >= lt {
			t.Errorf("the picture draws %s on or below %s, which it imports", from, to)
		}
	}
}

// TestOwnerTable keeps "Each dependency has one owner" equal to owners,
// the rules TestEachSDKHasOneOwner enforces: the same SDKs, each with the
// same packages allowed to import it.
func TestOwnerTable(t *testing.T) {
	text := section(t, "Packages and the direction of imports")
	i := strings.Index(text, "**Each dependency has one owner.**")
	if i < 0 {
		t.Fatal("docs/architecture.md has no owner table")
	}
	text, _, _ = strings.Cut(text[i:], "**Each function links only what it uses.**")
	doc := map[string]string{}
	for _, r := range tableRows(text) {
		var allowed []string
		for _, name := range r[1] {
			for _, prefix := range []string{"pkg/", "internal/", "deploy/", "cmd/", "functions/"} {
				if strings.HasPrefix(name, prefix) {
					allowed = append(allowed, name)
				}
			}
		}
		slices.Sort(allowed)
		for _, sdk := range r[0] {
			doc[sdk] = fmt.Sprint(allowed)
		}
	}
	code := map[string]string{}
	for _, o := range owners {
		code[o.sdk] = fmt.Sprint(slices.Sorted(slices.Values(o.allowed)))
	}
	for sdk, want := range code {
		if got, ok := doc[sdk]; !ok {
			t.Errorf("docs/architecture.md's owner table has no row for %s (owned by %s)", sdk, want)
		} else if got != want {
			t.Errorf("docs/architecture.md says %s is owned by %s; archtest allows %s", sdk, got, want)
		}
	}
	for sdk := range doc {
		if _, ok := code[sdk]; !ok {
			t.Errorf("docs/architecture.md names an owner of %s, which archtest has no rule for", sdk)
		}
	}
}

// TestOwnsTable keeps "What each package owns" listing exactly the
// packages under pkg/: a new package without a row fails, and so does a
// row for a package that is gone.
func TestOwnsTable(t *testing.T) {
	_, pkgs := edges(t)
	rows := map[string]bool{}
	for _, r := range tableRows(section(t, "What each package owns")) {
		for _, p := range r[0] {
			rows[p] = true
		}
	}
	for _, p := range slices.Sorted(maps.Keys(pkgs)) {
		if !rows[p] {
			t.Errorf("docs/architecture.md's \"What each package owns\" has no row for %s", p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(rows)) {
		if !pkgs[p] {
			t.Errorf("docs/architecture.md's \"What each package owns\" has a row for %s, which is no package", p)
		}
	}
}
