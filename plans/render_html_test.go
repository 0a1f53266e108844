package plans

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRenderHTMLGolden(t *testing.T) {
	ps := fixtures(t)
	for _, name := range []string{"mixed", "drift", "sensitive", "no-changes", "firewall"} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderHTML(&buf, ps[name]); err != nil {
				t.Fatal(err)
			}
			golden(t, "html/"+name+".html", buf.Bytes())
			out := buf.String()
			if strings.Contains(out, "hunter") {
				t.Errorf("a sensitive value is in the page")
			}
			for _, bad := range []string{"<script", "src=", "href=\"http", "@import", "url("} {
				if strings.Contains(out, bad) {
					t.Errorf("page is not self-contained: has %q", bad)
				}
			}
			for _, want := range []string{ps[name].DigestLine(), "enclave approve FILE --key ~/.ssh/id_ed25519 --as NAME", "ssh-keygen -Y sign -n enclave-plan -f ~/.ssh/id_ed25519 digest.txt", "enclave approve FILE --signature digest.txt.sig --as NAME"} {
				if !strings.Contains(out, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

func TestRenderHTMLNamesFileAndEscapes(t *testing.T) {
	ks := newTestKeys(t)
	p := basePlan(ks)
	p.Changes = []ResourceChange{{Addr: "junos_application.x", Mode: "managed", Type: "junos_application", Name: "x", Action: Create, After: map[string]any{"description": "<script>alert(1)</script>"}}}
	Encode(p)
	var buf bytes.Buffer
	if err := RenderHTMLNamed(&buf, p, "change-42.plan"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>alert") {
		t.Errorf("attribute values are not escaped")
	}
	if !strings.Contains(buf.String(), "enclave approve change-42.plan --key") {
		t.Errorf("plan file name not used")
	}
}

// TestRenderHTMLInChromium renders the page in a real headless browser: the screenshot must
// show something and the DOM must hold the facts a reviewer needs.
func TestRenderHTMLInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is needed for this test (apt-get install -y chromium): %v", err)
	}
	ps := fixtures(t)
	p := ps["mixed"]
	dir := t.TempDir()
	page := filepath.Join(dir, "plan.html")
	var buf bytes.Buffer
	if err := RenderHTML(&buf, p); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(page, buf.Bytes(), 0o644)
	args := func(extra ...string) []string {
		return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
			"--user-data-dir=" + filepath.Join(dir, "profile")}, append(extra, "file://"+page)...)
	}
	browse := func(extra ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, args(extra...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", extra, err, stderr.String())
		}
		return stdout.Bytes()
	}

	shot := filepath.Join(dir, "plan.png")
	browse("--screenshot="+shot, "--window-size=1200,1600", "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	colours, nonWhite, reddish := countPixels(img)
	if nonWhite < 20000 || colours < 16 || reddish < 200 {
		t.Errorf("screenshot looks blank or uncoloured: %d distinct colours, %d non-white pixels, %d red pixels", colours, nonWhite, reddish)
	}
	if os.Getenv("ENCLAVE_KEEP_SCREENSHOT") != "" {
		os.WriteFile(os.Getenv("ENCLAVE_KEEP_SCREENSHOT"), mustRead(t, shot), 0o644)
	}

	dom := string(browse("--dump-dom"))
	for _, want := range []string{p.Digest, "ontap_volume.old_mail", "vsphere_nas_datastore.nfs1", "destroys-data", "required", "DESTRUCTIVE", "2 destructive changes destroy data"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
}

func countPixels(img image.Image) (colours, nonWhite, reddish int) {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			seen[r<<16|g<<8|bl] = true
			if r < 240 || g < 240 || bl < 240 {
				nonWhite++
			}
			if r > 150 && g < 90 && bl < 90 {
				reddish++
			}
		}
	}
	return len(seen), nonWhite, reddish
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRenderHTMLReachability(t *testing.T) {
	ps := fixtures(t)
	var buf bytes.Buffer
	if err := RenderHTML(&buf, ps["firewall"]); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`<h2 id="reachability">Reachability</h2>`,
		`<h3><code>junos.srx</code>: opens 3, closes 1</h3>`,
		`<tr class="add"><td class="sym">+</td><td>mgmt</td><td>hci</td><td><code>10.20.10.0/24</code></td><td><code>10.20.120.0/24</code></td><td><code>udp/161</code></td></tr>`,
		`<tr class="add"><td class="sym">+</td><td>hci</td><td>core</td><td><code>any</code></td><td><code>any</code></td><td><code>udp/123</code> <strong class="note">any to any</strong></td></tr>`,
		`<tr class="del"><td class="sym">-</td><td>core</td><td>hci</td><td><code>10.64.0.0/12</code></td><td><code>10.20.120.0/24</code></td><td><code>tcp/110</code></td></tr>`,
		`<h3><code>junos.srx-lab</code>: not computed</h3>`,
		`<td><code>opens-into-hci</code></td><td>when it opens into hci</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	buf.Reset()
	RenderHTML(&buf, ps["mixed"])
	if strings.Contains(buf.String(), "Reachability") {
		t.Errorf("a plan that opens nothing has a reachability section")
	}
}
