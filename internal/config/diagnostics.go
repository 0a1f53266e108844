package config

import (
	"bytes"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics renders diags for a terminal: each starts "FILE:LINE:COL: error: SUMMARY"
// (FILE relative to the enclave dir), so editors and CI annotations can jump to it, then hcl's
// snippet of the source and the detail.
func (l *Loader) WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, color bool) error {
	var files map[string]*hcl.File
	if l.Parser != nil {
		files = l.Parser.Files()
	}
	var buf bytes.Buffer
	tw := hcl.NewDiagnosticTextWriter(&buf, files, 0, color)
	for _, d := range diags {
		buf.Reset()
		if err := tw.WriteDiagnostic(d); err != nil {
			return err
		}
		// hcl's first paragraph is "Error: SUMMARY"; ours replaces it with a located header.
		body := buf.Bytes()
		if i := bytes.Index(body, []byte("\n\n")); i >= 0 {
			body = body[i+2:]
		}
		sev, sevColor := "error", "\x1b[31m"
		if d.Severity == hcl.DiagWarning {
			sev, sevColor = "warning", "\x1b[33m"
		}
		if color {
			sev = sevColor + sev + "\x1b[0m"
		}
		loc := ""
		if d.Subject != nil {
			loc = fmt.Sprintf("%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		if _, err := fmt.Fprintf(w, "%s%s: %s\n", loc, sev, d.Summary); err != nil {
			return err
		}
		if len(body) > 0 {
			if _, err := w.Write(append([]byte("\n"), body...)); err != nil {
				return err
			}
		}
	}
	return nil
}
