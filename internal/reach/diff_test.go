package reach

import (
	"errors"
	"strings"
	"testing"
)

// base is the address books the table cases share.
func base() Config {
	return Config{
		Zones: map[string]AddressBook{
			"trust": book("lan=10.0.0.0/16", "lan5=10.0.5.0/24", "h1=10.0.9.1", "h2=10.0.9.2/32", "h3=10.0.9.3/32",
				"inner:h1,h2", "outer:inner,h3"),
			"dmz": book("web=10.20.0.0/24", "w1=10.20.0.10/32", "w2=10.20.0.11/32", "web-servers:w1",
				"srv=10.20.0.5/32"),
		},
		Global: book("srv=10.99.0.5/32", "dns=10.99.0.53/32", "mgmt=192.168.0.0/24"),
		Applications: map[string]Application{
			"app-8080":  {Protocol: "tcp", DestinationPort: "8080"},
			"app-range": {Protocol: "tcp", DestinationPort: "8000-8100"},
			"hi-src":    {Protocol: "tcp", DestinationPort: "ssh", SourcePort: "1024-65535"},
		},
	}
}

func with(pairs ...ZonePair) Config {
	c := base()
	c.Policies = pairs
	return c
}

func TestDiffTable(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after Config
		want          string // Result.String()
	}{
		{
			name:   "shadowed permit opens nothing",
			before: with(pair("trust", "dmz", pol("deny-all", "deny", "any", "any", "any"))),
			after: with(pair("trust", "dmz", pol("deny-all", "deny", "any", "any", "any"),
				pol("web", "permit", "lan", "web", "junos-https"))),
			want: "",
		},
		{
			name: "permit moved above a deny opens exactly the overlap",
			before: with(pair("trust", "dmz",
				pol("no-lan", "deny", "lan", "any", "any"),
				pol("web", "permit", "lan5", "web", "junos-https"))),
			after: with(pair("trust", "dmz",
				pol("web", "permit", "lan5", "web", "junos-https"),
				pol("no-lan", "deny", "lan", "any", "any"))),
			want: "+ trust -> dmz: 10.0.5.0/24 -> 10.20.0.0/24 tcp/443\n",
		},
		{
			name:   "address-set member added",
			before: with(pair("trust", "dmz", pol("web", "permit", "any", "web-servers", "junos-https"))),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("web", "permit", "any", "web-servers", "junos-https")))
				c.Zones["dmz"].AddressSets["web-servers"] = []string{"w1", "w2"}
				return c
			}(),
			want: "+ trust -> dmz: any -> 10.20.0.11/32 tcp/443\n",
		},
		{
			name:   "application ports widened",
			before: with(pair("trust", "dmz", pol("alt", "permit", "lan", "web", "app-8080"))),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("alt", "permit", "lan", "web", "app-8080")))
				c.Applications["app-8080"] = Application{Protocol: "tcp", DestinationPort: "8080-8081"}
				return c
			}(),
			want: "+ trust -> dmz: 10.0.0.0/16 -> 10.20.0.0/24 tcp/8081\n",
		},
		{
			name:   "application ports narrowed",
			before: with(pair("trust", "dmz", pol("alt", "permit", "lan", "web", "app-range"))),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("alt", "permit", "lan", "web", "app-range")))
				c.Applications["app-range"] = Application{Protocol: "tcp", DestinationPort: "8050"}
				return c
			}(),
			want: "- trust -> dmz: 10.0.0.0/16 -> 10.20.0.0/24 tcp/8000-8049,8051-8100\n",
		},
		{
			name: "a pair's last deny removed changes nothing: the default denies",
			before: with(pair("trust", "dmz",
				pol("web", "permit", "lan", "web", "junos-https"),
				pol("deny-all", "deny", "any", "any", "any"))),
			after: with(pair("trust", "dmz", pol("web", "permit", "lan", "web", "junos-https"))),
			want:  "",
		},
		{
			name: "a pair's policies all removed closes what they permitted",
			before: with(pair("trust", "dmz",
				pol("web", "permit", "lan", "web", "junos-https"),
				pol("ssh", "permit", "lan", "web", "junos-ssh"),
				pol("deny-all", "deny", "any", "any", "any"))),
			after: with(),
			want:  "- trust -> dmz: 10.0.0.0/16 -> 10.20.0.0/24 tcp/22,443\n",
		},
		{
			name:   "a pair's policies all added opens what they permit",
			before: with(pair("trust", "dmz")),
			after:  with(pair("trust", "dmz", pol("p", "permit", "h1 h3", "w1 w2", "junos-dns-udp junos-dns-tcp"))),
			want:   "+ trust -> dmz: 10.0.9.1/32,10.0.9.3/32 -> 10.20.0.10/31 tcp,udp/53\n",
		},
		{
			name:   "a renamed policy changes nothing",
			before: with(pair("trust", "dmz", pol("web", "permit", "lan", "web", "junos-https"))),
			after:  with(pair("trust", "dmz", pol("https-to-web", "permit", "lan", "web", "junos-https"))),
			want:   "",
		},
		{
			name: "two non-overlapping policies reordered change nothing",
			before: with(pair("trust", "dmz",
				pol("a", "permit", "h1", "w1", "junos-https"),
				pol("b", "deny", "h2", "w2", "junos-ssh"))),
			after: with(pair("trust", "dmz",
				pol("b", "deny", "h2", "w2", "junos-ssh"),
				pol("a", "permit", "h1", "w1", "junos-https"))),
			want: "",
		},
		{
			name: "overlapping permit and deny reordered: the overlap flips",
			before: with(pair("trust", "dmz",
				pol("ssh-lan", "permit", "lan", "web", "junos-ssh"),
				pol("no-h1", "deny", "h1", "any", "any"))),
			after: with(pair("trust", "dmz",
				pol("no-h1", "deny", "h1", "any", "any"),
				pol("ssh-lan", "permit", "lan", "web", "junos-ssh"))),
			want: "- trust -> dmz: 10.0.9.1/32 -> 10.20.0.0/24 tcp/22\n",
		},
		{
			name: "prefixes of different lengths overlapping partially",
			// before permits 10.0.0.0/22 minus 10.0.1.0/24 = 10.0.0.0/24 + 10.0.2.0/23;
			// after permits (10.0.1.0/24 + 10.0.2.0/23 + 10.0.4.0/24) minus 10.0.1.128/25.
			before: func() Config {
				c := with(pair("trust", "dmz",
					pol("d", "deny", "x24", "any", "any"),
					pol("p", "permit", "x22", "w1", "junos-ssh")))
				c.Global = book("x24=10.0.1.0/24", "x22=10.0.0.0/22")
				return c
			}(),
			after: func() Config {
				c := with(pair("trust", "dmz",
					pol("d", "deny", "x25", "any", "any"),
					pol("p", "permit", "x24 x23 y24", "w1", "junos-ssh")))
				c.Global = book("x24=10.0.1.0/24", "x25=10.0.1.128/25", "x23=10.0.2.0/23", "y24=10.0.4.0/24")
				return c
			}(),
			want: "+ trust -> dmz: 10.0.1.0/25,10.0.4.0/24 -> 10.20.0.10/32 tcp/22\n" +
				"- trust -> dmz: 10.0.0.0/24 -> 10.20.0.10/32 tcp/22\n",
		},
		{
			name:   "nested address sets: a member of the inner set added",
			before: with(pair("trust", "dmz", pol("p", "permit", "outer", "w1", "junos-ssh"))),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("p", "permit", "outer", "w1", "junos-ssh")))
				c.Zones["trust"].Addresses["h4"] = "10.0.9.4/32"
				c.Zones["trust"].AddressSets["inner"] = []string{"h1", "h2", "h4"}
				return c
			}(),
			want: "+ trust -> dmz: 10.0.9.4/32 -> 10.20.0.10/32 tcp/22\n",
		},
		{
			name:   "nested address sets resolve to their union",
			before: with(),
			after:  with(pair("trust", "dmz", pol("p", "permit", "outer", "w1", "junos-ssh"))),
			want:   "+ trust -> dmz: 10.0.9.1/32,10.0.9.2/31 -> 10.20.0.10/32 tcp/22\n",
		},
		{
			name:   "zone book before global book",
			before: with(),
			// srv is 10.20.0.5 in dmz's book and 10.99.0.5 in the global one; trust has none.
			after: with(
				pair("trust", "dmz", pol("p", "permit", "any", "srv", "junos-https")),
				pair("dmz", "trust", pol("p", "permit", "srv", "h1", "junos-https")),
				pair("trust", "untrust", pol("p", "permit", "h1", "srv", "junos-https")),
			),
			want: "+ dmz -> trust: 10.20.0.5/32 -> 10.0.9.1/32 tcp/443\n" +
				"+ trust -> dmz: any -> 10.20.0.5/32 tcp/443\n" +
				"+ trust -> untrust: 10.0.9.1/32 -> 10.99.0.5/32 tcp/443\n",
		},
		{
			name:   "zone set member resolved in the global book",
			before: with(),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("p", "permit", "mixed", "w1", "junos-ntp")))
				c.Zones["trust"].AddressSets["mixed"] = []string{"h1", "mgmt"}
				return c
			}(),
			want: "+ trust -> dmz: 10.0.9.1/32,192.168.0.0/24 -> 10.20.0.10/32 udp/123\n",
		},
		{
			name:   "junos-* predefined applications",
			before: with(),
			after: with(pair("trust", "dmz",
				pol("mail", "permit", "h1", "w1", "junos-smtp junos-imap junos-imaps junos-pop3"),
				pol("ping", "permit", "h1", "w1", "junos-icmp-ping"),
				pol("smb", "permit", "h2", "w1", "junos-smb"),
				pol("infra", "permit", "h3", "w1", "junos-syslog junos-snmp-get junos-ldap junos-ntp"),
				pol("gre", "permit", "h3", "w2", "junos-gre junos-ping"),
			)),
			want: "+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 icmp type 8\n" +
				"+ trust -> dmz: 10.0.9.3/32 -> 10.20.0.11/32 icmp,gre\n" +
				"+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 tcp/25,110,143,993\n" +
				"+ trust -> dmz: 10.0.9.2/32 -> 10.20.0.10/32 tcp/139,445\n" +
				"+ trust -> dmz: 10.0.9.3/32 -> 10.20.0.10/32 tcp/389\n" +
				"+ trust -> dmz: 10.0.9.3/32 -> 10.20.0.10/32 udp/123,161,514\n",
		},
		{
			name:   "icmp narrowed from all types to echo requests",
			before: with(pair("trust", "dmz", pol("ping", "permit", "h1", "w1", "junos-icmp-all"))),
			after:  with(pair("trust", "dmz", pol("ping", "permit", "h1", "w1", "junos-icmp-ping"))),
			want:   "- trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 icmp type 0-7,9-255\n",
		},
		{
			name:   "icmp kept apart from a port it shares a number with",
			before: with(),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "junos-icmp-ping tcp-8")))
				c.Applications["tcp-8"] = Application{Protocol: "tcp", DestinationPort: "8"}
				return c
			}(),
			want: "+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 icmp type 8\n" +
				"+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 tcp/8\n",
		},
		{
			name:   "source ports",
			before: with(),
			after:  with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "hi-src"))),
			want:   "+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 tcp/22 sport 1024-65535\n",
		},
		{
			name:   "reject counts as deny",
			before: with(pair("trust", "dmz", pol("r", "reject", "h1", "w1", "any"), pol("p", "permit", "any", "w1", "junos-ssh"))),
			after:  with(pair("trust", "dmz", pol("p", "permit", "any", "w1", "junos-ssh"))),
			want:   "+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 tcp/22\n",
		},
		{
			name:   "any application is every protocol",
			before: with(),
			after:  with(pair("trust", "dmz", pol("p", "permit", "h1", "any", "any"))),
			want:   "+ trust -> dmz: 10.0.9.1/32 -> any any\n",
		},
		{
			name:   "an address-book edit no policy sees changes nothing",
			before: with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "junos-ssh"))),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "junos-ssh")))
				c.Zones["dmz"].Addresses["w2"] = "10.20.0.99/32"
				return c
			}(),
			want: "",
		},
		{
			name:   "IPv6 addresses are left out",
			before: with(),
			after: func() Config {
				c := with(pair("trust", "dmz", pol("p", "permit", "h1 v6", "w1", "junos-ssh"), pol("q", "permit", "any-ipv6", "any", "any")))
				c.Zones["trust"].Addresses["v6"] = "2001:db8::/32"
				return c
			}(),
			want: "+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 tcp/22\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustDiff(t, tc.before, tc.after)
			if got := r.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			// The reverse change swaps opens and closes.
			rev := mustDiff(t, tc.after, tc.before)
			if len(rev.Opens) != len(r.Closes) || len(rev.Closes) != len(r.Opens) {
				t.Errorf("reverse diff: %d opens, %d closes; want %d and %d", len(rev.Opens), len(rev.Closes), len(r.Closes), len(r.Opens))
			}
			for i := range rev.Opens {
				if rev.Opens[i].String() != r.Closes[i].String() {
					t.Errorf("reverse open %d = %s, want %s", i, rev.Opens[i], r.Closes[i])
				}
			}
			if r.Changed() != (tc.want != "") {
				t.Errorf("Changed() = %v", r.Changed())
			}
		})
	}
}

func TestDiffHelpers(t *testing.T) {
	before := with(pair("trust", "dmz", pol("x", "permit", "h1", "w1", "junos-ssh")))
	after := with(
		pair("trust", "dmz",
			pol("x", "permit", "h1", "w1", "junos-ssh"),
			pol("admin", "permit", "h1", "w1", "junos-ssh junos-https"),
			pol("web", "permit", "any", "any", "junos-https junos-http")),
		pair("dmz", "untrust", pol("out", "permit", "web", "any", "junos-dns-udp")),
	)
	r := mustDiff(t, before, after)
	want := "+ dmz -> untrust: 10.20.0.0/24 -> any udp/53\n" +
		"+ trust -> dmz: any -> any tcp/80,443\n"
	if got := r.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := r.OpensInto("dmz"); len(got) != 1 || got[0].To != "dmz" {
		t.Errorf("OpensInto(dmz) = %v", got)
	}
	if got := r.OpensInto("trust"); len(got) != 0 {
		t.Errorf("OpensInto(trust) = %v", got)
	}
	if got := r.OpensFrom("dmz"); len(got) != 1 || got[0].From != "dmz" {
		t.Errorf("OpensFrom(dmz) = %v", got)
	}
	a2a := r.OpensAnyToAny()
	if len(a2a) != 1 || a2a[0].String() != "trust -> dmz: any -> any tcp/80,443" {
		t.Errorf("OpensAnyToAny = %v", a2a)
	}
	if !a2a[0].AnySource() || !a2a[0].AnyDestination() || a2a[0].AnyService() {
		t.Errorf("Any* of %v wrong", a2a[0])
	}
}

// An any-to-any opening can be spread over several boxes of Opens; OpensAnyToAny still sees it.
func TestOpensAnyToAnyAcrossBoxes(t *testing.T) {
	after := with(pair("trust", "dmz",
		pol("a", "permit", "any", "any", "junos-https"),
		pol("b", "permit", "h1", "w1", "junos-ssh"),
		pol("c", "permit", "h2", "any", "junos-ssh")))
	r := mustDiff(t, with(), after)
	var a2aBox bool
	for _, b := range r.Opens {
		if b.AnySource() && b.AnyDestination() {
			a2aBox = true
		}
	}
	if a2aBox {
		t.Logf("opens:\n%s", r)
	}
	a2a := r.OpensAnyToAny()
	if len(a2a) != 1 || a2a[0].Service() != "tcp/443" {
		t.Errorf("OpensAnyToAny = %v\nopens:\n%s", a2a, r)
	}
}

// A change that makes a service any-to-any opens it any-to-any, though it was open between
// two hosts before (so Opens leaves them out and no box of Opens is any-to-any): otherwise a
// policy refusing any-to-any openings could be passed in two steps.
func TestOpensAnyToAnyCompletingAnOldPermit(t *testing.T) {
	before := with(pair("trust", "dmz",
		pol("b", "permit", "h1", "w1", "junos-ssh"),
		pol("deny", "deny", "any", "any", "any")))
	after := with(pair("trust", "dmz",
		pol("b", "permit", "h1", "w1", "junos-ssh"),
		pol("a", "permit", "any", "any", "junos-ssh junos-https"),
		pol("deny", "deny", "any", "any", "any")))
	r := mustDiff(t, before, after)
	for _, b := range r.Opens {
		if b.AnySource() && b.AnyDestination() && b.Service() == "tcp/22" {
			t.Fatalf("an Opens box holds the old permit: %v", b)
		}
	}
	a2a := r.OpensAnyToAny()
	if len(a2a) != 1 || a2a[0].String() != "trust -> dmz: any -> any tcp/22,443" {
		t.Errorf("OpensAnyToAny = %v\nopens:\n%s", a2a, r)
	}
	// A service any-to-any before as after is not opened so, whatever else the change opens.
	r = mustDiff(t, after, with(pair("trust", "dmz",
		pol("a", "permit", "any", "any", "junos-ssh junos-https"),
		pol("c", "permit", "h1", "any", "any"),
		pol("deny", "deny", "any", "any", "any"))))
	if !r.Changed() || len(r.OpensAnyToAny()) != 0 {
		t.Errorf("OpensAnyToAny = %v\nopens:\n%s", r.OpensAnyToAny(), r)
	}
}

func TestDiffErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		what     string
		badName  string
		contains string
	}{
		{"unknown source", with(pair("trust", "dmz", pol("p", "permit", "nope", "w1", "any"))), "source address", "nope", "not defined"},
		{"source in the wrong zone", with(pair("trust", "dmz", pol("p", "permit", "w1", "w1", "any"))), "source address", "w1", "zone trust"},
		{"unknown application", with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "junos-nope"))), "application", "junos-nope", "not a custom application"},
		{"bad action", with(pair("trust", "dmz", pol("p", "allow", "h1", "w1", "any"))), "action", "allow", "permit, deny or reject"},
		{"bad prefix", func() Config {
			c := with(pair("trust", "dmz", pol("p", "permit", "h1", "bad", "any")))
			c.Global.Addresses["bad"] = "10.0.0.300/24"
			return c
		}(), "destination address", "bad", "not an IP prefix"},
		{"set cycle", func() Config {
			c := with(pair("trust", "dmz", pol("p", "permit", "loop1", "w1", "any")))
			c.Global.AddressSets["loop1"] = []string{"mgmt", "loop2"}
			c.Global.AddressSets["loop2"] = []string{"loop1"}
			return c
		}(), "source address", "loop1", "contains itself"},
		{"bad port", func() Config {
			c := with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "weird")))
			c.Applications["weird"] = Application{Protocol: "tcp", DestinationPort: "http-alt"}
			return c
		}(), "application", "weird", "not a port number"},
		{"ports without ports", func() Config {
			c := with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "weird")))
			c.Applications["weird"] = Application{Protocol: "gre", DestinationPort: "80"}
			return c
		}(), "application", "weird", "has no ports"},
		{"app set member unknown", func() Config {
			c := with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "set1")))
			c.ApplicationSets = map[string][]string{"set1": {"junos-ssh", "ghost"}}
			return c
		}(), "application", "set1", `member "ghost"`},
		{"no destination", with(pair("trust", "dmz", pol("p", "permit", "h1", "", "any"))), "destination address", "", "none given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Diff(with(), tc.cfg)
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *ResolveError", err)
			}
			if re.Policy != "p" || re.From != "trust" || re.To != "dmz" || re.What != tc.what || re.Name != tc.badName {
				t.Errorf("err = %+v", re)
			}
			if !strings.Contains(err.Error(), tc.contains) || !strings.HasPrefix(err.Error(), "after: ") {
				t.Errorf("err = %q, want it to start with after: and contain %q", err, tc.contains)
			}
			if _, err := Diff(tc.cfg, with()); err == nil || !strings.HasPrefix(err.Error(), "before: ") {
				t.Errorf("before side: err = %v", err)
			}
		})
	}
}

func TestApplicationSets(t *testing.T) {
	before := with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "web-apps")))
	before.ApplicationSets = map[string][]string{"web-apps": {"junos-http", "inner"}, "inner": {"junos-https"}}
	after := with(pair("trust", "dmz", pol("p", "permit", "h1", "w1", "web-apps")))
	after.ApplicationSets = map[string][]string{"web-apps": {"junos-http", "inner"}, "inner": {"junos-https", "app-8080"}}
	r := mustDiff(t, before, after)
	if got, want := r.String(), "+ trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 tcp/8080\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPermits(t *testing.T) {
	cfg := with(pair("trust", "dmz",
		pol("no-h1", "deny", "h1", "any", "any"),
		pol("ssh", "permit", "inner", "web", "junos-ssh")))
	got, err := Permits(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].String() != "trust -> dmz: 10.0.9.2/32 -> 10.20.0.0/24 tcp/22" {
		t.Errorf("Permits = %v", got)
	}
}

func TestPermitsRendering(t *testing.T) {
	cfg := with(pair("trust", "dmz",
		pol("no-ssh", "deny", "h1", "w1", "junos-ssh"),
		pol("rest", "permit", "h1", "w1", "any")))
	got, err := Permits(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, b := range got {
		lines = append(lines, b.String())
	}
	want := "trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 proto 0-5,7-255\n" +
		"trust -> dmz: 10.0.9.1/32 -> 10.20.0.10/32 tcp/0-21,23-65535"
	if s := strings.Join(lines, "\n"); s != want {
		t.Errorf("got\n%s\nwant\n%s", s, want)
	}
}

func TestDuplicateZonePair(t *testing.T) {
	cfg := with(pair("trust", "dmz"), pair("trust", "dmz"))
	if _, err := Diff(with(), cfg); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("err = %v", err)
	}
}

func TestAltOrders(t *testing.T) {
	if len(altOrders) != 40 || altOrders[0] != defaultOrder {
		t.Fatalf("%d orders, first %v", len(altOrders), altOrders[0])
	}
	seen := map[[nDims]dim]bool{}
	for _, o := range altOrders {
		if seen[o] {
			t.Fatalf("order %v twice", o)
		}
		seen[o] = true
		pos := map[dim]int{}
		for l, x := range o {
			pos[x] = l
		}
		if len(pos) != int(nDims) || pos[dimProto] > pos[dimDport] || pos[dimProto] > pos[dimSport] {
			t.Fatalf("bad order %v", o)
		}
	}
}
